//! Writing responses: one transaction per batch, idempotent on (source, source id).
//!
//! Re-sending a response replaces it (its answers are deleted and written again), so ingesting
//! the same data twice leaves every count unchanged. Within a batch, a later copy of the same
//! (source, source id) wins. Rows are written with multi-row statements so that a batch of
//! thousands costs a few dozen round trips, not thousands.

use std::collections::BTreeMap;
use std::str::FromStr;

use cxm_domain::{AnswerValue, Channel, ValidResponse};
use foldhash::{HashMap, HashMapExt, HashSet};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Row};

use crate::counts::{CountBuffer, Placement, addition_statement, removal_statements, segment_rows};
use crate::lists::{ValueList, one_of};
use crate::pipeline::{Chunked, execute_each};
use crate::{Backend, BeginWrite, Store, StoreError, now_micros, postgres, sqlite};

/// Runs `$body` with `$tx` bound to the backend's open transaction, compiled once per backend.
macro_rules! with_transaction {
    ($transaction:expr, $tx:ident => $body:expr) => {
        match $transaction {
            Transaction::Sqlite($tx) => $body,
            Transaction::Postgres($tx) => $body,
        }
    };
}

/// A validated response with the local calendar stamps of its submission.
#[derive(Debug, Clone, PartialEq)]
pub struct StampedResponse {
    /// The response.
    pub response: ValidResponse,
    /// Local day of submission (days since 1970-01-01 in the configured zone).
    pub local_day: i64,
    /// Local month index of submission (`year·12 + month − 1`).
    pub local_month: i64,
    /// Public id to give the response if it is new.
    pub uid: String,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestOutcome {
    /// Responses stored for the first time.
    pub inserted: u64,
    /// Responses that replaced an earlier copy.
    pub updated: u64,
}

/// `($1, $2, …), (…)` for `rows` rows of `columns` parameters.
pub(crate) fn values_clause(rows: usize, columns: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            text.push(',');
        }
        text.push('(');
        for column in 0..columns {
            if column > 0 {
                text.push(',');
            }
            text.push('$');
            text.push_str(&(row * columns + column + 1).to_string());
        }
        text.push(')');
    }
    text
}

/// A segment as stored: channel, touchpoint (`""` for none) and the canonical JSON of the
/// dimensions (keys sorted, no whitespace), which makes equal segments equal text.
type SegmentKey = (&'static str, String, String);

/// Segment ids by segment.
pub(crate) type SegmentIds = HashMap<SegmentKey, i64>;

fn segment_key(response: &ValidResponse) -> SegmentKey {
    let map: BTreeMap<&str, &str> = response
        .dimensions
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    (
        response.channel.as_str(),
        response.touchpoint.clone().unwrap_or_default(),
        serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned()),
    )
}

/// The customers of a batch, each once: contact fields merged in batch order (a later
/// non-empty value wins) and attributes as text, the later value of a key winning.
struct CustomerRows<'a> {
    customers: Vec<CustomerRow<'a>>,
    attributes: BTreeMap<(&'a str, &'a str), String>,
}

struct CustomerRow<'a> {
    external_id: &'a str,
    name: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
}

impl<'a> CustomerRows<'a> {
    fn of(batch: &[&'a StampedResponse]) -> CustomerRows<'a> {
        let mut customers: Vec<CustomerRow<'a>> = Vec::new();
        let mut index: HashMap<&'a str, usize> = HashMap::new();
        let mut attributes = BTreeMap::new();
        for stamped in batch {
            let Some(customer) = &stamped.response.customer else {
                continue;
            };
            let external_id = customer.external_id.trim();
            let position = *index.entry(external_id).or_insert_with(|| {
                customers.push(CustomerRow {
                    external_id,
                    name: None,
                    email: None,
                    phone: None,
                });
                customers.len() - 1
            });
            let row = &mut customers[position];
            row.name = customer.name.as_deref().or(row.name);
            row.email = customer.email.as_deref().or(row.email);
            row.phone = customer.phone.as_deref().or(row.phone);
            for (key, value) in &customer.attributes {
                let text = match value {
                    serde_json::Value::String(s) => s.trim().to_owned(),
                    serde_json::Value::Null => continue,
                    other => other.to_string(),
                };
                attributes.insert((external_id, key.as_str()), text);
            }
        }
        CustomerRows {
            customers,
            attributes,
        }
    }
}

/// `sql` as the backend runs it: ordered `$n` placeholders become anonymous on SQLite.
fn dialect(backend: &Backend, sql: String) -> String {
    match backend {
        Backend::Sqlite(_) => sqlite::positional(&sql),
        Backend::Postgres(_) => sql,
    }
}

/// Parameters per multi-row statement: PostgreSQL takes up to 65,535, SQLite 32,766. Larger
/// statements save round trips; SQLite statements use anonymous placeholders
/// ([`sqlite::positional`]) so that binding stays linear in their size.
fn parameters_per_statement(backend: &Backend) -> usize {
    match backend {
        Backend::Sqlite(_) => 8_000,
        Backend::Postgres(_) => 16_000,
    }
}

struct AnswerRow {
    item_id: i64,
    local_day: i64,
    response_id: i64,
    local_month: i64,
    segment_id: i64,
    customer_id: Option<i64>,
    complete: bool,
}

impl AnswerRow {
    /// Binds the row's seven columns, then `value` (the number, or the option chosen), in the
    /// column order of `answers` and `choice_answers`.
    fn bind_with<'q, DB, V>(
        &self,
        query: Query<'q, DB, DB::Arguments>,
        value: V,
    ) -> Query<'q, DB, DB::Arguments>
    where
        DB: sqlx::Database,
        V: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        query
            .bind(self.item_id)
            .bind(self.local_day)
            .bind(self.response_id)
            .bind(self.local_month)
            .bind(self.segment_id)
            .bind(self.customer_id)
            .bind(self.complete)
            .bind(value)
    }
}

impl Store {
    /// Stores a batch of responses atomically: all of them, or (on any error) none.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when a response names a survey or question the store does not
    /// have; [`StoreError::Other`] when the database fails. Nothing of the batch is written then.
    pub async fn ingest(&self, batch: &[StampedResponse]) -> Result<IngestOutcome, StoreError> {
        if batch.is_empty() {
            return Ok(IngestOutcome::default());
        }
        let mut session = self.begin_ingest().await?;
        let outcome = session.write(batch).await?;
        session.commit().await?;
        Ok(outcome)
    }

    /// Opens one transaction that several batches are written in, for imports too large to
    /// hold in memory that must still land all at once. Dropping the session without
    /// [`IngestSession::commit`] rolls every batch back.
    ///
    /// # Errors
    /// [`StoreError::Other`] when no transaction can be started.
    pub async fn begin_ingest(&self) -> Result<IngestSession, StoreError> {
        // Read before the transaction holds a connection: an in-memory SQLite pool has one.
        let surveys = self.surveys().await?;
        let items = self.items(&[]).await?;
        let transaction = match &self.backend {
            Backend::Sqlite(pool) => Transaction::Sqlite(pool.begin_write().await?),
            Backend::Postgres(pool) => Transaction::Postgres(pool.begin_write().await?),
        };
        Ok(IngestSession {
            store: self.clone(),
            transaction,
            segments: HashMap::new(),
            surveys,
            items,
            counts: CountBuffer::default(),
        })
    }
}

/// One open ingest transaction: batches written with [`IngestSession::write`] are visible to
/// later batches of the session and to nobody else until [`IngestSession::commit`].
pub struct IngestSession {
    store: Store,
    transaction: Transaction,
    /// Segments written in this transaction, known to the cache only once it commits.
    segments: SegmentIds,
    /// The surveys and their items as the session began.
    surveys: Vec<crate::StoredSurvey>,
    items: Vec<crate::ItemInfo>,
    /// What the batches add to the count tables, written before the commit.
    counts: CountBuffer,
}

enum Transaction {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl std::fmt::Debug for IngestSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestSession")
            .field("store", &self.store)
            .finish()
    }
}

impl IngestSession {
    /// Makes every batch of the session permanent.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database refuses the commit; nothing is written then.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.flush_counts().await?;
        match self.transaction {
            Transaction::Sqlite(tx) => tx.commit().await?,
            Transaction::Postgres(tx) => tx.commit().await?,
        }
        // Only now are the new segments' ids sure to stay.
        if let Ok(mut known) = self.store.known_segments.lock() {
            known.extend(self.segments);
        }
        Ok(())
    }

    /// Undoes every batch of the session.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails; it undoes the batches anyway.
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.transaction {
            Transaction::Sqlite(tx) => tx.rollback().await?,
            Transaction::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// Writes a batch inside the session's transaction; within the batch, a later copy of
    /// the same (source, source id) wins, and a copy written by an earlier batch is replaced.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when a response names a survey or question the store does not
    /// have; [`StoreError::Other`] when the database fails. The session should then be dropped.
    pub async fn write(&mut self, batch: &[StampedResponse]) -> Result<IngestOutcome, StoreError> {
        if batch.is_empty() {
            return Ok(IngestOutcome::default());
        }
        // Later copies of the same (source, source id) win.
        let mut last: HashMap<(&str, &str), usize> = HashMap::new();
        for (index, stamped) in batch.iter().enumerate() {
            last.insert(
                (&stamped.response.source, &stamped.response.source_id),
                index,
            );
        }
        let mut kept: Vec<&StampedResponse> = batch
            .iter()
            .enumerate()
            .filter(|(index, s)| {
                last[&(s.response.source.as_str(), s.response.source_id.as_str())] == *index
            })
            .map(|(_, s)| s)
            .collect();
        kept.sort_by(|a, b| {
            (a.response.submitted_at, &a.response.source_id)
                .cmp(&(b.response.submitted_at, &b.response.source_id))
        });

        let store = self.store.clone();
        let surveys = &self.surveys;
        let survey_ids: HashMap<&str, i64> = surveys
            .iter()
            .map(|s| (s.survey.key.as_str(), s.id))
            .collect();
        let items = &self.items;
        let item_ids: HashMap<(i64, &str), (i64, &str)> = items
            .iter()
            .map(|item| {
                (
                    (item.survey_id, item.key.as_str()),
                    (item.id, item.kind.as_str()),
                )
            })
            .collect();
        let now = now_micros();
        let parameters = parameters_per_statement(&store.backend);
        let dialect = |sql: String| dialect(&store.backend, sql);
        let segment_keys: Vec<SegmentKey> = kept.iter().map(|s| segment_key(&s.response)).collect();
        // Each row's segment as an index into the batch's distinct segments, each known by the
        // first row that has it (the key is hashed once per row).
        let mut first_rows: Vec<usize> = Vec::new();
        let segment_index: Vec<usize> = {
            let mut index_of: HashMap<&SegmentKey, usize> = HashMap::new();
            segment_keys
                .iter()
                .enumerate()
                .map(|(position, key)| {
                    *index_of.entry(key).or_insert_with(|| {
                        first_rows.push(position);
                        first_rows.len() - 1
                    })
                })
                .collect()
        };

        let pending = &mut self.segments;
        let counts = &mut self.counts;
        let outcome = with_transaction!(&mut self.transaction, tx => {

            // Segments not known to be stored, in multi-row upserts, with their group values.
            let mut segments: SegmentIds = HashMap::new();
            let mut new_segments: Vec<&SegmentKey> = Vec::new();
            {
                let known = store.known_segments.lock().map_err(|_| StoreError::Corrupt("the segment cache was poisoned".to_owned()))?;
                for key in first_rows.iter().map(|&position| &segment_keys[position]) {
                    match known.get(key).or_else(|| pending.get(key)) {
                        Some(&id) => {
                            segments.insert(key.clone(), id);
                        }
                        None => new_segments.push(key),
                    }
                }
            }
            // New segments are written in key order, so that concurrent sessions lock them in
            // the same order.
            new_segments.sort_unstable();
            for chunk in new_segments.chunks(parameters / 3) {
                let sql = format!(
                    "INSERT INTO segments (channel, touchpoint, dimensions) VALUES {} \
                     ON CONFLICT (channel, touchpoint, dimensions) DO UPDATE SET channel = excluded.channel \
                     RETURNING id, channel, touchpoint, dimensions",
                    values_clause(chunk.len(), 3)
                );
                let mut query = sqlx::query(AssertSqlSafe(dialect(sql)));
                for (channel, touchpoint, dimensions) in chunk {
                    query = query.bind(*channel).bind(touchpoint.clone()).bind(dimensions.clone());
                }
                for row in query.fetch_all(&mut **tx).await? {
                    let channel: String = row.try_get("channel")?;
                    let key = (Channel::from_str(&channel).map_err(|e| StoreError::Corrupt(e.message))?.as_str(), row.try_get("touchpoint")?, row.try_get("dimensions")?);
                    segments.insert(key, row.try_get("id")?);
                }
            }
            let new_set: HashSet<&SegmentKey> = new_segments.iter().copied().collect();
            let distinct_ids: Vec<i64> = first_rows.iter().map(|&position| segments[&segment_keys[position]]).collect();
            let segment_of: Vec<i64> = segment_index.iter().map(|&index| distinct_ids[index]).collect();
            let mut dimension_rows: Vec<(i64, &str, &str)> = Vec::new();
            let mut groups_of_segment: HashMap<i64, Vec<(u32, u32)>> = HashMap::new();
            for (&position, &id) in first_rows.iter().zip(&distinct_ids) {
                let key = &segment_keys[position];
                let response = &kept[position].response;
                let dimensions = response.dimensions.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                let rows = segment_rows(key.0, &key.1, dimensions);
                if new_set.contains(key) {
                    dimension_rows.extend(rows.iter().map(|&(name, value)| (id, name, value)));
                }
                groups_of_segment.insert(id, counts.intern_groups(&rows));
            }
            for chunk in dimension_rows.chunks(parameters / 3) {
                let sql = format!(
                    "INSERT INTO segment_dimensions (segment_id, key, value) VALUES {} ON CONFLICT (segment_id, key) DO NOTHING",
                    values_clause(chunk.len(), 3)
                );
                let mut query = sqlx::query(AssertSqlSafe(dialect(sql)));
                for &(segment_id, name, value) in chunk {
                    query = query.bind(segment_id).bind(name).bind(value);
                }
                query.execute(&mut **tx).await?;
            }

            // Responses stored before keep their ids; they leave the counts and their answers
            // are deleted.
            let position: HashMap<(&str, &str), usize> = kept
                .iter()
                .enumerate()
                .map(|(index, s)| ((s.response.source.as_str(), s.response.source_id.as_str()), index))
                .collect();
            let mut response_ids: Vec<i64> = vec![0; kept.len()];
            let mut existing: Vec<i64> = Vec::new();
            let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for stamped in &kept {
                by_source.entry(stamped.response.source.as_str()).or_default().push(stamped.response.source_id.as_str());
            }
            for (source, source_ids) in &by_source {
                for chunk in source_ids.chunks(parameters - 1) {
                    let condition = one_of(tx, "source_id", 2, chunk.len());
                    let sql = format!("SELECT id, source_id FROM responses WHERE source = $1 AND {condition}");
                    let query = sqlx::query(AssertSqlSafe(dialect(sql))).bind(*source);
                    for row in bind_texts(query, chunk).fetch_all(&mut **tx).await? {
                        let id: i64 = row.try_get("id")?;
                        let source_id: &str = row.try_get("source_id")?;
                        let &index = position
                            .get(&(*source, source_id))
                            .ok_or_else(|| StoreError::Corrupt(format!("unexpected response {source}/{source_id}")))?;
                        response_ids[index] = id;
                        existing.push(id);
                    }
                }
            }
            for chunk in existing.chunks(parameters) {
                let removals = removal_statements(|column| one_of(tx, column, 1, chunk.len()));
                let condition = one_of(tx, "response_id", 1, chunk.len());
                let deletions = ["answers", "choice_answers", "text_answers"].map(|table| format!("DELETE FROM {table} WHERE {condition}"));
                for sql in removals.into_iter().chain(deletions) {
                    bind_ids(sqlx::query(AssertSqlSafe(dialect(sql))), chunk).execute(&mut **tx).await?;
                }
            }

            let people = CustomerRows::of(&kept);
            let mut customers: HashMap<String, i64> = HashMap::new();
            for chunk in people.customers.chunks(parameters / 6) {
                let sql = format!(
                    "INSERT INTO customers (external_id, name, email, phone, created_at, updated_at) VALUES {} \
                     ON CONFLICT (external_id) DO UPDATE SET name = COALESCE(excluded.name, customers.name), \
                     email = COALESCE(excluded.email, customers.email), phone = COALESCE(excluded.phone, customers.phone), \
                     updated_at = excluded.updated_at RETURNING id, external_id",
                    values_clause(chunk.len(), 6)
                );
                let mut query = sqlx::query(AssertSqlSafe(dialect(sql)));
                for customer in chunk {
                    query = query
                        .bind(customer.external_id)
                        .bind(customer.name)
                        .bind(customer.email)
                        .bind(customer.phone)
                        .bind(now)
                        .bind(now);
                }
                for row in query.fetch_all(&mut **tx).await? {
                    customers.insert(row.try_get("external_id")?, row.try_get("id")?);
                }
            }
            let attributes: Vec<(i64, &str, &str)> = people
                .attributes
                .iter()
                .map(|((external_id, key), value)| (customers[*external_id], *key, value.as_str()))
                .collect();
            for chunk in attributes.chunks(parameters / 3) {
                let sql = format!(
                    "INSERT INTO customer_attributes (customer_id, key, value) VALUES {} \
                     ON CONFLICT (customer_id, key) DO UPDATE SET value = excluded.value",
                    values_clause(chunk.len(), 3)
                );
                let mut query = sqlx::query(AssertSqlSafe(dialect(sql)));
                for &(customer_id, key, value) in chunk {
                    query = query.bind(customer_id).bind(key).bind(value);
                }
                query.execute(&mut **tx).await?;
            }
            let customer_of = |response: &ValidResponse| response.customer.as_ref().map(|c| customers[c.external_id.trim()]);

            // New responses get ids reserved now, so that their answers can be written right
            // behind them without reading ids back. On SQLite the session holds the write lock,
            // so the ids after the largest are free; PostgreSQL hands them out from the
            // column's sequence. (A response with the same source id stored meanwhile by
            // another PostgreSQL session makes this batch fail on the unique index, whole.)
            let outcome = IngestOutcome {
                inserted: (kept.len() - existing.len()) as u64,
                updated: existing.len() as u64,
            };
            if outcome.inserted > 0 {
                let reserve = match &store.backend {
                    Backend::Sqlite(_) => sqlite::RESERVE_RESPONSE_IDS,
                    Backend::Postgres(_) => postgres::RESERVE_RESPONSE_IDS,
                };
                let fresh: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(reserve))
                    .bind(outcome.inserted as i64)
                    .fetch_all(&mut **tx)
                    .await?;
                let mut fresh = fresh.into_iter();
                for id in response_ids.iter_mut().filter(|id| **id == 0) {
                    *id = fresh.next().ok_or_else(|| StoreError::Corrupt("too few response ids reserved".to_owned()))?;
                }
            }
            // A stored response (conflicting on its id) is updated in place; `uid` and
            // `created_at` stay as they were.
            let explicit_ids = match &store.backend {
                Backend::Sqlite(_) => sqlite::EXPLICIT_IDS,
                Backend::Postgres(_) => postgres::EXPLICIT_IDS,
            };
            let upsert = Chunked::new(tx, parameters / 14, |rows| dialect(format!(
                "INSERT INTO responses (id, uid, survey_id, customer_id, segment_id, source, source_id, submitted_at, \
                 local_day, local_month, language, complete, created_at, updated_at){explicit_ids} VALUES {} \
                 ON CONFLICT (id) DO UPDATE SET survey_id = excluded.survey_id, \
                 customer_id = excluded.customer_id, segment_id = excluded.segment_id, submitted_at = excluded.submitted_at, \
                 local_day = excluded.local_day, local_month = excluded.local_month, language = excluded.language, \
                 complete = excluded.complete, updated_at = excluded.updated_at",
                values_clause(rows, 14)
            )));
            let response_statements = upsert.statements(&kept, |query, position, stamped| {
                let response = &stamped.response;
                let survey_id = *survey_ids
                    .get(response.survey.as_str())
                    .ok_or_else(|| StoreError::NotFound(format!("survey {:?}", response.survey.as_str())))?;
                let segment = segment_of[position];
                let customer = customer_of(response);
                Ok(query
                    .bind(response_ids[position])
                    .bind(stamped.uid.as_str())
                    .bind(survey_id)
                    .bind(customer)
                    .bind(segment)
                    .bind(response.source.as_str())
                    .bind(response.source_id.as_str())
                    .bind(response.submitted_at.timestamp_micros())
                    .bind(stamped.local_day)
                    .bind(stamped.local_month)
                    .bind(response.language.as_deref())
                    .bind(response.complete)
                    .bind(now)
                    .bind(now))
            });

            // Answers, by table.
            let mut numeric: Vec<(AnswerRow, i64)> = Vec::new();
            let mut choices: Vec<(AnswerRow, &str)> = Vec::new();
            let mut texts: Vec<(i64, i64, &str)> = Vec::new();
            for (position, stamped) in kept.iter().enumerate() {
                let response = &stamped.response;
                let response_id = response_ids[position];
                let survey_id = survey_ids[response.survey.as_str()];
                let segment_id = segment_of[position];
                let customer_id = customer_of(response);
                let at = Placement {
                    survey_id,
                    local_day: stamped.local_day,
                    local_month: stamped.local_month,
                    complete: response.complete,
                    groups: &groups_of_segment[&segment_id],
                };
                counts.response(at);
                for (key, value) in &response.answers {
                    let &(item_id, _) = item_ids.get(&(survey_id, key.as_str())).ok_or_else(|| {
                        StoreError::NotFound(format!("question {key:?} of survey {:?}", response.survey.as_str()))
                    })?;
                    let row = || AnswerRow {
                        item_id,
                        local_day: stamped.local_day,
                        response_id,
                        local_month: stamped.local_month,
                        segment_id,
                        customer_id,
                        complete: response.complete,
                    };
                    match value {
                        AnswerValue::Number(number) => {
                            counts.number(at, item_id, *number);
                            numeric.push((row(), *number));
                        }
                        AnswerValue::Choice(option) => {
                            counts.choices(at, item_id, &[option.as_str()]);
                            choices.push((row(), option.as_str()));
                        }
                        AnswerValue::Choices(options) => {
                            let chosen: Vec<&str> = options.iter().map(String::as_str).collect();
                            counts.choices(at, item_id, &chosen);
                            for option in options {
                                choices.push((row(), option.as_str()));
                            }
                        }
                        AnswerValue::Text(text) => texts.push((response_id, item_id, text.as_str())),
                    }
                }
            }
            let numeric_insert = Chunked::new(tx, parameters / 8, |rows| dialect(format!(
                "INSERT INTO answers (item_id, local_day, response_id, local_month, segment_id, customer_id, complete, value) VALUES {}",
                values_clause(rows, 8)
            )));
            let choice_insert = Chunked::new(tx, parameters / 8, |rows| dialect(format!(
                "INSERT INTO choice_answers (item_id, local_day, response_id, local_month, segment_id, customer_id, complete, option) VALUES {}",
                values_clause(rows, 8)
            )));
            let text_insert = Chunked::new(tx, parameters / 3, |rows| dialect(format!(
                "INSERT INTO text_answers (response_id, item_id, text) VALUES {}",
                values_clause(rows, 3)
            )));
            let statements = response_statements
                .chain(numeric_insert.statements(&numeric, |query, _, (row, value)| Ok(row.bind_with(query, *value))))
                .chain(choice_insert.statements(&choices, |query, _, (row, option)| Ok(row.bind_with(query, *option))))
                .chain(text_insert.statements(&texts, |query, _, (response_id, item_id, text)| {
                    Ok(query.bind(*response_id).bind(*item_id).bind(*text))
                }));
            execute_each(&mut **tx, Box::new(statements)).await?;
            pending.extend(segments);
            Ok::<_, StoreError>(outcome)
        })?;
        if self.counts.len() >= CountBuffer::FLUSH_AT {
            self.flush_counts().await?;
        }
        Ok(outcome)
    }

    /// Writes the buffered counts into the count tables, in key order.
    async fn flush_counts(&mut self) -> Result<(), StoreError> {
        let parameters = parameters_per_statement(&self.store.backend);
        let backend = &self.store.backend;
        let dialect = |sql: String| dialect(backend, sql);
        let (numeric_rows, choice_rows, response_rows) = self.counts.drain_sorted();
        const KEY: [&str; 4] = ["dim_key", "local_day", "dim_value", "complete"];
        with_transaction!(&mut self.transaction, tx => {
            let numeric = Chunked::new(tx, parameters / 8, |rows| {
                dialect(addition_statement("numeric_counts", &["item_id", KEY[0], KEY[1], KEY[2], KEY[3], "value"], rows))
            });
            let choice = Chunked::new(tx, parameters / 8, |rows| {
                dialect(addition_statement("choice_counts", &["item_id", KEY[0], KEY[1], KEY[2], KEY[3], "option"], rows))
            });
            let responses = Chunked::new(tx, parameters / 7, |rows| {
                dialect(addition_statement("response_counts", &["survey_id", KEY[0], KEY[1], KEY[2], KEY[3]], rows))
            });
            let statements = numeric
                .statements(&numeric_rows, |query, _, &((item, key, day, group, complete, value), (month, n))| {
                    Ok(query.bind(item).bind(key).bind(day).bind(group).bind(complete).bind(value).bind(month).bind(n))
                })
                .chain(choice.statements(&choice_rows, |query, _, &((item, key, day, group, complete, option), (month, n))| {
                    Ok(query.bind(item).bind(key).bind(day).bind(group).bind(complete).bind(option).bind(month).bind(n))
                }))
                .chain(responses.statements(&response_rows, |query, _, &((survey, key, day, group, complete), (month, n))| {
                    Ok(query.bind(survey).bind(key).bind(day).bind(group).bind(complete).bind(month).bind(n))
                }));
            execute_each(&mut **tx, Box::new(statements)).await
        })
    }
}

/// [`ValueList::bind_ids`], with the backend taken from the query.
fn bind_ids<'q, DB: ValueList>(
    query: Query<'q, DB, DB::Arguments>,
    ids: &[i64],
) -> Query<'q, DB, DB::Arguments> {
    DB::bind_ids(query, ids)
}

/// [`ValueList::bind_texts`], with the backend taken from the query.
fn bind_texts<'q, DB: ValueList>(
    query: Query<'q, DB, DB::Arguments>,
    texts: &[&str],
) -> Query<'q, DB, DB::Arguments> {
    DB::bind_texts(query, texts)
}

#[cfg(test)]
mod tests {
    use super::values_clause;

    #[test]
    fn values_clause_numbers_parameters_row_by_row() {
        assert_eq!(values_clause(2, 3), "($1,$2,$3),($4,$5,$6)");
    }
}
