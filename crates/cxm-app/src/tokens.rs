//! API tokens: `cxm_` followed by 64 hex digits (32 random bytes), shown once, stored as the
//! SHA-256 of the whole token.

use cxm_store::Role;
use sha2::{Digest, Sha256};

use crate::{App, AppError};

/// A freshly made token; `secret` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Internal id.
    pub id: i64,
    /// The secret to give the client.
    pub secret: String,
    /// Its role.
    pub role: Role,
}

/// Who a request is, once its token checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// Token id.
    pub token_id: i64,
    /// Token role.
    pub role: Role,
}

/// The hex SHA-256 of a secret: what is stored of tokens and session cookies.
pub(crate) fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `bytes` random bytes as hex.
///
/// # Errors
/// [`AppError::Conflict`] when the system has no randomness.
pub(crate) fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| AppError::Conflict(format!("the system has no randomness to offer: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

impl App {
    /// Makes a token with `role`.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails or no randomness is available.
    pub async fn create_token(&self, name: &str, role: Role) -> Result<NewToken, AppError> {
        let secret = format!("cxm_{}", random_hex(32)?);
        let token = self.store.create_token(name, &hash(&secret), role).await?;
        Ok(NewToken {
            id: token.id,
            secret,
            role,
        })
    }

    /// Checks a bearer token.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] when it is unknown or revoked.
    pub async fn authenticate(&self, secret: &str) -> Result<Authenticated, AppError> {
        match self.store.token_by_hash(&hash(secret.trim())).await? {
            Some(token) => Ok(Authenticated {
                token_id: token.id,
                role: token.role,
            }),
            None => Err(AppError::Forbidden(
                "unknown or revoked API token".to_owned(),
            )),
        }
    }
}

impl Authenticated {
    /// Fails unless the token's role is at least `needed`.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] naming the role needed.
    pub fn require(&self, needed: Role) -> Result<(), AppError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "this needs a token with role {} or higher; yours is {}",
                needed.as_str(),
                self.role.as_str()
            )))
        }
    }
}
