//! People who sign in to the web app (name, argon2id password hash, role, language, the
//! contacts that reach them personally) and their sessions, stored by the SHA-256 of the cookie
//! secret with a CSRF token and an expiry.

use cxm_domain::Contacts;
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
    /// How to reach the user personally.
    pub contacts: Contacts,
}

const USER_COLUMNS: &str = "u.id, u.name, u.role, u.language, u.contacts";

fn user_of<R: Row>(row: &R) -> Result<User, StoreError>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let role: String = row.try_get("role")?;
    let contacts: String = row.try_get("contacts")?;
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("user role {role:?}")))?,
        language: row.try_get("language")?,
        contacts: serde_json::from_str(&contacts)
            .map_err(|e| StoreError::Corrupt(format!("user contacts: {e}")))?,
    })
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
            Ok(User { id, name: name.to_owned(), role, language: language.to_owned(), contacts: Contacts::default() })
        })
    }

    /// The enabled user named `name` with their password hash.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn user_for_login(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        with_pool!(self, pool => {
            let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = $1 AND u.disabled_at IS NULL");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(name)
                .fetch_optional(pool)
                .await?;
            let Some(row) = row else { return Ok(None) };
            Ok(Some((user_of(&row)?, row.try_get("password_hash")?)))
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
            let sql = format!(
                "SELECT {USER_COLUMNS}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(token_hash)
                .bind(now_micros())
                .fetch_optional(pool)
                .await?;
            let Some(row) = row else { return Ok(None) };
            Ok(Some(Session { user: user_of(&row)?, csrf: row.try_get("csrf")? }))
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

    /// Sets how a user is reached personally.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user.
    pub async fn set_user_contacts(
        &self,
        user_id: i64,
        contacts: &Contacts,
    ) -> Result<(), StoreError> {
        let text =
            serde_json::to_string(contacts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        with_pool!(self, pool => {
            let done = sqlx::query("UPDATE users SET contacts = $1 WHERE id = $2").bind(text).bind(user_id).execute(pool).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            Ok(())
        })
    }

    /// Every enabled user, by name.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        with_pool!(self, pool => {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.disabled_at IS NULL ORDER BY u.name");
            let mut users = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await? {
                users.push(user_of(&row)?);
            }
            Ok(users)
        })
    }

    /// The enabled user with `id`, if any.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        with_pool!(self, pool => {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.disabled_at IS NULL");
            match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await? {
                Some(row) => Ok(Some(user_of(&row)?)),
                None => Ok(None),
            }
        })
    }
}
