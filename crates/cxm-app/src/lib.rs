//! Use cases of cxm shared by the CLI and the HTTP server: surveys, ingest, metric queries,
//! API tokens, demo data and benchmarks. Everything takes an [`App`], which owns the store
//! and the configuration; nothing here parses HTTP or command lines.

mod case_access;
mod case_metrics;
mod case_view;
mod cases;
mod complaints;
mod config;
mod demo;
mod demo_cases;
mod error;
mod explorer;
mod export;
mod feeds;
mod filters;
mod forms;
mod history;
mod import;
mod ingest;
mod metrics;
mod notify;
mod overview;
mod responses;
mod routing;
mod scorecard;
mod surveys;
mod text;
mod tokens;
mod users;
mod volumes;

pub use case_access::CaseAccess;
pub use case_metrics::{CASE_METRICS, is_case_query};
pub use case_view::{CaseEventView, CaseView};
pub use cases::{CaseAction, CasesConfig, ComplaintInput, DEFAULT_ROOT_CAUSES};
pub use complaints::ComplaintImport;
pub use config::{Config, DatabaseConfig, FeedsConfig, MetricsConfig, ServerConfig};
pub use volumes::VolumeInput;

pub use demo::{DemoGenerator, DemoOptions, DemoSummary};
pub use demo_cases::DemoCases;
pub use error::{AppError, Problem};
pub use explorer::ExploredResponse;
pub use export::{ExportFormat, metric_table};
pub use feeds::{WebhookHeaders, verify_webhook};
pub use forms::FormFields;
pub use import::{ImportOptions, ImportProgress, ImportReport, ProgressCallback, RejectSink};
pub use ingest::{IngestFormat, IngestReport, MAX_BATCH};
pub use metrics::{
    ComparisonResult, Estimate, MetricQueryInput, MetricRow, MetricsResult, OptionShare, ValueCount,
};
pub use notify::{
    DeliveryReport, NotificationsConfig, NotifyChannel, ROBOT_PER_MINUTE, SmtpConfig,
    dingtalk_signed_url, feishu_sign,
};
pub use overview::{CommentView, DEFAULT_DAYS, Overview, OverviewInput};
pub use responses::ResponseListInput;
pub use scorecard::{ComplaintRate, Durations, Rate, Scorecard, ScorecardBy, follow_up_path};
pub use surveys::SurveySummary;
pub use text::{CommentAnalysis, CommentInput, MAX_COMMENT_CHARS, MAX_COMMENTS};
pub use tokens::{Authenticated, NewToken};
pub use users::{MIN_PASSWORD_CHARS, SESSION_DAYS, SignedIn};

pub use cxm_store::{
    CaseEvent, CaseFilter, Department, ResponsePage, Role, RoutingRule, Session, Store, StoredCase,
    StoredResponse, User, Volume,
};

use cxm_domain::TimeZone;

/// The application: a store and the configuration it runs with.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    config: Config,
    /// The HTTP client of outbound notifications, made on first use and shared by the clones.
    http: std::sync::Arc<std::sync::OnceLock<reqwest::Client>>,
}

impl App {
    /// Opens the configured database (migrating it) and checks that local days were computed in
    /// the configured time zone.
    ///
    /// # Errors
    /// [`AppError`] when the database cannot be opened, or holds responses stamped in another
    /// time zone.
    pub async fn open(mut config: Config) -> Result<App, AppError> {
        let store = Store::connect(&config.database.url).await?;
        config.time_zone = Some(resolve_time_zone(&store, config.time_zone).await?);
        Ok(App {
            store,
            config,
            http: std::sync::Arc::default(),
        })
    }

    /// The store, for callers that need direct access (tests, benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// The zone local days are computed in: the database's own when it has one (a configured zone
/// must then agree), else the configured zone or UTC, which is then recorded.
async fn resolve_time_zone(
    store: &Store,
    configured: Option<TimeZone>,
) -> Result<TimeZone, AppError> {
    match (store.setting("time_zone").await?, configured) {
        (Some(stored), Some(zone)) if stored != zone.name() => Err(AppError::Conflict(format!(
            "this database holds local days computed in {stored}, but time_zone is {}; \
             set time_zone = \"{stored}\" (or leave it unset) or start from a new database",
            zone.name()
        ))),
        (Some(stored), _) => TimeZone::parse(&stored).map_err(|e| {
            AppError::Conflict(format!(
                "the database's time zone {stored:?} is unknown: {}",
                e.message
            ))
        }),
        (None, configured) => {
            let zone = configured.unwrap_or_default();
            store.set_setting("time_zone", zone.name()).await?;
            Ok(zone)
        }
    }
}
