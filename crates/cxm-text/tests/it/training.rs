//! Training: the shipped zh model is exactly what its seed corpus trains, and the en model what
//! its seed corpus and the UCI sentences' training part train; models round-trip
//! through their file format; evaluation arithmetic; and accuracy floors on the public
//! evaluation sets in ../shared (skipped, and said so, when it is absent).

use std::path::{Path, PathBuf};

use cxm_text::{
    Analyzer, Polarity, SentimentModel, Taxonomy, TrainingOptions, evaluate, hold_out_split,
    seed_corpus, train,
};

fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CXM_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.join("data").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CXM_REQUIRE_SHARED").is_none(),
        "CXM_REQUIRE_SHARED is set but {} has no data",
        dir.display()
    );
    eprintln!(
        "SKIPPED: {} not found; the evaluation-set floors did not run",
        dir.display()
    );
    None
}

/// The labelled rows with text of a CSV in ../shared/data, as `cxm text train --data` reads them.
fn read_labelled(shared: &Path, file: &str, text: &str, label: &str) -> Vec<(String, Polarity)> {
    let mut reader = csv::Reader::from_path(shared.join("data").join(file)).unwrap();
    let header = reader.headers().unwrap().clone();
    let (t, l) = (
        header.iter().position(|h| h == text).unwrap(),
        header.iter().position(|h| h == label).unwrap(),
    );
    reader
        .records()
        .map(Result::unwrap)
        .filter(|row| !row[t].trim().is_empty())
        .map(|row| (row[t].trim().to_owned(), Polarity::parse(&row[l]).unwrap()))
        .collect()
}

#[test]
fn the_shipped_zh_model_is_what_its_seed_corpus_trains() {
    let corpus = seed_corpus("zh").unwrap();
    let options = TrainingOptions {
        bits: 18,
        learning_rate: 0.05,
        ..TrainingOptions::default()
    };
    let model = train(&corpus, "zh", options).unwrap();
    assert!(
        model.to_bytes() == cxm_text::BUILT_IN_ZH,
        "retrain with: cxm text train --seed-corpus --lang zh --bits 18 --learning-rate 0.05 \
         --out crates/cxm-text/models/sentiment-zh-v2.bin"
    );
    assert_eq!(
        SentimentModel::from_bytes(&model.to_bytes()).unwrap(),
        model
    );
    assert!(seed_corpus("fr").is_err());
    let lexicon = include_str!("../../data/seed-zh.toml");
    let emptied = lexicon.replacen("\nnegators = [", "\nnegators = []\nunused = [", 1);
    let error = cxm_text::compose_seed_corpus(&emptied, false).unwrap_err();
    assert!(
        error.to_string().contains("\"negators\" is empty"),
        "{error}"
    );
    let huge = lexicon.replacen("sentences = 80000", "sentences = 1000000000000", 1);
    let error = cxm_text::compose_seed_corpus(&huge, false).unwrap_err();
    assert!(error.to_string().contains("give 1 to 1000000"), "{error}");
    let error = cxm_text::compose_seed_corpus("aspects = 3", false).unwrap_err();
    assert!(error.to_string().contains("aspects"), "{error}");
}

#[test]
fn the_shipped_en_model_is_what_its_seed_corpus_and_the_uci_training_part_train() {
    let Some(shared) = shared_dir() else { return };
    let mut examples = seed_corpus("en").unwrap();
    let uci = read_labelled(
        &shared,
        "en_uci_sentiment_sentences/sentiment_labelled_sentences.csv",
        "sentence",
        "label",
    );
    examples.extend(hold_out_split(uci, 0.2).0);
    let options = TrainingOptions {
        bits: 18,
        ..TrainingOptions::default()
    };
    let model = train(&examples, "en", options).unwrap();
    assert!(
        model.to_bytes() == cxm_text::BUILT_IN_EN,
        "retrain with the command in crates/cxm-text/MODEL_CARD.md"
    );
}

#[test]
fn training_needs_two_classes_and_sane_options() {
    let one = vec![("好".to_owned(), Polarity::Positive); 3];
    assert!(
        train(&one, "zh", TrainingOptions::default())
            .unwrap_err()
            .to_string()
            .contains("two classes")
    );
    let two = vec![
        ("好".to_owned(), Polarity::Positive),
        ("差".to_owned(), Polarity::Negative),
    ];
    let options = TrainingOptions {
        bits: 30,
        ..TrainingOptions::default()
    };
    assert!(train(&two, "zh", options).is_err());
    let model = train(
        &two,
        "zh",
        TrainingOptions {
            bits: 12,
            ..TrainingOptions::default()
        },
    )
    .unwrap();
    let analyzer = Analyzer::new(model.clone(), model, Taxonomy::built_in()).unwrap();
    assert_eq!(analyzer.analyze("好").label, Polarity::Positive);
    assert_eq!(analyzer.analyze("差").label, Polarity::Negative);
}

#[test]
fn a_hold_out_split_is_fixed_and_partitions_its_input() {
    let items: Vec<u32> = (0..1000).collect();
    let (training, held_out) = hold_out_split(items.clone(), 0.2);
    assert_eq!((training.len(), held_out.len()), (800, 200));
    assert_eq!(
        hold_out_split(items.clone(), 0.2),
        (training.clone(), held_out.clone())
    );
    let mut all: Vec<u32> = training.iter().chain(&held_out).copied().collect();
    all.sort_unstable();
    assert_eq!(all, items);
    assert_ne!(training[..10], items[..10], "the split shuffles");
    assert_eq!(hold_out_split(items.clone(), 1.5).1.len(), 1000);
    assert!(hold_out_split(Vec::<u32>::new(), 0.2).0.is_empty());
}

#[test]
fn evaluation_counts_by_hand() {
    use Polarity::{Negative as N, Neutral as U, Positive as P};
    let pairs = [(P, P), (P, N), (N, N), (N, N), (U, P), (U, U)];
    let evaluation = evaluate(&pairs);
    assert_eq!(evaluation.classes, [N, U, P]);
    assert_eq!(evaluation.confusion, [[2, 0, 0], [0, 1, 1], [1, 0, 1]]);
    assert!((evaluation.accuracy - 4.0 / 6.0).abs() < 1e-12);
    // F1: negative 2·2/(3+2) = 0.8, neutral 2·1/(1+2) = 2/3, positive 2·1/(2+2) = 0.5.
    let macro_f1 = (0.8 + 2.0 / 3.0 + 0.5) / 3.0;
    assert!((evaluation.macro_f1 - macro_f1).abs() < 1e-12);
}

/// Floors a little under the figures in BENCHMARKS.md, so a change that loses accuracy fails.
#[test]
fn built_in_models_keep_their_accuracy_on_public_sets() {
    let Some(shared) = shared_dir() else { return };
    let analyzer = Analyzer::built_in();
    let read = |file: &str, text: &str, label: &str| read_labelled(&shared, file, text, label);
    let score = |rows: &[(String, Polarity)]| {
        let mut allowed: Vec<Polarity> = rows.iter().map(|r| r.1).collect();
        allowed.sort();
        allowed.dedup();
        let pairs: Vec<(Polarity, Polarity)> = rows
            .iter()
            .map(|(t, l)| (*l, analyzer.label_among(t, &allowed)))
            .collect();
        evaluate(&pairs).macro_f1
    };
    let zh = read(
        "zh_online_shopping_9cats/online_shopping_9cats.csv",
        "review",
        "label",
    );
    let f1 = score(&zh);
    assert!(f1 > 0.80, "zh macro-F1 {f1}");
    let tweets = read(
        "en_twitter_airline_sentiment/Tweets.csv",
        "text",
        "airline_sentiment",
    );
    let f1 = score(&tweets);
    assert!(f1 > 0.52, "airline tweets macro-F1 {f1}");
}
