//! Metric accumulators: counts per (item, period, group, value) computed by SQL `GROUP BY`.
//!
//! This is the only place metric data is read. The result is small (one row per distinct
//! combination) and mergeable, so it can be computed per shard and combined; the statistics are
//! computed from it in Rust, identically for both databases.
//!
//! Two paths give the same counts. A query that groups and filters by at most one key
//! (channel, touchpoint or one dimension) and not by customer reads the count tables, which
//! hold per-day counts for each key (see the migrations): thousands of rows instead of
//! millions. Any other query reads the fact tables, joining `segment_dimensions` once per key
//! (and `choice_answers` once per breakdown by a choice question's answer).
//! Responses that lack a grouped dimension form the group `None` on both paths; on the count
//! path that group is the total (key `''`) minus the counted values.

use std::collections::BTreeMap;

use cxm_domain::Grain;
use sqlx::{AssertSqlSafe, Row};

use crate::{Store, StoreError, with_pool};

/// Which facts a query counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerTable {
    /// Numeric answers (NPS, ratings, matrix rows), counted per value.
    Numeric,
    /// Chosen options, counted per option.
    Choice,
    /// Responses that answered a choice question, counted once each however many options
    /// they chose: the denominator of choice shares.
    ChoiceRespondents,
    /// Responses, counted per survey.
    Responses,
}

/// How rows are assigned to periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodSpec {
    /// One period, index 0, for the whole day range.
    Whole,
    /// One period per grain unit, indexed as in [`Grain::sql_index`].
    Grain(Grain),
}

/// A breakdown column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupColumn {
    /// The segment's channel.
    Channel,
    /// The segment's touchpoint (`""` when none).
    Touchpoint,
    /// A dimension of the segment (`None` when the response lacks it).
    Dimension(String),
    /// The option a response chose on one of these choice items (one per survey): a row per
    /// option chosen, `None` when the response did not answer. Read from the fact tables.
    Answer(Vec<i64>),
}

/// Responses that chose one of `options` (keys) on one of `items`, the items of one choice
/// question in the surveys read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerFilter {
    /// The question's items, one per survey.
    pub items: Vec<i64>,
    /// The option keys.
    pub options: Vec<String>,
}

impl AnswerFilter {
    /// The SQL condition on the response `response` (a column), with `alias` for the answer
    /// table: `bind` binds the items and the options and gives their placeholder lists.
    /// `EXISTS`, not a join, so that a response that chose two of the options counts once; a
    /// filter that names nothing keeps nothing (and binds nothing).
    pub(crate) fn condition(
        &self,
        alias: &str,
        response: &str,
        bind: impl FnOnce(&[i64], &[String]) -> (String, String),
    ) -> String {
        if self.items.is_empty() || self.options.is_empty() {
            return "1 = 0".to_owned();
        }
        let (items, options) = bind(&self.items, &self.options);
        format!(
            "EXISTS (SELECT 1 FROM choice_answers {alias} WHERE {alias}.response_id = {response} \
             AND {alias}.item_id IN ({items}) AND {alias}.option IN ({options}))"
        )
    }
}

/// What to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccumulatorQuery {
    /// Facts counted.
    pub table: AnswerTable,
    /// Items read (numeric and choice tables) or surveys read (responses table).
    pub ids: Vec<i64>,
    /// Inclusive range of local days, if any.
    pub days: Option<(i64, i64)>,
    /// Period assignment.
    pub period: PeriodSpec,
    /// Breakdown columns, in order.
    pub group_by: Vec<GroupColumn>,
    /// Allowed channels (empty: all).
    pub channels: Vec<String>,
    /// Allowed touchpoints (empty: all).
    pub touchpoints: Vec<String>,
    /// Allowed values per dimension.
    pub dimensions: Vec<(String, Vec<String>)>,
    /// Allowed values per customer attribute.
    pub customer: Vec<(String, Vec<String>)>,
    /// Options a response must have chosen, per choice question. Read from the fact tables.
    pub answers: Vec<AnswerFilter>,
    /// Count complete responses only.
    pub complete_only: bool,
}

/// The value a row counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowValue {
    /// A numeric answer value.
    Number(i64),
    /// A chosen option.
    Option(String),
    /// Responses carry no value.
    Nothing,
}

/// One accumulator row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccumulatorRow {
    /// Item id (or survey id for the responses table).
    pub id: i64,
    /// Period index (0 for [`PeriodSpec::Whole`]).
    pub period: i64,
    /// Values of the breakdown columns, in query order.
    pub groups: Vec<Option<String>>,
    /// The value counted.
    pub value: RowValue,
    /// How many.
    pub count: u64,
}

/// Binds of a dynamically built statement, in placeholder order.
enum Bind {
    Int(i64),
    Text(String),
    Bool(bool),
}

struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn new() -> Sql {
        Sql {
            text: String::new(),
            binds: Vec::new(),
        }
    }

    fn param(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    fn list(&mut self, values: impl IntoIterator<Item = Bind>) -> String {
        values
            .into_iter()
            .map(|v| self.param(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn texts(&mut self, values: &[String]) -> String {
        self.list(values.iter().map(|v| Bind::Text(v.clone())))
    }
}

impl GroupColumn {
    /// The key of this breakdown in `segment_dimensions` (`None`: not a segment's).
    fn key(&self) -> Option<&str> {
        match self {
            GroupColumn::Channel => Some("@channel"),
            GroupColumn::Touchpoint => Some("@touchpoint"),
            GroupColumn::Dimension(key) => Some(key),
            GroupColumn::Answer(_) => None,
        }
    }
}

impl AccumulatorQuery {
    /// Every segment filter as `(key, allowed values)`.
    fn segment_filters(&self) -> Vec<(&str, &[String])> {
        let mut filters = Vec::new();
        if !self.channels.is_empty() {
            filters.push(("@channel", self.channels.as_slice()));
        }
        if !self.touchpoints.is_empty() {
            filters.push(("@touchpoint", self.touchpoints.as_slice()));
        }
        for (key, values) in &self.dimensions {
            filters.push((key.as_str(), values.as_slice()));
        }
        filters
    }

    /// The one key a count-table read uses (`""` for none), if the query fits the count tables.
    fn count_key(&self) -> Option<&str> {
        if !self.customer.is_empty() || !self.answers.is_empty() || self.group_by.len() > 1 {
            return None;
        }
        let mut keys: Vec<&str> = self
            .group_by
            .iter()
            .map(GroupColumn::key)
            .collect::<Option<_>>()?;
        keys.extend(self.segment_filters().into_iter().map(|(key, _)| key));
        keys.sort_unstable();
        keys.dedup();
        match keys.as_slice() {
            [] => Some(""),
            [key] => Some(key),
            _ => None,
        }
    }
}

impl Store {
    /// Counts facts as `query` says.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn accumulate(
        &self,
        query: &AccumulatorQuery,
    ) -> Result<Vec<AccumulatorRow>, StoreError> {
        if query.ids.is_empty() {
            return Ok(Vec::new());
        }
        let Some(key) = query.count_key() else {
            return self.run(fact_sql(query), query).await;
        };
        let filtered = query.segment_filters().iter().any(|(k, _)| *k == key);
        let mut rows = self.run(count_sql(query, key), query).await?;
        let is_dimension = !key.is_empty() && !key.starts_with('@');
        if is_dimension && !query.group_by.is_empty() && !filtered {
            // Responses without the dimension: the total minus what the dimension's values hold.
            let totals = self
                .run(
                    count_sql(query, ""),
                    &AccumulatorQuery {
                        group_by: Vec::new(),
                        ..query.clone()
                    },
                )
                .await?;
            let mut missing: BTreeMap<(i64, i64, RowValue), i64> = BTreeMap::new();
            for row in totals {
                *missing.entry((row.id, row.period, row.value)).or_default() += row.count as i64;
            }
            for row in &rows {
                *missing
                    .entry((row.id, row.period, row.value.clone()))
                    .or_default() -= row.count as i64;
            }
            for ((id, period, value), count) in missing {
                if count > 0 {
                    rows.push(AccumulatorRow {
                        id,
                        period,
                        groups: vec![None],
                        value,
                        count: count as u64,
                    });
                }
            }
        }
        Ok(rows)
    }

    async fn run(
        &self,
        sql: Sql,
        query: &AccumulatorQuery,
    ) -> Result<Vec<AccumulatorRow>, StoreError> {
        let groups = query.group_by.len();
        let table = query.table;
        with_pool!(self, pool => {
            let mut statement = sqlx::query(AssertSqlSafe(sql.text));
            for bind in sql.binds {
                statement = match bind {
                    Bind::Int(v) => statement.bind(v),
                    Bind::Text(v) => statement.bind(v),
                    Bind::Bool(v) => statement.bind(v),
                };
            }
            let rows = statement.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let mut group_values = Vec::with_capacity(groups);
                for index in 0..groups {
                    group_values.push(row.try_get::<Option<String>, _>(format!("g{index}").as_str())?);
                }
                let value = match table {
                    AnswerTable::Numeric => RowValue::Number(row.try_get("value")?),
                    AnswerTable::Choice => RowValue::Option(row.try_get("value")?),
                    AnswerTable::Responses | AnswerTable::ChoiceRespondents => RowValue::Nothing,
                };
                let count: i64 = row.try_get("n")?;
                out.push(AccumulatorRow {
                    id: row.try_get("id")?,
                    period: row.try_get("period")?,
                    groups: group_values,
                    value,
                    count: count.max(0) as u64,
                });
            }
            Ok(out)
        })
    }
}

/// The period column of table alias `alias`, and whether it is grouped by.
fn period_column(query: &AccumulatorQuery, alias: &str) -> (String, bool) {
    match query.period {
        // A constant is selected but not grouped by: PostgreSQL refuses constants in GROUP BY.
        PeriodSpec::Whole => ("CAST(0 AS BIGINT)".to_owned(), false),
        PeriodSpec::Grain(grain) => (grain.sql_index(alias), true),
    }
}

/// `SELECT … GROUP BY …` from the select list; `grouped[i]` says whether column i is a key.
fn select_grouped(
    columns: &[(String, bool)],
    from: &str,
    conditions: &[String],
    having: &str,
) -> String {
    let select: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let positions: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|(_, (_, grouped))| *grouped)
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    format!(
        "SELECT {} FROM {from} WHERE {} GROUP BY {}{having}",
        select.join(", "),
        conditions.join(" AND "),
        positions.join(", ")
    )
}

/// A read of the count tables for one key (`""`: every response).
fn count_sql(query: &AccumulatorQuery, key: &str) -> Sql {
    let mut sql = Sql::new();
    let (table, id_column, value, option_test) = match query.table {
        AnswerTable::Numeric => ("numeric_counts", "item_id", Some("r.value"), None),
        AnswerTable::Choice => (
            "choice_counts",
            "item_id",
            Some("r.option"),
            Some("r.option <> ''"),
        ),
        AnswerTable::ChoiceRespondents => ("choice_counts", "item_id", None, Some("r.option = ''")),
        AnswerTable::Responses => ("response_counts", "survey_id", None, None),
    };
    let (period, period_grouped) = period_column(query, "r");
    let mut columns = vec![
        (format!("r.{id_column} AS id"), true),
        (format!("{period} AS period"), period_grouped),
    ];
    if !query.group_by.is_empty() {
        columns.push(("r.dim_value AS g0".to_owned(), true));
    }
    if let Some(value) = value {
        columns.push((format!("{value} AS value"), true));
    }
    columns.push(("CAST(SUM(r.n) AS BIGINT) AS n".to_owned(), false));
    let ids = sql.list(query.ids.iter().map(|&id| Bind::Int(id)));
    let key = sql.param(Bind::Text(key.to_owned()));
    let mut conditions = vec![
        format!("r.{id_column} IN ({ids})"),
        format!("r.dim_key = {key}"),
    ];
    if let Some((_, values)) = query.segment_filters().into_iter().next() {
        let list = sql.texts(values);
        conditions.push(format!("r.dim_value IN ({list})"));
    }
    common_conditions(&mut sql, &mut conditions, query, "r");
    if let Some(test) = option_test {
        conditions.push(test.to_owned());
    }
    sql.text = select_grouped(
        &columns,
        &format!("{table} r"),
        &conditions,
        " HAVING SUM(r.n) <> 0",
    );
    sql
}

/// A read of the fact tables, joining `segment_dimensions` once per breakdown and filter.
fn fact_sql(query: &AccumulatorQuery) -> Sql {
    let mut sql = Sql::new();
    let (table, id_column, value) = match query.table {
        AnswerTable::Numeric => ("answers", "item_id", Some("a.value")),
        AnswerTable::Choice => ("choice_answers", "item_id", Some("a.option")),
        AnswerTable::ChoiceRespondents => ("choice_answers", "item_id", None),
        AnswerTable::Responses => ("responses", "survey_id", None),
    };
    let (period, period_grouped) = period_column(query, "a");
    let mut columns = vec![
        (format!("a.{id_column} AS id"), true),
        (format!("{period} AS period"), period_grouped),
    ];
    let mut from = format!("{table} a");
    let response = match query.table {
        AnswerTable::Responses => "a.id",
        _ => "a.response_id",
    };
    for (index, column) in query.group_by.iter().enumerate() {
        match column {
            GroupColumn::Answer(items) => {
                let items = sql.list(items.iter().map(|&id| Bind::Int(id)));
                from.push_str(&format!(" LEFT JOIN choice_answers d{index} ON d{index}.response_id = {response} AND d{index}.item_id IN ({items})"));
                columns.push((format!("d{index}.option AS g{index}"), true));
            }
            segment => {
                let key = sql.param(Bind::Text(segment.key().unwrap_or_default().to_owned()));
                from.push_str(&format!(" LEFT JOIN segment_dimensions d{index} ON d{index}.segment_id = a.segment_id AND d{index}.key = {key}"));
                columns.push((format!("d{index}.value AS g{index}"), true));
            }
        }
    }
    for (index, (key, values)) in query.segment_filters().into_iter().enumerate() {
        let key = sql.param(Bind::Text(key.to_owned()));
        let list = sql.texts(values);
        from.push_str(&format!(
            " JOIN segment_dimensions f{index} ON f{index}.segment_id = a.segment_id AND f{index}.key = {key} AND f{index}.value IN ({list})"
        ));
    }
    if let Some(value) = value {
        columns.push((format!("{value} AS value"), true));
    }
    columns.push((
        if query.table == AnswerTable::ChoiceRespondents {
            "COUNT(DISTINCT a.response_id) AS n"
        } else {
            "COUNT(*) AS n"
        }
        .to_owned(),
        false,
    ));
    let ids = sql.list(query.ids.iter().map(|&id| Bind::Int(id)));
    let mut conditions = vec![format!("a.{id_column} IN ({ids})")];
    common_conditions(&mut sql, &mut conditions, query, "a");
    for (key, values) in &query.customer {
        let key = sql.param(Bind::Text(key.clone()));
        let list = sql.texts(values);
        conditions.push(format!(
            "a.customer_id IN (SELECT customer_id FROM customer_attributes WHERE key = {key} AND value IN ({list}))"
        ));
    }
    for (index, answer) in query.answers.iter().enumerate() {
        let condition = answer.condition(&format!("x{index}"), response, |items, options| {
            let items = sql.list(items.iter().map(|&id| Bind::Int(id)));
            (items, sql.texts(options))
        });
        conditions.push(condition);
    }
    sql.text = select_grouped(&columns, &from, &conditions, "");
    sql
}

/// The day range and completeness conditions both paths share.
fn common_conditions(
    sql: &mut Sql,
    conditions: &mut Vec<String>,
    query: &AccumulatorQuery,
    alias: &str,
) {
    if let Some((first, last)) = query.days {
        let first = sql.param(Bind::Int(first));
        let last = sql.param(Bind::Int(last));
        conditions.push(format!(
            "{alias}.local_day >= {first} AND {alias}.local_day <= {last}"
        ));
    }
    if query.complete_only {
        let flag = sql.param(Bind::Bool(true));
        conditions.push(format!("{alias}.complete = {flag}"));
    }
}
