//! Who sees and works which cases: admins every case; everyone else the cases of the
//! departments they belong to or manage, and the cases assigned to them. Scorecards: admins and
//! analysts see every department's, a manager their own departments'.

use cxm_store::{CaseEvent, CaseFilter, Role, StoredCase, User};

use crate::{App, AppError};

/// One person's reach over cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    /// The person.
    pub user_id: i64,
    /// Sees every case (admins).
    pub all: bool,
    /// Departments they belong to or manage.
    pub departments: Vec<i64>,
    /// Departments they manage.
    pub managed: Vec<i64>,
    /// Sees every department's scorecard (admins, analysts).
    pub all_scorecards: bool,
}

impl CaseAccess {
    /// `filter` narrowed to what the person may see.
    pub fn narrow(&self, mut filter: CaseFilter) -> CaseFilter {
        if !self.all {
            filter.visible_to = Some((self.departments.clone(), self.user_id));
        }
        filter
    }

    /// Whether the person may see (and so work) `case`.
    pub fn may_see(&self, case: &StoredCase) -> bool {
        self.all
            || case.assignee_user_id == Some(self.user_id)
            || case
                .department_id
                .is_some_and(|d| self.departments.contains(&d))
    }

    /// The departments whose scorecards the person sees: `None` for all of them, an empty
    /// list for none.
    pub fn scorecard_departments(&self) -> Option<Vec<i64>> {
        if self.all_scorecards {
            None
        } else {
            Some(self.managed.clone())
        }
    }
}

impl App {
    /// What `user` may see of the cases.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn case_access(&self, user: &User) -> Result<CaseAccess, AppError> {
        let mut departments = Vec::new();
        let mut managed = Vec::new();
        for department in self.store.departments().await? {
            let manages = department.manager_user_id == Some(user.id);
            if manages {
                managed.push(department.id);
            }
            if manages || department.members.contains(&user.id) {
                departments.push(department.id);
            }
        }
        Ok(CaseAccess {
            user_id: user.id,
            all: user.role == Role::Admin,
            departments,
            managed,
            all_scorecards: matches!(user.role, Role::Admin | Role::Analyst),
        })
    }

    /// A case with its timeline, if `access` reaches it (otherwise it is not found, so that
    /// case ids of other departments are not confirmed).
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown or unreachable case.
    pub async fn case_within(
        &self,
        access: &CaseAccess,
        uid: &str,
    ) -> Result<(StoredCase, Vec<CaseEvent>), AppError> {
        let (case, events) = self.store.case(uid).await?;
        if !access.may_see(&case) {
            return Err(AppError::NotFound(format!("case {uid:?}")));
        }
        Ok((case, events))
    }

    /// Every enabled user, by name (for assignment and names on pages).
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn users(&self) -> Result<Vec<User>, AppError> {
        Ok(self.store.users().await?)
    }

    /// Every department with its manager and members, by key.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn departments(&self) -> Result<Vec<cxm_store::Department>, AppError> {
        Ok(self.store.departments().await?)
    }

    /// Renames the department with `key`, sets its manager and replaces its members.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown department; [`AppError::Invalid`] for a manager or
    /// member who is not a user, or an empty name.
    pub async fn update_department(
        &self,
        key: &str,
        name: &str,
        manager: Option<i64>,
        members: &[i64],
    ) -> Result<cxm_store::Department, AppError> {
        let mut department = self.department(key).await?;
        if name.trim().is_empty() {
            return Err(AppError::invalid("name", "must not be empty"));
        }
        let users = self.store.users().await?;
        let known = |id: &i64| users.iter().any(|u| u.id == *id);
        if let Some(manager) = manager.filter(|m| !known(m)) {
            return Err(AppError::invalid(
                "manager_user_id",
                format!("user {manager} does not exist"),
            ));
        }
        if let Some(member) = members.iter().find(|m| !known(m)) {
            return Err(AppError::invalid(
                "members",
                format!("user {member} does not exist"),
            ));
        }
        let mut members = members.to_vec();
        members.sort_unstable();
        members.dedup();
        self.store
            .update_department(department.id, name.trim(), manager, &members)
            .await?;
        department.name = name.trim().to_owned();
        department.manager_user_id = manager;
        department.members = members;
        Ok(department)
    }
}
