//! The one configuration of cxm, with every key's default. Loading it (file, then `CXM_*`
//! environment variables) is the binary's job; `configuration.md` lists every key.

use cxm_domain::TimeZone;
use cxm_stats::NpsMethod;

/// Everything cxm can be configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where data lives.
    pub database: DatabaseConfig,
    /// The HTTP server.
    pub server: ServerConfig,
    /// Metric defaults.
    pub metrics: MetricsConfig,
    /// The comment analyser (sentiment models and theme taxonomy); `None` uses the built-in ones.
    pub text: Option<std::sync::Arc<cxm_text::Analyzer>>,
    /// Secrets of the live feeds (问卷星 push, signed webhooks).
    pub feeds: FeedsConfig,
    /// What opens cases, and the root causes they close with.
    pub cases: crate::CasesConfig,
    /// Where case notifications go.
    pub notifications: crate::NotificationsConfig,
    /// The zone in which days, weeks and months begin. `None`: the zone the database was
    /// created with, or UTC for a new database. [`crate::App::open`] resolves it, so an open
    /// app's configuration always has one.
    pub time_zone: Option<TimeZone>,
}

/// Where data lives.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// `sqlite://PATH`, a file path, or `postgres://…`.
    pub url: String,
}

impl std::fmt::Debug for DatabaseConfig {
    /// Hides a password in the URL.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let credentials = &self.url[scheme + 3..at];
                match credentials.split_once(':') {
                    Some((user, _)) => {
                        format!("{}{user}:***{}", &self.url[..scheme + 3], &self.url[at..])
                    }
                    None => self.url.clone(),
                }
            }
            _ => self.url.clone(),
        };
        f.debug_struct("DatabaseConfig")
            .field("url", &shown)
            .finish()
    }
}

/// Secrets of the live feeds; `None` turns a feed off.
#[derive(Clone, Default)]
pub struct FeedsConfig {
    /// 问卷星's push key (推送密钥), checked in each push's `sign`.
    pub wjx_key: Option<String>,
    /// The Standard Webhooks secret (`whsec_…`) that signs pushed responses.
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for FeedsConfig {
    /// Shows whether each secret is set, never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |secret: &Option<String>| if secret.is_some() { "***" } else { "unset" };
        f.debug_struct("FeedsConfig")
            .field("wjx_key", &shown(&self.wjx_key))
            .field("webhook_secret", &shown(&self.webhook_secret))
            .finish()
    }
}

/// The HTTP server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub bind: String,
}

/// Metric defaults.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// Groups with fewer respondents are flagged low base.
    pub min_n: u64,
    /// Default two-sided confidence level.
    pub confidence: f64,
    /// NPS interval method.
    pub nps_method: NpsMethod,
}

impl Config {
    /// The defaults, on the database at `url`.
    pub fn with_database(url: &str) -> Config {
        let mut config = Config::default();
        config.database.url = url.to_owned();
        config
    }

    /// The time zone in force: the configured one, else UTC.
    pub fn zone(&self) -> TimeZone {
        self.time_zone.unwrap_or_default()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: DatabaseConfig {
                url: "sqlite://cxm.db".to_owned(),
            },
            server: ServerConfig {
                bind: "127.0.0.1:8080".to_owned(),
            },
            metrics: MetricsConfig {
                min_n: 30,
                confidence: 0.95,
                nps_method: NpsMethod::AdjustedWald,
            },
            text: None,
            feeds: FeedsConfig::default(),
            cases: crate::CasesConfig::default(),
            notifications: crate::NotificationsConfig::default(),
            time_zone: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_password_is_hidden_in_debug() {
        let config = DatabaseConfig {
            url: "postgres://cx:secret@db:5432/cxm".to_owned(),
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("cx:***@db"), "{shown}");
    }
}
