//! Sentiment, clauses, themes, language and normalisation on comments whose answer is plain.

use cxm_text::{
    Analyzer, EmergingOptions, Language, NormalizeOptions, Polarity, Taxonomy, clauses, detect,
    emerging_topics, normalize,
};

fn analyzer() -> Analyzer {
    Analyzer::built_in()
}

#[test]
fn plain_comments_get_their_obvious_sentiment() {
    let analyzer = analyzer();
    for (text, want) in [
        ("物流很快，包装也很好，非常满意！", Polarity::Positive),
        ("质量太差了，用了两天就坏了，差评", Polarity::Negative),
        ("客服态度很差，一直没人理", Polarity::Negative),
        ("性价比很高，会回购", Polarity::Positive),
        ("不满意", Polarity::Negative),
        ("一点也不贵", Polarity::Positive),
        (
            "The delivery was fast and the staff were very friendly.",
            Polarity::Positive,
        ),
        (
            "Terrible service, still waiting for my refund.",
            Polarity::Negative,
        ),
        ("The product was not good at all", Polarity::Negative),
        ("收到了", Polarity::Neutral),
    ] {
        let analysis = analyzer.analyze(text);
        assert_eq!(analysis.label, want, "{text}: {analysis:?}");
        assert!((-1.0..=1.0).contains(&analysis.score));
        assert!((0.0..=1.0).contains(&analysis.confidence));
    }
}

#[test]
fn a_comment_of_opposite_clauses_is_mixed_with_aspect_sentiment() {
    let analysis = analyzer().analyze("物流很快，但是质量很差");
    assert!(analysis.mixed, "{analysis:?}");
    assert_eq!(analysis.clauses.len(), 2);
    assert_eq!(analysis.clauses[0].label, Polarity::Positive);
    assert_eq!(analysis.clauses[1].label, Polarity::Negative);
    let themes: Vec<(&str, Polarity)> = analysis
        .themes
        .iter()
        .map(|t| (t.theme.as_str(), t.label))
        .collect();
    assert_eq!(
        themes,
        [
            ("delivery", Polarity::Positive),
            ("quality", Polarity::Negative)
        ]
    );
    let english = analyzer().analyze("Shipping was quick but the quality is terrible");
    assert!(english.mixed, "{english:?}");
    assert!(
        english
            .themes
            .iter()
            .any(|t| t.theme == "delivery" && t.label == Polarity::Positive)
    );
    assert!(
        english
            .themes
            .iter()
            .any(|t| t.theme == "quality" && t.label == Polarity::Negative)
    );
}

#[test]
fn themes_follow_the_taxonomy_and_its_exclusions() {
    let analyzer = analyzer();
    let themes = |text: &str| -> Vec<String> {
        analyzer
            .analyze(text)
            .themes
            .into_iter()
            .map(|t| t.theme)
            .collect()
    };
    assert_eq!(themes("申请退款三天了还没到账"), ["refund_return"]);
    assert_eq!(
        themes("APP老是闪退，登录还要验证码"),
        ["usability", "account_login"]
    );
    assert_eq!(
        themes("I was charged twice for one order"),
        ["billing_payment"]
    );
    // Whole English words only: "shipping" is delivery, "shipper" is not a keyword.
    assert!(themes("the shipper called").is_empty());
    // 贵宾 (VIP) is excluded from price.
    assert!(!themes("贵宾室很舒服").contains(&"price".to_owned()));
    // An organisation's own taxonomy.
    let custom = Taxonomy::from_toml(
        "[[theme]]\nid = \"parking\"\nname_zh = \"停车\"\nname_en = \"Parking\"\nzh = [\"停车\"]\nen = [\"parking\"]\n",
    )
    .unwrap();
    let analyzer = Analyzer::built_in();
    let custom_analyzer = Analyzer::built_in().with_taxonomy(custom);
    let found = custom_analyzer.analyze("停车太难了");
    assert_eq!(found.themes.len(), 1);
    assert_eq!(found.themes[0].theme, "parking");
    assert!(
        analyzer
            .analyze("停车太难了")
            .themes
            .iter()
            .all(|t| t.theme != "parking")
    );
}

#[test]
fn bad_taxonomies_say_what_is_wrong() {
    let error = Taxonomy::from_toml("[[theme]]\nid = \"a\"\nname_zh = \"甲\"\nname_en = \"A\"\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("no keywords"), "{error}");
    let twice =
        "[[theme]]\nid = \"a\"\nname_zh = \"甲\"\nname_en = \"A\"\nzh = [\"甲\"]\n".repeat(2);
    assert!(
        Taxonomy::from_toml(&twice)
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
    let error = Taxonomy::from_toml("[[theme]\nid = 1")
        .unwrap_err()
        .to_string();
    assert!(error.contains("line 1"), "{error}");
}

#[test]
fn languages_are_told_apart_by_script() {
    for (text, want) in [
        ("物流很快", Language::Zh),
        ("Fast delivery, great staff", Language::En),
        ("The delivery was fast 但是质量很差", Language::Mixed),
        ("这个app的UI很好用", Language::Zh),
        ("配送がとても速い", Language::Other),
        ("Доставка быстрая", Language::Other),
        ("👍👍", Language::Other),
        ("", Language::Other),
        ("iPhone很好用", Language::Zh),
    ] {
        assert_eq!(detect(text), want, "{text}");
    }
}

#[test]
fn normalisation_and_clauses() {
    let options = NormalizeOptions::default();
    assert_eq!(normalize("ＡＰＰ　很好用！！ ", options), "app 很好用!!");
    assert_eq!(normalize("a\u{0007}b\n\n c", options), "ab c");
    let traditional = NormalizeOptions {
        traditional_to_simplified: true,
    };
    assert_eq!(
        normalize("這個產品質量很好", traditional),
        "这个产品质量很好"
    );
    let parts: Vec<&str> = clauses("物流很快但质量差。客服不错!but the app crashes")
        .iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(
        parts,
        ["物流很快", "但质量差", "客服不错", "but the app crashes"]
    );
    // 不但 does not split, and neither does "butter".
    let parts: Vec<&str> = clauses("不但便宜而且好用 butter")
        .iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(parts, ["不但便宜而且好用 butter"]);
}

#[test]
fn a_term_that_rises_is_found_and_a_steady_one_is_not() {
    let baseline: Vec<String> = (0..200)
        .map(|i| {
            if i % 4 == 0 {
                "物流很快，包装不错".to_owned()
            } else {
                format!("质量很好，第{i}次购买")
            }
        })
        .collect();
    let period: Vec<String> = (0..200)
        .map(|i| match i % 4 {
            0 => "物流很快，包装不错".to_owned(),
            1 => "更新以后app闪退，根本打不开".to_owned(),
            _ => format!("质量很好，第{i}次购买"),
        })
        .collect();
    let base: Vec<&str> = baseline.iter().map(String::as_str).collect();
    let current: Vec<&str> = period.iter().map(String::as_str).collect();
    let found = emerging_topics(&base, &current, EmergingOptions::default());
    let terms: Vec<&str> = found.iter().map(|t| t.term.as_str()).collect();
    assert!(terms.contains(&"闪退"), "{terms:?}");
    assert!(!terms.contains(&"物流"), "{terms:?}");
    let flash = found.iter().find(|t| t.term == "闪退").unwrap();
    assert_eq!((flash.period_count, flash.baseline_count), (50, 0));
    assert!(flash.q_value <= 0.05 && flash.lift > 10.0);
    assert_eq!(flash.examples.len(), 3);
    assert!(period[flash.examples[0]].contains("闪退"));
    // The same data twice gives nothing new.
    assert!(emerging_topics(&base, &base, EmergingOptions::default()).is_empty());
    assert!(emerging_topics(&[], &current, EmergingOptions::default()).is_empty());
}
