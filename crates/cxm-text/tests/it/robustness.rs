//! Arbitrary and huge input never panics, and the same input always gives the same output.

use cxm_text::{Analyzer, SentimentModel, clauses, comment_features, detect, terms};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_is_analysed_the_same_way_twice(text in any::<String>()) {
        let analyzer = Analyzer::built_in();
        let first = analyzer.analyze(&text);
        prop_assert_eq!(&first, &analyzer.analyze(&text));
        prop_assert!((-1.0..=1.0).contains(&first.score));
        let _ = detect(&text);
        let _ = terms(&text);
        for clause in clauses(&text) {
            prop_assert!(text[clause.start..].starts_with(clause.text));
        }
    }

    #[test]
    fn any_bytes_as_a_model_are_refused_or_read(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = SentimentModel::from_bytes(&bytes);
        let mut model = b"CXMSENT1".to_vec();
        model.extend_from_slice(&bytes);
        let _ = SentimentModel::from_bytes(&model);
    }

    #[test]
    fn lossy_decoded_bytes_are_analysed(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Analyzer::built_in().analyze(&text);
    }
}

#[test]
fn a_huge_comment_is_analysed() {
    let text = "物流很快，但是质量很差。The app keeps crashing! ".repeat(40_000);
    let analysis = Analyzer::built_in().analyze(&text);
    assert_eq!(analysis.clauses.len(), 120_000);
    assert!(analysis.mixed);
    let one_clause = "很".repeat(300_000);
    let _ = Analyzer::built_in().analyze(&one_clause);
    assert!(!comment_features(&one_clause, 18).is_empty());
}

#[test]
fn damaged_model_files_say_where() {
    let good = cxm_text::BUILT_IN_ZH;
    assert!(SentimentModel::from_bytes(good).is_ok());
    let truncated = SentimentModel::from_bytes(&good[..good.len() - 3])
        .unwrap_err()
        .to_string();
    assert!(truncated.contains("ends inside"), "{truncated}");
    let error = SentimentModel::from_bytes(b"PK\x03\x04")
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a cxm sentiment model"), "{error}");
    let mut extra = good.to_vec();
    extra.push(0);
    assert!(
        SentimentModel::from_bytes(&extra)
            .unwrap_err()
            .to_string()
            .contains("after the last")
    );
}
