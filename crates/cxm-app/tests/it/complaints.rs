//! Complaint files: every row checked before anything is stored, columns found by their
//! English and Chinese names, dates and closed statuses kept as history, GBK text read as such,
//! and an id column making a second import of the same complaints change nothing.

use cxm_app::AppError;
use cxm_domain::{CaseStatus, Priority};
use cxm_formats::{Cell, FileSource};

use crate::cases::app_with_cases;

/// A complaints file in memory.
fn file(text: &str) -> FileSource {
    bytes("complaints.csv", text.as_bytes())
}

fn bytes(name: &str, content: &[u8]) -> FileSource {
    FileSource::Bytes {
        name: name.to_owned(),
        bytes: content.into(),
    }
}

fn micros(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_micros()
}

#[tokio::test]
async fn complaints_import_from_csv_all_checked_first() {
    let (app, _database) = app_with_cases().await;
    let bad = "summary,priority,region\n快递没送到,high,华北\n,low,华东\n价格不对,soon,华南\n";
    let error = app.import_complaints(&file(bad), None).await.unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    let places: Vec<(Option<u64>, &str)> =
        problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(places, [(Some(3), "summary"), (Some(4), "priority")]);
    assert!(
        app.cases(&cxm_app::CaseFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "nothing opened"
    );
    let good = "\u{feff}summary,customer,channel,region\n快递没送到,c-1,phone,华北\nApp 闪退,,email,华东\n";
    let cases = app
        .import_complaints(&file(good), None)
        .await
        .unwrap()
        .cases;
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].source, "complaint:phone");
    assert_eq!(cases[0].dimensions["region"], "华北");
    assert_eq!(cases[0].customer.as_deref(), Some("c-1"));

    // A call centre's export: Chinese headers found by their usual names.
    let centre = "客户编号,投诉渠道,投诉内容,优先级,地区,处理人备注
c-9,phone,退款两周没到账,urgent,华东,已回电
";
    let cases = app
        .import_complaints(&file(centre), None)
        .await
        .unwrap()
        .cases;
    assert_eq!(
        (
            cases[0].summary.as_str(),
            cases[0].customer.as_deref(),
            cases[0].priority
        ),
        ("退款两周没到账", Some("c-9"), Priority::Urgent)
    );
    assert_eq!(cases[0].dimensions["region"], "华东");
    assert_eq!(cases[0].dimensions.len(), 2, "{:?}", cases[0].dimensions);
    // A regulator's export: the text column named, headers with spaces made keys.
    let cfpb = "Date received,Product,Issue,Consumer complaint narrative,Submitted via
        2020/3/18,Mortgage,Trouble during payment process,,Web
";
    let error = app.import_complaints(&file(cfpb), None).await.unwrap_err();
    assert!(error.to_string().contains("--summary"), "{error}");
    let cases = app
        .import_complaints(&file(cfpb), Some("Issue"))
        .await
        .unwrap()
        .cases;
    assert_eq!(cases[0].summary, "Trouble during payment process");
    assert_eq!(cases[0].source, "complaint:web");
    // Dates without a time are read as noon in the configured zone (Asia/Shanghai).
    assert_eq!(cases[0].created_at, micros("2020-03-18T12:00:00+08:00"));
    assert_eq!(cases[0].dimensions["product"], "Mortgage");
    // Of two text columns the first is the summary, the other a dimension.
    let two = "summary,description\n门店排队太久,周末\n";
    let cases = app.import_complaints(&file(two), None).await.unwrap().cases;
    assert_eq!(cases[0].summary, "门店排队太久");
    assert_eq!(cases[0].dimensions["description"], "周末");
}

#[tokio::test]
async fn a_gbk_history_keeps_its_dates_and_closed_cases_and_imports_once() {
    let (app, _database) = app_with_cases().await;
    let wang = app
        .add_user("wang", "password of wang", cxm_app::Role::Analyst, "zh")
        .await
        .unwrap();
    let logistics = app
        .create_department("logistics", "物流部", None, &[wang.id])
        .await
        .unwrap();
    app.create_rule(crate::rule(
        1,
        "delivery",
        cxm_domain::RoutingConditions {
            themes: vec!["delivery".into()],
            ..Default::default()
        },
        logistics.id,
        "least_loaded",
    ))
    .await
    .unwrap();
    // A call centre's export as Excel writes CSV on a Chinese Windows: GBK.
    let history = include_bytes!("fixtures/complaints-gbk.csv");
    let imported = app
        .import_complaints(&bytes("投诉记录.csv", history), None)
        .await
        .unwrap();
    assert_eq!(imported.skipped, 0);
    let cases = imported.cases;
    assert_eq!(cases.len(), 3);

    let late = &cases[0];
    assert_eq!(late.summary, "快递三天都没到，客服也不回电话");
    assert_eq!(late.created_at, micros("2026-03-02T09:15:00+08:00"));
    assert_eq!(late.status, CaseStatus::Closed);
    assert_eq!(late.resolved_at, Some(micros("2026-03-04T18:00:00+08:00")));
    assert_eq!(late.closed_at, late.resolved_at);
    assert_eq!(
        late.department_id,
        Some(logistics.id),
        "routed by its theme"
    );
    assert_eq!(
        late.assignee_user_id, None,
        "closed history is nobody's work"
    );
    assert_eq!(late.dimensions["region"], "华东");
    assert!(!late.dimensions.contains_key("id"), "{:?}", late.dimensions);

    let broken = &cases[1];
    assert_eq!(broken.status, CaseStatus::New);
    assert_eq!(broken.created_at, micros("2026-03-05T14:00:00+08:00"));
    assert_eq!(broken.priority, Priority::High);
    assert!(
        broken.overdue_at(micros("2026-12-01T00:00:00Z")),
        "open since March"
    );

    // Open delivery complaints go to a person, like any new one.
    let open_delivery = &cases[2];
    assert_eq!(open_delivery.status, CaseStatus::Assigned);
    assert_eq!(open_delivery.assignee_user_id, Some(wang.id));

    // Only the open cases were announced; the timeline says where a case came from.
    let (_, events) = app.case(&late.uid).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "routed", "closed"]);
    assert!(events[0].detail.contains("T-1001"), "{}", events[0].detail);

    // March's scorecard counts March's complaints, with the closed one's resolution time.
    let march = app
        .scorecards(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!((march[0].complaints, march[0].open), (2, 1));
    let resolution = march[0].resolution_minutes.as_ref().unwrap();
    assert_eq!(resolution.n, 1);

    // The same file again changes nothing.
    let again = app
        .import_complaints(&bytes("投诉记录.csv", history), None)
        .await
        .unwrap();
    assert_eq!((again.cases.len(), again.skipped), (0, 3));
    let all = app.cases(&cxm_app::CaseFilter::default()).await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn bad_history_is_refused_whole_with_rows_and_columns() {
    let (app, _database) = app_with_cases().await;
    let bad = "工单号,投诉时间,投诉内容,处理状态,结案时间
T-1,2026-03-02,快递没到,已结案,2026-03-01
T-1,2026-03-03,又没到,处理中,
T-3,明天,质量差,已上报,
T-4,2099-01-01,价格不对,处理中,
";
    let error = app.import_complaints(&file(bad), None).await.unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    let places: Vec<(Option<u64>, &str)> =
        problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(
        places,
        [
            (Some(2), "结案时间"),
            (Some(3), "工单号"),
            (Some(4), "投诉时间"),
            (Some(4), "处理状态"),
            (Some(5), "投诉时间"),
        ],
        "{problems:?}"
    );
    assert!(
        problems[0].message.contains("closed before"),
        "{}",
        problems[0].message
    );
    assert!(
        problems[1].message.contains("row 2"),
        "{}",
        problems[1].message
    );
    assert!(
        problems[4].message.contains("future"),
        "{}",
        problems[4].message
    );
    assert!(
        app.cases(&cxm_app::CaseFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "nothing stored"
    );
    // Not a table at all.
    let error = app
        .import_complaints(
            &bytes("complaints.xlsx", b"PK\x03\x04 not a workbook"),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::Malformed(_)), "{error:?}");
    assert!(error.to_string().contains("complaints.xlsx"), "{error}");
}

#[tokio::test]
async fn a_workbook_of_complaints_imports_like_a_csv() {
    let (app, _database) = app_with_cases().await;
    let mut workbook = cxm_formats::WideXlsxWriter::new();
    workbook
        .sheet(
            "投诉",
            &["工单号", "投诉时间", "投诉内容", "处理状态", "地区"],
        )
        .unwrap();
    for (id, at, text, status, region) in [
        (1001.0, "2026-05-06 10:00", "门店排队太久", "已解决", "华东"),
        (1002.0, "2026-05-07 16:30", "App 闪退", "处理中", "华北"),
    ] {
        workbook
            .write(&[
                Cell::Number(id),
                Cell::Text(at.into()),
                Cell::Text(text.into()),
                Cell::Text(status.into()),
                Cell::Text(region.into()),
            ])
            .unwrap();
    }
    let mut content = Vec::new();
    workbook.finish(&mut content).unwrap();
    let source = bytes("投诉记录.xlsx", &content);
    let imported = app.import_complaints(&source, None).await.unwrap();
    let cases = &imported.cases;
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].summary, "门店排队太久");
    assert_eq!(cases[0].status, CaseStatus::Closed);
    assert_eq!(cases[0].created_at, micros("2026-05-06T10:00:00+08:00"));
    assert_eq!(cases[1].dimensions["region"], "华北");
    // Ids written as numbers by the spreadsheet still key the complaints.
    let again = app.import_complaints(&source, None).await.unwrap();
    assert_eq!(again.skipped, 2);
}

#[tokio::test]
async fn without_a_status_a_closed_time_closes_the_case() {
    let (app, _database) = app_with_cases().await;
    let text = "工单号,投诉时间,结案时间,投诉内容,处理状态
A1,2026-04-01 09:00,2026-04-02 18:00,退款慢,
A2,2026-04-03 09:00,,快递丢件,
A3,2026-04-04 09:00,2026-04-05 10:00,客服态度差,处理中
";
    let imported = app.import_complaints(&file(text), None).await.unwrap();
    let closed: Vec<bool> = imported.cases.iter().map(|c| !c.status.is_open()).collect();
    // A status says what it says; an empty one leaves the closed time to decide.
    assert_eq!(closed, [true, false, false]);
    assert_eq!(
        imported.cases[0].closed_at,
        Some(micros("2026-04-02T18:00:00+08:00"))
    );
    assert_eq!(imported.closed(), 1);

    // A file with no status column at all reads the same way.
    let text = "complaint id,date received,date closed,summary
B1,2026-04-01 09:00,2026-04-01 12:00,Card declined twice
B2,2026-04-02 09:00,,Refund still missing
";
    let imported = app.import_complaints(&file(text), None).await.unwrap();
    let closed: Vec<bool> = imported.cases.iter().map(|c| !c.status.is_open()).collect();
    assert_eq!(closed, [true, false]);
    assert_eq!(imported.cases[0].assignee_user_id, None);
}

#[tokio::test]
async fn a_complaint_reports_title_rows_above_its_table_are_skipped() {
    let (app, _database) = app_with_cases().await;
    let title = "2026年3月投诉台账,,\n,,\n工单号,投诉时间,投诉内容\n";
    // Problems name the rows as the file numbers them.
    let error = app
        .import_complaints(
            &file(&format!(
                "{title}T-1,2026-03-02,快递没到\nT-2,明天,质量差\n"
            )),
            None,
        )
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    let places: Vec<(Option<u64>, &str)> =
        problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(places, [(Some(5), "投诉时间")], "{problems:?}");
    let imported = app
        .import_complaints(&file(&format!("{title}T-1,2026-03-02,快递没到\n")), None)
        .await
        .unwrap();
    assert_eq!(imported.cases.len(), 1);
    assert_eq!(imported.cases[0].summary, "快递没到");
}
