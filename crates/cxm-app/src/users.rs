//! People of the web app: users with argon2id password hashes and a role, sign-in that opens a
//! session (a random cookie secret stored as its SHA-256, a CSRF token, two weeks to live),
//! sign-out, and each user's page language.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use cxm_store::{Role, Session, User};

use crate::tokens::{hash, random_hex};
use crate::{App, AppError};

/// How long a session lasts, in days.
pub const SESSION_DAYS: i64 = 14;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A new session: the secret for the cookie (shown once) and the session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The cookie secret.
    pub secret: String,
    /// The session.
    pub session: Session,
}

impl App {
    /// Adds a user who signs in with `name` and `password`.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for a bad name, a short password or an unknown language;
    /// [`AppError::Conflict`] when the name is taken.
    pub async fn add_user(
        &self,
        name: &str,
        password: &str,
        role: Role,
        language: &str,
    ) -> Result<User, AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_whitespace) {
            return Err(AppError::invalid(
                "name",
                "1 to 64 characters without spaces",
            ));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AppError::invalid(
                "password",
                format!("at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        if !matches!(language, "zh" | "en") {
            return Err(AppError::invalid("language", "zh or en"));
        }
        let salt = random_hex(16)?;
        let password = password.to_owned();
        let hashed = tokio::task::spawn_blocking(move || -> Result<String, AppError> {
            let salt = SaltString::from_b64(&salt)
                .map_err(|e| AppError::Conflict(format!("salt: {e}")))?;
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::Conflict(format!("hashing the password failed: {e}")))
        })
        .await
        .map_err(|e| AppError::Conflict(format!("hashing the password failed: {e}")))??;
        Ok(self
            .store
            .create_user(name, &hashed, role, language)
            .await?)
    }

    /// Signs a user in.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] for an unknown name or a wrong password (the same message for
    /// both).
    pub async fn sign_in(&self, name: &str, password: &str) -> Result<SignedIn, AppError> {
        let refused = || AppError::Forbidden("wrong name or password".to_owned());
        let Some((user, stored)) = self.store.user_for_login(name.trim()).await? else {
            return Err(refused());
        };
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        if !matches {
            return Err(refused());
        }
        let secret = random_hex(32)?;
        let csrf = random_hex(16)?;
        let expires = chrono::Utc::now().timestamp_micros() + SESSION_DAYS * 86_400 * 1_000_000;
        self.store
            .create_session(&hash(&secret), user.id, &csrf, expires)
            .await?;
        Ok(SignedIn {
            secret,
            session: Session { user, csrf },
        })
    }

    /// The live session of a cookie secret, if any.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>, AppError> {
        Ok(self.store.session(&hash(secret.trim())).await?)
    }

    /// Ends a session.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn sign_out(&self, secret: &str) -> Result<(), AppError> {
        Ok(self.store.delete_session(&hash(secret.trim())).await?)
    }

    /// Sets a user's page language, `zh` or `en`.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for another language.
    pub async fn set_language(&self, user_id: i64, language: &str) -> Result<(), AppError> {
        if !matches!(language, "zh" | "en") {
            return Err(AppError::invalid("language", "zh or en"));
        }
        Ok(self.store.set_user_language(user_id, language).await?)
    }

    /// Sets how the user named `name` is reached personally (email, mobile, chat ids).
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown user; [`AppError::Invalid`] for an email address
    /// without `@`.
    pub async fn set_contacts(
        &self,
        name: &str,
        contacts: cxm_domain::Contacts,
    ) -> Result<User, AppError> {
        if contacts.email.as_deref().is_some_and(|e| !e.contains('@')) {
            return Err(AppError::invalid("email", "is not an email address"));
        }
        let mut user = self
            .store
            .users()
            .await?
            .into_iter()
            .find(|u| u.name == name)
            .ok_or_else(|| AppError::NotFound(format!("user {name:?}")))?;
        self.store.set_user_contacts(user.id, &contacts).await?;
        user.contacts = contacts;
        Ok(user)
    }
}
