//! Importing from the browser. Another tool's survey export: upload the file (and, optionally,
//! the survey and format), see the dry run — the detected format and encoding, each column and
//! what it becomes, every problem with its row and column — and then import it with one click.
//! The upload is kept on the server between the two steps (for the person who sent it, for 30
//! minutes, a few at a time), so it is not sent twice. Complaint history: upload the file and
//! its cases are stored, all or none, as `cxm cases import` stores them. Monthly volumes (admins):
//! the orders and customers complaint rates are measured against, as `cxm cases volumes`
//! records them.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Multipart, Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cxm_app::{AppError, ImportOptions, ImportReport, Role};
use cxm_domain::SurveyKey;
use cxm_formats::{Container, FileSource, Format, Mapping};

use crate::AppState;
use crate::upload::{Upload, mapping_of};
use crate::web::i18n::Lang;
use crate::web::import_words::{described, problem, problem_line};
use crate::web::session::{SignedInUser, new_token, same_token};
use crate::web::{checked_form, form_field, message, render, switch_url};

/// How long an upload waits for its confirmation.
const PENDING_FOR: Duration = Duration::from_secs(30 * 60);
/// Uploads kept at once, and their bytes in all; the oldest goes first.
const PENDING_AT_MOST: usize = 4;
const PENDING_BYTES_AT_MOST: u64 = 1024 * 1024 * 1024;
/// Problems shown on the page (the count says how many there are).
const SHOWN_PROBLEMS: usize = 200;

/// An upload whose dry run was shown, waiting to be imported.
struct Pending {
    token: String,
    user_id: i64,
    source: FileSource,
    survey: Option<SurveyKey>,
    format: Option<Format>,
    mapping: Option<Mapping>,
    at: Instant,
}

/// The problems of the rows an import left out, as CSV, for the person who imported.
struct Rejects {
    token: String,
    user_id: i64,
    csv: Vec<u8>,
    at: Instant,
}

/// Uploads waiting for their confirmation, and the rejects of imports that skipped bad rows.
#[derive(Default)]
pub struct PendingUploads(Mutex<Vec<Pending>>, Mutex<Vec<Rejects>>);

impl std::fmt::Debug for PendingUploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waiting = self.0.lock().map_or(0, |list| list.len());
        f.debug_struct("PendingUploads")
            .field("waiting", &waiting)
            .finish()
    }
}

/// Drops from `list` what has waited longer than [`PENDING_FOR`], then the oldest until one
/// more fits beside [`PENDING_AT_MOST`] − 1 others and `fits` says the rest leave room.
fn make_room<T>(list: &mut Vec<T>, at: impl Fn(&T) -> Instant, fits: impl Fn(&[T]) -> bool) {
    list.retain(|item| at(item).elapsed() < PENDING_FOR);
    while !list.is_empty() && (list.len() >= PENDING_AT_MOST || !fits(list)) {
        list.remove(0);
    }
}

impl PendingUploads {
    fn keep(&self, pending: Pending) {
        let size = |p: &Pending| p.source.len().unwrap_or(0);
        if let Ok(mut list) = self.0.lock() {
            let incoming = size(&pending);
            make_room(
                &mut list,
                |p| p.at,
                |rest| rest.iter().map(size).sum::<u64>() + incoming <= PENDING_BYTES_AT_MOST,
            );
            list.push(pending);
        }
    }

    fn keep_rejects(&self, rejects: Rejects) {
        if let Ok(mut list) = self.1.lock() {
            make_room(&mut list, |r| r.at, |_| true);
            list.push(rejects);
        }
    }

    /// The rejects CSV with `token`, of `user_id`'s import.
    fn rejects(&self, token: &str, user_id: i64) -> Option<Vec<u8>> {
        let list = self.1.lock().ok()?;
        list.iter()
            .find(|r| {
                r.at.elapsed() < PENDING_FOR && same_token(&r.token, token) && r.user_id == user_id
            })
            .map(|r| r.csv.clone())
    }

    /// The upload with `token`, sent by `user_id`, taken out.
    fn take(&self, token: &str, user_id: i64) -> Option<Pending> {
        let mut list = self.0.lock().ok()?;
        list.retain(|p| p.at.elapsed() < PENDING_FOR);
        let at = list
            .iter()
            .position(|p| same_token(&p.token, token) && p.user_id == user_id)?;
        Some(list.remove(at))
    }
}

struct ColumnRow {
    column: String,
    header: String,
    becomes: String,
}

struct ProblemRow {
    row: u64,
    column: String,
    value: String,
    reason: String,
}

/// What the dry run found, as the page shows it.
struct Preview {
    token: String,
    file: String,
    format: &'static str,
    container: &'static str,
    encoding: String,
    rows: u64,
    survey: String,
    creates_survey: bool,
    source: String,
    columns: Vec<ColumnRow>,
    problems: Vec<ProblemRow>,
    problem_count: usize,
    /// Rows that would be left out, and those that would land without them.
    rejected: u64,
    valid_rows: u64,
}

impl Preview {
    /// Whether the valid rows alone may be imported: some rows are bad, some are not.
    fn partial(&self) -> bool {
        self.rejected > 0 && self.valid_rows > 0
    }

    /// Whether the upload can be imported, whole or without its bad rows.
    fn importable(&self) -> bool {
        self.problem_count == 0 || self.partial()
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    formats: Vec<(&'static str, bool)>,
    survey: String,
    /// The time given to rows without one, as typed.
    submitted_at: String,
    /// The workbook's sheet asked for.
    sheet: String,
    error: Option<String>,
    preview: Option<Preview>,
    done: Option<String>,
    /// Rows an import left out, and where their problems are downloaded.
    left_out: Option<(u64, String)>,
    /// The complaint text column named in the complaints form.
    summary: String,
    complaints_done: Option<String>,
    /// Whether the person may record monthly volumes (admins).
    admin: bool,
    volumes_done: Option<String>,
}

impl ImportPage {
    fn new(lang: Lang, user: &SignedInUser) -> ImportPage {
        ImportPage {
            lang,
            switch_url: switch_url("/imports", None, lang),
            user_name: user.session.user.name.clone(),
            csrf: user.session.csrf.clone(),
            formats: std::iter::once(("auto", true))
                .chain(Format::ALL.iter().map(|f| (f.as_str(), false)))
                .collect(),
            survey: String::new(),
            submitted_at: String::new(),
            sheet: String::new(),
            error: None,
            preview: None,
            done: None,
            left_out: None,
            summary: String::new(),
            complaints_done: None,
            admin: user.session.user.role == Role::Admin,
            volumes_done: None,
        }
    }
}

fn refused(lang: Lang, user: &SignedInUser) -> Option<Response> {
    (user.session.user.role < Role::Analyst).then(|| {
        message(
            lang,
            "/surveys",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("imports.forbidden"),
        )
    })
}

fn error_text(lang: Lang, error: AppError) -> String {
    match error {
        AppError::Invalid(problems) => problems
            .iter()
            .map(|found| problem_line(lang, found))
            .collect::<Vec<_>>()
            .join("\n"),
        AppError::NotFound(what) => format!("{}: {what}", lang.t("error.not_found")),
        other => other.to_string(),
    }
}

/// The page and the upload of a multipart post, or its refusal: a person who may not import,
/// an upload that did not arrive whole, a form without the session's CSRF token.
async fn checked_upload(
    lang: Lang,
    user: &SignedInUser,
    multipart: &mut Multipart,
) -> Result<(ImportPage, Upload), Box<Response>> {
    if let Some(refusal) = refused(lang, user) {
        return Err(Box::new(refusal));
    }
    let mut page = ImportPage::new(lang, user);
    let upload = match Upload::read(multipart).await {
        Ok(upload) => upload,
        Err(error) => {
            page.error = Some(format!("{}: {error}", lang.t("imports.unreadable")));
            return Err(Box::new(render(&page, StatusCode::BAD_REQUEST)));
        }
    };
    if !same_token(upload.field("csrf"), &user.session.csrf) {
        return Err(Box::new(message(
            lang,
            "/imports",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("csrf.refused"),
        )));
    }
    Ok((page, upload))
}

/// The upload form.
pub async fn page(user: SignedInUser, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    if let Some(refusal) = refused(lang, &user) {
        return refusal;
    }
    render(&ImportPage::new(lang, &user), StatusCode::OK)
}

/// An upload: its dry run, shown with the button that imports it.
pub async fn preview(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang(None, &headers);
    let (mut page, upload) = match checked_upload(lang, &user, &mut multipart).await {
        Ok(checked) => checked,
        Err(refusal) => return *refusal,
    };
    page.survey = upload.field("survey").to_owned();
    let format_name = upload.field("format").to_owned();
    let source = upload.file.clone();
    for (name, selected) in &mut page.formats {
        *selected = *name == format_name || (format_name.is_empty() && *name == "auto");
    }
    let Some(source) = source else {
        return without_file(page, lang);
    };
    let survey = if page.survey.is_empty() {
        None
    } else {
        match SurveyKey::parse(&page.survey) {
            Ok(key) => Some(key),
            Err(error) => {
                page.error = Some(format!("{}: {}", lang.t("surveys.key"), error.message));
                return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
            }
        }
    };
    let format = match format_name.as_str() {
        "" | "auto" => None,
        name => Format::parse(name),
    };
    // A mapping file, and a time for rows without one, as `cxm import` takes them.
    page.submitted_at = upload.field("submitted_at").to_owned();
    page.sheet = upload.field("sheet").to_owned();
    let mapping = match mapping_of(upload.field("mapping"), &page.submitted_at, &page.sheet) {
        Ok(mapping) => mapping,
        Err(error) => {
            page.error = Some(error);
            return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let options = ImportOptions {
        survey: survey.clone(),
        format,
        mapping: mapping.clone(),
        dry_run: true,
        ..ImportOptions::default()
    };
    let report = match state.app.import(source.clone(), options).await {
        Ok(report) => report,
        Err(error) => {
            page.error = Some(error_text(lang, error));
            return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let token = new_token();
    let preview = preview_of(lang, &report, token.clone());
    if preview.importable() {
        state.uploads.keep(Pending {
            token,
            user_id: user.session.user.id,
            source,
            survey,
            format,
            mapping,
            at: Instant::now(),
        });
    }
    page.preview = Some(preview);
    render(&page, StatusCode::OK)
}

fn preview_of(lang: Lang, report: &ImportReport, token: String) -> Preview {
    let file = &report.file;
    let plan = &report.plan;
    Preview {
        token,
        file: file.file.clone(),
        format: plan.format.as_str(),
        container: match file.container {
            Container::Csv => "CSV",
            Container::Xlsx => "XLSX",
            Container::Xls => "XLS",
        },
        // A workbook's sheet in place of a text file's encoding.
        encoding: file
            .sheet
            .as_ref()
            .map_or_else(|| file.encoding.to_owned(), |sheet| format!("{sheet:?}")),
        rows: file.rows,
        survey: plan.survey.key.to_string(),
        creates_survey: plan.creates_survey,
        source: plan.source.clone(),
        columns: plan
            .columns
            .iter()
            .map(|c| ColumnRow {
                column: c.column.clone(),
                header: c.header.clone(),
                becomes: described(lang, &c.becomes),
            })
            .collect(),
        problems: report
            .problems
            .iter()
            .take(SHOWN_PROBLEMS)
            .map(|p| ProblemRow {
                row: p.row,
                column: p.column.clone(),
                value: p.value.clone(),
                reason: problem(lang, &p.reason),
            })
            .collect(),
        problem_count: report.problems.len(),
        rejected: report.rejected,
        valid_rows: report.file.rows.saturating_sub(report.rejected),
    }
}

/// Imports the upload whose dry run was shown.
pub async fn confirm(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let lang = user.lang(None, &headers);
    if let Some(refusal) = refused(lang, &user) {
        return refusal;
    }
    let fields = match checked_form(lang, &user, &body, "/imports") {
        Ok(fields) => fields,
        Err(refusal) => return *refusal,
    };
    let mut page = ImportPage::new(lang, &user);
    let token = form_field(&fields, "token");
    let Some(pending) = state.uploads.take(&token, user.session.user.id) else {
        page.error = Some(lang.t("imports.expired").to_owned());
        return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let skip_invalid = form_field(&fields, "skip_invalid") == "1";
    let rejects = RejectBuffer::default();
    let options = ImportOptions {
        survey: pending.survey,
        format: pending.format,
        mapping: pending.mapping,
        skip_invalid,
        rejects: skip_invalid.then(|| rejects.sink()),
        ..ImportOptions::default()
    };
    match state.app.import(pending.source, options).await {
        Ok(report) => {
            let imported = &report.imported;
            let mut done = lang
                .t("imports.done")
                .replace("{survey}", report.plan.survey.key.as_str())
                .replace("{inserted}", &imported.inserted.to_string())
                .replace("{updated}", &imported.updated.to_string());
            if imported.repeated() > 0 {
                done.push(' ');
                done.push_str(
                    &lang
                        .t("imports.repeated")
                        .replace("{repeated}", &imported.repeated().to_string()),
                );
            }
            page.done = Some(done);
            page.survey = report.plan.survey.key.to_string();
            if report.rejected > 0 {
                let token = new_token();
                state.uploads.keep_rejects(Rejects {
                    token: token.clone(),
                    user_id: user.session.user.id,
                    csv: rejects.take(),
                    at: Instant::now(),
                });
                page.left_out = Some((report.rejected, format!("/imports/rejects/{token}")));
            }
            render(&page, StatusCode::OK)
        }
        Err(error) => {
            page.error = Some(error_text(lang, error));
            render(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// The rejects of an import, collected in memory as CSV with its header.
#[derive(Clone)]
struct RejectBuffer(std::sync::Arc<Mutex<Vec<u8>>>);

impl Default for RejectBuffer {
    fn default() -> Self {
        RejectBuffer(std::sync::Arc::new(Mutex::new(
            b"row,column,value,reason\n".to_vec(),
        )))
    }
}

impl std::io::Write for RejectBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("the rejects buffer was poisoned"))?;
        buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl RejectBuffer {
    fn sink(&self) -> cxm_app::RejectSink {
        std::sync::Arc::new(Mutex::new(Box::new(self.clone())))
    }

    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut buffer| std::mem::take(&mut *buffer))
            .unwrap_or_default()
    }
}

/// The problems of the rows an import left out, as a CSV download.
pub async fn rejects(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(None, &headers);
    match state.uploads.rejects(&token, user.session.user.id) {
        Some(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rejects.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        None => message(
            lang,
            "/imports",
            StatusCode::NOT_FOUND,
            "404",
            lang.t("imports.expired"),
        ),
    }
}

/// Stores the complaint history of an uploaded file.
pub async fn complaints(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang(None, &headers);
    let (mut page, upload) = match checked_upload(lang, &user, &mut multipart).await {
        Ok(checked) => checked,
        Err(refusal) => return *refusal,
    };
    page.summary = upload.field("summary").to_owned();
    let Some(file) = &upload.file else {
        return without_file(page, lang);
    };
    let summary = Some(page.summary.as_str()).filter(|s| !s.is_empty());
    let stored = state
        .app
        .import_complaints(file, summary)
        .await
        .map(|imported| {
            lang.t("imports.complaints_done")
                .replace("{stored}", &imported.cases.len().to_string())
                .replace("{open}", &imported.open().to_string())
                .replace("{closed}", &imported.closed().to_string())
                .replace("{skipped}", &imported.skipped.to_string())
        });
    stored_history(page, lang, stored, |page, done| {
        page.complaints_done = Some(done)
    })
}

/// The page of an upload sent without a file.
fn without_file(mut page: ImportPage, lang: Lang) -> Response {
    page.error = Some(lang.t("imports.no_file").to_owned());
    render(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

/// The page after a history upload (complaints, volumes): what was stored, shown by `show`,
/// or why nothing was.
fn stored_history(
    mut page: ImportPage,
    lang: Lang,
    stored: Result<String, AppError>,
    show: impl FnOnce(&mut ImportPage, String),
) -> Response {
    match stored {
        Ok(done) => {
            show(&mut page, done);
            render(&page, StatusCode::OK)
        }
        Err(error) => {
            page.error = Some(error_text(lang, error));
            render(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// Records the monthly volumes of an uploaded file (admins only, as over the API).
pub async fn volumes(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let lang = user.lang(None, &headers);
    let (page, upload) = match checked_upload(lang, &user, &mut multipart).await {
        Ok(checked) => checked,
        Err(refusal) => return *refusal,
    };
    if !page.admin {
        return message(
            lang,
            "/imports",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("imports.volumes_admin"),
        );
    }
    let Some(file) = &upload.file else {
        return without_file(page, lang);
    };
    let recorded = state.app.import_volumes(file).await.map(|recorded| {
        lang.t("imports.volumes_done")
            .replace("{n}", &recorded.to_string())
    });
    stored_history(page, lang, recorded, |page, done| {
        page.volumes_done = Some(done)
    })
}
