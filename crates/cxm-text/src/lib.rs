//! Chinese and English verbatim analytics on a CPU: language detection, normalisation, clause
//! splitting, sentiment per clause and per comment from a linear model over hashed n-grams,
//! themes from an editable taxonomy with aspect sentiment, and emerging topics.
//!
//! Everything here is pure: models and taxonomies come in as bytes and text (the built-in ones
//! are embedded), results go out as structs; the binary reads and writes files. Analysis is
//! deterministic: the same text, model and taxonomy always give the same result, on any
//! machine. Arbitrary input (any bytes that form a `&str`, of any length) is analysed without
//! panicking.

mod analyze;
mod clause;
mod emerging;
mod error;
mod features;
mod language;
mod model;
mod normalize;
mod seed;
mod segment;
mod themes;
mod train;

pub use analyze::{Analysis, Analyzer, BUILT_IN_EN, BUILT_IN_ZH, ClauseSentiment, ThemeMention};
pub use clause::{Clause, clauses};
pub use emerging::{EmergingOptions, EmergingTerm, emerging_topics};
pub use error::TextError;
pub use language::{Language, detect};
pub use model::{Polarity, SentimentModel};
pub use normalize::{NormalizeOptions, normalize};
pub use seed::{SEED_SENTENCES, compose_seed_corpus, seed_corpus};
pub use segment::terms;
pub use themes::{BUILT_IN_THEMES, Taxonomy, Theme};
pub use train::{Evaluation, TrainingOptions, evaluate, hold_out_split, train};

/// The hashed features of a whole comment (every clause), as the trainer sees them.
pub fn comment_features(text: &str, bits: u32) -> Vec<u32> {
    let text = normalize(text, NormalizeOptions::default());
    let mut out = Vec::new();
    for clause in clauses(&text) {
        features::clause_features(clause.text, bits, &mut out);
    }
    out
}
