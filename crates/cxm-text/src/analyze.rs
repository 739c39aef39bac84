//! Analysing one comment: language, normalisation, clauses, sentiment per clause and for the
//! whole comment, and themes with the sentiment of the clause that names them.
//!
//! The sentiment model is linear, so the whole comment's class scores are the sum of its
//! clauses' feature scores plus one bias: scoring clauses costs nothing extra. Each clause is
//! scored by the model of its own language (a clause with Han characters by the Chinese model,
//! others by the English one), so mixed comments are read in both. The score is
//! P(positive) − P(negative) in [−1, 1]. The label is neutral when the score is within ±0.5
//! (neither polarity at least three times as likely as the other; confidence 1 − |score|), and
//! otherwise the most probable class, with its probability as confidence. A comment is `mixed`
//! when one clause is confidently positive (score ≥ 0.3) and another confidently negative
//! (score ≤ −0.3).

use serde::Serialize;

use crate::features::{ascii_comment_features, clause_features};
use crate::language::{Language, detect, is_han};
use crate::model::{Polarity, SentimentModel, softmax};
use crate::themes::Taxonomy;
use crate::{NormalizeOptions, TextError, clauses, normalize};

/// The built-in Chinese sentiment model.
pub const BUILT_IN_ZH: &[u8] = include_bytes!("../models/sentiment-zh-v2.bin");
/// The built-in English sentiment model.
pub const BUILT_IN_EN: &[u8] = include_bytes!("../models/sentiment-en-v2.bin");

/// Clause scores at or beyond ±this make a comment mixed when both signs occur.
const MIXED_SCORE: f64 = 0.3;

/// Scores within ±this are neutral.
const NEUTRAL_BAND: f64 = 0.5;

/// What one comment says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Detected language.
    pub language: Language,
    /// P(positive) − P(negative), in [−1, 1].
    pub score: f64,
    /// Most probable class.
    pub label: Polarity,
    /// Its probability.
    pub confidence: f64,
    /// Confidently positive and confidently negative clauses both occur.
    pub mixed: bool,
    /// Per clause.
    pub clauses: Vec<ClauseSentiment>,
    /// Themes named, in taxonomy order.
    pub themes: Vec<ThemeMention>,
}

/// One clause's sentiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseSentiment {
    /// The normalised clause.
    pub text: String,
    /// P(positive) − P(negative).
    pub score: f64,
    /// Most probable class.
    pub label: Polarity,
}

/// A theme named in a comment, with aspect sentiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeMention {
    /// The theme's id.
    pub theme: String,
    /// The keyword that matched first.
    pub keyword: String,
    /// Mean score of the clauses naming it.
    pub score: f64,
    /// The label of that score (neutral within ±0.2).
    pub label: Polarity,
}

/// Models and taxonomy, ready to analyse comments; cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Analyzer {
    zh: SentimentModel,
    en: SentimentModel,
    taxonomy: Taxonomy,
    normalize: NormalizeOptions,
}

impl Analyzer {
    /// The built-in models and taxonomy.
    pub fn built_in() -> Analyzer {
        Analyzer::new(
            SentimentModel::from_bytes(BUILT_IN_ZH).expect("the built-in zh model is valid"),
            SentimentModel::from_bytes(BUILT_IN_EN).expect("the built-in en model is valid"),
            Taxonomy::built_in(),
        )
        .expect("the built-in models share classes")
    }

    /// An analyser from a Chinese and an English model (they may be the same model) and a
    /// taxonomy.
    ///
    /// # Errors
    /// [`TextError::Model`] when the two models have different classes.
    pub fn new(
        zh: SentimentModel,
        en: SentimentModel,
        taxonomy: Taxonomy,
    ) -> Result<Analyzer, TextError> {
        if zh.classes != en.classes {
            return Err(TextError::Model(format!(
                "the zh and en models have different classes ({:?} and {:?})",
                zh.classes, en.classes
            )));
        }
        Ok(Analyzer {
            zh,
            en,
            taxonomy,
            normalize: NormalizeOptions::default(),
        })
    }

    /// Converts traditional Chinese to simplified before analysis.
    pub fn with_normalize(mut self, options: NormalizeOptions) -> Analyzer {
        self.normalize = options;
        self
    }

    /// Uses `taxonomy` instead of the current one.
    pub fn with_taxonomy(mut self, taxonomy: Taxonomy) -> Analyzer {
        self.taxonomy = taxonomy;
        self
    }

    /// The taxonomy in use.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The model's classes.
    pub fn classes(&self) -> &[Polarity] {
        &self.zh.classes
    }

    /// Analyses one comment.
    pub fn analyze(&self, text: &str) -> Analysis {
        let language = detect(text);
        let text = normalize(text, self.normalize);
        let classes = &self.zh.classes;
        let c = classes.len();
        let mut total = vec![0.0f32; c];
        let mut clause_scores = Vec::new();
        let mut features = Vec::new();
        let mut logits = vec![0.0f32; c];
        let mut theme_scores: Vec<(f64, usize, String)> =
            vec![(0.0, 0, String::new()); self.taxonomy.themes.len()];
        for clause in clauses(&text) {
            features.clear();
            let model = self.model_for(clause.text);
            clause_features(clause.text, model.bits, &mut features);
            model.logits(&features, &mut logits);
            model.accumulate(&features, &mut total);
            let probabilities = softmax(&logits);
            let (score, label, _) = summarise(classes, &probabilities);
            for (theme, keyword) in self.taxonomy.match_clause(clause.text) {
                let entry = &mut theme_scores[theme];
                entry.0 += score;
                entry.1 += 1;
                if entry.2.is_empty() {
                    entry.2 = keyword.to_owned();
                }
            }
            clause_scores.push(ClauseSentiment {
                text: clause.text.to_owned(),
                score,
                label,
            });
        }
        let base = self.model_for(&text);
        for (t, b) in total.iter_mut().zip(&base.bias) {
            *t += b;
        }
        let (score, label, confidence) = summarise(classes, &softmax(&total));
        let mixed = clause_scores.iter().any(|c| c.score >= MIXED_SCORE)
            && clause_scores.iter().any(|c| c.score <= -MIXED_SCORE);
        let themes = theme_scores
            .into_iter()
            .enumerate()
            .filter(|(_, (_, count, _))| *count > 0)
            .map(|(index, (sum, count, keyword))| {
                let score = sum / count as f64;
                ThemeMention {
                    theme: self.taxonomy.themes[index].id.clone(),
                    keyword,
                    score,
                    label: if score >= 0.2 {
                        Polarity::Positive
                    } else if score <= -0.2 {
                        Polarity::Negative
                    } else {
                        Polarity::Neutral
                    },
                }
            })
            .collect();
        Analysis {
            language,
            score,
            label,
            confidence,
            mixed,
            clauses: clause_scores,
            themes,
        }
    }

    /// The most probable label among `allowed` (all classes when empty), for evaluation on
    /// data with fewer classes than the model.
    pub fn label_among(&self, text: &str, allowed: &[Polarity]) -> Polarity {
        let text = normalize(text, self.normalize);
        let classes = &self.zh.classes;
        let c = classes.len();
        let mut features = Vec::with_capacity(text.len());
        let mut total: Vec<f32>;
        if text.is_ascii() {
            // Every clause goes to the English model: one pass, no clause list.
            total = self.en.bias.clone();
            ascii_comment_features(&text, self.en.bits, &mut features);
            self.en.accumulate(&features, &mut total);
        } else {
            total = self.model_for(&text).bias.clone();
            for clause in clauses(&text) {
                features.clear();
                let model = self.model_for(clause.text);
                clause_features(clause.text, model.bits, &mut features);
                model.accumulate(&features, &mut total);
            }
        }
        let neutral_allowed = allowed.is_empty() || allowed.contains(&Polarity::Neutral);
        if neutral_allowed && classes.contains(&Polarity::Neutral) {
            return summarise(classes, &softmax(&total)).1;
        }
        (0..c)
            .filter(|&k| allowed.is_empty() || allowed.contains(&classes[k]))
            .max_by(|&a, &b| total[a].total_cmp(&total[b]).then(b.cmp(&a)))
            .map_or(Polarity::Neutral, |k| classes[k])
    }

    fn model_for(&self, clause: &str) -> &SentimentModel {
        if !clause.is_ascii() && clause.chars().any(is_han) {
            &self.zh
        } else {
            &self.en
        }
    }
}

/// (P(pos) − P(neg), label, confidence): neutral within the band, else the most probable
/// class and its probability.
fn summarise(classes: &[Polarity], probabilities: &[f64]) -> (f64, Polarity, f64) {
    let probability = |p: Polarity| {
        classes
            .iter()
            .position(|k| *k == p)
            .map_or(0.0, |k| probabilities[k])
    };
    let score = probability(Polarity::Positive) - probability(Polarity::Negative);
    if score.abs() < NEUTRAL_BAND && classes.contains(&Polarity::Neutral) {
        return (score, Polarity::Neutral, 1.0 - score.abs());
    }
    let best = (0..classes.len())
        .max_by(|&a, &b| {
            probabilities[a]
                .total_cmp(&probabilities[b])
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    (score, classes[best], probabilities[best])
}
