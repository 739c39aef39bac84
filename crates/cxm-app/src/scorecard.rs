//! Department scorecards of the case loop: cases opened, open and overdue; first-response and
//! resolution times (median, p90); SLA compliance; reopen rate; and recovery: the share of
//! closed detractor cases whose follow-up survey (the configured recovery survey, answered
//! through the case's link) scores NPS ≥ 7 or CSAT ≥ 4. Rates carry Wilson intervals.

use chrono::NaiveDate;
use cxm_domain::{MetricRole, QuestionKind};
use cxm_stats::{Confidence, ProportionMethod, proportion_interval, quantile};
use cxm_store::{CaseFilter, ResponseFilter, StoredCase};
use serde::Serialize;

use crate::{App, AppError};

/// Median and 90th percentile of durations, in minutes.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Durations {
    /// Cases measured.
    pub n: u64,
    /// Median minutes.
    pub median: f64,
    /// 90th percentile minutes.
    pub p90: f64,
}

/// A share with its Wilson interval, in percent.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Rate {
    /// Cases counted.
    pub n: u64,
    /// Cases that meet it.
    pub count: u64,
    /// Percent.
    pub pct: f64,
    /// Wilson 95% interval, percent.
    pub ci: [f64; 2],
}

/// One department's scorecard (or everyone's, without a department).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    /// Department key; `None` for all cases.
    pub department: Option<String>,
    /// Cases opened in the period.
    pub opened: u64,
    /// Of those, still open.
    pub open: u64,
    /// Of those, open past a due time.
    pub overdue: u64,
    /// Time to the first response.
    pub first_response_minutes: Option<Durations>,
    /// Time to resolution.
    pub resolution_minutes: Option<Durations>,
    /// Resolved cases resolved within their SLA.
    pub sla_compliance: Option<Rate>,
    /// Resolved or closed cases reopened at least once.
    pub reopen_rate: Option<Rate>,
    /// Closed detractor cases whose follow-up shows a recovered customer.
    pub recovery_rate: Option<Rate>,
}

/// The follow-up link of a closed case, when a recovery survey is configured.
pub fn follow_up_path(recovery_survey: Option<&str>, case: &StoredCase) -> Option<String> {
    let survey = recovery_survey?;
    (case.closed_at.is_some()).then(|| format!("/s/{survey}?t=recovery-{}", case.uid))
}

fn durations(minutes: &[f64]) -> Option<Durations> {
    Some(Durations {
        n: minutes.len() as u64,
        median: quantile(minutes, 0.5)?,
        p90: quantile(minutes, 0.9)?,
    })
}

fn rate(count: u64, n: u64) -> Option<Rate> {
    let interval =
        proportion_interval(count, n, ProportionMethod::Wilson, Confidence::NINETY_FIVE).ok()??;
    Some(Rate {
        n,
        count,
        pct: 100.0 * count as f64 / n as f64,
        ci: [100.0 * interval.lower, 100.0 * interval.upper],
    })
}

impl App {
    /// Scorecards of the cases opened from `since` to `until` (local dates): all cases first,
    /// then each department.
    ///
    /// # Errors
    /// [`AppError::Invalid`] when `since` is after `until`.
    pub async fn scorecards(
        &self,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<Scorecard>, AppError> {
        if since > until {
            return Err(AppError::invalid("since", "is after until"));
        }
        let zone = self.config.zone();
        let in_period = |case: &StoredCase| {
            let date = zone.local_date(
                chrono::DateTime::from_timestamp_micros(case.created_at).unwrap_or_default(),
            );
            since <= date && date <= until
        };
        let cases: Vec<StoredCase> = self
            .store
            .cases(&CaseFilter::default())
            .await?
            .into_iter()
            .filter(in_period)
            .collect();
        let recovered = self.recoveries(&cases).await?;
        let now = chrono::Utc::now().timestamp_micros();
        let card = |department: Option<String>, cases: Vec<&StoredCase>| -> Scorecard {
            let minutes = |from: i64, to: i64| (to - from) as f64 / 60_000_000.0;
            let first: Vec<f64> = cases
                .iter()
                .filter_map(|c| c.first_responded_at.map(|t| minutes(c.created_at, t)))
                .collect();
            let resolution: Vec<f64> = cases
                .iter()
                .filter_map(|c| c.resolved_at.map(|t| minutes(c.created_at, t)))
                .collect();
            let resolved: Vec<&&StoredCase> =
                cases.iter().filter(|c| c.resolved_at.is_some()).collect();
            let within = resolved
                .iter()
                .filter(|c| c.resolved_at.is_some_and(|t| t <= c.resolution_due))
                .count() as u64;
            let finished: Vec<&&StoredCase> = cases
                .iter()
                .filter(|c| !c.status.is_open() || c.reopen_count > 0)
                .collect();
            let reopened = finished.iter().filter(|c| c.reopen_count > 0).count() as u64;
            let followed: Vec<bool> = cases
                .iter()
                .filter_map(|c| {
                    recovered
                        .iter()
                        .find(|(uid, _)| *uid == c.uid)
                        .map(|(_, r)| *r)
                })
                .collect();
            Scorecard {
                department,
                opened: cases.len() as u64,
                open: cases.iter().filter(|c| c.status.is_open()).count() as u64,
                overdue: cases.iter().filter(|c| c.overdue_at(now)).count() as u64,
                first_response_minutes: durations(&first),
                resolution_minutes: durations(&resolution),
                sla_compliance: rate(within, resolved.len() as u64),
                reopen_rate: rate(reopened, finished.len() as u64),
                recovery_rate: rate(
                    followed.iter().filter(|r| **r).count() as u64,
                    followed.len() as u64,
                ),
            }
        };
        let mut cards = vec![card(None, cases.iter().collect())];
        for department in self.store.departments().await? {
            let mine: Vec<&StoredCase> = cases
                .iter()
                .filter(|c| c.department_id == Some(department.id))
                .collect();
            cards.push(card(Some(department.key.clone()), mine));
        }
        Ok(cards)
    }

    /// For each closed detractor case whose follow-up was answered: (case uid, recovered).
    async fn recoveries(&self, cases: &[StoredCase]) -> Result<Vec<(String, bool)>, AppError> {
        let Some(survey_key) = self.config.cases.recovery_survey.as_deref() else {
            return Ok(Vec::new());
        };
        let survey = self.store.survey(survey_key).await?.survey;
        let mut out = Vec::new();
        for case in cases
            .iter()
            .filter(|c| c.closed_at.is_some() && c.source.starts_with("response:"))
        {
            let page = self
                .store
                .responses(&ResponseFilter {
                    source_key: Some((
                        format!("invite:{survey_key}"),
                        format!("recovery-{}", case.uid),
                    )),
                    limit: 1,
                    ..ResponseFilter::default()
                })
                .await?;
            let Some(response) = page.responses.first() else {
                continue;
            };
            let score = |key: &str| {
                response
                    .answers
                    .get(key)
                    .and_then(serde_json::Value::as_i64)
            };
            let recovered = survey.questions.iter().find_map(|q| match &q.kind {
                QuestionKind::Nps { .. } => score(q.key.as_str()).map(|s| s >= 7),
                QuestionKind::Rating {
                    role: Some(MetricRole::Csat),
                    ..
                } => score(q.key.as_str()).map(|s| s >= 4),
                _ => None,
            });
            if let Some(recovered) = recovered {
                out.push((case.uid.clone(), recovered));
            }
        }
        Ok(out)
    }
}
