//! The demo's case loop at 禾港生活: four departments with a manager and staff each (who can
//! sign in with the demo password), routing rules by theme and touchpoint, monthly order
//! volumes for complaint rates, and a few dozen complaints from phone, app and stores, some
//! still open, some worked, resolved and closed.

use chrono::{Datelike, NaiveDate};
use cxm_domain::{Priority, RoutingConditions};
use cxm_store::{Role, RoutingRule};

use crate::{App, AppError, CaseAction, ComplaintInput, VolumeInput};

/// What the demo's case loop holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCases {
    /// Staff sign-in names with their department keys.
    pub staff: Vec<(String, String)>,
    /// Complaint cases opened.
    pub opened: usize,
    /// Of those, resolved and closed.
    pub closed: usize,
}

/// Departments: key, name, manager, member.
const DEPARTMENTS: [(&str, &str, &str, &str); 4] = [
    ("logistics", "物流部", "li.na", "wang.wei"),
    ("stores", "门店运营部", "zhang.min", "liu.yang"),
    ("service", "客服中心", "zhao.lei", "chen.jie"),
    ("quality", "商品质量部", "sun.li", "zhou.qing"),
];

/// Complaints: what the customer said, where, which region.
const COMPLAINTS: [(&str, &str, &str); 16] = [
    ("快递三天都没到，物流信息一直不更新", "配送", "华北"),
    ("包裹破损，里面的杯子碎了", "配送", "华东"),
    ("快递员没打电话就把包裹放在门口", "配送", "华南"),
    ("门店排队结账等了二十分钟", "结账", "华北"),
    ("店员态度很差，问问题不理人", "进店体验", "华东"),
    ("客服电话一直打不通，等了半小时", "咨询", "西南"),
    ("客服态度敷衍，问题没有解决", "售后", "华北"),
    ("买的毛巾洗一次就掉色，质量太差", "售后", "华中"),
    ("电饭煲用了一周就坏了", "售后", "华东"),
    (
        "The delivery was a week late and nobody told me",
        "配送",
        "华南",
    ),
    (
        "Staff at the store were rude when I asked for a refund",
        "进店体验",
        "华东",
    ),
    (
        "The kettle broke after two days, poor quality",
        "售后",
        "华北",
    ),
    ("退款申请提交一周了还没到账", "售后", "华南"),
    ("App 下单后一直显示待发货", "配送", "西南"),
    ("收银员多收了钱，找了半天才退", "结账", "华中"),
    ("商品和图片差别太大，有异味", "售后", "华北"),
];

impl App {
    /// Builds the demo's case loop on a demo database (after [`App::build_demo`]); staff sign
    /// in with `password`. `until` is the last day of the demo's data.
    ///
    /// # Errors
    /// [`AppError::Conflict`] when the departments or staff exist already.
    pub async fn build_demo_cases(
        &self,
        password: &str,
        until: NaiveDate,
    ) -> Result<DemoCases, AppError> {
        let mut staff = Vec::new();
        let mut names = std::collections::HashMap::new();
        let mut department_ids = Vec::new();
        for (key, name, manager, member) in DEPARTMENTS {
            let manager = self.add_user(manager, password, Role::Viewer, "zh").await?;
            let member = self.add_user(member, password, Role::Viewer, "zh").await?;
            let department = self
                .create_department(key, name, Some(manager.id), &[member.id])
                .await?;
            department_ids.push(department.id);
            names.insert(manager.id, manager.name.clone());
            names.insert(member.id, member.name.clone());
            staff.push((manager.name, key.to_owned()));
            staff.push((member.name, key.to_owned()));
        }
        let rule =
            |position: i64, name: &str, conditions: RoutingConditions, index: usize| RoutingRule {
                id: 0,
                position,
                name: name.to_owned(),
                conditions,
                department_id: Some(department_ids[index]),
                assignee_user_id: None,
                assignment: "least_loaded".to_owned(),
                priority: None,
            };
        let themes = |list: &[&str]| RoutingConditions {
            themes: list.iter().map(|t| (*t).to_owned()).collect(),
            ..RoutingConditions::default()
        };
        let touchpoints = |list: &[&str]| RoutingConditions {
            touchpoints: list.iter().map(|t| (*t).to_owned()).collect(),
            ..RoutingConditions::default()
        };
        for rule in [
            rule(10, "物流问题 → 物流部", themes(&["delivery"]), 0),
            rule(20, "商品质量 → 商品质量部", themes(&["quality"]), 3),
            rule(30, "服务态度 → 客服中心", themes(&["service_attitude"]), 2),
            rule(
                40,
                "门店触点 → 门店运营部",
                touchpoints(&["进店体验", "结账"]),
                1,
            ),
            rule(50, "其余 → 客服中心", RoutingConditions::default(), 2),
        ] {
            self.create_rule(rule).await?;
        }

        // Monthly orders and customers for the year to the demo's end and the current month,
        // with delivery orders on their own.
        let mut volumes = Vec::new();
        let mut month = until.with_day(1).unwrap_or(until) - chrono::Months::new(11);
        let current = self.config.zone().today().with_day(1).unwrap_or(until);
        while month <= current {
            let label = month.format("%Y-%m").to_string();
            let peak = matches!(month.month(), 11 | 1 | 2);
            let orders: i64 = if peak { 52_000 } else { 38_000 } + i64::from(month.month()) * 700;
            for (measure, n, touchpoint) in [
                ("orders", orders, None),
                ("customers", orders * 6 / 10, None),
                ("orders", orders * 45 / 100, Some("配送")),
            ] {
                volumes.push(VolumeInput {
                    month: label.clone(),
                    measure: measure.to_owned(),
                    n,
                    touchpoint: touchpoint.map(str::to_owned),
                });
            }
            month = month + chrono::Months::new(1);
        }
        self.set_volumes(&volumes).await?;

        // Complaints, a few of each kind worked through the loop.
        let mut opened = 0;
        let mut closed = 0;
        let channels = ["phone", "app", "store", "email"];
        for round in 0..3 {
            for (index, (summary, touchpoint, region)) in COMPLAINTS.iter().enumerate() {
                let n = round * COMPLAINTS.len() + index;
                let complaint = ComplaintInput {
                    summary: (*summary).to_owned(),
                    customer: Some(format!("C{:05}", 1000 + n * 37)),
                    channel: Some(channels[n % channels.len()].to_owned()),
                    touchpoint: Some((*touchpoint).to_owned()),
                    dimensions: [("region".to_owned(), (*region).to_owned())].into(),
                    priority: Some(if n.is_multiple_of(11) {
                        Priority::High
                    } else {
                        Priority::Normal
                    }),
                };
                let case = self.open_complaint(complaint, "demo").await?;
                opened += 1;
                let actor = case
                    .assignee_user_id
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_else(|| "demo".to_owned());
                let steps: Vec<CaseAction> = match n % 4 {
                    0 => vec![CaseAction::Start],
                    1 | 2 => vec![
                        CaseAction::Start,
                        CaseAction::Contact {
                            method: "phone".to_owned(),
                        },
                        CaseAction::Resolve {
                            root_cause: match *touchpoint {
                                "配送" => "delivery_delay",
                                "售后" => "product_defect",
                                "结账" => "process_gap",
                                _ => "staff_behaviour",
                            }
                            .to_owned(),
                            resolution: "已致电致歉并补偿优惠券 / apologised and compensated"
                                .to_owned(),
                        },
                        CaseAction::Close,
                    ],
                    _ => Vec::new(),
                };
                let closes = steps.len() == 4;
                for step in steps {
                    self.act_on_case(&case.uid, &actor, step).await?;
                }
                if closes {
                    closed += 1;
                }
            }
        }
        Ok(DemoCases {
            staff,
            opened,
            closed,
        })
    }
}
