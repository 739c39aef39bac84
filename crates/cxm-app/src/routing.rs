//! Where a new case goes and when it is due: the first routing rule its facts match names the
//! department and the person (fixed, or round-robin or least-loaded among the department's
//! members) and may raise the priority; the SLA policy of that priority (or the default) sets
//! the due times. A [`Router`] reads the rules, departments, SLAs and workloads once and counts
//! the cases it hands out itself, so a batch of cases (an import) is spread over people as if
//! the cases had come one by one.

use std::collections::HashMap;

use cxm_domain::{CaseFacts, Priority};
use cxm_store::{CaseEvent, Department, RoutingRule, Store};

use crate::AppError;
use crate::cases::event_at;

/// First-response and resolution minutes when no SLA policy is configured for a priority.
pub(crate) fn default_sla(priority: Priority) -> (i64, i64) {
    match priority {
        Priority::Urgent => (60, 8 * 60),
        Priority::High => (4 * 60, 24 * 60),
        Priority::Normal => (24 * 60, 72 * 60),
        Priority::Low => (48 * 60, 7 * 24 * 60),
    }
}

/// What routing decided for one case.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub department_id: Option<i64>,
    pub assignee_user_id: Option<i64>,
    pub priority: Priority,
    /// Unix µs.
    pub first_response_due: i64,
    /// Unix µs.
    pub resolution_due: i64,
    /// The timeline's `routed` event, when a rule matched.
    pub event: Option<CaseEvent>,
}

/// A person's open cases and when they were last given one (unix µs).
#[derive(Debug, Clone, Copy, Default)]
struct Load {
    open: i64,
    last: i64,
}

/// Routes cases against one reading of the rules and workloads.
pub(crate) struct Router<'a> {
    store: &'a Store,
    rules: Vec<RoutingRule>,
    departments: Vec<Department>,
    loads: HashMap<i64, HashMap<i64, Load>>,
    slas: HashMap<Priority, (i64, i64)>,
}

impl<'a> Router<'a> {
    /// Reads the routing rules and departments.
    pub(crate) async fn new(store: &'a Store) -> Result<Router<'a>, AppError> {
        Ok(Router {
            store,
            rules: store.rules().await?,
            departments: store.departments().await?,
            loads: HashMap::new(),
            slas: HashMap::new(),
        })
    }

    /// Routes a case with `facts` and `priority` received at `at` (unix µs). An `open` case
    /// is given to a person; a closed one (history brought in from elsewhere) only to the
    /// department, and counts toward nobody's workload.
    pub(crate) async fn route(
        &mut self,
        facts: &CaseFacts,
        priority: Priority,
        open: bool,
        at: i64,
    ) -> Result<Route, AppError> {
        let rule = self
            .rules
            .iter()
            .find(|r| r.conditions.matches(facts))
            .cloned();
        let priority = rule.as_ref().and_then(|r| r.priority).unwrap_or(priority);
        let mut route = Route {
            department_id: None,
            assignee_user_id: None,
            priority,
            first_response_due: 0,
            resolution_due: 0,
            event: None,
        };
        if let Some(rule) = rule {
            let assignee = match (open, rule.assignee_user_id, rule.department_id) {
                (false, _, _) | (true, None, None) => None,
                (true, Some(user), _) => Some(user),
                (true, None, Some(department)) => {
                    self.pick_assignee(department, &rule.assignment).await?
                }
            };
            if let (Some(user), Some(department)) = (assignee, rule.department_id) {
                let load = self
                    .loads
                    .entry(department)
                    .or_default()
                    .entry(user)
                    .or_default();
                load.open += 1;
                load.last = load.last.max(at);
            }
            route.department_id = rule.department_id;
            route.assignee_user_id = assignee;
            route.event = Some(event_at(
                at,
                &format!("rule:{}", rule.name),
                "routed",
                serde_json::json!({
                    "department_id": rule.department_id,
                    "assignee_user_id": assignee,
                }),
            ));
        }
        let (first, resolution) = match self.slas.get(&priority) {
            Some(sla) => *sla,
            None => {
                let sla = self
                    .store
                    .sla(priority)
                    .await?
                    .unwrap_or_else(|| default_sla(priority));
                self.slas.insert(priority, sla);
                sla
            }
        };
        route.first_response_due = at + first * 60_000_000;
        route.resolution_due = at + resolution * 60_000_000;
        Ok(route)
    }

    /// A member of `department`: the one with the fewest open cases (`least_loaded`), or the
    /// one given a case longest ago (`round_robin`); members never given one come first.
    async fn pick_assignee(
        &mut self,
        department: i64,
        assignment: &str,
    ) -> Result<Option<i64>, AppError> {
        let Some(members) = self
            .departments
            .iter()
            .find(|d| d.id == department)
            .map(|d| d.members.clone())
        else {
            return Ok(None);
        };
        if !self.loads.contains_key(&department) {
            let stored = self.store.workloads(department).await?;
            let loads = stored
                .into_iter()
                .map(|(user, open, last)| (user, Load { open, last }))
                .collect();
            self.loads.insert(department, loads);
        }
        let loads = &self.loads[&department];
        let load = |user: i64| loads.get(&user).copied().unwrap_or_default();
        let chosen = if assignment == "least_loaded" {
            members
                .iter()
                .copied()
                .min_by_key(|u| (load(*u).open, load(*u).last, *u))
        } else {
            members.iter().copied().min_by_key(|u| (load(*u).last, *u))
        };
        Ok(chosen)
    }
}
