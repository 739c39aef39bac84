//! How a group of an export's columns becomes a question of the import plan: a new question
//! whose kind is inferred from the columns' profiles (or said by the mapping file), or the
//! stored survey's question the group is matched to; either way with how its cells convert.

use cxm_domain::{
    ChoiceOption, MetricRole, Question, QuestionKey, QuestionKind, ScaleLabels, Survey,
};

use crate::infer::{self, Hint, Inferred, Profile};
use crate::layout::Format;
use crate::plan::{Conv, Group, kind_name, localized, option_lookup, options_from};
use crate::{Mapping, Prepared};

fn rating(min: i64, max: i64, hint: Hint) -> QuestionKind {
    QuestionKind::Rating {
        min,
        max,
        role: match hint {
            Hint::Csat => Some(MetricRole::Csat),
            Hint::Ces => Some(MetricRole::Ces),
            _ => None,
        },
        labels: ScaleLabels::default(),
    }
}

/// A question inferred from the file.
pub(crate) fn new_question(
    group: &Group<'_>,
    prepared: &Prepared,
    mapping: Option<&Mapping>,
) -> (Question, Conv) {
    let profiles = &prepared.profiles;
    let first = group.columns[0].0;
    let mut hint = Hint::of(&group.text);
    // Delighted's score is NPS unless its values fit a five-point scale (CSAT surveys).
    if prepared.layout.format == Format::Delighted
        && group.key == "score"
        && profiles[first].max.is_some_and(|max| max > 5)
    {
        hint = Hint::Nps;
    }
    let key = QuestionKey::parse(&group.key)
        .unwrap_or_else(|_| QuestionKey::parse(&format!("q{}", first + 1)).expect("valid key"));
    let items = group.items();
    let (kind, conv) = if !items.is_empty() {
        let with_labels: Vec<(&Profile, &str)> = items
            .iter()
            .map(|(i, _, label)| (&profiles[*i], *label))
            .collect();
        let choice_options = || -> Vec<ChoiceOption> {
            let labels: Vec<String> = items.iter().map(|(_, _, l)| (*l).to_owned()).collect();
            let mut options = options_from(&labels);
            for (option, (_, item_key, _)) in options.iter_mut().zip(&items) {
                if let Ok(key) = QuestionKey::parse(item_key) {
                    option.key = key;
                }
            }
            options
        };
        let scale = infer::matrix_scale(&with_labels.iter().map(|(p, _)| *p).collect::<Vec<_>>());
        match (infer::items_are_choices(&with_labels), scale) {
            (false, Some((min, max))) => {
                let rows = choice_options();
                let conv = Conv::Matrix {
                    rows: items
                        .iter()
                        .zip(&rows)
                        .map(|((i, _, _), r)| (*i, r.key.to_string()))
                        .collect(),
                };
                (QuestionKind::Matrix { rows, min, max }, conv)
            }
            _ => {
                let options = choice_options();
                let conv = Conv::Items {
                    items: items
                        .iter()
                        .zip(&options)
                        .map(|((i, _, _), o)| (*i, o.key.to_string()))
                        .collect(),
                };
                (QuestionKind::MultiChoice { options }, conv)
            }
        }
    } else {
        let profile = &profiles[first];
        let mut inferred = infer::infer_whole(profile, hint);
        if let Some(said) = mapping.and_then(|m| m.kind_of(&group.key)) {
            inferred = override_kind(said, profile, hint);
        }
        match inferred {
            Inferred::Nps { shift } => (
                QuestionKind::Nps {
                    labels: ScaleLabels::default(),
                },
                Conv::Number {
                    column: first,
                    shift,
                },
            ),
            Inferred::Rating { min, max, hint } => (
                rating(min, max, hint),
                Conv::Number {
                    column: first,
                    shift: 0,
                },
            ),
            Inferred::SingleChoice(labels) => {
                let options = options_from(&labels);
                let conv = Conv::Choice {
                    column: first,
                    options: option_lookup(&options),
                };
                (QuestionKind::SingleChoice { options }, conv)
            }
            Inferred::MultiChoice {
                options: labels,
                separator,
            } => {
                let options = options_from(&labels);
                let conv = Conv::Multi {
                    column: first,
                    options: option_lookup(&options),
                    separator,
                };
                (QuestionKind::MultiChoice { options }, conv)
            }
            Inferred::Text => (QuestionKind::Text, Conv::Text { column: first }),
            Inferred::Hidden => (QuestionKind::Hidden, Conv::Text { column: first }),
        }
    };
    (
        Question {
            key,
            kind,
            text: localized(&group.text),
            required: false,
        },
        conv,
    )
}

/// The kind a mapping file names, with the scale from the file where it gives none.
fn override_kind(said: &crate::mapping::ColumnMapping, profile: &Profile, hint: Hint) -> Inferred {
    let min = said
        .min
        .unwrap_or(if profile.min == Some(0) { 0 } else { 1 });
    let observed_max = profile.max.unwrap_or(5);
    match said.kind.as_deref() {
        Some("nps") => Inferred::Nps {
            shift: if profile.max == Some(11) && profile.min.unwrap_or(1) >= 1 {
                1
            } else {
                0
            },
        },
        Some("csat") => Inferred::Rating {
            min: said.min.unwrap_or(1),
            max: said.max.unwrap_or(5),
            hint: Hint::Csat,
        },
        Some("ces") => Inferred::Rating {
            min: said.min.unwrap_or(1),
            max: said.max.unwrap_or(7),
            hint: Hint::Ces,
        },
        Some("rating") => Inferred::Rating {
            min,
            max: said.max.unwrap_or(observed_max.max(min + 1)),
            hint: if hint == Hint::Nps { Hint::None } else { hint },
        },
        Some("single_choice") => Inferred::SingleChoice(profile.distinct.clone()),
        Some("multi_choice") => Inferred::MultiChoice {
            options: profile.distinct.clone(),
            separator: profile.separator.unwrap_or('┋'),
        },
        Some("hidden") => Inferred::Hidden,
        _ => Inferred::Text,
    }
}

/// The stored survey's question for a group of columns, found by key or by text, and how to
/// read the columns into it.
pub(crate) fn match_question(
    survey: &Survey,
    group: &Group<'_>,
    profiles: &[Profile],
) -> Result<(Question, Conv), String> {
    let text = group.text.trim();
    let question = survey
        .question(&group.key)
        .or_else(|| {
            survey.questions.iter().find(|q| {
                !text.is_empty()
                    && (q.text.zh.as_deref() == Some(text) || q.text.en.as_deref() == Some(text))
            })
        })
        .ok_or_else(|| {
            format!(
                "survey {} has no question {} (nor one with this text)",
                survey.key, group.key
            )
        })?;
    let first = group.columns[0].0;
    let items = group.items();
    let find_item = |options: &[ChoiceOption], key: &str, label: &str| -> Result<String, String> {
        let lookup = option_lookup(options);
        lookup
            .get(&key.to_lowercase())
            .or_else(|| lookup.get(&label.trim().to_lowercase()))
            .cloned()
            .ok_or_else(|| format!("question {} has no option or row {label:?}", question.key))
    };
    let conv = match (&question.kind, items.is_empty()) {
        (QuestionKind::Nps { .. }, true) => {
            let profile = &profiles[first];
            let shift = i64::from(profile.max == Some(11) && profile.min.unwrap_or(1) >= 1);
            Conv::Number {
                column: first,
                shift,
            }
        }
        (QuestionKind::Rating { .. }, true) => Conv::Number {
            column: first,
            shift: 0,
        },
        (QuestionKind::SingleChoice { options }, true) => Conv::Choice {
            column: first,
            options: option_lookup(options),
        },
        (QuestionKind::MultiChoice { options }, true) => Conv::Multi {
            column: first,
            options: option_lookup(options),
            separator: profiles[first].separator.unwrap_or('┋'),
        },
        (QuestionKind::MultiChoice { options }, false) => Conv::Items {
            items: items
                .iter()
                .map(|(i, k, l)| Ok((*i, find_item(options, k, l)?)))
                .collect::<Result<_, String>>()?,
        },
        (QuestionKind::Matrix { rows, .. }, false) => Conv::Matrix {
            rows: items
                .iter()
                .map(|(i, k, l)| Ok((*i, find_item(rows, k, l)?)))
                .collect::<Result<_, String>>()?,
        },
        (QuestionKind::Text | QuestionKind::Hidden, true) => Conv::Text { column: first },
        (kind, _) => {
            return Err(format!(
                "question {} is {} in the survey, which {} cannot fill",
                question.key,
                kind_name(kind),
                if items.is_empty() {
                    "one column"
                } else {
                    "several columns"
                }
            ));
        }
    };
    Ok((question.clone(), conv))
}
