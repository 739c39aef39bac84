//! Reading responses back: filtered, newest first, in pages with an opaque cursor.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};

use crate::{Store, StoreError, with_pool};

/// Which responses to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseFilter {
    /// Only this survey.
    pub survey: Option<String>,
    /// Inclusive local-day range.
    pub days: Option<(i64, i64)>,
    /// Only these channels.
    pub channels: Vec<String>,
    /// Only these touchpoints.
    pub touchpoints: Vec<String>,
    /// Only these dimension values.
    pub dimensions: Vec<(String, Vec<String>)>,
    /// Only responses that chose one of the options of each of these choice questions.
    pub answers: Vec<crate::AnswerFilter>,
    /// Only the response with this public id.
    pub uid: Option<String>,
    /// Only the response with this (source, source id).
    pub source_key: Option<(String, String)>,
    /// Only responses of this source with one of these source ids.
    pub source_ids: Option<(String, Vec<String>)>,
    /// Continue after this `(submitted_at µs, id)` position.
    pub after: Option<(i64, i64)>,
    /// Page size.
    pub limit: u32,
}

/// A response as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// Public id.
    pub uid: String,
    /// Survey key.
    pub survey: String,
    /// Source of the id.
    pub source: String,
    /// Id in the source.
    pub source_id: String,
    /// Submission instant.
    pub submitted_at: DateTime<Utc>,
    /// Channel.
    pub channel: String,
    /// Touchpoint (`None` when none).
    pub touchpoint: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Dimensions.
    pub dimensions: BTreeMap<String, String>,
    /// Customer external id.
    pub customer: Option<String>,
    /// Complete or partial.
    pub complete: bool,
    /// Answers by item key: numbers, option keys (arrays for multi choice) and text.
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// One page of responses.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsePage {
    /// The responses, newest first.
    pub responses: Vec<StoredResponse>,
    /// Position to continue from, if there are more.
    pub next: Option<(i64, i64)>,
}

impl Store {
    /// One page of responses matching `filter`, newest first.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn responses(&self, filter: &ResponseFilter) -> Result<ResponsePage, StoreError> {
        let limit = filter.limit.clamp(1, 1000) as i64;
        let mut conditions = vec!["1 = 1".to_owned()];
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Placeholders are numbered in one sequence: texts first, then integers.
        let text_param = |value: String, texts: &mut Vec<String>| {
            texts.push(value);
            format!("$T{}", texts.len())
        };
        if let Some(survey) = &filter.survey {
            let p = text_param(survey.clone(), &mut texts);
            conditions.push(format!("v.key = {p}"));
        }
        if let Some(uid) = &filter.uid {
            let p = text_param(uid.clone(), &mut texts);
            conditions.push(format!("r.uid = {p}"));
        }
        if let Some((source, source_id)) = &filter.source_key {
            let a = text_param(source.clone(), &mut texts);
            let b = text_param(source_id.clone(), &mut texts);
            conditions.push(format!("r.source = {a} AND r.source_id = {b}"));
        }
        if let Some((source, ids)) = &filter.source_ids {
            let a = text_param(source.clone(), &mut texts);
            let list: Vec<String> = ids
                .iter()
                .map(|id| text_param(id.clone(), &mut texts))
                .collect();
            if list.is_empty() {
                conditions.push("1 = 0".to_owned());
            } else {
                conditions.push(format!(
                    "r.source = {a} AND r.source_id IN ({})",
                    list.join(", ")
                ));
            }
        }
        if !filter.channels.is_empty() {
            let list: Vec<String> = filter
                .channels
                .iter()
                .map(|c| text_param(c.clone(), &mut texts))
                .collect();
            conditions.push(format!("s.channel IN ({})", list.join(", ")));
        }
        if !filter.touchpoints.is_empty() {
            let list: Vec<String> = filter
                .touchpoints
                .iter()
                .map(|c| text_param(c.clone(), &mut texts))
                .collect();
            conditions.push(format!("s.touchpoint IN ({})", list.join(", ")));
        }
        for (key, values) in &filter.dimensions {
            let key = text_param(key.clone(), &mut texts);
            let list: Vec<String> = values
                .iter()
                .map(|v| text_param(v.clone(), &mut texts))
                .collect();
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM segment_dimensions d WHERE d.segment_id = r.segment_id AND d.key = {key} AND d.value IN ({}))",
                list.join(", ")
            ));
        }
        for answer in &filter.answers {
            let condition = answer.condition("x", "r.id", |items, options| {
                let items: Vec<String> = items
                    .iter()
                    .map(|&item| {
                        ints.push(item);
                        format!("$I{}", ints.len())
                    })
                    .collect();
                let options: Vec<String> = options
                    .iter()
                    .map(|o| text_param(o.clone(), &mut texts))
                    .collect();
                (items.join(", "), options.join(", "))
            });
            conditions.push(condition);
        }
        if let Some((first, last)) = filter.days {
            ints.push(first);
            ints.push(last);
            conditions.push(format!(
                "r.local_day >= $I{} AND r.local_day <= $I{}",
                ints.len() - 1,
                ints.len()
            ));
        }
        if let Some((at, id)) = filter.after {
            ints.push(at);
            ints.push(id);
            let (a, b) = (ints.len() - 1, ints.len());
            conditions.push(format!(
                "(r.submitted_at < $I{a} OR (r.submitted_at = $I{a} AND r.id < $I{b}))"
            ));
        }
        ints.push(limit + 1);
        let limit_param = format!("$I{}", ints.len());
        let mut sql = format!(
            "SELECT r.id, r.uid, v.key AS survey, r.source, r.source_id, r.submitted_at, s.channel, s.touchpoint, \
             r.language, s.dimensions, c.external_id AS customer, r.complete \
             FROM responses r JOIN surveys v ON v.id = r.survey_id JOIN segments s ON s.id = r.segment_id \
             LEFT JOIN customers c ON c.id = r.customer_id WHERE {} ORDER BY r.submitted_at DESC, r.id DESC LIMIT {limit_param}",
            conditions.join(" AND ")
        );
        // Number the placeholders: texts are $1..$n, integers follow. Replace longest first.
        for index in (1..=ints.len()).rev() {
            sql = sql.replace(&format!("$I{index}"), &format!("${}", texts.len() + index));
        }
        for index in (1..=texts.len()).rev() {
            sql = sql.replace(&format!("$T{index}"), &format!("${index}"));
        }
        with_pool!(self, pool => {
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for text in &texts {
                query = query.bind(text.clone());
            }
            for int in &ints {
                query = query.bind(*int);
            }
            let rows = query.fetch_all(pool).await?;
            let mut responses = Vec::with_capacity(rows.len());
            let mut ids = Vec::with_capacity(rows.len());
            let mut positions = Vec::with_capacity(rows.len());
            for row in rows.iter().take(limit as usize) {
                let id: i64 = row.try_get("id")?;
                let submitted_at: i64 = row.try_get("submitted_at")?;
                let dimensions: String = row.try_get("dimensions")?;
                let touchpoint: String = row.try_get("touchpoint")?;
                ids.push(id);
                positions.push((submitted_at, id));
                responses.push(StoredResponse {
                    uid: row.try_get("uid")?,
                    survey: row.try_get("survey")?,
                    source: row.try_get("source")?,
                    source_id: row.try_get("source_id")?,
                    submitted_at: DateTime::from_timestamp_micros(submitted_at).unwrap_or_default(),
                    channel: row.try_get("channel")?,
                    touchpoint: (!touchpoint.is_empty()).then_some(touchpoint),
                    language: row.try_get("language")?,
                    dimensions: serde_json::from_str(&dimensions).map_err(|e| StoreError::Corrupt(format!("dimensions: {e}")))?,
                    customer: row.try_get("customer")?,
                    complete: row.try_get("complete")?,
                    answers: BTreeMap::new(),
                });
            }
            let next = (rows.len() > limit as usize).then(|| positions.last().copied()).flatten();
            if !ids.is_empty() {
                let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
                let statements = [
                    format!("SELECT a.response_id, i.key, a.value AS number, NULL AS text, i.kind FROM answers a JOIN items i ON i.id = a.item_id WHERE a.response_id IN ({list})"),
                    format!("SELECT a.response_id, i.key, NULL AS number, a.option AS text, i.kind FROM choice_answers a JOIN items i ON i.id = a.item_id WHERE a.response_id IN ({list})"),
                    format!("SELECT a.response_id, i.key, NULL AS number, a.text AS text, i.kind FROM text_answers a JOIN items i ON i.id = a.item_id WHERE a.response_id IN ({list})"),
                ];
                for statement in statements {
                    let mut query = sqlx::query(AssertSqlSafe(statement));
                    for id in &ids {
                        query = query.bind(*id);
                    }
                    for row in query.fetch_all(pool).await? {
                        let response_id: i64 = row.try_get("response_id")?;
                        let key: String = row.try_get("key")?;
                        let kind: String = row.try_get("kind")?;
                        let number: Option<i64> = row.try_get("number")?;
                        let text: Option<String> = row.try_get("text")?;
                        let value = match (number, text) {
                            (Some(n), _) => serde_json::Value::from(n),
                            (None, Some(t)) => serde_json::Value::from(t),
                            (None, None) => serde_json::Value::Null,
                        };
                        let answers = &mut responses[index[&response_id]].answers;
                        if kind == "multi_choice" {
                            match answers.entry(key).or_insert_with(|| serde_json::Value::Array(Vec::new())) {
                                serde_json::Value::Array(items) => items.push(value),
                                other => *other = value,
                            }
                        } else {
                            answers.insert(key, value);
                        }
                    }
                }
            }
            Ok(ResponsePage { responses, next })
        })
    }

    /// Number of responses, of one survey or of all.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn response_count(&self, survey: Option<&str>) -> Result<u64, StoreError> {
        with_pool!(self, pool => {
            let count: i64 = match survey {
                Some(key) => sqlx::query_scalar("SELECT COUNT(*) FROM responses r JOIN surveys v ON v.id = r.survey_id WHERE v.key = $1")
                    .bind(key)
                    .fetch_one(pool)
                    .await?,
                None => sqlx::query_scalar("SELECT COUNT(*) FROM responses").fetch_one(pool).await?,
            };
            Ok(count.max(0) as u64)
        })
    }

    /// The dimension keys a survey's responses carry, sorted (read from the count tables,
    /// which hold every key of every stored response).
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn dimension_keys(&self, survey: &str) -> Result<Vec<String>, StoreError> {
        with_pool!(self, pool => {
            let keys: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT c.dim_key FROM response_counts c JOIN surveys v ON v.id = c.survey_id \
                 WHERE v.key = $1 AND c.dim_key <> '' AND c.dim_key NOT LIKE '@%' AND c.n > 0 ORDER BY c.dim_key",
            )
            .bind(survey)
            .fetch_all(pool)
            .await?;
            Ok(keys)
        })
    }

    /// Whether a response with this source and id is stored.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn response_exists(&self, source: &str, source_id: &str) -> Result<bool, StoreError> {
        with_pool!(self, pool => {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM responses WHERE source = $1 AND source_id = $2")
                .bind(source)
                .bind(source_id)
                .fetch_optional(pool)
                .await?;
            Ok(found.is_some())
        })
    }
}
