//! The seed corpus of the built-in sentiment models: labelled sentences composed from cxm's
//! own lexicons (`data/seed-zh.toml`, `data/seed-en.toml`) with a fixed seed, so that anyone can
//! rebuild the shipped models and get the same bytes.
//!
//! Compositions: aspect + degree + adjective (positive or negative), aspect + negator +
//! positive adjective (negative), aspect + negator + one of the negatable negative adjectives
//! (positive), whole positive, negative and neutral phrases, and two-clause comments (a
//! positive clause followed by a contrast and a negative one is negative). Chinese lexicons with
//! narrative `fillers` also give comments of several opinion clauses of one polarity with
//! narrative among them, and with `reservations` comments decided on balance (praise, then
//! "美中不足的是" and a mild fault, is positive; one good word among complaints is negative).

use serde::Deserialize;

use cxm_stats::SplitMix64;

use crate::TextError;
use crate::model::Polarity;

const SEED_ZH: &str = include_str!("../data/seed-zh.toml");
const SEED_EN: &str = include_str!("../data/seed-en.toml");

/// The most sentences a lexicon may ask for.
const MAX_SENTENCES: usize = 1_000_000;

/// Sentences per language, unless the lexicon says otherwise (`sentences = …`).
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
    /// Narrative clauses that carry no opinion ("昨天下的单"); with them, a Chinese lexicon
    /// also composes comments of several clauses.
    #[serde(default)]
    fillers: Vec<String>,
    /// Words that bring in a small complaint after praise ("就是", "美中不足的是"); with them,
    /// comments whose verdict outweighs a remark of the other polarity are composed too.
    #[serde(default)]
    reservations: Vec<String>,
    /// Sentences to compose.
    #[serde(default = "default_sentences")]
    sentences: usize,
}

fn default_sentences() -> usize {
    SEED_SENTENCES
}

impl Lexicon {
    /// Every list a composition picks from has words, and the corpus has a sensible size.
    fn check(&self, english: bool) -> Result<(), TextError> {
        if !(1..=MAX_SENTENCES).contains(&self.sentences) {
            return Err(TextError::Training(format!(
                "the seed lexicon asks for {} sentences; give 1 to {MAX_SENTENCES}",
                self.sentences
            )));
        }
        let lists = [
            ("aspects", &self.aspects),
            ("positive_adjectives", &self.positive_adjectives),
            ("negative_adjectives", &self.negative_adjectives),
            ("negatable_negative", &self.negatable_negative),
            ("degrees", &self.degrees),
            ("negators", &self.negators),
            ("endings", &self.endings),
            ("positive_phrases", &self.positive_phrases),
            ("negative_phrases", &self.negative_phrases),
            ("neutral_phrases", &self.neutral_phrases),
        ];
        let linkers = [("linkers", &self.linkers)];
        let empty = lists
            .iter()
            .chain(if english { &linkers[..] } else { &[] })
            .find(|(_, list)| list.is_empty());
        match empty {
            Some((name, _)) => Err(TextError::Training(format!(
                "the seed lexicon's list {name:?} is empty"
            ))),
            None => Ok(()),
        }
    }
}

/// The seed corpus of `language` (`zh` or `en`).
///
/// # Errors
/// [`TextError::Training`] for another language.
pub fn seed_corpus(language: &str) -> Result<Vec<(String, Polarity)>, TextError> {
    match language {
        "zh" => compose_seed_corpus(SEED_ZH, false),
        "en" => compose_seed_corpus(SEED_EN, true),
        other => Err(TextError::Training(format!(
            "no seed corpus for language {other:?} (zh or en)"
        ))),
    }
}

/// The seed corpus composed from a lexicon in the layout of `data/seed-zh.toml` (Chinese:
/// clauses without spaces) or `data/seed-en.toml` (`english`: words joined by spaces, with
/// linkers), for organisations that extend cxm's lexicon with their own words. `fillers` and
/// `reservations` are used in Chinese lexicons only.
///
/// # Errors
/// [`TextError::Training`] when the lexicon is not valid TOML of that layout.
pub fn compose_seed_corpus(
    text: &str,
    english: bool,
) -> Result<Vec<(String, Polarity)>, TextError> {
    let lexicon: Lexicon = toml::from_str(text).map_err(|e| TextError::Training(e.to_string()))?;
    lexicon.check(english)?;
    let mut rng = SplitMix64::new(if english { 0xE4 } else { 0x2F });
    let mut out = Vec::with_capacity(lexicon.sentences);
    // The several-clause compositions join clauses the Chinese way (，, 有点, 还算).
    let kinds = if english || lexicon.fillers.is_empty() {
        10
    } else if lexicon.reservations.is_empty() {
        16
    } else {
        18
    };
    while out.len() < lexicon.sentences {
        let kind = out.len() % kinds;
        let mut compose = Composer {
            lexicon: &lexicon,
            rng: &mut rng,
            english,
        };
        let (clause, label) = match kind {
            0..10 => compose.single(kind),
            10..16 => compose.several(kind),
            _ => compose.on_balance(kind == 16),
        };
        let ending = compose.pick(&lexicon.endings);
        let sentence = format!("{clause}{ending}");
        let sentence = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push((sentence, label));
    }
    Ok(out)
}

/// Picks words from a lexicon with the corpus' generator.
struct Composer<'a> {
    lexicon: &'a Lexicon,
    rng: &'a mut SplitMix64,
    english: bool,
}

impl Composer<'_> {
    fn pick(&mut self, list: &[String]) -> String {
        list[(self.rng.next_u64() % list.len() as u64) as usize].clone()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    fn space(&self) -> &'static str {
        if self.english { " " } else { "" }
    }

    fn linker(&mut self) -> String {
        if self.english {
            self.pick(&self.lexicon.linkers)
        } else {
            String::new()
        }
    }

    /// One clause (or, for kind 9, a positive clause turned by a contrast into a negative
    /// one) of kind `0..10`.
    fn single(&mut self, kind: usize) -> (String, Polarity) {
        let lexicon = self.lexicon;
        let space = self.space();
        let aspect = self.pick(&lexicon.aspects);
        let linker = self.linker();
        match kind {
            0..=3 => {
                let positive = kind == 0 || kind == 2;
                let adjective = self.pick(if positive {
                    &lexicon.positive_adjectives
                } else {
                    &lexicon.negative_adjectives
                });
                let degree = self.pick(&lexicon.degrees);
                (
                    format!("{aspect}{space}{linker}{space}{degree}{adjective}"),
                    if positive {
                        Polarity::Positive
                    } else {
                        Polarity::Negative
                    },
                )
            }
            4 => {
                let negator = self.pick(&lexicon.negators);
                let adjective = self.pick(&lexicon.positive_adjectives);
                let negator = if self.english {
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
                let negator = self.pick(&lexicon.negators);
                let adjective = self.pick(&lexicon.negatable_negative);
                (
                    format!("{aspect}{space}{negator}{space}{adjective}"),
                    Polarity::Positive,
                )
            }
            6 => (self.pick(&lexicon.positive_phrases), Polarity::Positive),
            7 => (self.pick(&lexicon.negative_phrases), Polarity::Negative),
            8 => (self.pick(&lexicon.neutral_phrases), Polarity::Neutral),
            _ => {
                let good = format!(
                    "{aspect}{space}{linker}{space}{}",
                    self.pick(&lexicon.positive_adjectives)
                );
                let other = self.pick(&lexicon.aspects);
                let linker = self.linker();
                let bad = format!(
                    "{other}{space}{linker}{space}{}",
                    self.pick(&lexicon.negative_adjectives)
                );
                let contrast = if self.english { ", but " } else { "，但是" };
                (format!("{good}{contrast}{bad}"), Polarity::Negative)
            }
        }
    }

    /// One opinion clause of a polarity: an adjective clause, a negated one, or a phrase.
    fn opinion(&mut self, positive: bool) -> String {
        let kinds = if positive { [0, 5, 6] } else { [1, 4, 7] };
        let kind = kinds[self.below(3) as usize];
        self.single(kind).0
    }

    /// A comment of several clauses of one polarity with narrative clauses among them (kinds
    /// 10–14), or narrative with a neutral remark (kind 15).
    fn several(&mut self, kind: usize) -> (String, Polarity) {
        let lexicon = self.lexicon;
        let label = match kind {
            10 | 11 | 14 => Polarity::Positive,
            12 | 13 => Polarity::Negative,
            _ => Polarity::Neutral,
        };
        let opinions = if label == Polarity::Neutral {
            1
        } else {
            1 + self.below(3)
        };
        let mut parts = Vec::new();
        for _ in 0..opinions {
            let part = match label {
                Polarity::Neutral => self.single(8).0,
                _ => self.opinion(label == Polarity::Positive),
            };
            parts.push(part);
        }
        for _ in 0..1 + self.below(3) {
            let filler = self.pick(&lexicon.fillers);
            let at = self.below(parts.len() as u64 + 1) as usize;
            parts.insert(at, filler);
        }
        let separators = ["，", "，", "。", "！", " ", ""];
        let mut comment = String::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                comment.push_str(separators[self.below(separators.len() as u64) as usize]);
            }
            comment.push_str(part);
        }
        (comment, label)
    }

    /// A comment whose verdict outweighs one remark of the other polarity: praise, then a
    /// reservation and a mild fault, is positive (`positive`); a mild good word among
    /// complaints is negative.
    fn on_balance(&mut self, positive: bool) -> (String, Polarity) {
        let lexicon = self.lexicon;
        let mut parts = Vec::new();
        for _ in 0..2 + self.below(2) {
            parts.push(self.opinion(positive));
        }
        if self.below(2) == 0 {
            let filler = self.pick(&lexicon.fillers);
            parts.insert(0, filler);
        }
        let aspect = self.pick(&lexicon.aspects);
        let remark = if positive {
            let reservation = self.pick(&lexicon.reservations);
            let fault = self.pick(&lexicon.negative_adjectives);
            format!("{reservation}{aspect}有点{fault}")
        } else {
            let good = self.pick(&lexicon.positive_adjectives);
            format!("{aspect}还算{good}")
        };
        let at = if positive {
            parts.len()
        } else {
            self.below(parts.len() as u64) as usize
        };
        parts.insert(at, remark);
        let label = if positive {
            Polarity::Positive
        } else {
            Polarity::Negative
        };
        (parts.join("，"), label)
    }
}
