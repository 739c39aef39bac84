//! Complaint history from a file: a case per row of a CSV or TSV file (UTF-8 or GBK, any
//! delimiter) or of a spreadsheet's first sheet. The text, customer, channel, touchpoint,
//! priority, id, status and the received and closed times are found by their usual English and
//! Chinese column names (the text also by name); every other column is a dimension. Every row is
//! checked before anything is stored, and all cases are stored in one transaction.
//!
//! Dated rows keep their dates, so complaint rates, durations and SLA compliance over time
//! include them. Rows whose status says closed (or, without a status, that have a closed time)
//! become closed history: routed to a department only, on nobody's workload, announced to no
//! one. Open rows are routed and announced like new
//! complaints. With an id column the same file (or a later export overlapping it) can be
//! imported again: complaints already stored are left as they are.

use std::collections::{BTreeMap, HashMap};

use cxm_domain::{CaseFacts, CaseStatus, Priority};
use cxm_formats::FileSource;
use cxm_store::{CaseEvent, StoredCase};
use sha2::Digest;

use crate::cases::{complaint_source, event_at, new_case};
use crate::history::{HeadedTable, unreadable_row};
use crate::routing::Router;
use crate::{App, AppError, Problem};

/// What a complaints file's column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ComplaintField {
    Summary,
    Customer,
    Channel,
    Touchpoint,
    Priority,
    Id,
    Status,
    Received,
    Closed,
    Dimension(String),
}

/// The field a complaints file's column holds, by its usual English or Chinese name.
fn complaint_field(header: &str) -> Option<ComplaintField> {
    let name = header.trim().to_lowercase().replace(['_', '-'], " ");
    Some(match name.as_str() {
        "summary" | "description" | "complaint" | "complaint text" | "narrative" | "content"
        | "text" | "details" | "投诉内容" | "投诉描述" | "问题描述" | "描述" | "内容" | "详情" => {
            ComplaintField::Summary
        }
        "customer" | "customer id" | "client" | "客户" | "客户编号" | "客户id" | "会员号" => {
            ComplaintField::Customer
        }
        "channel" | "source" | "submitted via" | "渠道" | "来源" | "投诉渠道" => {
            ComplaintField::Channel
        }
        "touchpoint" | "触点" => ComplaintField::Touchpoint,
        "priority" | "优先级" | "紧急程度" => ComplaintField::Priority,
        "id" | "complaint id" | "case id" | "ticket id" | "ticket" | "reference" | "投诉编号"
        | "投诉单号" | "工单号" | "工单编号" | "编号" => ComplaintField::Id,
        "status"
        | "case status"
        | "company response to consumer"
        | "状态"
        | "处理状态"
        | "工单状态" => ComplaintField::Status,
        "received" | "received at" | "date received" | "date" | "created" | "created at"
        | "submitted at" | "complaint date" | "投诉时间" | "投诉日期" | "受理时间" | "创建时间"
        | "提交时间" | "日期" => ComplaintField::Received,
        "closed" | "closed at" | "date closed" | "resolved at" | "date resolved"
        | "resolution date" | "结案时间" | "关闭时间" | "解决时间" | "办结时间" | "完成时间" => {
            ComplaintField::Closed
        }
        _ => return None,
    })
}

/// Whether a status from another system means closed (`Some(false)`: open).
fn is_closed(status: &str) -> Option<bool> {
    let status = status.trim().to_lowercase();
    // Regulators' and help desks' wordings: "Closed with explanation", "Resolved - fixed".
    if [
        "closed",
        "resolved",
        "done",
        "complete",
        "已关闭",
        "已解决",
        "已结案",
        "已完成",
        "已办结",
    ]
    .iter()
    .any(|word| status.starts_with(word))
    {
        return Some(true);
    }
    match status.as_str() {
        "关闭" | "解决" | "结案" | "完成" | "办结" | "已处理" | "处理完毕" => {
            Some(true)
        }
        "open" | "new" | "pending" | "in progress" | "assigned" | "reopened"
        | "untimely response" | "处理中" | "待处理" | "未处理" | "新建" | "已分配" | "跟进中"
        | "重新打开" => Some(false),
        _ => None,
    }
}

/// A priority in the words of cxm or of other help desks (P0 is the most urgent).
fn priority_of(text: &str) -> Option<Priority> {
    let text = text.trim().to_lowercase();
    if let Ok(priority) = Priority::parse(&text) {
        return Some(priority);
    }
    Some(match text.as_str() {
        "critical" | "highest" | "p0" | "p1" | "紧急" | "特急" | "加急" | "非常紧急" | "最高" => {
            Priority::Urgent
        }
        "p2" | "高" | "较高" | "重要" => Priority::High,
        "medium" | "p3" | "中" | "中等" | "一般" | "普通" | "正常" => Priority::Normal,
        "lowest" | "p4" | "p5" | "低" | "较低" | "不紧急" => Priority::Low,
        _ => return None,
    })
}

/// A complaint read from one row, checked.
struct Row {
    row: u64,
    summary: String,
    customer: Option<String>,
    channel: Option<String>,
    touchpoint: Option<String>,
    priority: Option<Priority>,
    dimensions: BTreeMap<String, String>,
    id: Option<String>,
    status: Option<(String, bool)>,
    received: Option<i64>,
    closed: Option<i64>,
}

/// What an import of complaints stored.
#[derive(Debug, Clone)]
pub struct ComplaintImport {
    /// The cases stored, in file order.
    pub cases: Vec<StoredCase>,
    /// Rows whose complaint (by its id) was stored by an earlier import and left as it was.
    pub skipped: u64,
}

impl ComplaintImport {
    /// Cases stored open (the rest are closed history).
    pub fn open(&self) -> usize {
        self.cases.iter().filter(|c| c.status.is_open()).count()
    }

    /// Cases stored closed.
    pub fn closed(&self) -> usize {
        self.cases.len() - self.open()
    }

    /// Cases a routing rule gave to a department.
    pub fn routed(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| c.department_id.is_some())
            .count()
    }
}

/// The uid of the case for the complaint with `id` in an id column headed `header`: the same
/// for every import of it, so that importing it again finds it.
fn imported_uid(header: &str, id: &str) -> String {
    let digest = sha2::Sha256::digest(format!("cxm complaint\0{header}\0{id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

impl App {
    /// Stores a case for each row of a complaints file (see the module's description): the
    /// text in the column named `summary`, or else found by its usual names.
    ///
    /// # Errors
    /// [`AppError::Malformed`] for a file that is not a table; [`AppError::Invalid`] listing
    /// every bad row and column (nothing is stored then).
    pub async fn import_complaints(
        &self,
        source: &FileSource,
        summary: Option<&str>,
    ) -> Result<ComplaintImport, AppError> {
        let HeadedTable {
            file,
            headers,
            rows: table,
        } = HeadedTable::open(source)?;
        // The first column of each field holds it (the summary: the one named, if any); the
        // others are dimensions.
        let mut fields: Vec<ComplaintField> = Vec::with_capacity(headers.len());
        for (index, header) in headers.iter().enumerate() {
            let field = match summary {
                Some(named) if named.trim() == header => Some(ComplaintField::Summary),
                Some(_) => complaint_field(header).filter(|f| *f != ComplaintField::Summary),
                None => complaint_field(header),
            }
            .filter(|field| !fields.contains(field))
            .unwrap_or_else(|| {
                ComplaintField::Dimension(cxm_formats::dimension_key(header, index))
            });
            fields.push(field);
        }
        let column = |wanted: &ComplaintField| {
            fields
                .iter()
                .position(|f| f == wanted)
                .map(|c| headers[c].clone())
        };
        let Some(summary_column) = column(&ComplaintField::Summary) else {
            return Err(AppError::invalid(
                "summary",
                match summary {
                    Some(named) => format!("the header of {file} has no column {named:?}"),
                    None => format!(
                        "the header of {file} has no summary column (summary, description, \
                         complaint, 投诉内容, 描述…); name it with --summary"
                    ),
                },
            ));
        };
        let id_column = column(&ComplaintField::Id);

        let zone = self.config.zone();
        let now = chrono::Utc::now().timestamp_micros();
        // A clock a little behind the file's source is not the future.
        let latest = now + 10 * 60_000_000;
        let mut problems = Vec::new();
        let mut rows = Vec::new();
        let mut first_row_of_id: HashMap<String, u64> = HashMap::new();
        for record in table {
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    problems.push(unreadable_row(error));
                    continue;
                }
            };
            if record.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut problem = |header: &str, message: String| {
                problems.push(Problem {
                    row: Some(record.row),
                    field: header.to_owned(),
                    message,
                })
            };
            let mut complaint = Row {
                row: record.row,
                summary: String::new(),
                customer: None,
                channel: None,
                touchpoint: None,
                priority: None,
                dimensions: BTreeMap::new(),
                id: None,
                status: None,
                received: None,
                closed: None,
            };
            for ((header, field), value) in headers.iter().zip(&fields).zip(&record.cells) {
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                let time = |value: &str| cxm_formats::parse_time(value, &zone);
                match field {
                    ComplaintField::Summary => complaint.summary = value.to_owned(),
                    ComplaintField::Customer => complaint.customer = Some(value.to_owned()),
                    ComplaintField::Channel => complaint.channel = Some(value.to_owned()),
                    ComplaintField::Touchpoint => complaint.touchpoint = Some(value.to_owned()),
                    ComplaintField::Priority => match priority_of(value) {
                        Some(priority) => complaint.priority = Some(priority),
                        None => problem(
                            header,
                            format!(
                                "{value:?} is not a priority cxm knows: urgent, high, normal or \
                                 low (also P0–P4, critical, medium, 紧急, 高, 一般, 低…)"
                            ),
                        ),
                    },
                    ComplaintField::Id => match first_row_of_id.get(value) {
                        Some(first) => problem(
                            header,
                            format!("complaint id {value:?} is also on row {first}"),
                        ),
                        None => {
                            first_row_of_id.insert(value.to_owned(), record.row);
                            complaint.id = Some(value.to_owned());
                        }
                    },
                    ComplaintField::Status => match is_closed(value) {
                        Some(closed) => complaint.status = Some((value.to_owned(), closed)),
                        None => problem(
                            header,
                            format!(
                                "{value:?} is not a status cxm knows: open (open, new, pending, \
                                 in progress, 处理中, 待处理…) or closed (closed, resolved, \
                                 done, 已关闭, 已解决, 已结案…)"
                            ),
                        ),
                    },
                    ComplaintField::Received | ComplaintField::Closed => match time(value) {
                        Some(at) if at.timestamp_micros() > latest => {
                            problem(header, format!("{value:?} is in the future"))
                        }
                        Some(at) if *field == ComplaintField::Received => {
                            complaint.received = Some(at.timestamp_micros())
                        }
                        Some(at) => complaint.closed = Some(at.timestamp_micros()),
                        None => problem(header, format!("{value:?} is not a date or time")),
                    },
                    ComplaintField::Dimension(key) => {
                        complaint.dimensions.insert(key.clone(), value.to_owned());
                    }
                }
            }
            if complaint.summary.is_empty() {
                problem(&summary_column, "the complaint's text is empty".into());
            }
            if let (Some(received), Some(closed)) = (complaint.received, complaint.closed)
                && closed < received
            {
                let header = column(&ComplaintField::Closed).unwrap_or_default();
                problem(&header, "closed before it was received".into());
            }
            rows.push(complaint);
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }

        let mut router = Router::new(&self.store).await?;
        let mut batch: Vec<(StoredCase, Vec<CaseEvent>)> = Vec::with_capacity(rows.len());
        for row in rows {
            // The status decides; without one, a closed time closes the case.
            let closed = match &row.status {
                Some((_, closed)) => *closed,
                None => row.closed.is_some(),
            };
            let at = row.received.unwrap_or(now);
            let facts = CaseFacts {
                themes: self.themes_of(std::slice::from_ref(&row.summary))?,
                touchpoint: row.touchpoint,
                survey: None,
                dimensions: row.dimensions,
                score: None,
            };
            let source = complaint_source(row.channel.as_deref(), "import");
            let route = router
                .route(
                    &facts,
                    row.priority.unwrap_or(Priority::Normal),
                    !closed,
                    at,
                )
                .await?;
            let mut events = vec![event_at(
                at,
                "system",
                "opened",
                serde_json::json!({
                    "source": source,
                    "themes": facts.themes,
                    "import": { "file": file, "row": row.row, "id": row.id },
                }),
            )];
            events.extend(route.event.clone());
            let mut case = new_case(facts, source, None, row.customer, row.summary, route, at);
            if let (Some(header), Some(id)) = (&id_column, &row.id) {
                case.uid = imported_uid(header, id);
            }
            if closed {
                case.status = CaseStatus::Closed;
                case.resolved_at = row.closed;
                case.closed_at = row.closed;
                events.push(event_at(
                    row.closed.unwrap_or(now),
                    "import",
                    "closed",
                    serde_json::json!({ "status": row.status.map(|(status, _)| status) }),
                ));
            }
            batch.push((case, events));
        }
        let created = self.store.create_cases(&batch).await?;
        let skipped = created.iter().filter(|c| c.is_none()).count() as u64;
        let cases: Vec<StoredCase> = created.into_iter().flatten().collect();
        for case in cases.iter().filter(|c| c.status.is_open()) {
            self.announce_new_case(case).await?;
        }
        Ok(ComplaintImport { cases, skipped })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_of_other_systems_read_as_open_or_closed() {
        for closed in [
            "Closed with explanation",
            "Resolved",
            "已解决",
            "已结案",
            "完成",
        ] {
            assert_eq!(is_closed(closed), Some(true), "{closed}");
        }
        for open in ["In progress", "Untimely response", "处理中", "new"] {
            assert_eq!(is_closed(open), Some(false), "{open}");
        }
        assert_eq!(is_closed("escalated to legal"), None);
    }

    #[test]
    fn priorities_of_other_help_desks_are_read() {
        for (text, priority) in [
            ("High", Priority::High),
            ("P1", Priority::Urgent),
            ("紧急", Priority::Urgent),
            ("一般", Priority::Normal),
            ("medium", Priority::Normal),
            ("低", Priority::Low),
        ] {
            assert_eq!(priority_of(text), Some(priority), "{text}");
        }
        assert_eq!(priority_of("soon"), None);
    }

    #[test]
    fn an_imported_complaint_keeps_its_uid_across_imports() {
        let first = imported_uid("Complaint ID", "3571115");
        assert_eq!(first, imported_uid("Complaint ID", "3571115"));
        assert_ne!(first, imported_uid("工单号", "3571115"));
        assert!(uuid::Uuid::parse_str(&first).is_ok());
    }
}
