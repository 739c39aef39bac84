//! The pages' strings in zh-CN and en, from `messages/{zh,en}.toml` (embedded), and the choice
//! of language: a `lang` query parameter, then the signed-in user's preference, then the
//! `cxm_lang` cookie, then `Accept-Language`, then Chinese.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::HeaderMap;

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language's code, as in URLs and the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The HTML `lang` attribute.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Parses `zh…` or `en…`.
    pub fn parse(text: &str) -> Option<Lang> {
        let text = text.trim().to_ascii_lowercase();
        if text.starts_with("zh") {
            Some(Lang::Zh)
        } else if text.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of a request.
    pub fn choose(query: Option<&str>, user: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(lang) = query.and_then(Lang::parse) {
            return lang;
        }
        if let Some(lang) = user.and_then(Lang::parse) {
            return lang;
        }
        if let Some(lang) = crate::web::session::cookie(headers, "cxm_lang")
            .as_deref()
            .and_then(Lang::parse)
        {
            return lang;
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // The first listed language we speak (weights are rarely out of order).
        accept
            .split(',')
            .filter_map(|part| Lang::parse(part.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or(Lang::Zh)
    }

    /// The message with `key` in this language (the key itself when missing, which a test
    /// rules out).
    pub fn t(self, key: &str) -> &'static str {
        let table = messages();
        let map = match self {
            Lang::Zh => &table.0,
            Lang::En => &table.1,
        };
        map.get(key).map_or("?", |s| s.as_str())
    }

    /// The message with `key` in this language, if there is one (for open-ended keys such
    /// as configured root causes).
    pub fn try_t(self, key: &str) -> Option<&'static str> {
        let table = messages();
        let map = match self {
            Lang::Zh => &table.0,
            Lang::En => &table.1,
        };
        map.get(key).map(String::as_str)
    }
}

type Tables = (HashMap<String, String>, HashMap<String, String>);

fn messages() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        (
            parse(include_str!("../../messages/zh.toml")),
            parse(include_str!("../../messages/en.toml")),
        )
    })
}

fn parse(text: &str) -> HashMap<String, String> {
    toml::from_str(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key_and_parse() {
        let (zh, en) = messages();
        assert!(zh.len() > 40, "zh.toml did not parse");
        let mut zh_keys: Vec<&String> = zh.keys().collect();
        let mut en_keys: Vec<&String> = en.keys().collect();
        zh_keys.sort();
        en_keys.sort();
        assert_eq!(zh_keys, en_keys);
    }

    #[test]
    fn accept_language_picks_the_first_language_we_speak() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "accept-language",
            "fr-FR,en-US;q=0.8,zh;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::choose(None, None, &headers), Lang::En);
        assert_eq!(Lang::choose(Some("zh"), None, &headers), Lang::Zh);
        assert_eq!(Lang::choose(None, None, &HeaderMap::new()), Lang::Zh);
    }
}
