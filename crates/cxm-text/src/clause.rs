//! Splitting a comment into clauses, the unit of sentiment and of aspect sentiment: at sentence
//! and clause punctuation (Chinese and Western), at line breaks, and before contrast words
//! (但是, 可是, 不过, 然而, 只是; but, however, although, though, yet, except), which usually
//! turn the sentiment around: "物流很快，但是质量很差" is two clauses of opposite sentiment.

/// A clause: its text and its byte range in the comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clause<'a> {
    /// The clause's text, trimmed.
    pub text: &'a str,
    /// Byte offset of the clause in the comment.
    pub start: usize,
}

/// ASCII characters: 1 breaks a clause, 2 may begin a contrast word.
const ASCII_CLASS: [u8; 128] = {
    let mut table = [0u8; 128];
    let breaks = b",.!?;:\n~()[]";
    let mut i = 0;
    while i < breaks.len() {
        table[breaks[i] as usize] = 1;
        i += 1;
    }
    let starts = b"bBhHaAtTyYeE";
    let mut i = 0;
    while i < starts.len() {
        table[starts[i] as usize] = 2;
        i += 1;
    }
    table
};

/// Whether `c` ends a clause: the ASCII breaks of [`ASCII_CLASS`] and their Chinese and
/// full-width counterparts.
pub(crate) fn is_break(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_CLASS[c as usize] == 1;
    }
    "，。！？；：、…～（）【】".contains(c)
}

/// Whether a contrast word may begin with `c` (its first letter), to skip the full check
/// everywhere else.
pub(crate) fn may_start_contrast(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_CLASS[c as usize] == 2;
    }
    "但可不然只却".contains(c)
}

const CONTRAST_ZH: &[&str] = &["但是", "可是", "不过", "然而", "只是", "但", "却"];
/// English contrast words; no two begin with the same letter.
const CONTRAST_EN: &[&str] = &["but", "however", "although", "though", "yet", "except"];

/// The clauses of `text`, in order; empty clauses are dropped.
pub fn clauses(text: &str) -> Vec<Clause<'_>> {
    // ASCII text walks its bytes (each is a char); other text decodes.
    if text.is_ascii() {
        split(
            text,
            text.bytes().enumerate().map(|(i, b)| (i, char::from(b))),
        )
    } else {
        split(text, text.char_indices())
    }
}

fn split<'a>(text: &'a str, chars: impl Iterator<Item = (usize, char)>) -> Vec<Clause<'a>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous = '\0';
    for (index, c) in chars {
        if is_break(c) {
            push(text, start, index, &mut out);
            start = index + c.len_utf8();
        } else if index > start
            && may_start_contrast(c)
            && !previous.is_ascii_alphanumeric()
            && starts_contrast(&text[index..], &text[..index])
        {
            push(text, start, index, &mut out);
            start = index;
        }
        previous = c;
    }
    push(text, start, text.len(), &mut out);
    out
}

fn push<'a>(text: &'a str, from: usize, to: usize, out: &mut Vec<Clause<'a>>) {
    let piece = &text[from..to];
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        let offset = from + (piece.len() - piece.trim_start().len());
        out.push(Clause {
            text: trimmed,
            start: offset,
        });
    }
}

/// Whether a contrast word begins at `rest` (with a word boundary before English words).
pub(crate) fn starts_contrast(rest: &str, before: &str) -> bool {
    let previous = before.chars().next_back();
    if rest.as_bytes()[0].is_ascii() {
        // One contrast word per first letter.
        let Some(word) = CONTRAST_EN
            .iter()
            .find(|word| word.as_bytes()[0] == rest.as_bytes()[0].to_ascii_lowercase())
        else {
            return false;
        };
        return rest
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
            && !rest[word.len()..]
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
    }
    // Single-character contrast words only after a Han character, so that 但 inside 不但 or
    // 却 at the start of a clause do not split.
    !before.ends_with('不')
        && CONTRAST_ZH.iter().any(|word| {
            rest.starts_with(word)
                && (word.chars().count() > 1
                    || previous.is_some_and(|p| crate::language::is_han(p) && p != '不'))
        })
}
