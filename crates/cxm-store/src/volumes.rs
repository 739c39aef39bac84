//! Monthly volumes (orders, customers) that complaint rates are measured against, overall or
//! per touchpoint or dimension value, as imported from the systems that know them.

use sqlx::Row;

use crate::{BeginWrite, Store, StoreError, with_pool};

/// One month's volume of one measure in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// `orders` or `customers`.
    pub measure: String,
    /// `''` for everything, `@touchpoint` or a dimension key.
    pub dim_key: String,
    /// The touchpoint or dimension value (`''` with `dim_key` `''`).
    pub dim_value: String,
    /// Month index, `year·12 + month − 1`.
    pub month: i64,
    /// How many.
    pub n: i64,
}

impl Store {
    /// Records volumes, each replacing the same measure, scope and month, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails; nothing is written then.
    pub async fn set_volumes(&self, volumes: &[Volume]) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for v in volumes {
                sqlx::query(
                    "INSERT INTO volumes (measure, dim_key, dim_value, month, n) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (measure, dim_key, dim_value, month) DO UPDATE SET n = excluded.n",
                )
                .bind(&v.measure).bind(&v.dim_key).bind(&v.dim_value).bind(v.month).bind(v.n)
                .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every volume from month `from` to `to` (inclusive), by measure, scope and month.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn volumes(&self, from: i64, to: i64) -> Result<Vec<Volume>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT measure, dim_key, dim_value, month, n FROM volumes WHERE month >= $1 AND month <= $2 \
                 ORDER BY measure, dim_key, dim_value, month",
            )
            .bind(from).bind(to).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(Volume {
                    measure: row.try_get("measure")?,
                    dim_key: row.try_get("dim_key")?,
                    dim_value: row.try_get("dim_value")?,
                    month: row.try_get("month")?,
                    n: row.try_get("n")?,
                });
            }
            Ok(out)
        })
    }
}
