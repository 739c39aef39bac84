//! The seed corpus of the built-in sentiment models: labelled sentences composed from cxm's
//! own lexicons (`data/seed-zh.toml`, `data/seed-en.toml`) with a fixed seed, so that anyone can
//! rebuild the shipped models and get the same bytes.
//!
//! Compositions: aspect + degree + adjective (positive or negative), aspect + negator +
//! positive adjective (negative), aspect + negator + one of the negatable negative adjectives
//! (positive), whole positive, negative and neutral phrases, and two-clause comments (two of a
//! kind keep their label; a positive clause followed by a contrast and a negative one is
//! negative).

use serde::Deserialize;

use cxm_stats::SplitMix64;

use crate::TextError;
use crate::model::Polarity;

const SEED_ZH: &str = include_str!("../data/seed-zh.toml");
const SEED_EN: &str = include_str!("../data/seed-en.toml");

/// Sentences per language.
pub const SEED_SENTENCES: usize = 12_000;

#[derive(Deserialize)]
struct Lexicon {
    aspects: Vec<String>,
    positive_adjectives: Vec<String>,
    negative_adjectives: Vec<String>,
    negatable_negative: Vec<String>,
    degrees: Vec<String>,
    #[serde(default)]
    linkers: Vec<String>,
    negators: Vec<String>,
    endings: Vec<String>,
    positive_phrases: Vec<String>,
    negative_phrases: Vec<String>,
    neutral_phrases: Vec<String>,
}

/// The seed corpus of `language` (`zh` or `en`).
///
/// # Errors
/// [`TextError::Training`] for another language.
pub fn seed_corpus(language: &str) -> Result<Vec<(String, Polarity)>, TextError> {
    let (text, english) = match language {
        "zh" => (SEED_ZH, false),
        "en" => (SEED_EN, true),
        other => {
            return Err(TextError::Training(format!(
                "no seed corpus for language {other:?} (zh or en)"
            )));
        }
    };
    let lexicon: Lexicon = toml::from_str(text).map_err(|e| TextError::Training(e.to_string()))?;
    let mut rng = SplitMix64::new(if english { 0xE4 } else { 0x2F });
    let mut pick = |list: &[String]| list[(rng.next_u64() % list.len() as u64) as usize].clone();
    let space = if english { " " } else { "" };
    let mut out = Vec::with_capacity(SEED_SENTENCES);
    while out.len() < SEED_SENTENCES {
        let kind = out.len() % 10;
        let aspect = pick(&lexicon.aspects);
        let linker = if english {
            pick(&lexicon.linkers)
        } else {
            String::new()
        };
        let (clause, label) = match kind {
            0..=2 => {
                let positive = kind != 1;
                let adjective = pick(if positive {
                    &lexicon.positive_adjectives
                } else {
                    &lexicon.negative_adjectives
                });
                let degree = pick(&lexicon.degrees);
                (
                    format!("{aspect}{space}{linker}{space}{degree}{adjective}"),
                    if positive {
                        Polarity::Positive
                    } else {
                        Polarity::Negative
                    },
                )
            }
            3 => {
                let adjective = pick(&lexicon.negative_adjectives);
                let degree = pick(&lexicon.degrees);
                (
                    format!("{aspect}{space}{linker}{space}{degree}{adjective}"),
                    Polarity::Negative,
                )
            }
            4 => {
                let negator = pick(&lexicon.negators);
                let adjective = pick(&lexicon.positive_adjectives);
                let negator = if english {
                    negator
                } else {
                    negator.replace(' ', "")
                };
                (
                    format!("{aspect}{space}{negator}{space}{adjective}"),
                    Polarity::Negative,
                )
            }
            5 => {
                let negator = pick(&lexicon.negators);
                let adjective = pick(&lexicon.negatable_negative);
                (
                    format!("{aspect}{space}{negator}{space}{adjective}"),
                    Polarity::Positive,
                )
            }
            6 => (pick(&lexicon.positive_phrases), Polarity::Positive),
            7 => (pick(&lexicon.negative_phrases), Polarity::Negative),
            8 => (pick(&lexicon.neutral_phrases), Polarity::Neutral),
            _ => {
                let good = format!(
                    "{aspect}{space}{linker}{space}{}",
                    pick(&lexicon.positive_adjectives)
                );
                let other = pick(&lexicon.aspects);
                let linker = if english {
                    pick(&lexicon.linkers)
                } else {
                    String::new()
                };
                let bad = format!(
                    "{other}{space}{linker}{space}{}",
                    pick(&lexicon.negative_adjectives)
                );
                let contrast = if english { ", but " } else { "，但是" };
                (format!("{good}{contrast}{bad}"), Polarity::Negative)
            }
        };
        let ending = pick(&lexicon.endings);
        let sentence = format!("{clause}{ending}");
        let sentence = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push((sentence, label));
    }
    Ok(out)
}
