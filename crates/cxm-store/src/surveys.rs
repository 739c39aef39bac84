//! Surveys and their items. A survey's definition is stored whole (JSON); its answerable items
//! (questions, and matrix rows as `question.row`) are rows of `items`, which answers reference.

use chrono::{DateTime, Utc};
use cxm_domain::{QuestionKind, Survey};
use sqlx::Row;

use crate::{BeginWrite, Store, StoreError, now_micros, with_pool};

/// A survey as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSurvey {
    /// Internal id.
    pub id: i64,
    /// The definition.
    pub survey: Survey,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// One answerable item of a survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInfo {
    /// Internal id.
    pub id: i64,
    /// The survey it belongs to.
    pub survey_id: i64,
    /// `question` or `question.row`.
    pub key: String,
    /// `nps`, `rating`, `matrix_row`, `single_choice`, `multi_choice`, `text` or `hidden`.
    pub kind: String,
    /// `csat` or `ces` for ratings with a role.
    pub role: Option<String>,
    /// Lowest scale value of numeric items.
    pub scale_min: Option<i64>,
    /// Highest scale value of numeric items.
    pub scale_max: Option<i64>,
}

/// Adds one answerable item of a survey.
const INSERT_ITEM: &str = "INSERT INTO items (survey_id, key, kind, role, scale_min, scale_max) VALUES ($1, $2, $3, $4, $5, $6)";

/// One row of `items` as a definition implies it: `(key, kind, role, min, max)`.
type ItemRow = (
    String,
    &'static str,
    Option<&'static str>,
    Option<i64>,
    Option<i64>,
);

/// Every item a survey defines.
fn items_of(survey: &Survey) -> Vec<ItemRow> {
    let mut items = Vec::new();
    for question in &survey.questions {
        let key = question.key.as_str().to_owned();
        match &question.kind {
            QuestionKind::Nps { .. } => items.push((key, "nps", None, Some(0), Some(10))),
            QuestionKind::Rating { min, max, role, .. } => items.push((
                key,
                "rating",
                role.map(|r| match r {
                    cxm_domain::MetricRole::Csat => "csat",
                    cxm_domain::MetricRole::Ces => "ces",
                }),
                Some(*min),
                Some(*max),
            )),
            QuestionKind::Matrix { rows, min, max } => {
                for row in rows {
                    items.push((
                        format!("{key}.{}", row.key),
                        "matrix_row",
                        None,
                        Some(*min),
                        Some(*max),
                    ));
                }
            }
            other => items.push((key, other.name(), None, None, None)),
        }
    }
    items
}

fn micros_to_time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

impl Store {
    /// Stores a new survey.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a survey with the same key exists.
    pub async fn create_survey(&self, survey: &Survey) -> Result<StoredSurvey, StoreError> {
        let definition =
            serde_json::to_string(survey).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM surveys WHERE key = $1")
                .bind(survey.key.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if existing.is_some() {
                return Err(StoreError::Conflict(format!("survey {:?} already exists", survey.key.as_str())));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO surveys (key, status, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
            )
            .bind(survey.key.as_str())
            .bind(survey.status.as_str())
            .bind(&definition)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (key, kind, role, min, max) in items_of(survey) {
                sqlx::query(INSERT_ITEM)
                .bind(id)
                .bind(key)
                .bind(kind)
                .bind(role)
                .bind(min)
                .bind(max)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(StoredSurvey { id, survey: survey.clone(), created_at: micros_to_time(now), updated_at: micros_to_time(now) })
        })
    }

    /// Replaces the definition of an existing survey. Items keep their ids; items the new
    /// definition drops stay in the database with their answers, so history is never lost.
    /// With `expected` (unix µs), only a survey last changed then is replaced: an editor who
    /// opened an older version gets a conflict instead of undoing a colleague's changes.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when no survey has this key; [`StoreError::Conflict`] when an
    /// item keeps its key but changes kind while answers reference it; [`StoreError::Stale`]
    /// when the survey changed after `expected`.
    pub async fn update_survey(
        &self,
        survey: &Survey,
        expected: Option<i64>,
    ) -> Result<StoredSurvey, StoreError> {
        let definition =
            serde_json::to_string(survey).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row = sqlx::query("SELECT id, created_at, updated_at FROM surveys WHERE key = $1")
                .bind(survey.key.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("survey {:?}", survey.key.as_str())))?;
            let id: i64 = row.try_get("id")?;
            let created_at: i64 = row.try_get("created_at")?;
            let updated_at: i64 = row.try_get("updated_at")?;
            // Each save moves the version on, even within one microsecond of the last.
            let now = now.max(updated_at + 1);
            if expected.is_some_and(|version| version != updated_at) {
                return Err(StoreError::Stale(format!(
                    "survey {} was changed by someone else at {} after it was opened here; reload it and make the change again",
                    survey.key.as_str(),
                    micros_to_time(updated_at).to_rfc3339()
                )));
            }
            sqlx::query("UPDATE surveys SET status = $1, definition = $2, updated_at = $3 WHERE id = $4")
                .bind(survey.status.as_str())
                .bind(&definition)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (key, kind, role, min, max) in items_of(survey) {
                let existing = sqlx::query("SELECT id, kind FROM items WHERE survey_id = $1 AND key = $2")
                    .bind(id)
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
                match existing {
                    Some(row) => {
                        let item_id: i64 = row.try_get("id")?;
                        let old_kind: String = row.try_get("kind")?;
                        if old_kind != kind {
                            let answered: i64 = sqlx::query_scalar(
                                "SELECT (SELECT COUNT(*) FROM answers WHERE item_id = $1) + (SELECT COUNT(*) FROM choice_answers WHERE item_id = $1) + (SELECT COUNT(*) FROM text_answers WHERE item_id = $1)",
                            )
                            .bind(item_id)
                            .fetch_one(&mut *tx)
                            .await?;
                            if answered > 0 {
                                return Err(StoreError::Conflict(format!(
                                    "question {key:?} has {answered} answers as {old_kind}; give the {kind} question a new key"
                                )));
                            }
                        }
                        sqlx::query("UPDATE items SET kind = $1, role = $2, scale_min = $3, scale_max = $4 WHERE id = $5")
                            .bind(kind)
                            .bind(role)
                            .bind(min)
                            .bind(max)
                            .bind(item_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {
                        sqlx::query(INSERT_ITEM)
                        .bind(id)
                        .bind(&key)
                        .bind(kind)
                        .bind(role)
                        .bind(min)
                        .bind(max)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            tx.commit().await?;
            Ok(StoredSurvey { id, survey: survey.clone(), created_at: micros_to_time(created_at), updated_at: micros_to_time(now) })
        })
    }

    /// The survey with `key`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is none.
    pub async fn survey(&self, key: &str) -> Result<StoredSurvey, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT id, definition, created_at, updated_at FROM surveys WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("survey {key:?}")))?;
            stored_survey(&row)
        })
    }

    /// Every survey, by key.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn surveys(&self) -> Result<Vec<StoredSurvey>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, definition, created_at, updated_at FROM surveys ORDER BY key")
                .fetch_all(pool)
                .await?;
            rows.iter().map(stored_survey).collect()
        })
    }

    /// Deletes a survey that has no responses.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is none; [`StoreError::Conflict`] when it has
    /// responses (close it instead).
    pub async fn delete_survey(&self, key: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("SELECT id FROM surveys WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("survey {key:?}")))?;
            let responses: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE survey_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            if responses > 0 {
                return Err(StoreError::Conflict(format!(
                    "survey {key:?} has {responses} responses; close it instead of deleting it"
                )));
            }
            sqlx::query("DELETE FROM items WHERE survey_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM surveys WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The items of the given surveys (all surveys when `survey_ids` is empty).
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn items(&self, survey_ids: &[i64]) -> Result<Vec<ItemInfo>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, survey_id, key, kind, role, scale_min, scale_max FROM items ORDER BY id")
                .fetch_all(pool)
                .await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let item = ItemInfo {
                    id: row.try_get("id")?,
                    survey_id: row.try_get("survey_id")?,
                    key: row.try_get("key")?,
                    kind: row.try_get("kind")?,
                    role: row.try_get("role")?,
                    scale_min: row.try_get("scale_min")?,
                    scale_max: row.try_get("scale_max")?,
                };
                if survey_ids.is_empty() || survey_ids.contains(&item.survey_id) {
                    items.push(item);
                }
            }
            Ok(items)
        })
    }
}

fn stored_survey<R: Row>(row: &R) -> Result<StoredSurvey, StoreError>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let definition: String = row.try_get("definition")?;
    let survey: Survey = serde_json::from_str(&definition)
        .map_err(|e| StoreError::Corrupt(format!("survey definition: {e}")))?;
    Ok(StoredSurvey {
        id: row.try_get("id")?,
        survey,
        created_at: micros_to_time(row.try_get("created_at")?),
        updated_at: micros_to_time(row.try_get("updated_at")?),
    })
}
