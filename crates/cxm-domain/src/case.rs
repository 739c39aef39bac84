//! Cases (工单): what a detractor response or a complaint becomes so that a department acts on
//! it. Their status follows a fixed life cycle, their priority sets their SLA, and routing rules
//! say which department (and person) gets them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::DomainError;

/// Where a case is in its life: new → assigned → in_progress → resolved → closed, and back to
/// in_progress when reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Opened, nobody on it yet.
    New,
    /// Someone owns it.
    Assigned,
    /// Being worked.
    InProgress,
    /// Fixed, with a root cause; the customer may still be contacted.
    Resolved,
    /// Done.
    Closed,
}

impl CaseStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::New,
        CaseStatus::Assigned,
        CaseStatus::InProgress,
        CaseStatus::Resolved,
        CaseStatus::Closed,
    ];

    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Assigned => "assigned",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Resolved => "resolved",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses a stored status.
    ///
    /// # Errors
    /// [`DomainError`] for an unknown status.
    pub fn parse(text: &str) -> Result<CaseStatus, DomainError> {
        CaseStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| DomainError::new("status", format!("unknown status {text:?}; expected new, assigned, in_progress, resolved or closed")))
    }

    /// Whether a case may go from `self` to `next` (reopening a resolved or closed case goes
    /// to in_progress).
    pub fn can_become(self, next: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, next),
            (New, Assigned | InProgress | Resolved)
                | (Assigned, InProgress | Resolved | New)
                | (InProgress, Resolved | Assigned)
                | (Resolved, Closed | InProgress)
                | (Closed, InProgress)
        )
    }

    /// Whether the case still needs work (counts against SLAs and workloads).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseStatus::New | CaseStatus::Assigned | CaseStatus::InProgress
        )
    }
}

/// How urgent a case is; each priority has its SLA.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Low.
    Low,
    /// Normal.
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The priority as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// Parses a stored priority.
    ///
    /// # Errors
    /// [`DomainError`] for an unknown priority.
    pub fn parse(text: &str) -> Result<Priority, DomainError> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .ok_or_else(|| {
                DomainError::new(
                    "priority",
                    format!("unknown priority {text:?}; expected low, normal, high or urgent"),
                )
            })
    }

    /// One step more urgent (urgent stays urgent): what an SLA breach does.
    pub fn raised(self) -> Priority {
        match self {
            Priority::Low => Priority::Normal,
            Priority::Normal => Priority::High,
            Priority::High | Priority::Urgent => Priority::Urgent,
        }
    }
}

/// What a routing rule looks at; every condition given must hold (an empty rule matches all).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingConditions {
    /// Any of these themes is named (e.g. `delivery`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<String>,
    /// The touchpoint is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub touchpoints: Vec<String>,
    /// The survey is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surveys: Vec<String>,
    /// Each dimension has one of the values (e.g. region → [华北]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, Vec<String>>,
    /// The score is at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_score: Option<i64>,
    /// The score is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<i64>,
}

/// What a case is, for routing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseFacts {
    /// Themes named in its comments.
    pub themes: Vec<String>,
    /// Touchpoint.
    pub touchpoint: Option<String>,
    /// Survey key.
    pub survey: Option<String>,
    /// Dimension values.
    pub dimensions: BTreeMap<String, String>,
    /// The score that opened it.
    pub score: Option<i64>,
}

impl RoutingConditions {
    /// Whether a case with `facts` matches.
    pub fn matches(&self, facts: &CaseFacts) -> bool {
        let one_of = |wanted: &[String], value: Option<&String>| {
            wanted.is_empty() || value.is_some_and(|v| wanted.contains(v))
        };
        (self.themes.is_empty() || self.themes.iter().any(|t| facts.themes.contains(t)))
            && one_of(&self.touchpoints, facts.touchpoint.as_ref())
            && one_of(&self.surveys, facts.survey.as_ref())
            && self
                .dimensions
                .iter()
                .all(|(key, values)| one_of(values, facts.dimensions.get(key)))
            && self
                .max_score
                .is_none_or(|max| facts.score.is_some_and(|s| s <= max))
            && self
                .min_score
                .is_none_or(|min| facts.score.is_some_and(|s| s >= min))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_life_cycle_allows_only_its_steps() {
        use CaseStatus::*;
        assert!(New.can_become(Assigned));
        assert!(Resolved.can_become(Closed));
        assert!(Closed.can_become(InProgress), "reopen");
        assert!(
            !New.can_become(Closed),
            "a case is resolved before it is closed"
        );
        assert!(!Closed.can_become(Resolved));
        assert_eq!(Priority::High.raised(), Priority::Urgent);
    }

    #[test]
    fn routing_conditions_all_hold() {
        let rule = RoutingConditions {
            themes: vec!["delivery".into()],
            dimensions: [("region".to_owned(), vec!["华北".to_owned()])].into(),
            max_score: Some(6),
            ..RoutingConditions::default()
        };
        let mut facts = CaseFacts {
            themes: vec!["delivery".into(), "price".into()],
            dimensions: [("region".to_owned(), "华北".to_owned())].into(),
            score: Some(3),
            ..CaseFacts::default()
        };
        assert!(rule.matches(&facts));
        facts.score = Some(7);
        assert!(!rule.matches(&facts));
        assert!(RoutingConditions::default().matches(&CaseFacts::default()));
    }
}

/// How to reach a user: an email address, a mobile number, and their ids in the chat tools
/// (for @-mentions in robot messages).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Mobile number (DingTalk and WeCom can mention by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// WeCom user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wecom: Option<String>,
    /// DingTalk user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dingtalk: Option<String>,
    /// Feishu open id (`ou_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feishu: Option<String>,
    /// Slack member id (`U…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<String>,
}
