//! From a read file to an import plan: the survey (built from the export, or the existing one
//! the file is matched to, with every mismatch reported), and for each question how its
//! columns become an answer. [`crate::convert`] then turns rows into responses with it.

use std::collections::HashMap;

use cxm_domain::{
    ChoiceOption, LocalizedText, MetricRole, Question, QuestionKey, QuestionKind, Survey,
    SurveyKey, SurveyStatus, TimeZone,
};
use serde::Serialize;

use crate::layout::{Format, Part, Role, slug};
use crate::question::{match_question, new_question};
use crate::time::parse_time;
use crate::{CellProblem, Mapping, Prepared};

/// What the import is told beyond the file.
#[derive(Debug, Clone)]
pub struct PlanOptions<'a> {
    /// The survey the responses belong to.
    pub survey: SurveyKey,
    /// Its name, when it is created from the file.
    pub name: String,
    /// The zone of times written without an offset.
    pub zone: TimeZone,
    /// Keep respondents' IP addresses (as a hidden `ip` question).
    pub keep_ip: bool,
    /// The survey as stored, when it exists: the file is matched to it.
    pub existing: Option<&'a Survey>,
    /// The user's mapping, for question kinds.
    pub mapping: Option<&'a Mapping>,
}

/// How an import will read a file, shown by `--dry-run`.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The format.
    pub format: Format,
    /// The survey the responses go to.
    pub survey: Survey,
    /// Whether the import creates that survey.
    pub creates_survey: bool,
    /// Every column and what becomes of it.
    pub columns: Vec<ColumnPlan>,
    /// Problems with the file as a whole (header mismatches against the survey).
    pub problems: Vec<CellProblem>,
    /// The source stored with each response; with the response id it keys re-imports.
    pub source: String,
    /// Whether rows are keyed by their content because the file has no response id.
    pub keyed_by_content: bool,
    /// The submission time (RFC 3339) of rows whose file gives none, from the mapping.
    pub default_submitted_at: Option<String>,
    #[serde(skip)]
    pub(crate) questions: Vec<QuestionPlan>,
    #[serde(skip)]
    pub(crate) meta: Meta,
    #[serde(skip)]
    pub(crate) zone: TimeZone,
    #[serde(skip)]
    pub(crate) headers: Vec<String>,
    /// Per column, the cells the mapping says mean "no answer".
    #[serde(skip)]
    pub(crate) missing: Vec<Vec<String>>,
}

/// One column in a plan.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnPlan {
    /// Spreadsheet-style column name: A, B, …, AA.
    pub column: String,
    /// The header.
    pub header: String,
    /// What it becomes: `question nps (nps)`, `dimension region`, `ignored: …`.
    pub becomes: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Meta {
    pub id: Option<usize>,
    pub source: Option<usize>,
    pub source_id: Option<usize>,
    pub survey: Option<usize>,
    pub submitted: Vec<usize>,
    pub started: Vec<usize>,
    /// Time columns whose header says they are in UTC (Typeform's `Submit Date (UTC)`).
    pub utc: Vec<usize>,
    pub complete: Option<usize>,
    pub channel: Option<usize>,
    pub language: Option<usize>,
    pub touchpoint: Option<usize>,
    pub ip: Option<usize>,
    pub customer_id: Option<usize>,
    pub email: Option<usize>,
    pub names: Vec<usize>,
    pub dimensions: Vec<(usize, String)>,
    /// Whether `submitdate`-style emptiness marks an unfinished response (LimeSurvey).
    pub empty_submit_is_partial: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct QuestionPlan {
    pub key: String,
    pub conv: Conv,
}

/// How a question's cells become its answer.
#[derive(Debug, Clone)]
pub(crate) enum Conv {
    /// A number in `min..=max` after subtracting `shift`; verbal scale points accepted.
    Number { column: usize, shift: i64 },
    /// One option, looked up by key or label (lower case).
    Choice {
        column: usize,
        options: HashMap<String, String>,
    },
    /// Several options in one cell.
    Multi {
        column: usize,
        options: HashMap<String, String>,
        separator: char,
    },
    /// One column per option: a non-empty cell other than 0 means chosen.
    Items { items: Vec<(usize, String)> },
    /// One column per matrix row.
    Matrix { rows: Vec<(usize, String)> },
    /// Text as it is.
    Text { column: usize },
}

impl Plan {
    /// The header of the (first) column feeding question `key`, for problem reports.
    pub fn column_of(&self, key: &str) -> Option<&str> {
        let index = self
            .questions
            .iter()
            .find(|q| q.key == key)
            .map(|q| match &q.conv {
                Conv::Number { column, .. }
                | Conv::Choice { column, .. }
                | Conv::Multi { column, .. }
                | Conv::Text { column } => *column,
                Conv::Items { items: columns } | Conv::Matrix { rows: columns } => {
                    columns.first().map_or(0, |c| c.0)
                }
            })?;
        self.headers.get(index).map(String::as_str)
    }

    /// The header of the column a response's submission time is read from (the first time
    /// column; the start time when the file has no submission time).
    pub fn time_column(&self) -> Option<&str> {
        let index = self.meta.submitted.first().or(self.meta.started.first())?;
        self.headers.get(*index).map(String::as_str)
    }
}

/// Spreadsheet column name of a 0-based index.
pub fn column_name(index: usize) -> String {
    let mut n = index + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Text in the language it is written in.
pub(crate) fn localized(text: &str) -> LocalizedText {
    let text = text.trim().to_owned();
    if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        LocalizedText {
            zh: Some(text),
            en: None,
        }
    } else {
        LocalizedText {
            zh: None,
            en: Some(text),
        }
    }
}

/// Options with keys from their labels (`o<N>` where a label makes no key).
pub(crate) fn options_from(labels: &[String]) -> Vec<ChoiceOption> {
    let mut used = std::collections::HashSet::new();
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let key = slug(label)
                .filter(|s| s.len() <= 24 && !used.contains(s))
                .unwrap_or_else(|| format!("o{}", i + 1));
            used.insert(key.clone());
            ChoiceOption {
                key: QuestionKey::parse(&key)
                    .unwrap_or_else(|_| QuestionKey::parse("o").expect("valid key")),
                text: localized(label),
            }
        })
        .collect()
}

/// Lookup of an option by its key or either text, lower-cased.
pub(crate) fn option_lookup(options: &[ChoiceOption]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for option in options {
        let key = option.key.as_str().to_owned();
        for name in [
            Some(key.as_str()),
            option.text.zh.as_deref(),
            option.text.en.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            map.entry(name.trim().to_lowercase())
                .or_insert_with(|| key.clone());
        }
    }
    map
}

/// One question's columns, as grouped from the layout.
pub(crate) struct Group<'a> {
    pub key: String,
    pub text: String,
    pub columns: Vec<(usize, &'a Part)>,
}

impl Group<'_> {
    /// The group's option or matrix-row columns: index, item key and label.
    pub(crate) fn items(&self) -> Vec<(usize, &str, &str)> {
        self.columns
            .iter()
            .filter_map(|(index, part)| match part {
                Part::Item { key, label } => Some((*index, key.as_str(), label.as_str())),
                Part::Whole => None,
            })
            .collect()
    }
}

impl Plan {
    /// Builds the plan for a prepared file.
    pub fn build(prepared: &Prepared, options: &PlanOptions<'_>) -> Plan {
        let layout = &prepared.layout;
        let headers: Vec<String> = layout.columns.iter().map(|c| c.header.clone()).collect();
        let mut meta = Meta {
            empty_submit_is_partial: layout.format == Format::LimeSurvey,
            ..Meta::default()
        };
        let mut groups: Vec<Group<'_>> = Vec::new();
        let mut becomes: Vec<String> = Vec::with_capacity(layout.columns.len());
        for column in &layout.columns {
            let index = column.index;
            let text = match &column.role {
                Role::ResponseId if meta.id.is_none() => {
                    meta.id = Some(index);
                    "response id".to_owned()
                }
                Role::ResponseId => "ignored: a second id column".to_owned(),
                Role::Source => {
                    meta.source = Some(index);
                    "source".to_owned()
                }
                Role::SourceId => {
                    meta.source_id = Some(index);
                    "source id".to_owned()
                }
                Role::Survey => {
                    meta.survey = Some(index);
                    "survey exported".to_owned()
                }
                Role::SubmittedAt => {
                    meta.submitted.push(index);
                    "submission time".to_owned()
                }
                Role::StartedAt => {
                    meta.started.push(index);
                    "start time".to_owned()
                }
                Role::Complete => {
                    meta.complete = Some(index);
                    "complete".to_owned()
                }
                Role::Channel => {
                    meta.channel = Some(index);
                    "channel".to_owned()
                }
                Role::Language => {
                    meta.language = Some(index);
                    "language".to_owned()
                }
                Role::Touchpoint => {
                    meta.touchpoint = Some(index);
                    "touchpoint".to_owned()
                }
                Role::Ip if options.keep_ip => {
                    meta.ip = Some(index);
                    "hidden question ip".to_owned()
                }
                Role::Ip => "ignored: IP addresses are kept only with --keep-ip".to_owned(),
                Role::CustomerId => {
                    meta.customer_id = Some(index);
                    "customer id".to_owned()
                }
                Role::CustomerEmail => {
                    meta.email = Some(index);
                    "customer email".to_owned()
                }
                Role::CustomerName => {
                    meta.names.push(index);
                    "customer name".to_owned()
                }
                Role::Dimension { key } => {
                    if meta.dimensions.iter().any(|(_, k)| k == key) {
                        "ignored: a second column for the same dimension".to_owned()
                    } else {
                        meta.dimensions.push((index, key.clone()));
                        format!("dimension {key}")
                    }
                }
                Role::Answer {
                    question,
                    text,
                    part,
                } => {
                    let whole = |p: &Part| matches!(p, Part::Whole);
                    match groups.iter_mut().find(|g| g.key == *question) {
                        // Options or rows of one question.
                        Some(group)
                            if !whole(part) && !group.columns.iter().any(|(_, p)| whole(p)) =>
                        {
                            group.columns.push((index, part));
                        }
                        None => groups.push(Group {
                            key: question.clone(),
                            text: text.clone(),
                            columns: vec![(index, part)],
                        }),
                        // Two columns whose headers make the same key (`Service`, `Service?`)
                        // are two questions: the later one gets a key of its own.
                        Some(_) => {
                            let taken = |key: &str| {
                                groups.iter().any(|g| g.key == key)
                                    || layout.columns.iter().any(|c| {
                                        matches!(&c.role, Role::Answer { question, .. } if question == key)
                                    })
                            };
                            let key = (2..)
                                .map(|n| format!("{question}_{n}"))
                                .find(|k| !taken(k))
                                .expect("a free key");
                            groups.push(Group {
                                key,
                                text: text.clone(),
                                columns: vec![(index, part)],
                            });
                        }
                    }
                    String::new()
                }
                Role::Ignored { reason } => format!("ignored: {reason}"),
            };
            becomes.push(text);
        }
        meta.utc = meta
            .submitted
            .iter()
            .chain(&meta.started)
            .copied()
            .filter(|&index| headers[index].to_lowercase().contains("utc"))
            .collect();

        let mut problems = Vec::new();
        let mut questions: Vec<Question> = Vec::new();
        let mut plans: Vec<QuestionPlan> = Vec::new();
        for group in &groups {
            let first = group.columns[0].0;
            let built = match options.existing {
                Some(survey) => match_question(survey, group, &prepared.profiles),
                None => Ok(new_question(group, prepared, options.mapping)),
            };
            match built {
                Ok((question, conv)) => {
                    let description =
                        format!("question {} ({})", question.key, kind_name(&question.kind));
                    for &(index, part) in &group.columns {
                        becomes[index] = match part {
                            Part::Whole => description.clone(),
                            Part::Item { key, .. } => format!("{description}, item {key}"),
                        };
                    }
                    if !questions.iter().any(|q| q.key == question.key) {
                        questions.push(question.clone());
                    }
                    plans.push(QuestionPlan {
                        key: question.key.to_string(),
                        conv,
                    });
                }
                Err(message) => {
                    for &(index, _) in &group.columns {
                        becomes[index] = format!("not imported: {message}");
                    }
                    problems.push(CellProblem {
                        row: 1,
                        column: headers[first].clone(),
                        value: String::new(),
                        reason: message,
                    });
                }
            }
        }
        if let Some(index) = meta.ip {
            plans.push(QuestionPlan {
                key: "ip".to_owned(),
                conv: Conv::Text { column: index },
            });
            match options.existing {
                Some(survey) if survey.question("ip").is_none() => problems.push(CellProblem {
                    row: 1,
                    column: headers[index].clone(),
                    value: String::new(),
                    reason: format!(
                        "survey {} has no hidden question ip to keep IP addresses in",
                        survey.key
                    ),
                }),
                Some(_) => {}
                None => questions.push(Question {
                    key: QuestionKey::parse("ip").expect("valid key"),
                    kind: QuestionKind::Hidden,
                    text: localized("IP address"),
                    required: false,
                }),
            }
        }
        let survey = match options.existing {
            Some(survey) => survey.clone(),
            None => match Survey::new(
                options.survey.clone(),
                localized(&options.name),
                SurveyStatus::Live,
                questions,
            ) {
                Ok(survey) => survey,
                Err(error) => {
                    problems.push(CellProblem {
                        row: 1,
                        column: String::new(),
                        value: String::new(),
                        reason: format!("the survey made from this file is invalid: {error}"),
                    });
                    Survey::new(
                        options.survey.clone(),
                        localized(&options.name),
                        SurveyStatus::Live,
                        Vec::new(),
                    )
                    .expect("an empty survey is valid")
                }
            },
        };
        if let Some(survey) = options.existing {
            let asked: std::collections::HashSet<&str> =
                plans.iter().map(|p| p.key.as_str()).collect();
            for question in &survey.questions {
                if question.required && !asked.contains(question.key.as_str()) {
                    problems.push(CellProblem {
                        row: 1,
                        column: String::new(),
                        value: String::new(),
                        reason: format!(
                            "required question {} of survey {} has no column in this file",
                            question.key, survey.key
                        ),
                    });
                }
            }
        }
        let keyed_by_content = meta.id.is_none();
        let default_submitted_at = match options.mapping.and_then(|m| m.submitted_at.as_deref()) {
            None => None,
            Some(text) => match parse_time(text, &options.zone) {
                Some(time) => Some(time.to_rfc3339()),
                None => {
                    problems.push(CellProblem {
                        row: 1,
                        column: String::new(),
                        value: text.to_owned(),
                        reason: format!(
                            "the default submission time is not a time in {}",
                            options.zone.name()
                        ),
                    });
                    None
                }
            },
        };
        if meta.submitted.is_empty() && meta.started.is_empty() && default_submitted_at.is_none() {
            problems.push(CellProblem {
                row: 1,
                column: String::new(),
                value: String::new(),
                reason: "no column holds the submission time; name it in a mapping file with role = \"submitted_at\", or give every row one time with --submitted-at (submitted_at in a mapping file)".to_owned(),
            });
        }
        let columns = layout
            .columns
            .iter()
            .map(|c| ColumnPlan {
                column: column_name(c.index),
                header: c.header.clone(),
                becomes: becomes[c.index].clone(),
            })
            .collect();
        Plan {
            format: layout.format,
            source: format!("{}:{}", layout.format.as_str(), options.survey),
            survey,
            creates_survey: options.existing.is_none(),
            columns,
            problems,
            keyed_by_content,
            default_submitted_at,
            questions: plans,
            meta,
            zone: options.zone,
            missing: prepared.missing.clone(),
            headers,
        }
    }
}

/// A kind's name as shown.
pub(crate) fn kind_name(kind: &QuestionKind) -> String {
    match kind {
        QuestionKind::Nps { .. } => "nps".to_owned(),
        QuestionKind::Rating { min, max, role, .. } => match role {
            Some(MetricRole::Csat) => format!("csat {min}–{max}"),
            Some(MetricRole::Ces) => format!("ces {min}–{max}"),
            None => format!("rating {min}–{max}"),
        },
        QuestionKind::SingleChoice { options } => {
            format!("single choice, {} options", options.len())
        }
        QuestionKind::MultiChoice { options } => {
            format!("multiple choice, {} options", options.len())
        }
        QuestionKind::Text => "text".to_owned(),
        QuestionKind::Matrix { rows, min, max } => {
            format!("matrix, {} rows, {min}–{max}", rows.len())
        }
        QuestionKind::Hidden => "hidden".to_owned(),
    }
}

/// Cells that mean "no answer": 问卷星's −2 and −3, and empty markers.
/// Whether a (trimmed) cell means "no answer": empty, one of the format's missing codes, or
/// one of `codes`, the column's codes from the mapping.
pub(crate) fn is_missing(format: Format, value: &str, codes: &[String]) -> bool {
    value.is_empty()
        || (format == Format::Wjx && matches!(value, "-2" | "-3" | "(跳过)" | "(空)"))
        || codes.iter().any(|code| code == value)
}
