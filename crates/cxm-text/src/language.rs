//! Language of a comment from the scripts it is written in: Chinese (Han characters), English
//! (Latin letters), mixed, or other (kana, Hangul, Cyrillic, Arabic and the like, or no letters
//! at all). Counting scripts is deterministic, needs no model and takes a single pass.
//!
//! A Han character carries about as much as a four-letter stretch of English, so Latin letters
//! are weighed at a quarter of a Han character. A comment is zh when Han characters hold at
//! least 60% of the weight (brand names and "app" in a Chinese sentence keep it Chinese), en
//! when Latin letters hold at least 80%, and mixed when both are present otherwise. Japanese kana or Korean
//! Hangul make a comment other even among Han characters.

use serde::Serialize;

/// The language of a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Chinese.
    Zh,
    /// English.
    En,
    /// Chinese and English together.
    Mixed,
    /// Another language, or no words at all.
    Other,
}

impl Language {
    /// `zh`, `en`, `mixed` or `other`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Zh => "zh",
            Language::En => "en",
            Language::Mixed => "mixed",
            Language::Other => "other",
        }
    }
}

/// Whether `c` is a CJK unified ideograph (the common blocks).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF)
}

/// Detects the language of `text`.
pub fn detect(text: &str) -> Language {
    let (mut han, mut latin, mut other) = (0usize, 0usize, 0usize);
    let mut kana_or_hangul = false;
    for c in text.chars() {
        if is_han(c) {
            han += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        } else if c.is_alphabetic() {
            let code = c as u32;
            if matches!(code, 0x3040..=0x30FF | 0xAC00..=0xD7AF | 0x1100..=0x11FF) {
                kana_or_hangul = true;
            }
            // Accented Latin letters count as Latin.
            if matches!(code, 0x00C0..=0x024F) {
                latin += 1;
            } else {
                other += 1;
            }
        }
    }
    if kana_or_hangul {
        return Language::Other;
    }
    let han_weight = han as f64;
    let latin_weight = latin as f64 / 4.0;
    let other_weight = other as f64 / 2.0;
    let total = han_weight + latin_weight + other_weight;
    if total == 0.0 || other_weight > han_weight + latin_weight {
        return Language::Other;
    }
    if han_weight >= 0.6 * total {
        Language::Zh
    } else if latin_weight >= 0.8 * total {
        Language::En
    } else if han > 0 && latin > 0 {
        Language::Mixed
    } else {
        Language::Other
    }
}
