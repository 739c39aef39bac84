//! Scorecards of the case loop, for everyone and by department, touchpoint or theme: cases
//! opened, open and overdue; complaints and the complaint rate per 1,000 orders (or customers)
//! against the imported monthly volumes; first-response and resolution times (median, p90);
//! SLA compliance; reopen rate; and recovery: the share of closed detractor cases whose
//! follow-up survey (the configured recovery survey, answered through the case's link) scores
//! NPS ≥ 7 or CSAT ≥ 4. Rates carry Wilson intervals.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cxm_domain::{MetricRole, QuestionKind};
use cxm_stats::{Confidence, ProportionMethod, proportion_interval, quantile};
use cxm_store::{CaseFilter, ResponseFilter, StoredCase, Volume};
use serde::{Deserialize, Serialize};

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

/// What scorecards are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScorecardBy {
    /// One card per department.
    #[default]
    Department,
    /// One card per touchpoint.
    Touchpoint,
    /// One card per theme (a case with several themes counts in each).
    Theme,
}

impl ScorecardBy {
    /// Parses `department`, `touchpoint` or `theme`.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for anything else.
    pub fn parse(text: &str) -> Result<ScorecardBy, AppError> {
        match text {
            "department" => Ok(ScorecardBy::Department),
            "touchpoint" => Ok(ScorecardBy::Touchpoint),
            "theme" => Ok(ScorecardBy::Theme),
            other => Err(AppError::invalid(
                "by",
                format!("{other:?} is not department, touchpoint or theme"),
            )),
        }
    }

    /// The name as written in queries.
    pub fn as_str(self) -> &'static str {
        match self {
            ScorecardBy::Department => "department",
            ScorecardBy::Touchpoint => "touchpoint",
            ScorecardBy::Theme => "theme",
        }
    }
}

/// Complaints per 1,000 orders (or customers) in the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintRate {
    /// Complaint cases opened.
    pub complaints: u64,
    /// `orders` or `customers`.
    pub per: String,
    /// The volume of the period's months.
    pub volume: u64,
    /// Complaints per 1,000.
    pub per_thousand: f64,
    /// Wilson 95% interval, per 1,000.
    pub ci: [f64; 2],
}

/// The scorecard of one group of cases (or of every case, without a group).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    /// `department`, `touchpoint` or `theme`; `None` for all cases.
    pub by: Option<ScorecardBy>,
    /// The group: a department key, touchpoint or theme; `None` for all cases.
    pub group: Option<String>,
    /// Department key, for department cards.
    pub department: Option<String>,
    /// Department name, for department cards.
    pub department_name: Option<String>,
    /// Cases opened in the period.
    pub opened: u64,
    /// Of those, complaints.
    pub complaints: u64,
    /// Complaints against the period's volume, when volumes are recorded.
    pub complaint_rate: Option<ComplaintRate>,
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

/// Cases counted per group.
struct Group<'a> {
    by: Option<ScorecardBy>,
    key: Option<String>,
    name: Option<String>,
    cases: Vec<&'a StoredCase>,
}

fn card(
    group: Group<'_>,
    recovered: &BTreeMap<String, bool>,
    volume: Option<(&str, u64)>,
    now: i64,
) -> Scorecard {
    let cases = group.cases;
    let minutes = |from: i64, to: i64| (to - from) as f64 / 60_000_000.0;
    let first: Vec<f64> = cases
        .iter()
        .filter_map(|c| c.first_responded_at.map(|t| minutes(c.created_at, t)))
        .collect();
    let resolution: Vec<f64> = cases
        .iter()
        .filter_map(|c| c.resolved_at.map(|t| minutes(c.created_at, t)))
        .collect();
    let resolved: Vec<&&StoredCase> = cases.iter().filter(|c| c.resolved_at.is_some()).collect();
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
        .filter_map(|c| recovered.get(&c.uid).copied())
        .collect();
    let complaints = cases
        .iter()
        .filter(|c| c.source.starts_with("complaint:"))
        .count() as u64;
    let complaint_rate = volume.and_then(|(per, volume)| {
        let share = rate(complaints, volume)?;
        Some(ComplaintRate {
            complaints,
            per: per.to_owned(),
            volume,
            per_thousand: share.pct * 10.0,
            ci: [share.ci[0] * 10.0, share.ci[1] * 10.0],
        })
    });
    Scorecard {
        by: group.by,
        department: (group.by == Some(ScorecardBy::Department))
            .then(|| group.key.clone())
            .flatten(),
        department_name: group.name,
        group: group.key,
        opened: cases.len() as u64,
        complaints,
        complaint_rate,
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
}

/// The period's volume in one scope: orders if any are recorded for it, else customers.
fn volume_of(volumes: &[Volume], dim_key: &str, dim_value: &str) -> Option<(&'static str, u64)> {
    ["orders", "customers"].into_iter().find_map(|measure| {
        let rows: Vec<&Volume> = volumes
            .iter()
            .filter(|v| v.measure == measure && v.dim_key == dim_key && v.dim_value == dim_value)
            .collect();
        (!rows.is_empty()).then(|| (measure, rows.iter().map(|v| v.n.max(0) as u64).sum()))
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
        self.scorecards_by(since, until, ScorecardBy::Department, None)
            .await
    }

    /// Scorecards of the cases opened from `since` to `until` (local dates): all cases first
    /// (left out when `departments` narrows the view), then one per group of `by`. With
    /// `departments`, only those departments' cards (and their cases) are shown.
    ///
    /// Complaint rates use the volumes of the months the period touches: per touchpoint where
    /// touchpoint volumes are recorded, else the overall volume.
    ///
    /// # Errors
    /// [`AppError::Invalid`] when `since` is after `until`.
    pub async fn scorecards_by(
        &self,
        since: NaiveDate,
        until: NaiveDate,
        by: ScorecardBy,
        departments: Option<&[i64]>,
    ) -> Result<Vec<Scorecard>, AppError> {
        if since > until {
            return Err(AppError::invalid("since", "is after until"));
        }
        let zone = self.config.zone();
        let start = |date: NaiveDate| -> Result<i64, AppError> {
            let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
            Ok(zone
                .instant_of(midnight)
                .map_err(|e| e.within("since"))?
                .timestamp_micros())
        };
        let next_day = until.succ_opt().unwrap_or(until);
        let cases = self
            .store
            .cases(&CaseFilter {
                created_from: Some(start(since)?),
                created_before: Some(start(next_day)?),
                departments: departments.map(<[i64]>::to_vec).unwrap_or_default(),
                ..CaseFilter::default()
            })
            .await?;
        // With an empty list of departments the person sees no department's cases.
        let cases: Vec<StoredCase> = match departments {
            Some([]) => Vec::new(),
            _ => cases,
        };
        let recovered = self.recoveries(&cases).await?;
        let volumes = self
            .store
            .volumes(
                cxm_domain::month_index(since),
                cxm_domain::month_index(until),
            )
            .await?;
        let overall = volume_of(&volumes, "", "");
        let now = chrono::Utc::now().timestamp_micros();
        let mut cards = Vec::new();
        if departments.is_none() {
            let all = Group {
                by: None,
                key: None,
                name: None,
                cases: cases.iter().collect(),
            };
            cards.push(card(all, &recovered, overall, now));
        }
        match by {
            ScorecardBy::Department => {
                for department in self.store.departments().await? {
                    if departments.is_some_and(|only| !only.contains(&department.id)) {
                        continue;
                    }
                    let group = Group {
                        by: Some(by),
                        key: Some(department.key.clone()),
                        name: Some(department.name.clone()),
                        cases: cases
                            .iter()
                            .filter(|c| c.department_id == Some(department.id))
                            .collect(),
                    };
                    cards.push(card(group, &recovered, overall, now));
                }
            }
            ScorecardBy::Touchpoint | ScorecardBy::Theme => {
                let mut groups: BTreeMap<String, Vec<&StoredCase>> = BTreeMap::new();
                for case in &cases {
                    let keys: Vec<String> = if by == ScorecardBy::Touchpoint {
                        vec![case.touchpoint.clone().unwrap_or_default()]
                    } else {
                        case.themes.clone()
                    };
                    for key in keys {
                        groups.entry(key).or_default().push(case);
                    }
                }
                for (key, members) in groups {
                    let volume = if by == ScorecardBy::Touchpoint {
                        volume_of(&volumes, "@touchpoint", &key).or(overall)
                    } else {
                        overall
                    };
                    let group = Group {
                        by: Some(by),
                        key: Some(key),
                        name: None,
                        cases: members,
                    };
                    cards.push(card(group, &recovered, volume, now));
                }
            }
        }
        Ok(cards)
    }

    /// For each closed detractor case whose follow-up was answered: whether it recovered.
    async fn recoveries(&self, cases: &[StoredCase]) -> Result<BTreeMap<String, bool>, AppError> {
        let Some(survey_key) = self.config.cases.recovery_survey.as_deref() else {
            return Ok(BTreeMap::new());
        };
        // A recovery survey named in the configuration but not created yet has no answers.
        let survey = match self.store.survey(survey_key).await {
            Ok(stored) => stored.survey,
            Err(cxm_store::StoreError::NotFound(_)) => return Ok(BTreeMap::new()),
            Err(other) => return Err(other.into()),
        };
        let closed: Vec<&StoredCase> = cases
            .iter()
            .filter(|c| c.closed_at.is_some() && c.source.starts_with("response:"))
            .collect();
        let mut out = BTreeMap::new();
        // The follow-up answers, a few hundred cases per query.
        for chunk in closed.chunks(500) {
            let tokens: Vec<String> = chunk
                .iter()
                .map(|c| format!("recovery-{}", c.uid))
                .collect();
            let page = self
                .store
                .responses(&ResponseFilter {
                    source_ids: Some((format!("invite:{survey_key}"), tokens)),
                    limit: 1_000,
                    ..ResponseFilter::default()
                })
                .await?;
            for response in &page.responses {
                let Some(case) = response.source_id.strip_prefix("recovery-") else {
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
                    out.insert(case.to_owned(), recovered);
                }
            }
        }
        Ok(out)
    }
}
