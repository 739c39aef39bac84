//! Themes: what a comment is about (delivery, product quality, service attitude, …), from an
//! editable taxonomy of keywords per language, multi-label, each with the sentiment of the
//! clause that names it (aspect sentiment).
//!
//! The taxonomy is TOML (`data/themes.toml` is the built-in one; organisations copy and edit
//! it): per theme an id, names in zh and en, keywords per language and exclusions. A theme
//! matches a clause when one of its keywords occurs in it and none of its exclusions does.
//! English keywords match whole words (and their plural "s"); Chinese keywords match anywhere.
//! Matching is one Aho–Corasick pass over the clause, so the same text always gets the same
//! themes, in taxonomy order.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

use crate::TextError;

/// The built-in taxonomy.
pub const BUILT_IN_THEMES: &str = include_str!("../data/themes.toml");

/// A theme of the taxonomy.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Theme {
    /// Stable identifier, e.g. `delivery`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Chinese keywords.
    #[serde(default)]
    pub zh: Vec<String>,
    /// English keywords.
    #[serde(default)]
    pub en: Vec<String>,
    /// Phrases that stop the theme from matching a clause (either language).
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    theme: Vec<Theme>,
}

/// A compiled taxonomy.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// The themes, in file order.
    pub themes: Vec<Theme>,
    matcher: AhoCorasick,
    /// Per pattern: (theme index, is an exclusion, is English).
    patterns: Vec<(usize, bool, bool)>,
}

impl Taxonomy {
    /// Parses and compiles a taxonomy.
    ///
    /// # Errors
    /// [`TextError::Taxonomy`] for TOML errors (with line and column), duplicate ids, themes
    /// without keywords or empty keywords.
    pub fn from_toml(text: &str) -> Result<Taxonomy, TextError> {
        let file: TaxonomyFile =
            toml::from_str(text).map_err(|e| TextError::Taxonomy(e.to_string()))?;
        let mut words: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        for (index, theme) in file.theme.iter().enumerate() {
            if file.theme[..index].iter().any(|t| t.id == theme.id) {
                return Err(TextError::Taxonomy(format!(
                    "theme id {:?} appears twice",
                    theme.id
                )));
            }
            if theme.zh.is_empty() && theme.en.is_empty() {
                return Err(TextError::Taxonomy(format!(
                    "theme {:?} has no keywords",
                    theme.id
                )));
            }
            let lists = [
                (&theme.zh, false, false),
                (&theme.en, false, true),
                (&theme.exclude, true, false),
            ];
            for (list, exclusion, english) in lists {
                for word in list {
                    let word = crate::normalize(word, crate::NormalizeOptions::default());
                    if word.is_empty() {
                        return Err(TextError::Taxonomy(format!(
                            "theme {:?} has an empty keyword",
                            theme.id
                        )));
                    }
                    let english = english || word.is_ascii();
                    words.push(word);
                    patterns.push((index, exclusion, english));
                }
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&words)
            .map_err(|e| TextError::Taxonomy(e.to_string()))?;
        Ok(Taxonomy {
            themes: file.theme,
            matcher,
            patterns,
        })
    }

    /// The built-in taxonomy.
    pub fn built_in() -> Taxonomy {
        Taxonomy::from_toml(BUILT_IN_THEMES).expect("the built-in taxonomy is valid")
    }

    /// The themes a normalised clause names: (theme index, the first keyword found), in
    /// taxonomy order.
    pub fn match_clause<'t>(&self, clause: &'t str) -> Vec<(usize, &'t str)> {
        let mut found: Vec<Option<&'t str>> = vec![None; self.themes.len()];
        let mut excluded = vec![false; self.themes.len()];
        let bytes = clause.as_bytes();
        for hit in self.matcher.find_overlapping_iter(clause) {
            let (theme, exclusion, english) = self.patterns[hit.pattern().as_usize()];
            if english {
                let before = hit.start().checked_sub(1).map(|i| bytes[i]);
                let mut end = hit.end();
                if bytes.get(end) == Some(&b's') {
                    end += 1;
                }
                let after = bytes.get(end).copied();
                let boundary = |b: Option<u8>| !b.is_some_and(|b| b.is_ascii_alphanumeric());
                if !(boundary(before) && boundary(after)) {
                    continue;
                }
            }
            if exclusion {
                excluded[theme] = true;
            } else if found[theme].is_none() {
                found[theme] = Some(&clause[hit.start()..hit.end()]);
            }
        }
        found
            .into_iter()
            .enumerate()
            .filter_map(|(i, word)| word.filter(|_| !excluded[i]).map(|w| (i, w)))
            .collect()
    }
}
