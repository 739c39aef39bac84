//! Cases as the API and notifications show them: times in RFC 3339, the overdue flag, the
//! follow-up link of a closed case, and the timeline.

use std::collections::BTreeMap;

use cxm_domain::{CaseStatus, Priority};
use cxm_store::{CaseEvent, StoredCase};
use serde::Serialize;

/// A case as the API shows it (times RFC 3339).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Public id.
    pub uid: String,
    /// Where it came from.
    pub source: String,
    /// The response it came from (`source/id`).
    pub response: Option<String>,
    /// The customer.
    pub customer: Option<String>,
    /// Survey key.
    pub survey: Option<String>,
    /// The score that opened it.
    pub score: Option<i64>,
    /// Touchpoint.
    pub touchpoint: Option<String>,
    /// Dimension values.
    pub dimensions: BTreeMap<String, String>,
    /// Themes.
    pub themes: Vec<String>,
    /// What happened.
    pub summary: String,
    /// Department id.
    pub department_id: Option<i64>,
    /// Assignee's user id.
    pub assignee_user_id: Option<i64>,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: CaseStatus,
    /// First response due.
    pub first_response_due: String,
    /// Resolution due.
    pub resolution_due: String,
    /// Whether an open case is past a due time.
    pub overdue: bool,
    /// First responded.
    pub first_responded_at: Option<String>,
    /// Resolved.
    pub resolved_at: Option<String>,
    /// Closed.
    pub closed_at: Option<String>,
    /// Escalated.
    pub escalated_at: Option<String>,
    /// Root cause.
    pub root_cause: Option<String>,
    /// Resolution.
    pub resolution: Option<String>,
    /// Whether the customer was contacted.
    pub contacted: Option<bool>,
    /// How.
    pub contact_method: Option<String>,
    /// Times reopened.
    pub reopen_count: i64,
    /// Opened.
    pub created_at: String,
    /// The recovery survey link to send the customer, once the case is closed.
    pub follow_up: Option<String>,
    /// The timeline, oldest first (only when one case is asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<CaseEventView>,
}

/// One timeline entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseEventView {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub kind: String,
    /// Details.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

fn rfc3339(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339()
}

impl CaseView {
    /// The view of a case and (optionally) its timeline; `recovery_survey` gives closed cases
    /// their follow-up link.
    pub fn of(case: StoredCase, events: Vec<CaseEvent>, recovery_survey: Option<&str>) -> CaseView {
        let now = chrono::Utc::now().timestamp_micros();
        CaseView {
            follow_up: crate::follow_up_path(recovery_survey, &case),
            overdue: case.overdue_at(now),
            uid: case.uid,
            source: case.source,
            response: case.response_uid,
            customer: case.customer,
            survey: case.survey,
            score: case.score,
            touchpoint: case.touchpoint,
            dimensions: case.dimensions,
            themes: case.themes,
            summary: case.summary,
            department_id: case.department_id,
            assignee_user_id: case.assignee_user_id,
            priority: case.priority,
            status: case.status,
            first_response_due: rfc3339(case.first_response_due),
            resolution_due: rfc3339(case.resolution_due),
            first_responded_at: case.first_responded_at.map(rfc3339),
            resolved_at: case.resolved_at.map(rfc3339),
            closed_at: case.closed_at.map(rfc3339),
            escalated_at: case.escalated_at.map(rfc3339),
            root_cause: case.root_cause,
            resolution: case.resolution,
            contacted: case.contacted,
            contact_method: case.contact_method,
            reopen_count: case.reopen_count,
            created_at: rfc3339(case.created_at),
            timeline: events
                .into_iter()
                .map(|e| CaseEventView {
                    at: rfc3339(e.at),
                    actor: e.actor,
                    kind: e.kind,
                    detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
                })
                .collect(),
        }
    }
}
