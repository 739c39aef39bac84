//! Integration tests of cxm-formats: detection and reading of every fixture export, mapping
//! files, and robustness: arbitrary bytes never panic a reader, detector or converter.

mod robustness;

use std::path::PathBuf;

use cxm_domain::{SurveyKey, TimeZone};
use cxm_formats::{Container, FileSource, Format, Mapping, Plan, PlanOptions, prepare};

fn fixture(name: &str) -> FileSource {
    FileSource::Path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// A text file of `text`, named `name`.
fn text_file(name: &str, text: &str) -> FileSource {
    FileSource::Bytes {
        name: name.into(),
        bytes: text.as_bytes().to_vec().into(),
    }
}

/// What each column of the file becomes, as the plan says it.
fn becomes_of(plan: &Plan) -> Vec<&str> {
    plan.columns.iter().map(|c| c.becomes.as_str()).collect()
}

/// The response of a file's first data row, as `plan` converts it.
fn first_response(
    file: &FileSource,
    prepared: &cxm_formats::Prepared,
    plan: &Plan,
) -> cxm_domain::ResponseInput {
    let row = cxm_formats::data_rows(file, prepared)
        .unwrap()
        .next()
        .expect("a data row")
        .unwrap();
    plan.convert(&row).unwrap()
}

/// Plans a file as a new survey.
pub fn plan_of(source: &FileSource, mapping: Option<&Mapping>) -> (cxm_formats::Prepared, Plan) {
    let prepared = prepare(source, None, mapping).expect("prepare");
    let plan = Plan::build(
        &prepared,
        &PlanOptions {
            survey: SurveyKey::parse("s").unwrap(),
            name: "s".into(),
            zone: TimeZone::parse("Asia/Shanghai").unwrap(),
            keep_ip: false,
            existing: None,
            mapping,
        },
    );
    (prepared, plan)
}

#[test]
fn every_fixture_is_detected_with_its_container_encoding_and_rows() {
    // file, format, container, encoding, header rows, data rows
    let cases = [
        (
            "qualtrics.csv",
            Format::Qualtrics,
            Container::Csv,
            "UTF-8",
            3,
            10,
        ),
        (
            "qualtrics_legacy.csv",
            Format::Qualtrics,
            Container::Csv,
            "UTF-8",
            2,
            10,
        ),
        (
            "surveymonkey_expanded.csv",
            Format::SurveyMonkey,
            Container::Csv,
            "UTF-8",
            2,
            10,
        ),
        (
            "surveymonkey_condensed.xlsx",
            Format::SurveyMonkey,
            Container::Xlsx,
            "UTF-8",
            2,
            10,
        ),
        ("wjx_gbk.csv", Format::Wjx, Container::Csv, "gb18030", 1, 10),
        ("wjx_code.xls", Format::Wjx, Container::Xls, "UTF-8", 1, 10),
        (
            "delighted.csv",
            Format::Delighted,
            Container::Csv,
            "UTF-8",
            1,
            10,
        ),
        (
            "formbricks.csv",
            Format::Formbricks,
            Container::Csv,
            "UTF-8",
            1,
            10,
        ),
        (
            "limesurvey.csv",
            Format::LimeSurvey,
            Container::Csv,
            "UTF-8",
            1,
            11,
        ),
        (
            "generic_zh.csv",
            Format::Generic,
            Container::Csv,
            "UTF-8",
            1,
            10,
        ),
    ];
    for (file, format, container, encoding, header_rows, rows) in cases {
        let (prepared, plan) = plan_of(&fixture(file), None);
        assert_eq!(prepared.layout.format, format, "{file}");
        assert_eq!(prepared.container, container, "{file}");
        assert_eq!(prepared.encoding, encoding, "{file}");
        assert_eq!(prepared.layout.header_rows, header_rows, "{file}");
        assert_eq!(prepared.rows, rows, "{file}");
        assert!(plan.problems.is_empty(), "{file}: {:?}", plan.problems);
        let source = fixture(file);
        let mut table = cxm_formats::data_rows(&source, &prepared).unwrap();
        let first = table.next().unwrap().unwrap();
        assert_eq!(first.row, header_rows as u64 + 1, "{file}");
        let response = plan
            .convert(&first)
            .unwrap_or_else(|p| panic!("{file}: {p:?}"));
        assert_eq!(
            response.source.as_deref(),
            Some(format!("{}:s", format.as_str()).as_str())
        );
    }
}

#[test]
fn nps_groups_are_recomputed_and_surveymonkey_codes_shifted() {
    let (prepared, plan) = plan_of(&fixture("surveymonkey_condensed.xlsx"), None);
    let source = fixture("surveymonkey_condensed.xlsx");
    let scores: Vec<i64> = cxm_formats::data_rows(&source, &prepared)
        .unwrap()
        .map(|r| {
            plan.convert(&r.unwrap()).unwrap().answers["q1"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(scores, [10, 9, 9, 8, 7, 6, 3, 10, 0, 9]);
    let (_, qualtrics) = plan_of(&fixture("qualtrics.csv"), None);
    assert!(
        qualtrics
            .columns
            .iter()
            .any(|c| c.header.ends_with("- Group") && c.becomes.contains("recomputed"))
    );
}

#[test]
fn a_mapping_file_renames_retypes_and_ignores_columns() {
    let mapping = Mapping::parse(
        r#"
        [columns]
        "地区" = { role = "touchpoint" }
        "满意度" = { question = "sat", kind = "rating", min = 1, max = 7 }
        "评论" = { ignore = true }
        "#,
    );
    assert!(
        mapping.unwrap_err().to_string().contains("touchpoint"),
        "touchpoint is no role a mapping may give"
    );
    let mapping = Mapping::parse(
        r#"
        [columns]
        "地区" = { dimension = "area" }
        "满意度" = { question = "sat", kind = "rating", min = 1, max = 7 }
        "评论" = { ignore = true }
        "不存在" = { ignore = true }
        "#,
    )
    .unwrap();
    let (prepared, plan) = plan_of(&fixture("generic_zh.csv"), Some(&mapping));
    assert_eq!(prepared.unmapped, ["不存在"]);
    let sat = plan.survey.question("sat").expect("sat");
    assert!(
        matches!(
            sat.kind,
            cxm_domain::QuestionKind::Rating { min: 1, max: 7, .. }
        ),
        "{sat:?}"
    );
    assert!(
        plan.survey.question("q5").is_none(),
        "the comment column is ignored"
    );
    assert!(plan.columns.iter().any(|c| c.becomes == "dimension area"));
    for (text, word) in [
        ("[columns]\n\"a\" = { kind = \"nps\" }", "exactly one"),
        ("[columns]\n\"a\" = { question = \"x y\" }", "question key"),
        (
            "[columns]\n\"a\" = { question = \"x\", kind = \"stars\" }",
            "stars",
        ),
        ("format = \"excel\"", "excel"),
        ("[columns\n", "line 1"),
    ] {
        let error = Mapping::parse(text).unwrap_err().to_string();
        assert!(error.contains(word), "{text:?}: {error}");
    }
}

/// A research dataset's shape: no time column, and 0 on a 1–5 scale meaning "not applicable".
const UNDATED: &str = "ID,Gender,Seat Comfort,Departure Delay\n\
    1,Male,0,0\n2,Female,4,12\n3,Male,5,0\n4,Female,3,5\n5,Male,2,0\n\
    6,Female,1,40\n7,Male,4,0\n8,Female,5,3\n9,Male,0,0\n10,Female,3,7\n";

fn undated() -> FileSource {
    FileSource::Bytes {
        name: "undated.csv".into(),
        bytes: UNDATED.as_bytes().to_vec().into(),
    }
}

#[test]
fn a_file_without_times_needs_a_default_time_and_missing_codes_are_no_answer() {
    let (_, plan) = plan_of(&undated(), None);
    let refused = plan
        .problems
        .iter()
        .find(|p| p.reason.contains("no column holds the submission time"))
        .expect("a file without times is refused");
    assert!(refused.reason.contains("--submitted-at"), "{refused:?}");
    // Its rows are rejected, without the same problem said again on each of them.
    let (prepared, plan) = plan_of(&undated(), None);
    for row in cxm_formats::data_rows(&undated(), &prepared).unwrap() {
        assert_eq!(plan.convert(&row.unwrap()).unwrap_err(), Vec::new());
    }
    let seat = plan.survey.question("seat_comfort").expect("seat comfort");
    assert!(
        matches!(
            seat.kind,
            cxm_domain::QuestionKind::Rating { min: 0, max: 5, .. }
        ),
        "without the mapping 0 is a scale point: {seat:?}"
    );

    let mapping = Mapping::parse(
        r#"
        submitted_at = "2024-06-30"
        [columns]
        "Seat Comfort" = { missing = ["0"] }
        "#,
    )
    .unwrap();
    let (prepared, plan) = plan_of(&undated(), Some(&mapping));
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    // A date alone is midday in the plan's zone (Asia/Shanghai).
    assert_eq!(
        plan.default_submitted_at.as_deref(),
        Some("2024-06-30T04:00:00+00:00")
    );
    let seat = plan.survey.question("seat_comfort").expect("seat comfort");
    assert!(
        matches!(
            seat.kind,
            cxm_domain::QuestionKind::Rating { min: 1, max: 5, .. }
        ),
        "0 is no answer, so the scale is 1–5: {seat:?}"
    );
    let responses: Vec<cxm_domain::ResponseInput> = cxm_formats::data_rows(&undated(), &prepared)
        .unwrap()
        .map(|r| plan.convert(&r.unwrap()).unwrap())
        .collect();
    assert_eq!(responses.len(), 10);
    assert!(
        responses
            .iter()
            .all(|r| r.submitted_at == "2024-06-30T04:00:00+00:00")
    );
    let seats = responses
        .iter()
        .filter(|r| r.answers.contains_key("seat_comfort"))
        .count();
    assert_eq!(seats, 8, "the two 0s are no answer");
    let delays = responses
        .iter()
        .filter(|r| r.answers.get("departure_delay").and_then(|v| v.as_str()) == Some("0"))
        .count();
    assert_eq!(
        delays, 5,
        "0 stays a value where no code is given: {:?}",
        responses[0].answers
    );

    for (text, word) in [
        ("submitted_at = \"yesterday\"", "yesterday"),
        ("[columns]\n\"a\" = {}", "exactly one"),
        ("missing = 0", "line 1"),
    ] {
        let error = Mapping::parse(text).unwrap_err().to_string();
        assert!(error.contains(word), "{text:?}: {error}");
    }
}

#[test]
fn segment_columns_of_a_generic_file_become_dimensions_by_their_usual_names() {
    let header: Vec<String> = [
        "ID",
        "Class",
        "Type of Travel",
        "Customer Type",
        "客户类型",
        "舱位",
        "品牌",
        "渠道",
        "Seat Comfort",
    ]
    .map(String::from)
    .to_vec();
    let layout = cxm_formats::layout_of(Format::Generic, &[header]);
    let dimensions: Vec<String> = layout
        .columns
        .iter()
        .filter_map(|c| match &c.role {
            cxm_formats::Role::Dimension { key } => Some(key.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        dimensions,
        [
            "class",
            "type_of_travel",
            "customer_type",
            "customer_type",
            "cabin",
            "brand",
            "channel_name"
        ]
    );
    assert!(matches!(
        layout.columns[8].role,
        cxm_formats::Role::Answer { .. }
    ));
}

#[test]
fn columns_whose_headers_make_the_same_key_stay_separate_questions() {
    // `Service` and `Service?` both slug to `service`; `Service 2` already owns `service_2`.
    let file = text_file(
        "same-keys.csv",
        "id,submitted_at,Service,Service?,Service 2\n\
                1,2026-01-01 10:00,5,4,3\n2,2026-01-02 10:00,4,3,2\n",
    );
    let (prepared, plan) = plan_of(&file, None);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let becomes = &becomes_of(&plan)[2..];
    assert_eq!(
        becomes,
        [
            "question service (rating 1–5)",
            "question service_3 (rating 1–5)",
            "question service_2 (rating 1–5)"
        ]
    );
    let first = first_response(&file, &prepared, &plan);
    for (key, value) in [("service", "5"), ("service_3", "4"), ("service_2", "3")] {
        assert_eq!(
            first.answers.get(key).map(ToString::to_string).as_deref(),
            Some(value),
            "{key}: {:?}",
            first.answers
        );
    }
}

#[test]
fn a_time_column_is_found_by_its_header_and_cells_and_utc_headers_are_read_in_utc() {
    let bytes = |text: &str| FileSource::Bytes {
        name: "orders.csv".into(),
        bytes: text.as_bytes().to_vec().into(),
    };
    // No column is the time by name; 下单时间 speaks of a time and holds only times.
    let file = bytes("订单号,下单时间,满意度\nA1,2026-03-01 10:00,5\nA2,2026/03/02 11:30,4\n");
    let (prepared, plan) = plan_of(&file, None);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.columns[1].becomes, "submission time");
    let first = first_response(&file, &prepared, &plan);
    assert_eq!(
        first.submitted_at, "2026-03-01T02:00:00+00:00",
        "local time in Shanghai"
    );
    // A column of that name holding something else is not taken for the time.
    let (_, plan) = plan_of(
        &bytes(
            "tweet_created,user_timezone,score\n2026-03-01 10:00 -0800,Pacific Time,5\nsoon,Eastern Time,4\n",
        ),
        None,
    );
    assert!(
        plan.problems
            .iter()
            .any(|p| p.reason.contains("no column holds the submission time")),
        "{:?}",
        plan.columns
    );
    // A mapping that says what the column is wins.
    let mapping = Mapping::parse("[columns]\n\"下单时间\" = { question = \"ordered\" }\n").unwrap();
    let (_, plan) = plan_of(&file, Some(&mapping));
    assert!(
        plan.columns[1].becomes.starts_with("question ordered"),
        "{:?}",
        plan.columns[1]
    );
    // Typeform: `#` is the response id and `Submit Date (UTC)` is in UTC, not the local zone.
    let typeform = bytes(
        "#,How likely are you to recommend us?,Start Date (UTC),Submit Date (UTC),Network ID\n\
         t1,9,2026-09-03 03:58:00,2026-09-03 04:00:00,abc\n",
    );
    let (prepared, plan) = plan_of(&typeform, None);
    let becomes = becomes_of(&plan);
    assert_eq!(
        &becomes[..4],
        [
            "response id",
            "question likely_recommend (nps)",
            "start time",
            "submission time"
        ]
    );
    let response = first_response(&typeform, &prepared, &plan);
    assert_eq!(response.id.as_deref(), Some("t1"));
    assert_eq!(response.submitted_at, "2026-09-03T04:00:00+00:00");
    assert_eq!(
        becomes[4], "ignored: IP addresses are kept only with --keep-ip",
        "Network ID is a hash of the address"
    );
    // Jotform and Alchemer: their start, submission and completion columns.
    let jotform = bytes(
        "Submission ID,Time Started,Submission Date,Completed,Submission IP,Score\n\
         j1,2026-09-03 11:50,2026-09-03 12:00,Complete,10.0.0.1,4\n\
         j2,2026-09-03 11:55,,Partial,10.0.0.2,3\n",
    );
    let (prepared, plan) = plan_of(&jotform, None);
    let becomes = becomes_of(&plan);
    assert_eq!(
        &becomes[..5],
        [
            "response id",
            "start time",
            "submission time",
            "complete",
            "ignored: IP addresses are kept only with --keep-ip"
        ]
    );
    let rows: Vec<cxm_domain::ResponseInput> = cxm_formats::data_rows(&jotform, &prepared)
        .unwrap()
        .map(|r| plan.convert(&r.unwrap()).unwrap())
        .collect();
    assert_eq!(
        (rows[0].complete, rows[1].complete),
        (Some(true), Some(false))
    );
}

#[test]
fn missing_value_markers_of_other_programs_leave_number_columns_numbers() {
    // As R writes a data frame: NA where a value is missing. `continent` is a choice whose
    // option NA (North America) is kept.
    let file = text_file(
        "from-r.csv",
        "response_id,submitted_at,nps,satisfaction,continent,recommended\n\
                1,2026-03-01 10:00,9,5,NA,1\n\
                2,2026-03-02 10:00,NA,3,EU,0\n\
                3,2026-03-03 10:00,3,#N/A,NA,NA\n\
                4,2026-03-04 10:00,10,4,EU,1\n",
    );
    let (prepared, plan) = plan_of(&file, None);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let becomes = &becomes_of(&plan)[2..];
    assert_eq!(
        becomes,
        [
            "question nps (nps)",
            "question satisfaction (csat 1–5)",
            "question continent (single choice, 2 options)",
            "question recommended (single choice, 2 options)"
        ]
    );
    let responses: Vec<cxm_domain::ResponseInput> = cxm_formats::data_rows(&file, &prepared)
        .unwrap()
        .map(|r| plan.convert(&r.unwrap()).unwrap())
        .collect();
    assert!(!responses[1].answers.contains_key("nps"), "NA is no answer");
    assert!(!responses[2].answers.contains_key("satisfaction"));
    assert!(responses[0].answers.contains_key("continent"));
    assert!(!responses[2].answers.contains_key("recommended"));
}

#[test]
fn qualtrics_bot_and_fraud_fields_are_not_segments() {
    let row = |cells: &[&str]| cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let ids = [
        "Q_RecaptchaScore",
        "Q_RelevantIDFraudScore",
        "Q_TotalDuration",
        "Q_Language",
        "store",
    ];
    let rows = vec![
        row(&ids),
        row(&ids),
        ids.iter()
            .map(|id| format!("{{\"ImportId\":\"{id}\"}}"))
            .collect(),
    ];
    let layout = cxm_formats::layout_of(Format::Qualtrics, &rows);
    let roles: Vec<&cxm_formats::Role> = layout.columns.iter().map(|c| &c.role).collect();
    assert!(
        matches!(roles[0], cxm_formats::Role::Ignored { reason } if reason.contains("fraud")),
        "{roles:?}"
    );
    assert!(
        matches!(roles[1], cxm_formats::Role::Ignored { .. }),
        "{roles:?}"
    );
    assert!(
        matches!(roles[2], cxm_formats::Role::Ignored { .. }),
        "{roles:?}"
    );
    assert_eq!(roles[3], &cxm_formats::Role::Language);
    assert!(
        matches!(roles[4], cxm_formats::Role::Dimension { key } if key == "store"),
        "embedded data stays a segment: {roles:?}"
    );
}

/// A workbook with an empty first sheet, the data on the second and more on the third.
fn three_sheets() -> FileSource {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet().set_name("说明").unwrap();
    let data = workbook.add_worksheet().set_name("原始数据").unwrap();
    for (row, cells) in [
        ["编号", "提交时间", "推荐意愿"],
        ["1", "2026-03-01 10:00", "9"],
        ["2", "2026-03-02 10:00", "3"],
    ]
    .iter()
    .enumerate()
    {
        for (column, cell) in cells.iter().enumerate() {
            data.write_string(row as u32, column as u16, *cell).unwrap();
        }
    }
    let other = workbook.add_worksheet().set_name("Other").unwrap();
    for (column, cell) in ["id", "submitted_at", "nps"].iter().enumerate() {
        other.write_string(0, column as u16, *cell).unwrap();
    }
    for (column, cell) in ["x", "2026-03-05 10:00", "10"].iter().enumerate() {
        other.write_string(1, column as u16, *cell).unwrap();
    }
    FileSource::Bytes {
        name: "sheets.xlsx".into(),
        bytes: workbook.save_to_buffer().unwrap().into(),
    }
}

#[test]
fn a_workbook_is_read_at_its_first_sheet_with_data_or_the_sheet_asked_for() {
    let file = three_sheets();
    let (prepared, plan) = plan_of(&file, None);
    assert_eq!(prepared.sheet.as_deref(), Some("原始数据"));
    assert_eq!(prepared.rows, 2);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    // A sheet by name (case aside), through the mapping as `--sheet` gives it.
    let mapping = Mapping::default().with_sheet("other");
    let (prepared, plan) = plan_of(&file, Some(&mapping));
    assert_eq!(prepared.sheet.as_deref(), Some("Other"));
    assert_eq!(
        first_response(&file, &prepared, &plan).id.as_deref(),
        Some("x")
    );
    let parsed = Mapping::parse("sheet = \"Other\"\n").unwrap();
    assert_eq!(parsed.sheet.as_deref(), Some("Other"));
    // A sheet the workbook does not have, or a sheet of a text file, is refused with a reason.
    let error = cxm_formats::prepare(&file, None, Some(&Mapping::default().with_sheet("Nope")))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("its sheets: 说明, 原始数据, Other"),
        "{error}"
    );
    let csv = FileSource::Bytes {
        name: "a.csv".into(),
        bytes: b"id,submitted_at,nps\n1,2026-03-01,9\n".to_vec().into(),
    };
    let error = cxm_formats::prepare(&csv, None, Some(&Mapping::default().with_sheet("A")))
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a workbook"), "{error}");
}

#[test]
fn a_reports_title_rows_above_its_table_are_skipped() {
    // A title and a blank line above the header, as reports exported from Excel have; rows
    // keep their numbers in the file.
    let file = text_file(
        "report.csv",
        "2024年客户满意度调查,,\n,,\n编号,提交时间,推荐意愿\n1,2026-03-01 10:00,9\n2,someday,8\n",
    );
    let (prepared, plan) = plan_of(&file, None);
    assert_eq!(prepared.rows, 2);
    let becomes = becomes_of(&plan);
    assert_eq!(
        becomes,
        ["response id", "submission time", "question q3 (nps)"]
    );
    assert_eq!(
        first_response(&file, &prepared, &plan).id.as_deref(),
        Some("1")
    );
    let bad = cxm_formats::data_rows(&file, &prepared)
        .unwrap()
        .nth(1)
        .unwrap()
        .unwrap();
    assert_eq!(plan.convert(&bad).unwrap_err()[0].row, 5);
    // A sheet whose table starts lower down.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, cells) in [
        ["id", "submitted_at", "nps"],
        ["a", "2026-03-01 10:00", "7"],
    ]
    .iter()
    .enumerate()
    {
        for (column, cell) in cells.iter().enumerate() {
            sheet
                .write_string(row as u32 + 2, column as u16, *cell)
                .unwrap();
        }
    }
    let file = FileSource::Bytes {
        name: "lower.xlsx".into(),
        bytes: workbook.save_to_buffer().unwrap().into(),
    };
    let (prepared, plan) = plan_of(&file, None);
    assert_eq!(prepared.rows, 1);
    assert_eq!(
        first_response(&file, &prepared, &plan).id.as_deref(),
        Some("a")
    );
    // A file of one column has no title.
    let file = FileSource::Bytes {
        name: "comments.csv".into(),
        bytes: "comment\ngood\nbad\n".as_bytes().to_vec().into(),
    };
    let (prepared, _) = plan_of(&file, None);
    assert_eq!(prepared.rows, 2);
}
