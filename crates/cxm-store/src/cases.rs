//! Departments, SLA policies, routing rules and cases with their timeline. The store only
//! keeps them; what a case may become, and when, is decided in cxm-app.

use std::collections::BTreeMap;

use cxm_domain::{CaseStatus, Priority, RoutingConditions};
use sqlx::Row;

use crate::{BeginWrite, Store, StoreError, now_micros, with_pool};

/// A department and its people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// Internal id.
    pub id: i64,
    /// Stable key, e.g. `logistics`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// The manager, told of escalations.
    pub manager_user_id: Option<i64>,
    /// Members' user ids.
    pub members: Vec<i64>,
}

/// An ordered routing rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    /// Internal id.
    pub id: i64,
    /// Order: lower first; the first matching rule routes.
    pub position: i64,
    /// What the rule is for.
    pub name: String,
    /// When it applies.
    pub conditions: RoutingConditions,
    /// The department it routes to.
    pub department_id: Option<i64>,
    /// A fixed assignee, if any.
    pub assignee_user_id: Option<i64>,
    /// `round_robin` or `least_loaded` among the department's members.
    pub assignment: String,
    /// A priority the rule sets, if any.
    pub priority: Option<Priority>,
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    /// Internal id.
    pub id: i64,
    /// Public id.
    pub uid: String,
    /// `response`, `complaint:api`, `complaint:import`, `manual`…
    pub source: String,
    /// The response it came from.
    pub response_uid: Option<String>,
    /// The customer's external id.
    pub customer: Option<String>,
    /// Survey key.
    pub survey: Option<String>,
    /// The score that opened it.
    pub score: Option<i64>,
    /// Touchpoint.
    pub touchpoint: Option<String>,
    /// Dimension values.
    pub dimensions: BTreeMap<String, String>,
    /// Themes (categories).
    pub themes: Vec<String>,
    /// What happened, in the customer's words where there are some.
    pub summary: String,
    /// Department.
    pub department_id: Option<i64>,
    /// Assignee.
    pub assignee_user_id: Option<i64>,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: CaseStatus,
    /// First response due, unix µs.
    pub first_response_due: i64,
    /// Resolution due, unix µs.
    pub resolution_due: i64,
    /// First responded, unix µs.
    pub first_responded_at: Option<i64>,
    /// Resolved, unix µs.
    pub resolved_at: Option<i64>,
    /// Closed, unix µs.
    pub closed_at: Option<i64>,
    /// Escalated for an SLA breach, unix µs.
    pub escalated_at: Option<i64>,
    /// Root cause (required to resolve).
    pub root_cause: Option<String>,
    /// Resolution.
    pub resolution: Option<String>,
    /// Whether the customer was contacted.
    pub contacted: Option<bool>,
    /// How.
    pub contact_method: Option<String>,
    /// Times reopened.
    pub reopen_count: i64,
    /// Opened, unix µs.
    pub created_at: i64,
    /// Last changed, unix µs: the case's version. [`Store::save_case`] writes only over the
    /// version that was read, so two changes made at once never silently undo each other.
    pub updated_at: i64,
}

impl StoredCase {
    /// Whether the case is open past a due time at `now` (unix µs): its resolution, or its
    /// first response while nobody has responded.
    pub fn overdue_at(&self, now: i64) -> bool {
        self.status.is_open()
            && (self.resolution_due < now
                || (self.first_responded_at.is_none() && self.first_response_due < now))
    }
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    /// When, unix µs.
    pub at: i64,
    /// Who: a user name, `system` or `rule:<name>`.
    pub actor: String,
    /// `opened`, `routed`, `assigned`, `status`, `note`, `escalated`, `contacted`…
    pub kind: String,
    /// Details as JSON.
    pub detail: String,
}

/// Which cases to list. Every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Of these departments (empty: all).
    pub departments: Vec<i64>,
    /// Assigned to this user.
    pub assignee: Option<i64>,
    /// Only cases a person may see: of these departments or assigned to this user.
    pub visible_to: Option<(Vec<i64>, i64)>,
    /// Only open ones.
    pub open_only: bool,
    /// In this status.
    pub status: Option<CaseStatus>,
    /// Of this priority.
    pub priority: Option<Priority>,
    /// With this theme.
    pub theme: Option<String>,
    /// At this touchpoint.
    pub touchpoint: Option<String>,
    /// Opened at or after, unix µs.
    pub created_from: Option<i64>,
    /// Opened before, unix µs.
    pub created_before: Option<i64>,
    /// Complaints only (sources `complaint:…`).
    pub complaints_only: bool,
    /// At most this many (None: all).
    pub limit: Option<u32>,
}

/// A value bound to a built query.
enum Param {
    Int(i64),
    Text(String),
}

/// Values of a query being built; each push answers its placeholder.
#[derive(Default)]
struct Params(Vec<Param>);

impl Params {
    fn push(&mut self, value: Param) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }

    fn ids(&mut self, ids: &[i64]) -> String {
        ids.iter()
            .map(|id| self.push(Param::Int(*id)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl CaseFilter {
    /// The `WHERE` clause (with `$n` placeholders from 1) and its values.
    fn clause(&self) -> (String, Params) {
        let mut conditions: Vec<String> = Vec::new();
        let mut params = Params::default();
        if !self.departments.is_empty() {
            conditions.push(format!(
                "department_id IN ({})",
                params.ids(&self.departments)
            ));
        }
        if let Some(user) = self.assignee {
            conditions.push(format!(
                "assignee_user_id = {}",
                params.push(Param::Int(user))
            ));
        }
        if let Some((departments, user)) = &self.visible_to {
            let mine = format!("assignee_user_id = {}", params.push(Param::Int(*user)));
            if departments.is_empty() {
                conditions.push(mine);
            } else {
                conditions.push(format!(
                    "(department_id IN ({}) OR {mine})",
                    params.ids(departments)
                ));
            }
        }
        if self.open_only {
            conditions.push(format!("status IN ({OPEN_STATUSES})"));
        }
        if let Some(status) = self.status {
            conditions.push(format!(
                "status = {}",
                params.push(Param::Text(status.as_str().to_owned()))
            ));
        }
        if let Some(priority) = self.priority {
            conditions.push(format!(
                "priority = {}",
                params.push(Param::Text(priority.as_str().to_owned()))
            ));
        }
        if let Some(theme) = &self.theme {
            // Themes are a JSON array of strings; a quoted element matches exactly one theme.
            let quoted = serde_json::Value::from(theme.as_str()).to_string();
            let escaped = quoted
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            conditions.push(format!(
                "themes LIKE {} ESCAPE '\\'",
                params.push(Param::Text(format!("%{escaped}%")))
            ));
        }
        if let Some(touchpoint) = &self.touchpoint {
            conditions.push(format!(
                "touchpoint = {}",
                params.push(Param::Text(touchpoint.clone()))
            ));
        }
        if let Some(from) = self.created_from {
            conditions.push(format!("created_at >= {}", params.push(Param::Int(from))));
        }
        if let Some(before) = self.created_before {
            conditions.push(format!("created_at < {}", params.push(Param::Int(before))));
        }
        if self.complaints_only {
            conditions.push("source LIKE 'complaint:%'".to_owned());
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        (clause, params)
    }
}

/// The statuses of open cases, as SQL literals.
const OPEN_STATUSES: &str = "'new', 'assigned', 'in_progress'";

const CASE_COLUMNS: &str = "id, uid, source, response_uid, customer, survey, score, touchpoint, dimensions, themes, summary, \
     department_id, assignee_user_id, priority, status, first_response_due, resolution_due, first_responded_at, resolved_at, \
     closed_at, escalated_at, root_cause, resolution, contacted, contact_method, reopen_count, created_at, updated_at";

fn case_of<R: Row>(row: &R) -> Result<StoredCase, StoreError>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<bool>: sqlx::Decode<'r, R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("case {what}: {e}"));
    let dimensions: String = row.try_get("dimensions")?;
    let themes: String = row.try_get("themes")?;
    let priority: String = row.try_get("priority")?;
    let status: String = row.try_get("status")?;
    Ok(StoredCase {
        id: row.try_get("id")?,
        uid: row.try_get("uid")?,
        source: row.try_get("source")?,
        response_uid: row.try_get("response_uid")?,
        customer: row.try_get("customer")?,
        survey: row.try_get("survey")?,
        score: row.try_get("score")?,
        touchpoint: row.try_get("touchpoint")?,
        dimensions: serde_json::from_str(&dimensions)
            .map_err(|e| corrupt("dimensions", e.to_string()))?,
        themes: serde_json::from_str(&themes).map_err(|e| corrupt("themes", e.to_string()))?,
        summary: row.try_get("summary")?,
        department_id: row.try_get("department_id")?,
        assignee_user_id: row.try_get("assignee_user_id")?,
        priority: Priority::parse(&priority).map_err(|e| corrupt("priority", e.message))?,
        status: CaseStatus::parse(&status).map_err(|e| corrupt("status", e.message))?,
        first_response_due: row.try_get("first_response_due")?,
        resolution_due: row.try_get("resolution_due")?,
        first_responded_at: row.try_get("first_responded_at")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
        escalated_at: row.try_get("escalated_at")?,
        root_cause: row.try_get("root_cause")?,
        resolution: row.try_get("resolution")?,
        contacted: row.try_get("contacted")?,
        contact_method: row.try_get("contact_method")?,
        reopen_count: row.try_get("reopen_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Adds a department.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the key is taken.
    pub async fn create_department(
        &self,
        key: &str,
        name: &str,
        manager: Option<i64>,
    ) -> Result<Department, StoreError> {
        with_pool!(self, pool => {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE key = $1").bind(key).fetch_optional(pool).await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("department {key:?} exists")));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO departments (key, name, manager_user_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(key).bind(name).bind(manager).bind(now_micros()).fetch_one(pool).await?;
            Ok(Department { id, key: key.to_owned(), name: name.to_owned(), manager_user_id: manager, members: Vec::new() })
        })
    }

    /// Adds a user to a department.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn add_member(&self, department_id: i64, user_id: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO department_members (department_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(department_id).bind(user_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Renames a department, sets its manager and replaces its members, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown department.
    pub async fn update_department(
        &self,
        id: i64,
        name: &str,
        manager: Option<i64>,
        members: &[i64],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE departments SET name = $1, manager_user_id = $2 WHERE id = $3")
                .bind(name).bind(manager).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("department {id}")));
            }
            sqlx::query("DELETE FROM department_members WHERE department_id = $1").bind(id).execute(&mut *tx).await?;
            for member in members {
                sqlx::query("INSERT INTO department_members (department_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id).bind(*member).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every department with its members.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        with_pool!(self, pool => {
            let mut departments = Vec::new();
            for row in sqlx::query("SELECT id, key, name, manager_user_id FROM departments ORDER BY key").fetch_all(pool).await? {
                departments.push(Department {
                    id: row.try_get("id")?,
                    key: row.try_get("key")?,
                    name: row.try_get("name")?,
                    manager_user_id: row.try_get("manager_user_id")?,
                    members: Vec::new(),
                });
            }
            for row in sqlx::query("SELECT department_id, user_id FROM department_members ORDER BY user_id").fetch_all(pool).await? {
                let department: i64 = row.try_get("department_id")?;
                if let Some(d) = departments.iter_mut().find(|d| d.id == department) {
                    d.members.push(row.try_get("user_id")?);
                }
            }
            Ok(departments)
        })
    }

    /// Sets the SLA of a priority, in minutes.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn set_sla(
        &self,
        priority: Priority,
        first_response_minutes: i64,
        resolution_minutes: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO sla_policies (priority, first_response_minutes, resolution_minutes) VALUES ($1, $2, $3) \
                         ON CONFLICT (priority) DO UPDATE SET first_response_minutes = excluded.first_response_minutes, resolution_minutes = excluded.resolution_minutes")
                .bind(priority.as_str()).bind(first_response_minutes).bind(resolution_minutes).execute(pool).await?;
            Ok(())
        })
    }

    /// The SLA of a priority (first response, resolution minutes), if set.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn sla(&self, priority: Priority) -> Result<Option<(i64, i64)>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT first_response_minutes, resolution_minutes FROM sla_policies WHERE priority = $1")
                .bind(priority.as_str()).fetch_optional(pool).await?;
            match row {
                Some(row) => Ok(Some((row.try_get("first_response_minutes")?, row.try_get("resolution_minutes")?))),
                None => Ok(None),
            }
        })
    }

    /// Adds a routing rule.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn create_rule(&self, rule: &RoutingRule) -> Result<i64, StoreError> {
        let conditions = serde_json::to_string(&rule.conditions)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        with_pool!(self, pool => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO routing_rules (position, name, conditions, department_id, assignee_user_id, assignment, priority, enabled) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(rule.position).bind(&rule.name).bind(conditions).bind(rule.department_id).bind(rule.assignee_user_id)
            .bind(&rule.assignment).bind(rule.priority.map(Priority::as_str)).bind(true)
            .fetch_one(pool).await?;
            Ok(id)
        })
    }

    /// Changes a routing rule in place (its position, conditions and routing).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown rule.
    pub async fn update_rule(&self, rule: &RoutingRule) -> Result<(), StoreError> {
        let conditions = serde_json::to_string(&rule.conditions)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        with_pool!(self, pool => {
            let done = sqlx::query(
                "UPDATE routing_rules SET position = $1, name = $2, conditions = $3, department_id = $4, assignee_user_id = $5, \
                 assignment = $6, priority = $7 WHERE id = $8",
            )
            .bind(rule.position).bind(&rule.name).bind(conditions).bind(rule.department_id).bind(rule.assignee_user_id)
            .bind(&rule.assignment).bind(rule.priority.map(Priority::as_str)).bind(rule.id)
            .execute(pool).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("routing rule {}", rule.id)));
            }
            Ok(())
        })
    }

    /// The enabled routing rules, in order.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a rule whose conditions cannot be read.
    pub async fn rules(&self) -> Result<Vec<RoutingRule>, StoreError> {
        with_pool!(self, pool => {
            let mut rules = Vec::new();
            let rows = sqlx::query("SELECT id, position, name, conditions, department_id, assignee_user_id, assignment, priority \
                                    FROM routing_rules WHERE enabled = $1 ORDER BY position, id")
                .bind(true).fetch_all(pool).await?;
            for row in rows {
                let conditions: String = row.try_get("conditions")?;
                let priority: Option<String> = row.try_get("priority")?;
                rules.push(RoutingRule {
                    id: row.try_get("id")?,
                    position: row.try_get("position")?,
                    name: row.try_get("name")?,
                    conditions: serde_json::from_str(&conditions).map_err(|e| StoreError::Corrupt(format!("rule conditions: {e}")))?,
                    department_id: row.try_get("department_id")?,
                    assignee_user_id: row.try_get("assignee_user_id")?,
                    assignment: row.try_get("assignment")?,
                    priority: priority.as_deref().map(Priority::parse).transpose().map_err(|e| StoreError::Corrupt(e.message))?,
                });
            }
            Ok(rules)
        })
    }

    /// Removes a routing rule.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown rule.
    pub async fn delete_rule(&self, id: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM routing_rules WHERE id = $1").bind(id).execute(pool).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("routing rule {id}")));
            }
            Ok(())
        })
    }

    /// Open cases per assignee among `users`, and when each was last given a case, for
    /// least-loaded and round-robin assignment.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn workloads(&self, department_id: i64) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT assignee_user_id AS user_id, \
                 SUM(CASE WHEN status IN ('new', 'assigned', 'in_progress') THEN 1 ELSE 0 END) AS open, MAX(created_at) AS last \
                 FROM cases WHERE department_id = $1 AND assignee_user_id IS NOT NULL GROUP BY assignee_user_id",
            )
            .bind(department_id).fetch_all(pool).await?;
            let mut out = Vec::new();
            for row in rows {
                let open: Option<i64> = row.try_get("open")?;
                out.push((row.try_get("user_id")?, open.unwrap_or(0), row.try_get("last")?));
            }
            Ok(out)
        })
    }

    /// Stores a new case and its first timeline events, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a case for the same response, or with the same uid, exists.
    pub async fn create_case(
        &self,
        case: &StoredCase,
        events: &[CaseEvent],
    ) -> Result<StoredCase, StoreError> {
        let mut created = self
            .create_cases(&[(case.clone(), events.to_vec())])
            .await?;
        created
            .pop()
            .flatten()
            .ok_or_else(|| StoreError::Conflict(format!("case {} exists", case.uid)))
    }

    /// Stores new cases, each with its first timeline events, all in one transaction: every
    /// one or none. A case whose uid is already stored is left as it is (its entry is `None`):
    /// importing the same complaints twice opens each once. Resolution and closing times are
    /// kept, for closed cases brought in from elsewhere.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when a case for the same response exists (nothing is stored).
    pub async fn create_cases(
        &self,
        cases: &[(StoredCase, Vec<CaseEvent>)],
    ) -> Result<Vec<Option<StoredCase>>, StoreError> {
        let mut created = Vec::with_capacity(cases.len());
        with_pool!(self, pool => {
            // Checked inside the write transaction: on SQLite no other writer can open a case
            // for the same response between the check and the insert.
            let mut tx = pool.begin_write().await?;
            for (case, events) in cases {
                if let Some(response) = &case.response_uid {
                    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE response_uid = $1").bind(response).fetch_optional(&mut *tx).await?;
                    if exists.is_some() {
                        return Err(StoreError::Conflict(format!("response {response} has a case")));
                    }
                }
                let dimensions = serde_json::to_string(&case.dimensions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let themes = serde_json::to_string(&case.themes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO cases (uid, source, response_uid, customer, survey, score, touchpoint, dimensions, themes, summary, \
                     department_id, assignee_user_id, priority, status, first_response_due, resolution_due, first_responded_at, \
                     resolved_at, closed_at, reopen_count, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 0, $20, $20) \
                     ON CONFLICT (uid) DO NOTHING RETURNING id",
                )
                .bind(&case.uid).bind(&case.source).bind(&case.response_uid).bind(&case.customer).bind(&case.survey).bind(case.score)
                .bind(&case.touchpoint).bind(dimensions).bind(themes).bind(&case.summary).bind(case.department_id)
                .bind(case.assignee_user_id).bind(case.priority.as_str()).bind(case.status.as_str()).bind(case.first_response_due)
                .bind(case.resolution_due).bind(case.first_responded_at).bind(case.resolved_at).bind(case.closed_at)
                .bind(case.created_at)
                .fetch_optional(&mut *tx).await?;
                let Some(id) = id else {
                    created.push(None);
                    continue;
                };
                for event in events {
                    sqlx::query("INSERT INTO case_events (case_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id).bind(event.at).bind(&event.actor).bind(&event.kind).bind(&event.detail).execute(&mut *tx).await?;
                }
                created.push(Some(StoredCase { id, updated_at: case.created_at, ..case.clone() }));
            }
            tx.commit().await?;
            Ok(created)
        })
    }

    /// Writes a case's changing fields and a timeline event, in one transaction, if the case
    /// is still at the version it was read at (`case.updated_at`). Returns the new version.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown case; [`StoreError::Stale`] when it changed
    /// since it was read (read it again and redo the change).
    pub async fn save_case(&self, case: &StoredCase, event: &CaseEvent) -> Result<i64, StoreError> {
        let version = now_micros().max(case.updated_at + 1);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE cases SET department_id = $1, assignee_user_id = $2, priority = $3, status = $4, first_response_due = $5, \
                 resolution_due = $6, first_responded_at = $7, resolved_at = $8, closed_at = $9, escalated_at = $10, root_cause = $11, \
                 resolution = $12, contacted = $13, contact_method = $14, reopen_count = $15, updated_at = $16 WHERE id = $17 AND updated_at = $18",
            )
            .bind(case.department_id).bind(case.assignee_user_id).bind(case.priority.as_str()).bind(case.status.as_str())
            .bind(case.first_response_due).bind(case.resolution_due).bind(case.first_responded_at).bind(case.resolved_at)
            .bind(case.closed_at).bind(case.escalated_at).bind(&case.root_cause).bind(&case.resolution).bind(case.contacted)
            .bind(&case.contact_method).bind(case.reopen_count).bind(version).bind(case.id).bind(case.updated_at)
            .execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1").bind(case.id).fetch_optional(&mut *tx).await?;
                return Err(match exists {
                    Some(_) => StoreError::Stale(format!("case {} changed while this change was made", case.uid)),
                    None => StoreError::NotFound(format!("case {}", case.uid)),
                });
            }
            sqlx::query("INSERT INTO case_events (case_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(case.id).bind(event.at).bind(&event.actor).bind(&event.kind).bind(&event.detail).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(version)
        })
    }

    /// A case by its public id, with its timeline (oldest first).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown case.
    pub async fn case(&self, uid: &str) -> Result<(StoredCase, Vec<CaseEvent>), StoreError> {
        with_pool!(self, pool => {
            let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE uid = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(uid).fetch_optional(pool).await?
                .ok_or_else(|| StoreError::NotFound(format!("case {uid:?}")))?;
            let case = case_of(&row)?;
            let mut events = Vec::new();
            for row in sqlx::query("SELECT at, actor, kind, detail FROM case_events WHERE case_id = $1 ORDER BY at, id").bind(case.id).fetch_all(pool).await? {
                events.push(CaseEvent { at: row.try_get("at")?, actor: row.try_get("actor")?, kind: row.try_get("kind")?, detail: row.try_get("detail")? });
            }
            Ok((case, events))
        })
    }

    /// Cases matching `filter`, overdue first (past the resolution due time, or past the
    /// first-response due time with no response yet), then by resolution due time.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database fails.
    pub async fn cases(&self, filter: &CaseFilter) -> Result<Vec<StoredCase>, StoreError> {
        let (clause, params) = filter.clause();
        let now = params.0.len() + 1;
        let limit = filter
            .limit
            .map(|n| format!(" LIMIT {n}"))
            .unwrap_or_default();
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases {clause} ORDER BY \
             CASE WHEN status IN ({OPEN_STATUSES}) AND (resolution_due < ${now} OR (first_responded_at IS NULL AND first_response_due < ${now})) \
             THEN 0 ELSE 1 END, resolution_due, id{limit}"
        );
        with_pool!(self, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for param in &params.0 {
                query = match param {
                    Param::Int(value) => query.bind(*value),
                    Param::Text(value) => query.bind(value.clone()),
                };
            }
            let mut cases = Vec::new();
            for row in query.bind(now_micros()).fetch_all(pool).await? {
                cases.push(case_of(&row)?);
            }
            Ok(cases)
        })
    }
}
