//! What each column of an export holds: the response id, the time, respondent metadata,
//! dimensions, or a part of a question's answer. Each vendor module reads its header rows into
//! a [`Layout`]; kinds are inferred later from the data ([`crate::profile`]).

use serde::Serialize;

/// The export layouts cxm recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Qualtrics CSV/TSV/XLSX, current (3 header rows) or legacy (2 header rows).
    Qualtrics,
    /// SurveyMonkey "All responses data", expanded or condensed (2 header rows).
    SurveyMonkey,
    /// 问卷星 (wjx.cn), by text or by code.
    Wjx,
    /// Delighted CSV export.
    Delighted,
    /// Formbricks CSV/XLSX export.
    Formbricks,
    /// LimeSurvey CSV export.
    LimeSurvey,
    /// Any table with one row per response and one column per question.
    Generic,
}

impl Format {
    /// Every format, in detection order (the generic layout last).
    pub const ALL: [Format; 7] = [
        Format::Qualtrics,
        Format::SurveyMonkey,
        Format::Wjx,
        Format::Delighted,
        Format::Formbricks,
        Format::LimeSurvey,
        Format::Generic,
    ];

    /// The name used on the command line and as the source of imported responses.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Qualtrics => "qualtrics",
            Format::SurveyMonkey => "surveymonkey",
            Format::Wjx => "wjx",
            Format::Delighted => "delighted",
            Format::Formbricks => "formbricks",
            Format::LimeSurvey => "limesurvey",
            Format::Generic => "generic",
        }
    }

    /// Parses a format name.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether the first rows of a table look like this format's header (the fingerprints of
    /// `formats.md`). The generic layout matches anything.
    pub fn matches(self, rows: &[Vec<String>]) -> bool {
        let first = rows.first().map(Vec::as_slice).unwrap_or_default();
        let has = |name: &str| first.iter().any(|h| h.trim() == name);
        match self {
            Format::Qualtrics => {
                (has("StartDate")
                    && has("EndDate")
                    && (has("Status") || has("Progress") || has("IPAddress")))
                    || rows
                        .iter()
                        .take(3)
                        .flatten()
                        .any(|c| c.contains("{\"ImportId\":"))
                    || (first.first().is_some_and(|c| c == "V1")
                        && rows
                            .get(1)
                            .is_some_and(|r| r.first().is_some_and(|c| c == "ResponseID")))
            }
            Format::SurveyMonkey => {
                has("Respondent ID")
                    && has("Collector ID")
                    && (has("Start Date") || has("End Date"))
            }
            Format::Wjx => has("序号") && (has("提交答卷时间") || has("来自IP") || has("所用时间")),
            Format::Delighted => {
                has("Score")
                    && (has("Comment") || has("Survey type") || has("Survey Type"))
                    && (has("Response ID") || first.iter().any(|h| h.starts_with("Delighted ")))
            }
            Format::Formbricks => {
                has("Response ID")
                    && (has("Formbricks ID (internal)") || (has("Survey ID") && has("Timestamp")))
            }
            Format::LimeSurvey => has("submitdate") && (has("lastpage") || has("startlanguage")),
            Format::Generic => true,
        }
    }

    /// The first format whose fingerprint the rows match.
    pub fn detect(rows: &[Vec<String>]) -> Format {
        Format::ALL
            .into_iter()
            .find(|f| f.matches(rows))
            .unwrap_or(Format::Generic)
    }
}

/// How the columns of a file are read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    /// The format.
    pub format: Format,
    /// Rows of header before the data.
    pub header_rows: usize,
    /// Every column, in file order.
    pub columns: Vec<Column>,
}

/// One column of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// 0-based position.
    pub index: usize,
    /// The header as shown to users (the question text where the file has one).
    pub header: String,
    /// What it holds.
    pub role: Role,
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// The response's id in the source tool: the key that makes imports idempotent.
    ResponseId,
    /// The source a response was first stored from (`qualtrics:store-nps`, `api`), as cxm's
    /// own exports write it: with [`Role::SourceId`] it keys the response instead of the
    /// file's own source and response id, so a response moved between databases keeps the
    /// identity its later imports update.
    Source,
    /// The response's id in [`Role::Source`].
    SourceId,
    /// The survey a cxm export was written from: the source columns key a response only when
    /// the file is imported into that survey (into another, its rows are copies).
    Survey,
    /// When the response was submitted.
    SubmittedAt,
    /// When the respondent started; used when no submission time is given.
    StartedAt,
    /// Whether the respondent finished (1/0, true/false).
    Complete,
    /// How the response was collected.
    Channel,
    /// The respondent's language.
    Language,
    /// The touchpoint the response is about.
    Touchpoint,
    /// The respondent's IP address, stored only when asked for.
    Ip,
    /// The customer's id in the sender's systems.
    CustomerId,
    /// The customer's email address.
    CustomerEmail,
    /// The customer's name (first and last name columns are joined).
    CustomerName,
    /// A segment dimension.
    Dimension {
        /// The dimension key.
        key: String,
    },
    /// A part of a question's answer.
    Answer {
        /// The question key.
        question: String,
        /// The question text.
        text: String,
        /// Which part of the answer.
        part: Part,
    },
    /// Not imported.
    Ignored {
        /// Why.
        reason: String,
    },
}

/// Which part of a question's answer a column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum Part {
    /// The whole answer.
    Whole,
    /// One option of a multiple choice (chosen or not) or one row of a matrix: which it is
    /// the data tells.
    Item {
        /// The option or row key.
        key: String,
        /// Its label.
        label: String,
    },
}

impl Role {
    /// A column ignored for `reason`.
    pub fn ignored(reason: &str) -> Role {
        Role::Ignored {
            reason: reason.to_owned(),
        }
    }

    /// A whole-answer column of question `key`.
    pub fn whole(key: impl Into<String>, text: impl Into<String>) -> Role {
        Role::Answer {
            question: key.into(),
            text: text.into(),
            part: Part::Whole,
        }
    }

    /// An item column of question `key`.
    pub fn item(
        key: impl Into<String>,
        text: impl Into<String>,
        item: impl Into<String>,
        label: impl Into<String>,
    ) -> Role {
        Role::Answer {
            question: key.into(),
            text: text.into(),
            part: Part::Item {
                key: item.into(),
                label: label.into(),
            },
        }
    }
}

/// A key in cxm's key grammar made from a header: ASCII letters and digits kept (lower case),
/// everything else one `_`; `None` when nothing is left (a Chinese header, say).
pub fn slug(text: &str) -> Option<String> {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out.truncate(48);
    while out.ends_with('_') {
        out.pop();
    }
    (!out.is_empty()).then_some(out)
}

/// Common Chinese names of segment columns and the dimension keys they become, so that a
/// 问卷星 or generic file's 地区 becomes `region`.
const CHINESE_SEGMENTS: [(&str, &str); 23] = [
    ("品牌", "brand"),
    ("业务线", "business_unit"),
    ("价值等级", "value_tier"),
    ("客户价值", "value_tier"),
    ("客户类型", "customer_type"),
    ("客户分群", "segment"),
    ("舱位", "cabin"),
    ("舱位等级", "cabin"),
    ("出行类型", "travel_type"),
    ("地区", "region"),
    ("区域", "region"),
    ("大区", "region"),
    ("省份", "province"),
    ("城市", "city"),
    ("门店", "store"),
    ("店铺", "store"),
    ("渠道", "channel_name"),
    ("产品", "product"),
    ("品类", "category"),
    ("会员等级", "tier"),
    ("年龄段", "age_group"),
    ("性别", "gender"),
    ("触点", "touchpoint_name"),
];

/// The dimension key of a common Chinese segment column name (`地区` → `region`).
pub(crate) fn chinese_segment(header: &str) -> Option<&'static str> {
    let trimmed = header.trim();
    CHINESE_SEGMENTS
        .iter()
        .find(|(zh, _)| *zh == trimmed)
        .map(|(_, en)| *en)
}

/// The dimension key for a header: the English key of a common Chinese segment name, else
/// the header's slug; other non-ASCII names get `col<N>`.
pub fn dimension_key(header: &str, index: usize) -> String {
    chinese_segment(header)
        .map(str::to_owned)
        .or_else(|| slug(header.trim()))
        .unwrap_or_else(|| format!("col{}", index + 1))
}
