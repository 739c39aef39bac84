//! Breakdowns and filters by the answer to a choice question: the question's items in the
//! selected surveys, the labels its options' groups are named by, and the options a filter
//! names by key or by label.

use std::collections::{BTreeMap, HashMap};

use cxm_domain::{QuestionKey, QuestionKind};
use cxm_store::{AnswerFilter, ItemInfo, StoredSurvey};

use crate::AppError;

/// Option labels by (survey id, option key).
pub(super) type OptionLabels = HashMap<(i64, String), String>;

/// A choice question of the selected surveys.
pub(crate) struct ChoiceQuestion {
    /// Its items, one per survey that has it.
    pub items: Vec<i64>,
    options: Vec<OptionNames>,
}

/// An option of one survey: its key, the label its group is named by, and every text it goes
/// by.
struct OptionNames {
    survey_id: i64,
    key: String,
    label: String,
    texts: Vec<String>,
}

/// Why a key names no choice question.
pub(crate) enum NotChoice {
    /// A question of another kind.
    OtherKind,
    /// No question of the selected surveys.
    Missing,
}

impl NotChoice {
    /// Why `key` names no choice question, as a problem says it.
    pub(crate) fn reason(&self, key: &str) -> String {
        match self {
            NotChoice::OtherKind => format!("{key} is not a single or multiple choice question"),
            NotChoice::Missing => format!("the selected surveys have no question {key}"),
        }
    }
}

impl ChoiceQuestion {
    /// The choice question `question` of the surveys whose items are `items`.
    ///
    /// # Errors
    /// [`NotChoice`] when no selected survey has it as a single or multiple choice.
    pub(crate) fn find(
        question: &QuestionKey,
        items: &[ItemInfo],
        stored: &[StoredSurvey],
    ) -> Result<ChoiceQuestion, NotChoice> {
        let chosen: Vec<&ItemInfo> = items
            .iter()
            .filter(|item| item.key == question.as_str() && item.kind.ends_with("choice"))
            .collect();
        if chosen.is_empty() {
            return Err(if items.iter().any(|item| item.key == question.as_str()) {
                NotChoice::OtherKind
            } else {
                NotChoice::Missing
            });
        }
        let mut options = Vec::new();
        for item in &chosen {
            let Some(survey) = stored.iter().find(|s| s.id == item.survey_id) else {
                continue;
            };
            let defined = survey
                .survey
                .questions
                .iter()
                .filter(|q| q.key == *question)
                .flat_map(|q| match &q.kind {
                    QuestionKind::SingleChoice { options }
                    | QuestionKind::MultiChoice { options } => options.as_slice(),
                    _ => &[],
                });
            for option in defined {
                let label = option.text.in_language("zh").trim();
                let key = option.key.as_str().to_owned();
                options.push(OptionNames {
                    survey_id: item.survey_id,
                    label: if label.is_empty() {
                        key.clone()
                    } else {
                        label.to_owned()
                    },
                    texts: [&option.text.zh, &option.text.en]
                        .into_iter()
                        .flatten()
                        .map(|text| text.trim().to_owned())
                        .collect(),
                    key,
                });
            }
        }
        Ok(ChoiceQuestion {
            items: chosen.iter().map(|item| item.id).collect(),
            options,
        })
    }

    /// The label each option's group is named by: the text respondents saw, Chinese where the
    /// survey has it, so that equal labels of two surveys form one group.
    pub(super) fn labels(&self) -> OptionLabels {
        self.options
            .iter()
            .map(|o| ((o.survey_id, o.key.clone()), o.label.clone()))
            .collect()
    }

    /// The keys of the options `values` name, by key or by a label in either language.
    pub(crate) fn option_keys(&self, values: &[String]) -> Vec<String> {
        let mut keys: Vec<String> = self
            .options
            .iter()
            .filter(|o| {
                values
                    .iter()
                    .any(|v| *v == o.key || *v == o.label || o.texts.contains(v))
            })
            .map(|o| o.key.clone())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// Answer filters as the store reads them: per question, its items and the option keys named.
///
/// # Errors
/// [`AppError::Invalid`] naming `answers.<question>` when a question is not a choice question of
/// the selected surveys.
pub(crate) fn answer_filters(
    answers: &BTreeMap<QuestionKey, Vec<String>>,
    items: &[ItemInfo],
    stored: &[StoredSurvey],
) -> Result<Vec<AnswerFilter>, AppError> {
    let mut filters = Vec::with_capacity(answers.len());
    for (question, values) in answers {
        let key = question.as_str();
        let found = ChoiceQuestion::find(question, items, stored)
            .map_err(|why| AppError::invalid(format!("answers.{key}"), why.reason(key)))?;
        filters.push(AnswerFilter {
            options: found.option_keys(values),
            items: found.items,
        });
    }
    Ok(filters)
}

impl crate::App {
    /// Answer filters as clients send them (question key → options, by key or label),
    /// resolved against one survey or, without one, every survey: what response listings
    /// read. Nothing is read from the store when there are none.
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming `answers.<question>` for a key that is not a question key
    /// or not a choice question of those surveys.
    pub(crate) async fn resolve_answer_filters<'a>(
        &self,
        survey: Option<&str>,
        answers: impl IntoIterator<Item = (&'a String, &'a Vec<String>)>,
    ) -> Result<Vec<AnswerFilter>, AppError> {
        let mut named: BTreeMap<QuestionKey, Vec<String>> = BTreeMap::new();
        for (key, values) in answers {
            let question =
                QuestionKey::parse(key).map_err(|e| e.within(&format!("answers.{key}")))?;
            named
                .entry(question)
                .or_default()
                .extend(values.iter().map(|v| v.trim().to_owned()));
        }
        if named.is_empty() {
            return Ok(Vec::new());
        }
        let stored = self.store.surveys().await?;
        let ids: Vec<i64> = stored
            .iter()
            .filter(|s| survey.is_none_or(|key| s.survey.key.as_str() == key))
            .map(|s| s.id)
            .collect();
        let items = self.store.items(&ids).await?;
        answer_filters(&named, &items, &stored)
    }
}
