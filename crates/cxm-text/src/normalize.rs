//! Normalisation before analysis: full-width forms to half-width (Ａ→A, ，→,), ASCII letters to
//! lower case, control characters dropped, runs of whitespace to one space, and, as an option,
//! traditional Chinese characters to simplified ones (fast2s's table). Emoji and other symbols
//! are kept: they carry sentiment.

/// Options of [`normalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NormalizeOptions {
    /// Convert traditional Chinese characters to simplified ones.
    pub traditional_to_simplified: bool,
}

/// The normalised text.
pub fn normalize(text: &str, options: NormalizeOptions) -> String {
    if text.is_ascii() {
        return normalize_ascii(text);
    }
    normalize_decoded(text, options)
}

fn normalize_decoded(text: &str, options: NormalizeOptions) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_ascii() {
            // The common case, without the Unicode tables.
            if c.is_whitespace() {
                space = !out.is_empty();
            } else if !c.is_ascii_control() {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push(c.to_ascii_lowercase());
            }
            continue;
        }
        let c = half_width(c);
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c.to_ascii_lowercase());
    }
    if options.traditional_to_simplified {
        fast2s::convert(&out)
    } else {
        out
    }
}

/// Full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space to their ASCII forms.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// [`normalize`] for ASCII text, byte by byte (nothing to convert or widen).
fn normalize_ascii(text: &str) -> String {
    if is_plain(text.as_bytes()) {
        return text.to_ascii_lowercase();
    }
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    let mut space = false;
    for &byte in text.as_bytes() {
        if char::from(byte).is_whitespace() {
            space = !out.is_empty();
        } else if !byte.is_ascii_control() {
            if space {
                out.push(b' ');
                space = false;
            }
            out.push(byte.to_ascii_lowercase());
        }
    }
    String::from_utf8(out)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// Printable ASCII with single spaces between words and none at either end: text whose
/// normal form is its lower case. Each test is a vectorised pass over the bytes.
fn is_plain(bytes: &[u8]) -> bool {
    bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && bytes.iter().all(|byte| (0x20..0x7f).contains(byte))
        && memchr::memmem::find(bytes, b"  ").is_none()
}

#[cfg(test)]
mod tests {
    use super::{NormalizeOptions, normalize_ascii, normalize_decoded};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_ascii_path_gives_the_general_result(text in "[\x00-\x7f]{0,80}") {
            prop_assert_eq!(normalize_ascii(&text), normalize_decoded(&text, NormalizeOptions::default()));
        }

        #[test]
        fn plain_text_is_only_lower_cased(text in "[ a-zA-Z!.,'~]{0,80}") {
            prop_assert_eq!(normalize_ascii(&text), normalize_decoded(&text, NormalizeOptions::default()));
        }
    }
}
