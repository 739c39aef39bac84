//! Inferring question kinds from the data: a [`Profile`] per column is gathered in a first
//! pass over the file (bounded memory: at most [`MAX_OPTIONS`] distinct values are kept), then
//! each question's columns are read as NPS, a rating, single or multiple choice, a matrix or
//! text. Header words (推荐, recommend, 满意, effort…) break ties a number range cannot.

/// Distinct values kept per column; a column with more is not a choice question.
pub const MAX_OPTIONS: usize = 40;

/// Filled cells from which a numeric column may hold stray non-numbers.
pub const STRAY_FROM: u64 = 20;

/// At most one stray cell in this many.
pub const STRAY_SHARE: u64 = 50;

/// Separators of several choices in one cell: 问卷星 multiple choice and ranking.
pub const SEPARATORS: [char; 2] = ['┋', '→'];

/// What one column's cells look like.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Non-empty cells.
    pub filled: u64,
    /// Cells that are whole numbers.
    pub integers: u64,
    /// Smallest whole number seen.
    pub min: Option<i64>,
    /// Largest whole number seen.
    pub max: Option<i64>,
    /// Cells that name a point of a known verbal scale (非常满意, Very satisfied…).
    pub scale_labels: u64,
    /// Distinct values (parts, for separated cells), in order of first appearance.
    pub distinct: Vec<String>,
    /// More distinct values than [`MAX_OPTIONS`].
    pub overflow: bool,
    /// The separator of multi-valued cells, if any cell had one.
    pub separator: Option<char>,
    /// Longest cell, in characters.
    pub max_chars: usize,
    /// Filled cells that are a program's marker of a missing value (`NA`, `NaN`, `#N/A`): a
    /// number column with them stays a number column.
    pub na_markers: u64,
}

impl Profile {
    /// Adds a cell (already trimmed; missing codes removed).
    pub fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        self.filled += 1;
        if is_na_marker(value) {
            // Still an option should the column turn out to be a choice.
            self.na_markers += 1;
            self.remember(value);
            return;
        }
        self.max_chars = self.max_chars.max(value.chars().count());
        if let Some(number) = whole_number(value) {
            self.integers += 1;
            self.min = Some(self.min.map_or(number, |m| m.min(number)));
            self.max = Some(self.max.map_or(number, |m| m.max(number)));
        } else if scale_point(value).is_some() {
            self.scale_labels += 1;
        }
        if let Some(separator) = SEPARATORS.iter().copied().find(|s| value.contains(*s)) {
            self.separator.get_or_insert(separator);
            for part in value.split(separator) {
                self.remember(part.trim());
            }
        } else {
            self.remember(value);
        }
    }

    fn remember(&mut self, value: &str) {
        if value.is_empty() || self.overflow || self.distinct.iter().any(|d| d == value) {
            return;
        }
        if self.distinct.len() == MAX_OPTIONS {
            self.overflow = true;
        } else {
            self.distinct.push(value.to_owned());
        }
    }

    /// Whether every filled cell is a whole number.
    pub fn all_integers(&self) -> bool {
        self.integers > 0 && self.integers == self.numbers_or_strays()
    }

    /// Filled cells but for missing-value markers.
    fn numbers_or_strays(&self) -> u64 {
        self.filled - self.na_markers
    }

    /// Whether the column holds numbers but for a few stray cells: all of them, or, from
    /// [`STRAY_FROM`] filled cells on, all but at most one in [`STRAY_SHARE`]. A typo or an
    /// `N/A` in a long NPS column then shows up as a problem on its row instead of turning the
    /// question into a choice or text.
    pub fn mostly_integers(&self) -> bool {
        self.all_integers()
            || (self.numbers_or_strays() >= STRAY_FROM
                && self.integers > 0
                && self.numbers_or_strays() - self.integers
                    <= self.numbers_or_strays() / STRAY_SHARE)
    }
}

/// What R, pandas, SPSS, Excel and databases write for a missing value. In a number column
/// such a cell is no answer; elsewhere it stays what it says (an option `NA` may mean North
/// America).
pub fn is_na_marker(value: &str) -> bool {
    matches!(
        value.trim(),
        "NA" | "NaN" | "nan" | "NULL" | "null" | "#N/A" | "#NULL!"
    )
}

/// A cell as a whole number: `7`, `7.0`, or a leading number with a label (`10 - Extremely
/// likely`, `5分`).
pub fn whole_number(value: &str) -> Option<i64> {
    let value = value.trim();
    if let Ok(number) = value.parse::<i64>() {
        return Some(number);
    }
    if let Ok(number) = value.parse::<f64>() {
        return (number.fract() == 0.0 && number.abs() < 1e9).then_some(number as i64);
    }
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    let rest = value[digits.len()..].trim_start();
    let labelled = rest.starts_with('-')
        || rest.starts_with('分')
        || rest.starts_with('=')
        || rest.starts_with('(');
    if !digits.is_empty() && digits.len() <= 3 && labelled {
        return digits.parse().ok();
    }
    None
}

/// Verbal five-point scales, lowest first: satisfaction and agreement, in Chinese and English.
const SCALES: [[&str; 5]; 6] = [
    ["非常不满意", "不满意", "一般", "满意", "非常满意"],
    ["很不满意", "比较不满意", "一般", "比较满意", "很满意"],
    ["非常不同意", "不同意", "一般", "同意", "非常同意"],
    [
        "very dissatisfied",
        "dissatisfied",
        "neutral",
        "satisfied",
        "very satisfied",
    ],
    [
        "extremely dissatisfied",
        "somewhat dissatisfied",
        "neither satisfied nor dissatisfied",
        "somewhat satisfied",
        "extremely satisfied",
    ],
    [
        "strongly disagree",
        "disagree",
        "neither agree nor disagree",
        "agree",
        "strongly agree",
    ],
];

/// The point (1–5) a verbal scale label stands for.
pub fn scale_point(value: &str) -> Option<i64> {
    let value = value.trim().to_lowercase();
    SCALES
        .iter()
        .find_map(|scale| scale.iter().position(|label| *label == value))
        .map(|i| i as i64 + 1)
}

/// What a header says about its question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Likelihood to recommend.
    Nps,
    /// Satisfaction.
    Csat,
    /// Effort.
    Ces,
    /// An open question (why, comments, suggestions).
    Text,
    /// Nothing.
    None,
}

impl Hint {
    /// Reads a question text.
    pub fn of(text: &str) -> Hint {
        let lower = text.to_lowercase();
        let any = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        if any(&["推荐", "recommend", "nps", "net promoter", "likely are you"]) {
            Hint::Nps
        } else if any(&["费力", "容易", "轻松", "effort", "easy", "ces"]) {
            Hint::Ces
        } else if any(&["满意", "satisf", "csat"]) {
            Hint::Csat
        } else if any(&[
            "why",
            "reason",
            "comment",
            "suggest",
            "improve",
            "feedback",
            "tell us",
            "anything else",
            "建议",
            "意见",
            "原因",
            "为什么",
            "评论",
            "留言",
            "其他",
        ]) {
            Hint::Text
        } else {
            Hint::None
        }
    }
}

/// The kind inferred for a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inferred {
    /// NPS 0–10; `shift` is subtracted from stored codes (1 for SurveyMonkey's 1–11).
    Nps {
        /// Subtracted from each value.
        shift: i64,
    },
    /// A rating scale.
    Rating {
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
        /// The metric it feeds, from the header.
        hint: Hint,
    },
    /// One option; options in order of first appearance.
    SingleChoice(Vec<String>),
    /// Several options in one cell, split at `separator`.
    MultiChoice {
        /// Options in order of first appearance.
        options: Vec<String>,
        /// `┋`, or `→` for rankings.
        separator: char,
    },
    /// Free text.
    Text,
    /// Numbers that are no scale (an age, an amount), kept as metadata.
    Hidden,
}

/// The scale a number range belongs to: 1–5, 1–7, 0/1–10; `None` beyond.
fn scale_of(min: i64, max: i64) -> Option<(i64, i64)> {
    let low = if min == 0 { 0 } else { 1 };
    if min < 0 {
        return None;
    }
    let high = [5, 7, 10].into_iter().find(|&h| max <= h)?;
    Some((low, high))
}

/// Infers the kind of a question answered in one column.
pub fn infer_whole(profile: &Profile, hint: Hint) -> Inferred {
    if profile.filled == 0 {
        return Inferred::Text;
    }
    if let Some(separator) = profile.separator
        && !profile.overflow
    {
        return Inferred::MultiChoice {
            options: profile.distinct.clone(),
            separator,
        };
    }
    if profile.mostly_integers() {
        let (min, max) = (profile.min.unwrap_or(0), profile.max.unwrap_or(0));
        // 0/1 is yes/no (a `recommended` flag, a `resolved` column), never a scale.
        if min >= 0 && max <= 1 && !profile.overflow {
            let options = profile.distinct.iter().filter(|d| !is_na_marker(d));
            return Inferred::SingleChoice(options.cloned().collect());
        }
        // A header that asks about recommending is NPS; values off the 0–10 scale are then
        // reported row by row rather than turning the question into something else.
        if hint == Hint::Nps && min >= 1 && max == 11 {
            return Inferred::Nps { shift: 1 };
        }
        if hint == Hint::Nps && min >= 0 {
            return Inferred::Nps { shift: 0 };
        }
        return match scale_of(min, max) {
            Some((low, high)) => Inferred::Rating {
                min: low,
                max: high,
                hint,
            },
            None => Inferred::Hidden,
        };
    }
    if profile.scale_labels + profile.integers + profile.na_markers == profile.filled
        && profile.scale_labels > 0
    {
        return Inferred::Rating {
            min: 1,
            max: 5,
            hint: if hint == Hint::None { Hint::Csat } else { hint },
        };
    }
    // A choice repeats its options; free text rarely repeats itself.
    let repeats = profile.filled >= 2 * profile.distinct.len() as u64;
    if !profile.overflow && repeats && hint != Hint::Text {
        return Inferred::SingleChoice(profile.distinct.clone());
    }
    Inferred::Text
}

/// Whether a group of item columns is a multiple choice (cells say chosen or not) rather than
/// a matrix (cells hold scale values).
pub fn items_are_choices(profiles: &[(&Profile, &str)]) -> bool {
    profiles.iter().all(|(profile, label)| {
        profile
            .distinct
            .iter()
            .all(|v| v == "0" || v == "1" || v == label || whole_number(v).is_none())
    })
}

/// The scale of a matrix from its item columns.
pub fn matrix_scale(profiles: &[&Profile]) -> Option<(i64, i64)> {
    let min = profiles.iter().filter_map(|p| p.min).min()?;
    let max = profiles.iter().filter_map(|p| p.max).max()?;
    scale_of(min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(values: &[&str]) -> Profile {
        let mut p = Profile::default();
        for v in values {
            p.add(v);
        }
        p
    }

    #[test]
    fn kinds_follow_values_and_headers() {
        let nps = profile(&["0", "9", "10", "7"]);
        assert_eq!(infer_whole(&nps, Hint::Nps), Inferred::Nps { shift: 0 });
        let flag = profile(&["0", "1", "1", "0", "0"]);
        assert!(
            matches!(infer_whole(&flag, Hint::Nps), Inferred::SingleChoice(_)),
            "a 0/1 `recommended` column is yes/no, not a score"
        );
        let monkey = profile(&["1", "11", "8"]);
        assert_eq!(infer_whole(&monkey, Hint::Nps), Inferred::Nps { shift: 1 });
        let csat = profile(&["1", "5", "4"]);
        assert_eq!(
            infer_whole(&csat, Hint::Csat),
            Inferred::Rating {
                min: 1,
                max: 5,
                hint: Hint::Csat
            }
        );
        let words = profile(&["非常满意", "满意", "一般"]);
        assert!(matches!(
            infer_whole(&words, Hint::None),
            Inferred::Rating { max: 5, .. }
        ));
        let multi = profile(&["价格实惠┋服务好", "服务好"]);
        assert_eq!(
            infer_whole(&multi, Hint::None),
            Inferred::MultiChoice {
                options: vec!["价格实惠".into(), "服务好".into()],
                separator: '┋'
            }
        );
        // A long column of scores with a typo, an off-scale value and an N/A keeps its kind;
        // those cells are the rows' problems.
        let mut scores: Vec<String> = (0..200).map(|i| (i % 11).to_string()).collect();
        scores[50] = "abc".into();
        scores[70] = "12".into();
        let scores: Vec<&str> = scores.iter().map(String::as_str).collect();
        assert_eq!(
            infer_whole(&profile(&scores), Hint::Nps),
            Inferred::Nps { shift: 0 }
        );
        let mut ratings: Vec<&str> = ["1", "2", "3", "4", "5"].repeat(40);
        ratings[60] = "N/A";
        assert_eq!(
            infer_whole(&profile(&ratings), Hint::Csat),
            Inferred::Rating {
                min: 1,
                max: 5,
                hint: Hint::Csat
            }
        );
        // But not when the words are many, or the column short.
        ratings[61] = "N/A";
        ratings[62] = "不适用";
        ratings[63] = "N/A";
        ratings[64] = "N/A";
        assert!(matches!(
            infer_whole(&profile(&ratings), Hint::Csat),
            Inferred::SingleChoice(_)
        ));
        let short = profile(&["1", "2", "N/A", "4", "5", "3", "2"]);
        assert!(!matches!(
            infer_whole(&short, Hint::Csat),
            Inferred::Rating { .. }
        ));
        let spend = profile(&["120", "3400"]);
        assert_eq!(infer_whole(&spend, Hint::None), Inferred::Hidden);
        assert_eq!(whole_number("10 - Extremely likely"), Some(10));
        assert_eq!(whole_number("2024-01-01"), None);
    }
}
