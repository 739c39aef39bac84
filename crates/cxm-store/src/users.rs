//! People who sign in to the web app (name, argon2id password hash, role, language) and
//! their sessions, stored by the SHA-256 of the cookie secret with a CSRF token and an expiry.

use sqlx::Row;

use crate::{Role, Store, StoreError, now_micros, with_pool};

/// A user as stored (the password hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Internal id.
    pub id: i64,
    /// Sign-in name.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// Preferred language of the pages, `zh` or `en`.
    pub language: String,
}

/// A live session and its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The token every form of the session must carry.
    pub csrf: String,
}

impl Store {
    /// Adds a user.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the name is taken.
    pub async fn create_user(
        &self,
        name: &str,
        password_hash: &str,
        role: Role,
        language: &str,
    ) -> Result<User, StoreError> {
        with_pool!(self, pool => {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE name = $1").bind(name).fetch_optional(pool).await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("a user named {name:?} exists")));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (name, password_hash, role, language, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(name)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(language)
            .bind(now_micros())
            .fetch_one(pool)
            .await?;
            Ok(User { id, name: name.to_owned(), role, language: language.to_owned() })
        })
    }

    /// The enabled user named `name` with their password hash.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT id, name, role, language, password_hash FROM users WHERE name = $1 AND disabled_at IS NULL")
                .bind(name)
                .fetch_optional(pool)
                .await?;
            let Some(row) = row else { return Ok(None) };
            let role: String = row.try_get("role")?;
            let user = User {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("user role {role:?}")))?,
                language: row.try_get("language")?,
            };
            Ok(Some((user, row.try_get("password_hash")?)))
        })
    }

    /// Records a session.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(user_id)
                .bind(csrf)
                .bind(now_micros())
                .bind(expires_at)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The unexpired session with this hash, of an enabled user.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT u.id, u.name, u.role, u.language, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
            )
            .bind(token_hash)
            .bind(now_micros())
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let role: String = row.try_get("role")?;
            Ok(Some(Session {
                user: User {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("user role {role:?}")))?,
                    language: row.try_get("language")?,
                },
                csrf: row.try_get("csrf")?,
            }))
        })
    }

    /// Ends a session (and, in passing, every expired one).
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
                .bind(token_hash)
                .bind(now_micros())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Sets a user's page language.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user.
    pub async fn set_user_language(&self, user_id: i64, language: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let done = sqlx::query("UPDATE users SET language = $1 WHERE id = $2").bind(language).bind(user_id).execute(pool).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            Ok(())
        })
    }
}
