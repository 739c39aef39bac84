//! Metric accumulators: counts per (item, period, group, value) computed by SQL `GROUP BY`.
//!
//! This is the only place metric data is read. The result is small (one row per distinct
//! combination) and mergeable, so it can be computed per shard and combined; the statistics are
//! computed from it in Rust, identically for both databases.

use cxm_domain::Grain;
use sqlx::{AssertSqlSafe, Row};

use crate::{Backend, Store, StoreError, postgres, sqlite, with_pool};

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
        let is_sqlite = matches!(self.backend, Backend::Sqlite(_));
        let sql = build(query, is_sqlite);
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

fn build(query: &AccumulatorQuery, is_sqlite: bool) -> Sql {
    let mut sql = Sql {
        text: String::new(),
        binds: Vec::new(),
    };
    let dimension = |sql: &mut Sql, key: &str| {
        let path = if is_sqlite {
            sqlite::dimension_path(key)
        } else {
            postgres::dimension_path(key)
        };
        sql.binds.push(Bind::Text(path));
        let index = sql.binds.len();
        if is_sqlite {
            sqlite::dimension_value("s", index)
        } else {
            postgres::dimension_value("s", index)
        }
    };
    let (table, alias_id, value) = match query.table {
        AnswerTable::Numeric => ("answers", "a.item_id", "a.value"),
        AnswerTable::Choice => ("choice_answers", "a.item_id", "a.option"),
        AnswerTable::ChoiceRespondents => ("choice_answers", "a.item_id", ""),
        AnswerTable::Responses => ("responses", "a.survey_id", ""),
    };
    let period = match query.period {
        PeriodSpec::Whole => "CAST(0 AS BIGINT)".to_owned(),
        PeriodSpec::Grain(grain) => grain.sql_index("a"),
    };
    // Constant columns (the whole-range period, the responses' value) are selected but not
    // grouped by: PostgreSQL refuses constants in GROUP BY.
    let mut select = vec![format!("{alias_id} AS id"), format!("{period} AS period")];
    let mut group_positions = vec!["1".to_owned()];
    if query.period != PeriodSpec::Whole {
        group_positions.push("2".to_owned());
    }
    for (index, column) in query.group_by.iter().enumerate() {
        let expression = match column {
            GroupColumn::Channel => "s.channel".to_owned(),
            GroupColumn::Touchpoint => "s.touchpoint".to_owned(),
            GroupColumn::Dimension(key) => dimension(&mut sql, key),
        };
        select.push(format!("{expression} AS g{index}"));
        group_positions.push(select.len().to_string());
    }
    if !value.is_empty() {
        select.push(format!("{value} AS value"));
        group_positions.push(select.len().to_string());
    }
    select.push(if query.table == AnswerTable::ChoiceRespondents {
        "COUNT(DISTINCT a.response_id) AS n".to_owned()
    } else {
        "COUNT(*) AS n".to_owned()
    });

    let mut conditions = Vec::new();
    let ids = sql.list(query.ids.iter().map(|&id| Bind::Int(id)));
    conditions.push(format!("{alias_id} IN ({ids})"));
    if let Some((first, last)) = query.days {
        let first = sql.param(Bind::Int(first));
        let last = sql.param(Bind::Int(last));
        conditions.push(format!("a.local_day >= {first} AND a.local_day <= {last}"));
    }
    if !query.channels.is_empty() {
        let list = sql.list(query.channels.iter().map(|c| Bind::Text(c.clone())));
        conditions.push(format!("s.channel IN ({list})"));
    }
    if !query.touchpoints.is_empty() {
        let list = sql.list(query.touchpoints.iter().map(|c| Bind::Text(c.clone())));
        conditions.push(format!("s.touchpoint IN ({list})"));
    }
    for (key, values) in &query.dimensions {
        let expression = dimension(&mut sql, key);
        let list = sql.list(values.iter().map(|v| Bind::Text(v.clone())));
        conditions.push(format!("{expression} IN ({list})"));
    }
    for (key, values) in &query.customer {
        let key = sql.param(Bind::Text(key.clone()));
        let list = sql.list(values.iter().map(|v| Bind::Text(v.clone())));
        conditions.push(format!(
            "a.customer_id IN (SELECT customer_id FROM customer_attributes WHERE key = {key} AND value IN ({list}))"
        ));
    }
    if query.complete_only {
        let flag = sql.param(Bind::Bool(true));
        conditions.push(format!("a.complete = {flag}"));
    }
    let needs_segment = !query.channels.is_empty()
        || !query.touchpoints.is_empty()
        || !query.dimensions.is_empty()
        || !query.group_by.is_empty();
    let join = if needs_segment {
        " JOIN segments s ON s.id = a.segment_id"
    } else {
        ""
    };
    sql.text = format!(
        "SELECT {} FROM {table} a{join} WHERE {} GROUP BY {}",
        select.join(", "),
        conditions.join(" AND "),
        group_positions.join(", ")
    );
    sql
}
