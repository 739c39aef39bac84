//! Arbitrary bytes, cut-off files and odd cells never panic the readers, the format
//! detectors, the planner or the converter: they give errors or problems.

use cxm_formats::{FileSource, Format};
use proptest::prelude::*;

use crate::plan_of;

/// Runs the whole read path over `bytes`; panics only if something inside panics.
fn read_all(bytes: Vec<u8>) {
    let source = FileSource::Bytes {
        name: "fuzz.csv".into(),
        bytes: bytes.into(),
    };
    let Ok(prepared) = cxm_formats::prepare(&source, None, None) else {
        return;
    };
    let (_, plan) = plan_of(&source, None);
    let mut repeats = cxm_formats::RowRepeats::default();
    if let Ok(table) = cxm_formats::data_rows(&source, &prepared) {
        for record in table.flatten() {
            if let Ok(mut input) = plan.convert(&record) {
                repeats.number(&plan, &mut input);
            }
        }
    }
}

/// Cells from a small alphabet that hits separators, quotes, numbers, labels and Chinese.
fn cell() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "1",
            "0",
            "10",
            "11",
            "-3",
            "5",
            "┋",
            "→",
            "\"",
            ",",
            "\n",
            "\t",
            "满意",
            "非常满意",
            "推荐",
            "Q1",
            "QID",
            "{\"ImportId\":\"QID1\"}",
            "Respondent ID",
            "Collector ID",
            "Start Date",
            "序号",
            "提交答卷时间",
            "Score",
            "Response ID",
            "submitdate",
            "lastpage",
            " - ",
            "[",
            "]",
            "2026/09/03 12:00:00",
            "3-Sep-26",
            "NA",
            "#N/A",
            " GMT+8",
            "下午",
            "20260903",
            "date",
            "created",
            " (UTC)",
            "Service",
            "?",
            "x",
            "é",
            "\u{feff}",
        ]),
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        read_all(bytes);
    }

    #[test]
    fn arbitrary_tables_never_panic(rows in prop::collection::vec(prop::collection::vec(cell(), 0..8), 0..12)) {
        let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        read_all(text.into_bytes());
    }

    #[test]
    fn every_detector_takes_any_header(rows in prop::collection::vec(prop::collection::vec(cell(), 0..8), 0..4)) {
        for format in Format::ALL {
            let _ = format.matches(&rows);
            let _ = cxm_formats::layout_of(format, &rows);
        }
    }
}

#[test]
fn damaged_spreadsheets_and_binary_files_are_refused_with_a_reason() {
    for (bytes, word) in [
        (b"PK\x03\x04 not really a zip".to_vec(), "workbook"),
        (
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 1],
            "workbook",
        ),
        (vec![0u8, 1, 2, 3, 0, 0, 7], "binary"),
        (Vec::new(), "no header"),
    ] {
        let source = FileSource::Bytes {
            name: "bad.xlsx".into(),
            bytes: bytes.into(),
        };
        let error = cxm_formats::prepare(&source, None, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains(word), "{error}");
        assert!(error.contains("bad.xlsx"), "{error}");
    }
}

#[test]
fn a_row_that_is_not_utf8_after_the_sniffed_start_is_reported_with_its_row() {
    let mut bytes = b"id,submitted_at,nps\n".to_vec();
    for i in 0..5_000 {
        bytes.extend(format!("{i},2026-01-01 10:00,9\n").as_bytes());
    }
    bytes.extend(b"5000,2026-01-01 10:00,\xff\n");
    let source = FileSource::Bytes {
        name: "late.csv".into(),
        bytes: bytes.into(),
    };
    let prepared = cxm_formats::prepare(&source, None, None).unwrap();
    assert_eq!(prepared.encoding, "UTF-8");
    assert_eq!(prepared.unreadable.len(), 1, "{:?}", prepared.unreadable);
    assert_eq!(prepared.unreadable[0].row, 5_002);
    assert!(
        prepared.unreadable[0]
            .reason
            .contains("column 3 is not valid UTF-8"),
        "{:?}",
        prepared.unreadable
    );
}
