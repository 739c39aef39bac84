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
