//! Closing the loop: cases opened from detractor responses (at the configured thresholds, e.g.
//! NPS ≤ 6, CSAT ≤ 2) and from complaints, routed by the first matching rule to a department and a person (fixed,
//! round-robin or least-loaded), given due times by the SLA of their priority, worked through
//! their life cycle with a timeline, resolved only with a root cause, and escalated (priority
//! raised, the manager named) when an SLA is breached.

use std::collections::BTreeMap;

use cxm_domain::{AnswerValue, CaseFacts, CaseStatus, Channel, MetricRole, Priority, QuestionKind};
use cxm_store::{CaseEvent, CaseFilter, Department, RoutingRule, StampedResponse, StoredCase};
use serde::{Deserialize, Serialize};

use crate::routing::{Route, Router};
use crate::{App, AppError, CommentInput};

/// Root causes a case may be resolved with, unless configured otherwise.
pub const DEFAULT_ROOT_CAUSES: [&str; 8] = [
    "product_defect",
    "delivery_delay",
    "staff_behaviour",
    "process_gap",
    "system_fault",
    "pricing",
    "customer_expectation",
    "other",
];

/// What opens cases and what closes them. Responses open cases only when a threshold is
/// configured (`cases.open_on_nps_at_most = 6`, `cases.open_on_csat_at_most = 2`).
#[derive(Debug, Clone)]
pub struct CasesConfig {
    /// Open a case for an NPS answer at most this (None: never).
    pub open_nps_at_most: Option<i64>,
    /// Open a case for a CSAT answer at most this (None: never).
    pub open_csat_at_most: Option<i64>,
    /// Root causes a resolution may name.
    pub root_causes: Vec<String>,
    /// The survey a closed case's customer is invited to answer (recovery), if any.
    pub recovery_survey: Option<String>,
    /// Open a case for a comment the built-in model reads as negative, whatever the scores.
    pub open_on_negative_comment: bool,
    /// Open a case for a comment naming any of these themes (e.g. `safety`).
    pub open_on_themes: Vec<String>,
}

impl Default for CasesConfig {
    fn default() -> Self {
        CasesConfig {
            open_nps_at_most: None,
            open_csat_at_most: None,
            root_causes: DEFAULT_ROOT_CAUSES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            recovery_survey: None,
            open_on_negative_comment: false,
            open_on_themes: Vec::new(),
        }
    }
}

/// A complaint from any channel.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    /// What the customer says.
    pub summary: String,
    /// The customer's external id.
    #[serde(default)]
    pub customer: Option<String>,
    /// Where it came in: api, phone, email, store…
    #[serde(default)]
    pub channel: Option<String>,
    /// Touchpoint.
    #[serde(default)]
    pub touchpoint: Option<String>,
    /// Dimension values, e.g. region, store.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// Priority (default normal).
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// Something done to a case.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseAction {
    /// Give it to a user.
    Assign {
        /// The user's id.
        user_id: i64,
    },
    /// Start working it.
    Start,
    /// An internal note.
    Note {
        /// The note.
        text: String,
    },
    /// Record contact with the customer.
    Contact {
        /// How: phone, email, wecom, visit…
        method: String,
    },
    /// Resolve it (a root cause from the configured list is required).
    Resolve {
        /// The root cause.
        root_cause: String,
        /// What was done.
        resolution: String,
    },
    /// Close it.
    Close,
    /// Reopen it.
    Reopen {
        /// Why.
        reason: String,
    },
}

/// A rule must name a known assignment and route somewhere.
fn check_rule(rule: &RoutingRule) -> Result<(), AppError> {
    if !matches!(rule.assignment.as_str(), "round_robin" | "least_loaded") {
        return Err(AppError::invalid(
            "assignment",
            "round_robin or least_loaded",
        ));
    }
    if rule.department_id.is_none() && rule.assignee_user_id.is_none() {
        return Err(AppError::invalid(
            "department",
            "a rule routes to a department, an assignee or both",
        ));
    }
    if rule.name.trim().is_empty() {
        return Err(AppError::invalid("name", "must not be empty"));
    }
    Ok(())
}

fn event(actor: &str, kind: &str, detail: serde_json::Value) -> CaseEvent {
    event_at(chrono::Utc::now().timestamp_micros(), actor, kind, detail)
}

/// A timeline entry at `at` (unix µs).
pub(crate) fn event_at(at: i64, actor: &str, kind: &str, detail: serde_json::Value) -> CaseEvent {
    CaseEvent {
        at,
        actor: actor.to_owned(),
        kind: kind.to_owned(),
        detail: detail.to_string(),
    }
}

/// A complaint case's source: `complaint:` and its channel, else `fallback`. Channels compare
/// without case: `Web` and `web` are one channel.
pub(crate) fn complaint_source(channel: Option<&str>, fallback: &str) -> String {
    let channel = channel.map(str::trim).filter(|c| !c.is_empty());
    format!("complaint:{}", channel.unwrap_or(fallback).to_lowercase())
}

/// A case opened at `at` (unix µs) as `route` decided: given to its assignee, if any.
pub(crate) fn new_case(
    facts: CaseFacts,
    source: String,
    response: Option<String>,
    customer: Option<String>,
    summary: String,
    route: Route,
    at: i64,
) -> StoredCase {
    StoredCase {
        id: 0,
        uid: uuid::Uuid::now_v7().to_string(),
        source,
        response_uid: response,
        customer,
        survey: facts.survey,
        score: facts.score,
        touchpoint: facts.touchpoint,
        dimensions: facts.dimensions,
        themes: facts.themes,
        summary: summary.chars().take(2000).collect(),
        department_id: route.department_id,
        assignee_user_id: route.assignee_user_id,
        priority: route.priority,
        status: if route.assignee_user_id.is_some() {
            CaseStatus::Assigned
        } else {
            CaseStatus::New
        },
        first_response_due: route.first_response_due,
        resolution_due: route.resolution_due,
        first_responded_at: None,
        resolved_at: None,
        closed_at: None,
        escalated_at: None,
        root_cause: None,
        resolution: None,
        contacted: None,
        contact_method: None,
        reopen_count: 0,
        created_at: at,
        updated_at: at,
    }
}

/// Does `action` to `case` at `now`: the status step it takes (refused when the case's status
/// does not allow it) and the fields it sets. Returns the timeline event's detail.
fn apply(
    case: &mut StoredCase,
    action: &CaseAction,
    root_causes: &[String],
    now: i64,
) -> Result<serde_json::Value, AppError> {
    let go = |case: &mut StoredCase, next: CaseStatus| -> Result<(), AppError> {
        if case.status != next && !case.status.can_become(next) {
            return Err(AppError::Conflict(format!(
                "a {} case cannot become {}",
                case.status.as_str(),
                next.as_str()
            )));
        }
        case.status = next;
        Ok(())
    };
    let detail = match action {
        CaseAction::Assign { user_id } => {
            let next = if case.status == CaseStatus::New {
                CaseStatus::Assigned
            } else {
                case.status
            };
            go(case, next)?;
            case.assignee_user_id = Some(*user_id);
            serde_json::json!({ "assignee_user_id": user_id })
        }
        CaseAction::Start => {
            go(case, CaseStatus::InProgress)?;
            serde_json::json!({})
        }
        CaseAction::Note { text } => {
            if text.trim().is_empty() {
                return Err(AppError::invalid("text", "must not be empty"));
            }
            serde_json::json!({ "text": text })
        }
        CaseAction::Contact { method } => {
            case.contacted = Some(true);
            case.contact_method = Some(method.clone());
            serde_json::json!({ "method": method })
        }
        CaseAction::Resolve {
            root_cause,
            resolution,
        } => {
            if !root_causes.contains(root_cause) {
                return Err(AppError::invalid(
                    "root_cause",
                    format!(
                        "{root_cause:?} is not a root cause; expected one of {}",
                        root_causes.join(", ")
                    ),
                ));
            }
            go(case, CaseStatus::Resolved)?;
            case.root_cause = Some(root_cause.clone());
            case.resolution = Some(resolution.clone());
            case.resolved_at = Some(now);
            serde_json::json!({ "root_cause": root_cause, "resolution": resolution })
        }
        CaseAction::Close => {
            go(case, CaseStatus::Closed)?;
            case.closed_at = Some(now);
            serde_json::json!({})
        }
        CaseAction::Reopen { reason } => {
            go(case, CaseStatus::InProgress)?;
            case.reopen_count += 1;
            case.resolved_at = None;
            case.closed_at = None;
            serde_json::json!({ "reason": reason })
        }
    };
    if case.first_responded_at.is_none() {
        case.first_responded_at = Some(now);
    }
    Ok(detail)
}

impl App {
    /// Opens cases for the detractors among freshly stored live responses (imports of history
    /// open none), and for comments that are negative or name a watched theme when so
    /// configured; a response that has a case already gets no second one.
    pub(crate) async fn open_cases_for(
        &self,
        stamped: &[StampedResponse],
    ) -> Result<u64, AppError> {
        let config = &self.config.cases;
        let by_comment = config.open_on_negative_comment || !config.open_on_themes.is_empty();
        if config.open_nps_at_most.is_none() && config.open_csat_at_most.is_none() && !by_comment {
            return Ok(0);
        }
        let mut opened = 0;
        let mut surveys: BTreeMap<String, cxm_domain::Survey> = BTreeMap::new();
        for item in stamped {
            let response = &item.response;
            if response.channel == Channel::Import {
                continue;
            }
            if !surveys.contains_key(response.survey.as_str()) {
                let survey = self.store.survey(response.survey.as_str()).await?.survey;
                surveys.insert(response.survey.to_string(), survey);
            }
            let survey = &surveys[response.survey.as_str()];
            let mut trigger: Option<i64> = None;
            let mut lowest: Option<i64> = None;
            let mut texts = Vec::new();
            for question in &survey.questions {
                match (&question.kind, response.answers.get(question.key.as_str())) {
                    (QuestionKind::Nps { .. }, Some(AnswerValue::Number(score)))
                        if config.open_nps_at_most.is_some_and(|m| *score <= m) =>
                    {
                        trigger = Some(trigger.map_or(*score, |t: i64| t.min(*score)));
                    }
                    (
                        QuestionKind::Rating {
                            role: Some(MetricRole::Csat),
                            ..
                        },
                        Some(AnswerValue::Number(score)),
                    ) if config.open_csat_at_most.is_some_and(|m| *score <= m) => {
                        trigger = Some(trigger.map_or(*score, |t: i64| t.min(*score)));
                    }
                    (QuestionKind::Text, Some(AnswerValue::Text(text)))
                        if !text.trim().is_empty() =>
                    {
                        texts.push(text.clone())
                    }
                    (
                        QuestionKind::Nps { .. }
                        | QuestionKind::Rating {
                            role: Some(MetricRole::Csat),
                            ..
                        },
                        Some(AnswerValue::Number(score)),
                    ) => lowest = Some(lowest.map_or(*score, |l: i64| l.min(*score))),
                    _ => {}
                }
            }
            let (themes, negative) = self.comment_facts(&texts)?;
            let watched = themes.iter().any(|t| config.open_on_themes.contains(t));
            let score = match trigger {
                Some(score) => Some(score),
                None if watched || (config.open_on_negative_comment && negative) => lowest,
                None => continue,
            };
            let facts = CaseFacts {
                themes,
                touchpoint: response.touchpoint.clone(),
                survey: Some(response.survey.to_string()),
                dimensions: response
                    .dimensions
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                score,
            };
            let summary = if texts.is_empty() {
                format!("score {}", score.unwrap_or_default())
            } else {
                texts.join(" / ")
            };
            let result = self
                .open_case(
                    facts,
                    format!("response:{}", response.survey),
                    Some(format!("{}/{}", response.source, response.source_id)),
                    response.customer.as_ref().map(|c| c.external_id.clone()),
                    summary,
                    Priority::Normal,
                )
                .await;
            match result {
                Ok(_) => opened += 1,
                // The response has its case already (it was sent again).
                Err(AppError::Conflict(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(opened)
    }

    pub(crate) fn themes_of(&self, texts: &[String]) -> Result<Vec<String>, AppError> {
        Ok(self.comment_facts(texts)?.0)
    }

    /// The themes named in `texts`, and whether any of them reads as negative.
    fn comment_facts(&self, texts: &[String]) -> Result<(Vec<String>, bool), AppError> {
        if texts.is_empty() {
            return Ok((Vec::new(), false));
        }
        let mut themes: Vec<String> = Vec::new();
        let mut negative = false;
        for analysis in self.analyze_comments(
            texts
                .iter()
                .map(|t| CommentInput::Text(t.clone()))
                .collect(),
        )? {
            negative |= analysis.analysis.label == cxm_text::Polarity::Negative;
            for mention in analysis.analysis.themes {
                if !themes.contains(&mention.theme) {
                    themes.push(mention.theme);
                }
            }
        }
        Ok((themes, negative))
    }

    /// Opens a complaint case.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for an empty summary.
    pub async fn open_complaint(
        &self,
        complaint: ComplaintInput,
        source: &str,
    ) -> Result<StoredCase, AppError> {
        if complaint.summary.trim().is_empty() {
            return Err(AppError::invalid("summary", "must not be empty"));
        }
        let themes = self.themes_of(std::slice::from_ref(&complaint.summary))?;
        let facts = CaseFacts {
            themes,
            touchpoint: complaint.touchpoint.clone(),
            survey: None,
            dimensions: complaint.dimensions.clone(),
            score: None,
        };
        self.open_case(
            facts,
            complaint_source(complaint.channel.as_deref(), source),
            None,
            complaint.customer.clone(),
            complaint.summary.clone(),
            complaint.priority.unwrap_or(Priority::Normal),
        )
        .await
    }

    async fn open_case(
        &self,
        facts: CaseFacts,
        source: String,
        response: Option<String>,
        customer: Option<String>,
        summary: String,
        priority: Priority,
    ) -> Result<StoredCase, AppError> {
        let now = chrono::Utc::now().timestamp_micros();
        let route = Router::new(&self.store)
            .await?
            .route(&facts, priority, true, now)
            .await?;
        let opened = event_at(
            now,
            "system",
            "opened",
            serde_json::json!({ "source": source, "score": facts.score, "themes": facts.themes }),
        );
        let events: Vec<CaseEvent> = std::iter::once(opened).chain(route.event.clone()).collect();
        let case = new_case(facts, source, response, customer, summary, route, now);
        let case = self.store.create_case(&case, &events).await?;
        self.announce_new_case(&case).await?;
        Ok(case)
    }

    /// Tells the case's people and channels that it was opened.
    pub(crate) async fn announce_new_case(&self, case: &StoredCase) -> Result<(), AppError> {
        let title = format!(
            "新工单 · New case [{}] {}",
            case.priority.as_str(),
            case.themes.join(", ")
        );
        self.announce(
            "case.created",
            &case.uid,
            case,
            title,
            case.summary.clone(),
            case.assignee_user_id,
        )
        .await
    }

    /// Does something to a case, as `actor` (a user name), and returns it.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown case; [`AppError::Conflict`] for a step its
    /// status does not allow; [`AppError::Invalid`] for a resolution without a known root cause.
    pub async fn act_on_case(
        &self,
        uid: &str,
        actor: &str,
        action: CaseAction,
    ) -> Result<StoredCase, AppError> {
        let now = chrono::Utc::now().timestamp_micros();
        let newly_assigned = match action {
            CaseAction::Assign { user_id } => Some(user_id),
            _ => None,
        };
        let kind = match action {
            CaseAction::Assign { .. } => "assigned",
            CaseAction::Start => "started",
            CaseAction::Note { .. } => "note",
            CaseAction::Contact { .. } => "contacted",
            CaseAction::Resolve { .. } => "resolved",
            CaseAction::Close => "closed",
            CaseAction::Reopen { .. } => "reopened",
        };
        // Someone else (a colleague, the SLA sweep) may change the case between reading and
        // saving it: the save then fails and the action is done again on the case as it is.
        let mut attempts = 0;
        let case = loop {
            let (mut case, _) = self.store.case(uid).await?;
            let detail = apply(&mut case, &action, &self.config.cases.root_causes, now)?;
            match self
                .store
                .save_case(&case, &event(actor, kind, detail))
                .await
            {
                Ok(version) => {
                    case.updated_at = version;
                    break case;
                }
                Err(cxm_store::StoreError::Stale(_)) if attempts < 10 => attempts += 1,
                Err(other) => return Err(other.into()),
            }
        };
        // The new assignee hears of it once: with the update where channels take updates
        // (mentioned and emailed), else by a personal email alone.
        if self.wants("case.updated") {
            let title = format!("工单更新 · Case {kind}");
            self.announce(
                "case.updated",
                &format!("{}:{now}", case.uid),
                &case,
                title,
                case.summary.clone(),
                newly_assigned,
            )
            .await?;
        } else if let Some(user) = newly_assigned {
            self.tell_person(
                user,
                "case.assigned",
                &format!("{}:{now}", case.uid),
                &format!(
                    "工单指派给您 · A case is yours [{}]",
                    case.priority.as_str()
                ),
                &case.summary,
            )
            .await?;
        }
        Ok(case)
    }

    /// Escalates every open case past a due time at `now` (unix µs) that was not escalated
    /// yet: its priority goes up one step and the timeline names the department's manager.
    /// Returns the escalated cases.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn escalate_overdue(&self, now: i64) -> Result<Vec<StoredCase>, AppError> {
        let departments: Vec<Department> = self.store.departments().await?;
        let mut escalated = Vec::new();
        for mut case in self
            .store
            .cases(&CaseFilter {
                open_only: true,
                ..CaseFilter::default()
            })
            .await?
        {
            if !case.overdue_at(now) || case.escalated_at.is_some() {
                continue;
            }
            let late_first = case.first_responded_at.is_none() && case.first_response_due < now;
            let manager = case
                .department_id
                .and_then(|d| departments.iter().find(|x| x.id == d))
                .and_then(|d| d.manager_user_id);
            let from = case.priority;
            case.priority = case.priority.raised();
            case.escalated_at = Some(now);
            let detail = serde_json::json!({
                "breached": if late_first { "first_response" } else { "resolution" },
                "priority": { "from": from.as_str(), "to": case.priority.as_str() },
                "notify_manager_user_id": manager,
            });
            match self
                .store
                .save_case(&case, &event("system", "escalated", detail))
                .await
            {
                Ok(version) => case.updated_at = version,
                // Someone acted on the case since the sweep read it; the next sweep sees the
                // case as it is now.
                Err(cxm_store::StoreError::Stale(_)) => continue,
                Err(other) => return Err(other.into()),
            }
            let title = format!(
                "工单超时升级 · Case past its SLA [{}]",
                case.priority.as_str()
            );
            self.announce(
                "case.escalated",
                &case.uid,
                &case,
                title,
                case.summary.clone(),
                manager,
            )
            .await?;
            escalated.push(case);
        }
        Ok(escalated)
    }

    /// Cases for a list: of some departments, of an assignee, open only; overdue first.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn cases(&self, filter: &CaseFilter) -> Result<Vec<StoredCase>, AppError> {
        Ok(self.store.cases(filter).await?)
    }

    /// A case with its timeline.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown case.
    pub async fn case(&self, uid: &str) -> Result<(StoredCase, Vec<CaseEvent>), AppError> {
        Ok(self.store.case(uid).await?)
    }

    /// Adds a department.
    ///
    /// # Errors
    /// [`AppError::Conflict`] when the key is taken.
    pub async fn create_department(
        &self,
        key: &str,
        name: &str,
        manager: Option<i64>,
        members: &[i64],
    ) -> Result<Department, AppError> {
        cxm_domain::DimensionKey::parse(key).map_err(|e| e.within("key"))?;
        let mut department = self.store.create_department(key, name, manager).await?;
        for member in members {
            self.store.add_member(department.id, *member).await?;
        }
        department.members = members.to_vec();
        Ok(department)
    }

    /// The department with `key`.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown key.
    pub async fn department(&self, key: &str) -> Result<Department, AppError> {
        self.store
            .departments()
            .await?
            .into_iter()
            .find(|d| d.key == key)
            .ok_or_else(|| AppError::NotFound(format!("department {key:?}")))
    }

    /// Adds a routing rule at `position` (lower first).
    ///
    /// # Errors
    /// [`AppError::Invalid`] for an unknown assignment or a rule that routes nowhere.
    pub async fn create_rule(&self, rule: RoutingRule) -> Result<i64, AppError> {
        check_rule(&rule)?;
        Ok(self.store.create_rule(&rule).await?)
    }

    /// Changes a routing rule in place: its position, name, conditions and routing.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown rule; [`AppError::Invalid`] as for a new one.
    pub async fn update_rule(&self, rule: RoutingRule) -> Result<(), AppError> {
        check_rule(&rule)?;
        Ok(self.store.update_rule(&rule).await?)
    }

    /// The SLA minutes (first response, resolution) of every priority, stored or default.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn slas(&self) -> Result<Vec<(Priority, i64, i64)>, AppError> {
        let mut out = Vec::new();
        for priority in [
            Priority::Urgent,
            Priority::High,
            Priority::Normal,
            Priority::Low,
        ] {
            let (first, resolution) = self
                .store
                .sla(priority)
                .await?
                .unwrap_or_else(|| crate::routing::default_sla(priority));
            out.push((priority, first, resolution));
        }
        Ok(out)
    }

    /// The routing rules, in the order they are tried.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn rules(&self) -> Result<Vec<RoutingRule>, AppError> {
        Ok(self.store.rules().await?)
    }

    /// Removes a routing rule.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown rule.
    pub async fn delete_rule(&self, id: i64) -> Result<(), AppError> {
        Ok(self.store.delete_rule(id).await?)
    }

    /// Sets the SLA of a priority.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for non-positive minutes or a resolution before the first response.
    pub async fn set_sla(
        &self,
        priority: Priority,
        first_response_minutes: i64,
        resolution_minutes: i64,
    ) -> Result<(), AppError> {
        if first_response_minutes <= 0 || resolution_minutes < first_response_minutes {
            return Err(AppError::invalid(
                "resolution_minutes",
                "minutes are positive and resolution comes after the first response",
            ));
        }
        Ok(self
            .store
            .set_sla(priority, first_response_minutes, resolution_minutes)
            .await?)
    }
}
