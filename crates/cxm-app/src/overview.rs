//! The overview dashboard's data: headline tiles (NPS, CSAT, CES with interval, n, and the
//! change against the previous period and last year with its significance), the monthly NPS
//! series, a breakdown by one dimension, and the latest comments with their sentiment and
//! themes. Every number comes from the metric engine, so the page shows what the API returns
//! for the same filter.

use chrono::{Datelike, Duration, NaiveDate};
use cxm_domain::{LocalDay, MetricRole, QuestionKind};
use cxm_store::ResponseFilter;

use crate::{App, AppError, MetricQueryInput, MetricRow};

/// Days the overview covers by default, ending today.
pub const DEFAULT_DAYS: i64 = 90;

/// What the overview is asked for; every field optional (the URL of the page).
#[derive(Debug, Clone, Default)]
pub struct OverviewInput {
    /// A survey key (all surveys when absent).
    pub survey: Option<String>,
    /// First date, `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Last date, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// The breakdown: `channel`, `touchpoint`, a dimension key or `answer:<question>`.
    pub by: Option<String>,
    /// Filters: `channel`, `touchpoint`, a dimension key or `answer:<question>` → the values
    /// kept.
    pub filters: Vec<(String, Vec<String>)>,
}

/// The overview.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Every survey: key and name.
    pub surveys: Vec<(String, String)>,
    /// The survey shown, if one.
    pub survey: Option<String>,
    /// First date shown.
    pub since: String,
    /// Last date shown.
    pub until: String,
    /// Breakdowns to choose from: name as queried (`region`, `answer:reason`) and as shown
    /// (a choice question by its text).
    pub breakdowns: Vec<(String, String)>,
    /// The breakdown shown.
    pub by: String,
    /// Headline tiles: `nps`, `csat`, `ces` as the surveys have them.
    pub tiles: Vec<MetricRow>,
    /// Monthly NPS over the twelve months to `until`.
    pub trend: Vec<MetricRow>,
    /// The headline metric by the breakdown.
    pub breakdown: Vec<MetricRow>,
    /// Latest comments.
    pub comments: Vec<CommentView>,
    /// The low-base threshold.
    pub min_n: u64,
    /// The filters in force.
    pub filters: Vec<(String, Vec<String>)>,
}

/// A comment as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct CommentView {
    /// When, local time.
    pub submitted_at: String,
    /// The text.
    pub text: String,
    /// `positive`, `negative`, `neutral` or `mixed`.
    pub sentiment: &'static str,
    /// Themes named.
    pub themes: Vec<String>,
}

impl App {
    /// The overview for a filter.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for a bad date or breakdown; [`AppError::NotFound`] for an
    /// unknown survey.
    pub async fn overview(&self, input: &OverviewInput) -> Result<Overview, AppError> {
        let zone = self.config.zone();
        let date = |field: &str,
                    text: &Option<String>,
                    default: NaiveDate|
         -> Result<NaiveDate, AppError> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(default),
                Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                    AppError::invalid(field, format!("{t:?} is not a date in the form YYYY-MM-DD"))
                }),
            }
        };
        let until = date("until", &input.until, zone.today())?;
        let since = date(
            "since",
            &input.since,
            until - Duration::days(DEFAULT_DAYS - 1),
        )?;
        if since > until {
            return Err(AppError::invalid("since", "is after until"));
        }
        let stored = self.store.surveys().await?;
        let surveys: Vec<(String, String)> = stored
            .iter()
            .map(|s| {
                let name = s.survey.name.in_language("zh");
                (
                    s.survey.key.to_string(),
                    if name.is_empty() {
                        s.survey.key.to_string()
                    } else {
                        name.to_owned()
                    },
                )
            })
            .collect();
        let survey = input.survey.clone().filter(|s| !s.is_empty());
        let chosen: Vec<&cxm_domain::Survey> = stored
            .iter()
            .map(|s| &s.survey)
            .filter(|s| survey.as_deref().is_none_or(|key| s.key.as_str() == key))
            .collect();
        if let Some(key) = &survey
            && chosen.is_empty()
        {
            return Err(AppError::NotFound(format!("survey {key:?}")));
        }
        let has = |wanted: &dyn Fn(&QuestionKind) -> bool| {
            chosen
                .iter()
                .any(|s| s.questions.iter().any(|q| wanted(&q.kind)))
        };
        let mut metrics = Vec::new();
        if has(&|k| matches!(k, QuestionKind::Nps { .. })) {
            metrics.push("nps".to_owned());
        }
        if has(&|k| {
            matches!(
                k,
                QuestionKind::Rating {
                    role: Some(MetricRole::Csat),
                    ..
                }
            )
        }) {
            metrics.push("csat".to_owned());
        }
        if has(&|k| {
            matches!(
                k,
                QuestionKind::Rating {
                    role: Some(MetricRole::Ces),
                    ..
                }
            )
        }) {
            metrics.push("ces".to_owned());
        }
        let breakdowns = self.segment_fields(&chosen).await?;
        let by = input
            .by
            .clone()
            .filter(|b| !b.is_empty())
            .or_else(|| {
                breakdowns
                    .iter()
                    .find(|(b, _)| b.as_str() == "region")
                    .map(|(b, _)| b.clone())
            })
            .unwrap_or_else(|| "channel".to_owned());
        let mut base = MetricQueryInput {
            surveys: survey.iter().cloned().collect(),
            since: Some(since.to_string()),
            until: Some(until.to_string()),
            ..MetricQueryInput::default()
        };
        for (key, values) in &input.filters {
            base.add_filter(key, values);
        }
        let run = |input: MetricQueryInput| async move {
            let query = input.parse(&self.config)?;
            Ok::<_, AppError>(self.metrics(&query).await?.rows)
        };
        let (tiles, trend, breakdown) = if metrics.is_empty() {
            (Vec::new(), Vec::new(), Vec::new())
        } else {
            let tiles = run(MetricQueryInput {
                metrics: metrics.clone(),
                compare: vec!["previous".to_owned(), "yoy".to_owned()],
                ..base.clone()
            })
            .await?;
            let year_start = (until - Duration::days(365)).with_day0(0).unwrap_or(since);
            let trend = run(MetricQueryInput {
                metrics: vec![metrics[0].clone()],
                since: Some(year_start.to_string()),
                grain: Some("month".to_owned()),
                ..base.clone()
            })
            .await?;
            let breakdown = run(MetricQueryInput {
                metrics: vec![metrics[0].clone()],
                group_by: vec![by.clone()],
                ..base.clone()
            })
            .await?;
            (tiles, trend, breakdown)
        };
        let answers = self
            .resolve_answer_filters(survey.as_deref(), &base.answers)
            .await?;
        let comments = self
            .latest_comments(&chosen, survey.as_deref(), since, until, &base, answers)
            .await?;
        Ok(Overview {
            surveys,
            survey,
            since: since.to_string(),
            until: until.to_string(),
            breakdowns,
            by,
            tiles,
            trend,
            breakdown,
            comments,
            min_n: self.config.metrics.min_n,
            filters: input.filters.clone(),
        })
    }

    /// What responses of `surveys` can be broken down and filtered by: name as queried
    /// (`channel`, `touchpoint`, a dimension key, `answer:<question>`) and as shown (a choice
    /// question by its text, Chinese first).
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub(crate) async fn segment_fields(
        &self,
        surveys: &[&cxm_domain::Survey],
    ) -> Result<Vec<(String, String)>, AppError> {
        let mut fields: Vec<(String, String)> = ["channel", "touchpoint"]
            .map(|b| (b.to_owned(), b.to_owned()))
            .to_vec();
        for s in surveys {
            for key in self.store.dimension_keys(s.key.as_str()).await? {
                if !fields.iter().any(|(b, _)| *b == key) {
                    fields.push((key.clone(), key));
                }
            }
        }
        for s in surveys {
            for question in &s.questions {
                let name = format!("answer:{}", question.key.as_str());
                if matches!(
                    question.kind,
                    QuestionKind::SingleChoice { .. } | QuestionKind::MultiChoice { .. }
                ) && !fields.iter().any(|(b, _)| *b == name)
                {
                    let text = question.text.in_language("zh").trim();
                    let label = if text.is_empty() {
                        question.key.as_str()
                    } else {
                        text
                    };
                    fields.push((name, label.to_owned()));
                }
            }
        }
        Ok(fields)
    }

    async fn latest_comments(
        &self,
        surveys: &[&cxm_domain::Survey],
        survey: Option<&str>,
        since: NaiveDate,
        until: NaiveDate,
        filters: &MetricQueryInput,
        answers: Vec<cxm_store::AnswerFilter>,
    ) -> Result<Vec<CommentView>, AppError> {
        let page = self
            .store
            .responses(&ResponseFilter {
                survey: survey.map(str::to_owned),
                days: Some((LocalDay::from_date(since).0, LocalDay::from_date(until).0)),
                channels: filters.channels.clone(),
                touchpoints: filters.touchpoints.clone(),
                dimensions: filters
                    .dimensions
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                answers,
                limit: 200,
                ..ResponseFilter::default()
            })
            .await?;
        let zone = self.config.zone();
        let mut found: Vec<(String, String)> = Vec::new();
        for response in &page.responses {
            let Some(definition) = surveys.iter().find(|s| s.key.as_str() == response.survey)
            else {
                continue;
            };
            for question in definition
                .questions
                .iter()
                .filter(|q| q.kind == QuestionKind::Text)
            {
                if let Some(text) = response
                    .answers
                    .get(question.key.as_str())
                    .and_then(|v| v.as_str())
                    && !text.trim().is_empty()
                {
                    let when = zone
                        .local_time(response.submitted_at)
                        .format("%Y-%m-%d %H:%M")
                        .to_string();
                    found.push((when, text.to_owned()));
                }
            }
            if found.len() >= 8 {
                break;
            }
        }
        self.comment_views(found)
    }
}
