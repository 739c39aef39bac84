//! `cxm bench`: the speed of API batch ingest and of the dashboard's metric query, on
//! synthetic demo data, on SQLite and (when given a server) PostgreSQL.
//!
//! Ingest is measured end to end: batches of 5,000 responses are POSTed over loopback HTTP to
//! the real server running in this process; each answer comes after its transaction committed.
//! JSON bodies are built before each request's clock starts. The query is the overview
//! dashboard's: NPS and CSAT by month × region over the last 12 months with year-over-year
//! comparison, timed through the metric engine (median and slowest of `repeat` runs). The
//! overview page is timed as a signed-in browser gets it: `GET /dashboard` for the last 90 days
//! over loopback HTTP, rendered HTML included (median of `repeat` requests).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use cxm_domain::TimeZone;
use cxm_store::{Role, ScratchDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use anyhow::Context;
use cxm_app::{App, Config, DemoGenerator, DemoOptions, MetricQueryInput};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Response counts to measure at.
    pub sizes: Vec<u64>,
    /// A PostgreSQL server URL (its database is used to create scratch databases).
    pub postgres: Option<String>,
    /// Query repetitions.
    pub repeat: usize,
    /// Time zone of local days.
    pub time_zone: TimeZone,
}

/// Batch size of the ingest benchmark.
const BATCH: usize = 5_000;

/// Runs the benchmarks and returns a Markdown report.
///
/// # Errors
/// When a database cannot be created or a request fails.
pub async fn run(options: &BenchOptions) -> anyhow::Result<String> {
    let mut report = String::new();
    let _ = writeln!(
        report,
        "| database | responses | API ingest (responses/s) | query median (ms) | query max (ms) | metric rows | overview page median (ms) |"
    );
    let _ = writeln!(report, "|---|---:|---:|---:|---:|---:|---:|");
    for &size in &options.sizes {
        let mut backends = vec![("SQLite", None)];
        if let Some(admin) = options.postgres.as_deref() {
            backends.push(("PostgreSQL", Some(admin)));
        }
        for (label, admin) in backends {
            let database = ScratchDatabase::new(admin).await?;
            let line = measure(label, database.url(), size, options).await?;
            report.push_str(&line);
            eprint!("{line}");
        }
    }
    Ok(report)
}

async fn measure(
    label: &str,
    url: &str,
    size: u64,
    options: &BenchOptions,
) -> anyhow::Result<String> {
    let mut config = Config::default();
    config.database.url = url.to_owned();
    config.time_zone = Some(options.time_zone);
    let app = App::open(config).await?;
    for survey in DemoGenerator::surveys()? {
        app.create_survey(&survey).await?;
    }
    let token = app.create_token("bench", Role::Analyst).await?;
    let end = chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
    let demo = DemoOptions {
        seed: 7,
        end,
        months: 24,
        responses: size,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding a loopback port")?;
    let address = listener
        .local_addr()
        .context("reading the server address")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server_app = app.clone();
    let server = tokio::spawn(cxm_server::serve(listener, server_app, async move {
        let _ = stopped.await;
    }));
    let mut generator = DemoGenerator::new(demo);
    let mut elapsed = Duration::ZERO;
    let mut sent = 0u64;
    while let Some(month) = generator.next_month() {
        for chunk in month.chunks(BATCH) {
            let body = serde_json::to_vec(&serde_json::json!({ "responses": chunk }))
                .context("encoding a batch")?;
            let started = Instant::now();
            post(address, "/api/v1/responses", &token.secret, &body).await?;
            elapsed += started.elapsed();
            sent += chunk.len() as u64;
        }
    }
    let rate = sent as f64 / elapsed.as_secs_f64().max(1e-9);

    app.add_user("bench", "bench password 1", Role::Viewer, "en")
        .await?;
    let session = app.sign_in("bench", "bench password 1").await?;
    let mut page_times = Vec::with_capacity(options.repeat);
    for _ in 0..options.repeat {
        let started = Instant::now();
        get_page(
            address,
            "/dashboard?since=2025-10-03&until=2025-12-31",
            &session.secret,
        )
        .await?;
        page_times.push(started.elapsed());
    }
    page_times.sort();
    let page_median = page_times[page_times.len() / 2].as_secs_f64() * 1000.0;
    let _ = stop.send(());
    let _ = server.await;

    let input = MetricQueryInput {
        metrics: vec!["nps".to_owned(), "csat".to_owned()],
        group_by: vec!["region".to_owned()],
        grain: Some("month".to_owned()),
        compare: vec!["yoy".to_owned()],
        since: Some("2025-01-01".to_owned()),
        until: Some("2025-12-31".to_owned()),
        ..MetricQueryInput::default()
    };
    let query = input.parse(app.config())?;
    let mut times = Vec::with_capacity(options.repeat);
    let mut rows = 0;
    for _ in 0..options.repeat {
        let started = Instant::now();
        let result = app.metrics(&query).await?;
        times.push(started.elapsed());
        rows = result.rows.len();
    }
    times.sort();
    let median = times[times.len() / 2].as_secs_f64() * 1000.0;
    let max = times[times.len() - 1].as_secs_f64() * 1000.0;
    app.store().close().await;
    Ok(format!(
        "| {label} | {sent} | {rate:.0} | {median:.1} | {max:.1} | {rows} | {page_median:.0} |\n"
    ))
}

/// GETs a page with a session cookie over a fresh connection and checks for a 200 answer.
async fn get_page(address: std::net::SocketAddr, path: &str, session: &str) -> anyhow::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .context("requesting a page")?;
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nCookie: cxm_session={session}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .context("requesting a page")?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .context("requesting a page")?;
    let text = String::from_utf8_lossy(&answer);
    if !text.starts_with("HTTP/1.1 200") || !text.contains("tile-nps") {
        anyhow::bail!(
            "the overview page failed: {}",
            text.chars().take(400).collect::<String>()
        );
    }
    Ok(())
}

/// POSTs JSON over a fresh HTTP/1.1 connection and checks for a 200 answer.
async fn post(
    address: std::net::SocketAddr,
    path: &str,
    token: &str,
    body: &[u8],
) -> anyhow::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .context("sending a benchmark request")?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .context("sending a benchmark request")?;
    stream
        .write_all(body)
        .await
        .context("sending a benchmark request")?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .context("sending a benchmark request")?;
    let text = String::from_utf8_lossy(&answer);
    if !text.starts_with("HTTP/1.1 200") {
        anyhow::bail!(
            "the server refused a benchmark batch: {}",
            text.chars().take(400).collect::<String>()
        );
    }
    Ok(())
}
