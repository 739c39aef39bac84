//! Loading the configuration: defaults, then the TOML file, then `CXM_*` environment
//! variables, then command-line flags. Loading reads only; it never writes a file.
//! Every key is listed in `configuration.md`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cxm_app::Config;
use cxm_domain::TimeZone;
use cxm_stats::NpsMethod;
use serde::Deserialize;

/// The file's shape; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    time_zone: Option<String>,
    #[serde(default)]
    database: FileDatabase,
    #[serde(default)]
    server: FileServer,
    #[serde(default)]
    metrics: FileMetrics,
    #[serde(default)]
    text: FileText,
    #[serde(default)]
    feeds: FileFeeds,
    #[serde(default)]
    cases: FileCases,
    #[serde(default)]
    notifications: FileNotifications,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileNotifications {
    #[serde(default)]
    allow_private_targets: bool,
    smtp: Option<FileSmtp>,
    #[serde(default)]
    channels: Vec<FileChannel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSmtp {
    host: String,
    #[serde(default = "default_smtp_port")]
    port: u16,
    from: String,
    username: Option<String>,
    password: Option<String>,
    #[serde(default = "default_true")]
    tls: bool,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileChannel {
    kind: String,
    target: String,
    secret: Option<String>,
    #[serde(default)]
    events: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCases {
    open_on_nps_at_most: Option<i64>,
    open_on_csat_at_most: Option<i64>,
    root_causes: Option<Vec<String>>,
    recovery_survey: Option<String>,
    #[serde(default)]
    open_on_negative_comment: bool,
    #[serde(default)]
    open_on_themes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFeeds {
    wjx_key: Option<String>,
    webhook_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileText {
    model: Option<PathBuf>,
    themes: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDatabase {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServer {
    bind: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMetrics {
    min_n: Option<u64>,
    confidence: Option<f64>,
    nps_method: Option<String>,
}

/// The default configuration file, used when it exists and no other is named.
pub const DEFAULT_FILE: &str = "cxm.toml";

/// Loads the configuration.
pub fn load(file: Option<&Path>, database: Option<&str>) -> Result<Config> {
    let mut config = Config::default();
    let path = match file {
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.exists()),
    };
    let mut layer = FileConfig::default();
    if let Some(path) = &path {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading configuration {}", path.display()))?;
        layer = toml::from_str(&text)
            .with_context(|| format!("parsing configuration {}", path.display()))?;
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let time_zone = env("CXM_TIME_ZONE").or(layer.time_zone);
    if let Some(zone) = time_zone {
        config.time_zone =
            Some(TimeZone::parse(&zone).map_err(|e| anyhow::anyhow!("time_zone: {}", e.message))?);
    }
    if let Some(url) = database
        .map(str::to_owned)
        .or_else(|| env("CXM_DATABASE_URL"))
        .or(layer.database.url)
    {
        config.database.url = url;
    }
    if let Some(bind) = env("CXM_SERVER_BIND").or(layer.server.bind) {
        config.server.bind = bind;
    }
    if let Some(min_n) = env("CXM_METRICS_MIN_N")
        .map(|v| {
            v.parse::<u64>()
                .with_context(|| format!("CXM_METRICS_MIN_N {v:?} is not a whole number"))
        })
        .transpose()?
        .or(layer.metrics.min_n)
    {
        config.metrics.min_n = min_n;
    }
    if let Some(confidence) = env("CXM_METRICS_CONFIDENCE")
        .map(|v| {
            v.parse::<f64>()
                .with_context(|| format!("CXM_METRICS_CONFIDENCE {v:?} is not a number"))
        })
        .transpose()?
        .or(layer.metrics.confidence)
    {
        if !(confidence > 0.0 && confidence < 1.0) {
            bail!("metrics.confidence {confidence} is outside (0, 1)");
        }
        config.metrics.confidence = confidence;
    }
    if let Some(method) = env("CXM_METRICS_NPS_METHOD").or(layer.metrics.nps_method) {
        config.metrics.nps_method = match method.as_str() {
            "adjusted_wald" => NpsMethod::AdjustedWald,
            "wald" => NpsMethod::Wald,
            "score" => NpsMethod::Score,
            other => bail!("metrics.nps_method {other:?}: expected adjusted_wald, wald or score"),
        };
    }
    let number = |name: &str| -> Result<Option<i64>> {
        env(name)
            .map(|v| {
                v.parse::<i64>()
                    .with_context(|| format!("{name} {v:?} is not a whole number"))
            })
            .transpose()
    };
    config.cases.open_nps_at_most =
        number("CXM_CASES_OPEN_ON_NPS_AT_MOST")?.or(layer.cases.open_on_nps_at_most);
    config.cases.open_csat_at_most =
        number("CXM_CASES_OPEN_ON_CSAT_AT_MOST")?.or(layer.cases.open_on_csat_at_most);
    config.cases.recovery_survey = layer.cases.recovery_survey;
    config.cases.open_on_negative_comment = layer.cases.open_on_negative_comment;
    config.cases.open_on_themes = layer.cases.open_on_themes;
    if let Some(causes) = layer.cases.root_causes {
        if causes.is_empty() {
            bail!("cases.root_causes is empty: a case could never be resolved");
        }
        config.cases.root_causes = causes;
    }
    config.notifications.allow_private_targets = layer.notifications.allow_private_targets;
    if let Some(smtp) = layer.notifications.smtp {
        config.notifications.smtp = Some(cxm_app::SmtpConfig {
            host: smtp.host,
            port: smtp.port,
            from: smtp.from,
            credentials: smtp
                .username
                .zip(env("CXM_NOTIFICATIONS_SMTP_PASSWORD").or(smtp.password)),
            tls: smtp.tls,
        });
    }
    for (index, channel) in layer.notifications.channels.into_iter().enumerate() {
        if !matches!(
            channel.kind.as_str(),
            "email" | "wecom" | "dingtalk" | "feishu" | "slack"
        ) {
            bail!(
                "notifications.channels[{index}].kind {:?}: expected email, wecom, dingtalk, feishu or slack",
                channel.kind
            );
        }
        if let Some(event) = channel
            .events
            .iter()
            .find(|e| !matches!(e.as_str(), "case.created" | "case.escalated"))
        {
            bail!(
                "notifications.channels[{index}].events: {event:?} is not case.created or case.escalated"
            );
        }
        config.notifications.channels.push(cxm_app::NotifyChannel {
            kind: channel.kind,
            target: channel.target,
            secret: channel.secret,
            events: channel.events,
        });
    }
    config.feeds.wjx_key = env("CXM_FEEDS_WJX_KEY").or(layer.feeds.wjx_key);
    config.feeds.webhook_secret = env("CXM_FEEDS_WEBHOOK_SECRET").or(layer.feeds.webhook_secret);
    let model = env("CXM_TEXT_MODEL")
        .map(PathBuf::from)
        .or(layer.text.model);
    let themes = env("CXM_TEXT_THEMES")
        .map(PathBuf::from)
        .or(layer.text.themes);
    if model.is_some() || themes.is_some() {
        let analyzer = crate::text::analyzer(model.as_deref(), themes.as_deref())
            .context("[text] in the configuration")?;
        config.text = Some(std::sync::Arc::new(analyzer));
    }
    Ok(config)
}

/// The text `cxm init` writes.
pub fn initial_file(time_zone: &str, database_url: &str) -> String {
    format!(
        "# cxm configuration; every key is described in configuration.md.\n\
         time_zone = \"{time_zone}\"\n\n[database]\nurl = \"{database_url}\"\n\n[server]\nbind = \"127.0.0.1:8080\"\n\n\
         [metrics]\nmin_n = 30\nconfidence = 0.95\nnps_method = \"adjusted_wald\"\n"
    )
}
