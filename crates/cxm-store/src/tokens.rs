//! API tokens: random secrets shown once, stored as SHA-256 hashes with a role.

use sqlx::Row;

use crate::{Store, StoreError, now_micros, with_pool};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read metrics and responses.
    Viewer,
    /// Also ingest responses and edit surveys.
    Analyst,
    /// Everything, including tokens.
    Admin,
}

impl Role {
    /// The role's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A token's stored description (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Internal id.
    pub id: i64,
    /// What the token is for.
    pub name: String,
    /// Its role.
    pub role: Role,
}

impl Store {
    /// Records a token by the hex SHA-256 of its secret.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the hash exists already.
    pub async fn create_token(
        &self,
        name: &str,
        token_hash: &str,
        role: Role,
    ) -> Result<ApiToken, StoreError> {
        with_pool!(self, pool => {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM api_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict("token exists".to_owned()));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (name, token_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(name)
            .bind(token_hash)
            .bind(role.as_str())
            .bind(now_micros())
            .fetch_one(pool)
            .await?;
            Ok(ApiToken { id, name: name.to_owned(), role })
        })
    }

    /// The live (not revoked) token with this hash, marking it used.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT id, name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            let Some(row) = row else { return Ok(None) };
            let role: String = row.try_get("role")?;
            let token = ApiToken {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("token role {role:?}")))?,
            };
            Ok(Some(token))
        })
    }

    /// Revokes a token.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when no live token has this id.
    pub async fn revoke_token(&self, id: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_micros())
                .bind(id)
                .execute(pool)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("token {id}")));
            }
            Ok(())
        })
    }
}
