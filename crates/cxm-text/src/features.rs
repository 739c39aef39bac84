//! Hashed features of a clause for the linear sentiment model: for Chinese, Han characters and
//! pairs and triples of adjacent characters (no segmentation needed, and robust to the new
//! words of reviews); for English and other Latin text, lower-cased words and pairs of adjacent
//! words; emoji and other symbols as single features. What follows a negation word in the same
//! clause is marked as negated — after not, no, never, n't, … the rest of the clause; after 不,
//! 没, 无, 别, 未 the next five Han characters, unless the negator is part of a word such as
//! 特别 or 不错 — so the model learns "不满意" apart from "满意" and "not good" apart from
//! "good". English words of five letters or more also give their light stem ("disappointing" →
//! "disappoint").
//!
//! Features are hashed (eight bytes at a time by multiply–rotate, then a murmur-style finish)
//! into 2^bits buckets; the hash is fixed, so the same text always gives the same features on
//! every machine.

use crate::clause::{is_break, may_start_contrast, starts_contrast};
use crate::language::is_han;

const NEGATORS_ZH: &[char] = &['不', '没', '无', '别', '未', '勿'];
/// Han characters after a Chinese negator that it negates: enough for 不太满意 and 不是很满意,
/// not the rest of a long unpunctuated clause.
const NEGATION_SCOPE_HAN: usize = 5;
/// not, no, never, none, nothing, nobody, without, cannot, hardly, neither, nor, and any
/// word ending in n't.
fn is_english_negator(word: &str) -> bool {
    matches!(
        word,
        "not"
            | "no"
            | "never"
            | "none"
            | "nothing"
            | "nobody"
            | "without"
            | "cannot"
            | "hardly"
            | "neither"
            | "nor"
    ) || word.ends_with("n't")
}

/// Whether the negator at the end of `han` (its last `run` characters are adjacent Han
/// characters) negates what follows, or is part of a word that does not: 特别 (especially),
/// 区别, 别人 and 别的; 不错 (not bad: good), 不仅 and 不但 (not only), 不少 (many), 不断,
/// 不停 and 不久; 无论 (no matter), 无比 (incomparably), 没得说 (beyond words), 没想到
/// (unexpectedly), 未来.
fn negates(run: usize, han: &[char; 3], next: Option<char>) -> bool {
    let c = han[2];
    let previous = if run >= 2 { Some(han[1]) } else { None };
    if c == '别' && previous.is_some_and(|p| "特区分级类性告差识鉴辨个".contains(p)) {
        return false;
    }
    let Some(next) = next else {
        return true;
    };
    let follows = match c {
        '不' => "错仅但少断停久同愧禁免管",
        '别' => "人的家处说",
        '无' => "论比敌线限微",
        '没' => "得想",
        '未' => "来",
        _ => "",
    };
    !follows.contains(next)
}

/// Kinds of feature, hashed with the text so that a character and a word never collide.
#[derive(Clone, Copy)]
enum Kind {
    Char = 1,
    CharPair = 2,
    CharTriple = 3,
    Word = 4,
    WordPair = 5,
    Symbol = 6,
    Stem = 7,
}

/// A light English stem: common inflection and derivation suffixes cut from words of five
/// letters or more ("disappointing", "disappointed" → "disappoint"), so that forms of one word
/// share a feature besides their own.
fn stem(word: &str) -> &str {
    if word.len() < 5 || !word.is_ascii() {
        return word;
    }
    let suffixes: &[&str] = match word.as_bytes()[word.len() - 1] {
        b'y' => &["ingly", "edly", "ly"],
        b's' => &["ness", "es", "s"],
        b't' => &["ment", "est"],
        b'g' => &["ing"],
        b'd' => &["ed"],
        b'r' => &["er"],
        _ => return word,
    };
    for suffix in suffixes {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.len() >= 3
        {
            return stem;
        }
    }
    word
}

/// Appends the hashed features of `clause` (already normalised) to `out`.
pub fn clause_features(clause: &str, bits: u32, out: &mut Vec<u32>) {
    let state = State {
        negated: false,
        previous_word: None,
        bits,
    };
    if clause.is_ascii() {
        ascii_clause_features(clause, state, out);
    } else {
        decoded_clause_features(clause, state, out);
    }
}

/// The general loop: Han n-grams, words of any script, symbols.
fn decoded_clause_features<'a>(clause: &'a str, mut state: State<'a>, out: &mut Vec<u32>) {
    let bits = state.bits;
    let mut han: [char; 3] = ['\0'; 3];
    let mut han_run = 0usize;
    let mut han_scope = 0usize;
    let mut word_start: Option<usize> = None;
    for (index, c) in clause.char_indices() {
        let is_word_char =
            c.is_ascii_alphanumeric() || c == '\'' || (c.is_alphabetic() && !is_han(c));
        if is_word_char {
            word_start.get_or_insert(index);
            continue;
        }
        if let Some(start) = word_start.take() {
            state.word(&clause[start..index], out);
        }
        if is_han(c) {
            if han_scope > 0 {
                han_scope -= 1;
                if han_scope == 0 {
                    state.negated = false;
                }
            }
            han = [han[1], han[2], c];
            han_run += 1;
            let mut buffer = [0u8; 12];
            let negated = state.negated;
            out.push(hash(
                Kind::Char,
                negated,
                encode(&han[2..], &mut buffer),
                &[],
                bits,
            ));
            if han_run >= 2 {
                out.push(hash(
                    Kind::CharPair,
                    negated,
                    encode(&han[1..], &mut buffer),
                    &[],
                    bits,
                ));
            }
            if han_run >= 3 {
                out.push(hash(
                    Kind::CharTriple,
                    negated,
                    encode(&han, &mut buffer),
                    &[],
                    bits,
                ));
            }
            if NEGATORS_ZH.contains(&c)
                && negates(
                    han_run.min(3),
                    &han,
                    clause[index + c.len_utf8()..].chars().next(),
                )
            {
                state.negated = true;
                han_scope = NEGATION_SCOPE_HAN + 1;
            }
            continue;
        }
        han_run = 0;
        if !c.is_whitespace() && !c.is_ascii_punctuation() {
            let mut buffer = [0u8; 4];
            let symbol = c.encode_utf8(&mut buffer).as_bytes();
            out.push(hash(Kind::Symbol, false, symbol, &[], bits));
        }
    }
    if let Some(start) = word_start {
        state.word(&clause[start..], out);
    }
}

/// The same features as the general loop below, for a clause of ASCII only: no Han
/// characters, no decoding.
fn ascii_clause_features<'a>(clause: &'a str, mut state: State<'a>, out: &mut Vec<u32>) {
    let mut word_start: Option<usize> = None;
    for (index, &byte) in clause.as_bytes().iter().enumerate() {
        if byte.is_ascii_alphanumeric() || byte == b'\'' {
            word_start.get_or_insert(index);
            continue;
        }
        if let Some(start) = word_start.take() {
            state.word(&clause[start..index], out);
        }
        let c = char::from(byte);
        if !c.is_whitespace() && !byte.is_ascii_punctuation() {
            out.push(hash(Kind::Symbol, false, &[byte], &[], state.bits));
        }
    }
    if let Some(start) = word_start {
        state.word(&clause[start..], out);
    }
}

/// The features of every clause of a normalised ASCII comment in one pass, without splitting
/// it first: the same clause boundaries as [`crate::clauses`] (break characters, and contrast
/// words where a clause already has text), the same features in the same order as
/// [`clause_features`] on each clause.
pub fn ascii_comment_features(text: &str, bits: u32, out: &mut Vec<u32>) {
    let fresh = || State {
        negated: false,
        previous_word: None,
        bits,
    };
    let mut state = fresh();
    let mut start = 0;
    let mut word_start: Option<usize> = None;
    let mut previous = 0u8;
    for (index, &byte) in text.as_bytes().iter().enumerate() {
        let c = char::from(byte);
        let boundary = if is_break(c) {
            Some(index + 1)
        } else if index > start
            && may_start_contrast(c)
            && !previous.is_ascii_alphanumeric()
            && starts_contrast(&text[index..], &text[..index])
        {
            Some(index)
        } else {
            None
        };
        if let Some(next) = boundary {
            if let Some(from) = word_start.take() {
                state.word(&text[from..index], out);
            }
            state = fresh();
            start = next;
        }
        previous = byte;
        if is_word_byte(byte) {
            word_start.get_or_insert(index);
            continue;
        }
        if let Some(from) = word_start.take() {
            state.word(&text[from..index], out);
        }
        if !c.is_whitespace() && !byte.is_ascii_punctuation() {
            out.push(hash(Kind::Symbol, false, &[byte], &[], bits));
        }
    }
    if let Some(from) = word_start {
        state.word(&text[from..], out);
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'\''
}

struct State<'a> {
    negated: bool,
    previous_word: Option<&'a str>,
    bits: u32,
}

impl<'a> State<'a> {
    fn word(&mut self, word: &'a str, out: &mut Vec<u32>) {
        let (negated, bits) = (self.negated, self.bits);
        out.push(hash(Kind::Word, negated, word.as_bytes(), &[], bits));
        let stem = stem(word);
        if stem.len() < word.len() {
            out.push(hash(Kind::Stem, negated, stem.as_bytes(), &[], bits));
        }
        if let Some(before) = self.previous_word {
            out.push(hash(
                Kind::WordPair,
                negated,
                before.as_bytes(),
                word.as_bytes(),
                bits,
            ));
        }
        self.previous_word = Some(word);
        if is_english_negator(word) {
            self.negated = true;
        }
    }
}

fn encode<'b>(chars: &[char], buffer: &'b mut [u8; 12]) -> &'b [u8] {
    let mut length = 0;
    for c in chars {
        length += c.encode_utf8(&mut buffer[length..]).len();
    }
    &buffer[..length]
}

fn hash(kind: Kind, negated: bool, first: &[u8], second: &[u8], bits: u32) -> u32 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ ((kind as u64) << 8 | u64::from(negated));
    h = absorb(h, first);
    h = absorb(h ^ 0xff, second);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> (64 - bits)) as u32
}

/// Folds bytes into the hash eight at a time (and their length, so "ab" + "" differs from
/// "a" + "b").
fn absorb(mut h: u64, bytes: &[u8]) -> u64 {
    let step = |h: u64, word: u64| {
        (h ^ word)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29)
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = step(h, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // The last bytes, zero-padded, little-endian.
        let word = rest
            .iter()
            .enumerate()
            .fold(0u64, |w, (i, b)| w | u64::from(*b) << (8 * i));
        h = step(h, word);
    }
    (h ^ bytes.len() as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
}

#[cfg(test)]
mod tests {
    use super::{
        Kind, NEGATION_SCOPE_HAN, State, ascii_clause_features, ascii_comment_features,
        clause_features, decoded_clause_features, hash, negates,
    };
    use proptest::prelude::*;

    #[test]
    fn words_that_only_look_negative_do_not_negate() {
        assert!(!negates(2, &['\0', '特', '别'], Some('好')));
        assert!(!negates(1, &['\0', '\0', '不'], Some('错')));
        assert!(!negates(1, &['\0', '\0', '无'], Some('论')));
        assert!(negates(1, &['\0', '\0', '不'], Some('好')));
        assert!(negates(2, &['\0', '很', '不'], None));
        assert!(negates(1, &['\0', '\0', '别'], Some('买')));
    }

    #[test]
    fn a_chinese_negation_reaches_a_few_characters() {
        let char_feature = |c: &str, negated| hash(Kind::Char, negated, c.as_bytes(), &[], 18);
        let mut features = Vec::new();
        clause_features("很不满意", 18, &mut features);
        assert!(features.contains(&char_feature("满", true)));
        assert!(features.contains(&char_feature("意", true)));
        let far = "不一二三四五六好";
        assert_eq!(far.chars().count(), NEGATION_SCOPE_HAN + 3);
        features.clear();
        clause_features(far, 18, &mut features);
        assert!(features.contains(&char_feature("五", true)));
        assert!(features.contains(&char_feature("好", false)));
        assert!(!features.contains(&char_feature("好", true)));
    }

    proptest! {
        #[test]
        fn one_pass_over_a_comment_gives_the_features_of_its_clauses(
            raw in "([ -~\t\n\x0b\x00-\x08]|but |though|However|yet|'but|, e|except){0,40}"
        ) {
            let text = crate::normalize(&raw, crate::NormalizeOptions::default());
            let mut by_clause = Vec::new();
            for clause in crate::clauses(&text) {
                clause_features(clause.text, 18, &mut by_clause);
            }
            let mut one_pass = Vec::new();
            ascii_comment_features(&text, 18, &mut one_pass);
            prop_assert_eq!(one_pass, by_clause);
        }

        #[test]
        fn the_ascii_path_gives_the_general_features(clause in "[ -~\t\n\x0b\x0c\r\x00-\x08]{0,80}") {
            let fresh = || State { negated: false, previous_word: None, bits: 18 };
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            ascii_clause_features(&clause, fresh(), &mut fast);
            decoded_clause_features(&clause, fresh(), &mut general);
            prop_assert_eq!(fast, general);
        }
    }
}
