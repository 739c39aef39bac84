//! The notification outbox: messages waiting for delivery, with their attempts and errors.
//! Senders claim due messages for a while before sending them, so that several `cxm serve`
//! processes on one database never send a message twice.

use sqlx::Row;

use crate::{Store, StoreError, now_micros, with_pool};

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Internal id.
    pub id: i64,
    /// `email`, `wecom`, `dingtalk`, `feishu` or `slack`.
    pub channel: String,
    /// The address or robot URL.
    pub target: String,
    /// Messages with the same key are one message.
    pub dedupe_key: String,
    /// What it announces, e.g. `case.created`.
    pub event: String,
    /// Title.
    pub title: String,
    /// Text (Markdown for robots that take it).
    pub body: String,
    /// Whom to @-mention (mobile number or user id), where the channel supports it.
    pub mention: Option<String>,
    /// Delivery attempts so far.
    pub attempts: i64,
}

impl Store {
    /// Adds a message unless one with its dedupe key exists; whether it was added.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn enqueue(&self, message: &OutboxMessage) -> Result<bool, StoreError> {
        let now = now_micros();
        with_pool!(self, pool => {
            let done = sqlx::query(
                "INSERT INTO outbox (channel, target, dedupe_key, event, title, body, mention, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(&message.channel).bind(&message.target).bind(&message.dedupe_key).bind(&message.event)
            .bind(&message.title).bind(&message.body).bind(&message.mention).bind(now)
            .execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Undelivered messages due at `now` (unix µs), oldest first.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn due_messages(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, channel, target, dedupe_key, event, title, body, mention, attempts FROM outbox \
                 WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
            )
            .bind(now).bind(limit).fetch_all(pool).await?;
            rows.iter().map(message_of).collect()
        })
    }

    /// Claims up to `limit` undelivered messages due at `now` (unix µs), oldest first: they
    /// are not due again until `until`, so no other sender takes them meanwhile. The sender
    /// then marks each delivered, failed or postponed; a message whose sender died is sent
    /// after `until`.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn claim_due_messages(
        &self,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        with_pool!(self, pool => {
            // The outer condition is checked again on the row as it is when the update takes
            // its lock, so of two senders at once only the first gets a message.
            let rows = sqlx::query(
                "UPDATE outbox SET next_attempt_at = $1 \
                 WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= $2 ORDER BY id LIMIT $3) \
                 AND delivered_at IS NULL AND next_attempt_at <= $2 \
                 RETURNING id, channel, target, dedupe_key, event, title, body, mention, attempts",
            )
            .bind(until).bind(now).bind(limit).fetch_all(pool).await?;
            let mut messages = rows.iter().map(message_of).collect::<Result<Vec<_>, _>>()?;
            messages.sort_by_key(|m| m.id);
            Ok(messages)
        })
    }

    /// Messages delivered to `target` since `since` (unix µs), for rate limits.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn delivered_since(&self, target: &str, since: i64) -> Result<i64, StoreError> {
        with_pool!(self, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE target = $1 AND delivered_at >= $2")
                .bind(target).bind(since).fetch_one(pool).await?;
            Ok(n)
        })
    }

    /// Marks messages delivered.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn mark_delivered(&self, ids: &[i64]) -> Result<(), StoreError> {
        let now = now_micros();
        with_pool!(self, pool => {
            for id in ids {
                sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2").bind(now).bind(id).execute(pool).await?;
            }
            Ok(())
        })
    }

    /// Records a failed attempt and when to try again.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn mark_failed(
        &self,
        ids: &[i64],
        error: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            for id in ids {
                sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
                    .bind(error).bind(next_attempt_at).bind(id).execute(pool).await?;
            }
            Ok(())
        })
    }

    /// Pushes messages to a later time without counting an attempt (rate limits).
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn postpone(&self, ids: &[i64], next_attempt_at: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            for id in ids {
                sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE id = $2").bind(next_attempt_at).bind(id).execute(pool).await?;
            }
            Ok(())
        })
    }
}

fn message_of<R: Row>(row: &R) -> Result<OutboxMessage, StoreError>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(OutboxMessage {
        id: row.try_get("id")?,
        channel: row.try_get("channel")?,
        target: row.try_get("target")?,
        dedupe_key: row.try_get("dedupe_key")?,
        event: row.try_get("event")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        mention: row.try_get("mention")?,
        attempts: row.try_get("attempts")?,
    })
}
