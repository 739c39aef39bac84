//! Key–value settings kept in the database, such as the time zone local days were computed in.

use crate::{Store, StoreError, with_pool};

impl Store {
    /// The stored value of setting `key`.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Stores setting `key`.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
