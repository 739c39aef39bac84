//! A metric query: which metrics, over which responses, broken down how, compared with what.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::{
    Channel, DateRange, DimensionKey, DomainError, Grain, MetricSpec, QuestionKey, SurveyKey,
};

/// Which responses a query reads. Empty lists mean "no restriction".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// Surveys answered.
    pub surveys: Vec<SurveyKey>,
    /// Local dates of submission, both ends included.
    pub range: Option<DateRange>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Touchpoints.
    pub touchpoints: Vec<String>,
    /// Dimension values: the response's value must be one of the listed ones (= or in).
    pub dimensions: BTreeMap<DimensionKey, Vec<String>>,
    /// Customer attributes: the customer's attribute, as text, must be one of the listed ones.
    pub customer: BTreeMap<DimensionKey, Vec<String>>,
    /// Answers to choice questions: the response must have chosen one of the listed options
    /// (by key or label) of the question.
    pub answers: BTreeMap<QuestionKey, Vec<String>>,
    /// Only complete responses (partial responses count for what they answered otherwise).
    pub complete_only: bool,
}

/// A breakdown of a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupBy {
    /// By survey.
    Survey,
    /// By channel.
    Channel,
    /// By touchpoint.
    Touchpoint,
    /// By a dimension captured with responses.
    Dimension(DimensionKey),
    /// By the option chosen on a choice question (`answer:<question>`); a response that chose
    /// several options counts in each of their groups, one that did not answer in none's.
    Answer(QuestionKey),
}

/// A comparison every group is tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Comparison {
    /// The period just before (previous month for a monthly grain; the equally long range just
    /// before the date range without a grain).
    Previous,
    /// The same period one year earlier.
    YearAgo,
}

/// A complete metric query.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// Metrics to compute, at least one.
    pub metrics: Vec<MetricSpec>,
    /// Responses read.
    pub filter: Filter,
    /// Breakdowns, in order.
    pub group_by: Vec<GroupBy>,
    /// Time grain, if the result is a series.
    pub grain: Option<Grain>,
    /// Comparisons to compute for every group.
    pub compare: Vec<Comparison>,
    /// Two-sided confidence level of every interval, e.g. 0.95.
    pub confidence: f64,
    /// Groups with fewer respondents than this are flagged low base (not hidden).
    pub min_n: u64,
}

impl GroupBy {
    /// The breakdown's name as written in queries.
    pub fn name(&self) -> String {
        match self {
            GroupBy::Survey => "survey".to_owned(),
            GroupBy::Channel => "channel".to_owned(),
            GroupBy::Touchpoint => "touchpoint".to_owned(),
            GroupBy::Dimension(key) => key.as_str().to_owned(),
            GroupBy::Answer(question) => format!("answer:{}", question.as_str()),
        }
    }
}

impl FromStr for GroupBy {
    type Err = DomainError;

    /// `survey`, `channel`, `touchpoint`, `answer:<question>`, or any dimension key.
    fn from_str(text: &str) -> Result<Self, DomainError> {
        Ok(match text.trim() {
            "survey" => GroupBy::Survey,
            "channel" => GroupBy::Channel,
            "touchpoint" => GroupBy::Touchpoint,
            other if other.starts_with("answer:") => GroupBy::Answer(
                QuestionKey::parse(&other["answer:".len()..]).map_err(|e| e.within("group_by"))?,
            ),
            other => {
                GroupBy::Dimension(DimensionKey::parse(other).map_err(|e| e.within("group_by"))?)
            }
        })
    }
}

impl Comparison {
    /// The comparison's name in queries and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Previous => "previous",
            Comparison::YearAgo => "yoy",
        }
    }
}

impl FromStr for Comparison {
    type Err = DomainError;

    /// `previous` (or `pop`, `mom`) and `yoy` (or `year`).
    fn from_str(text: &str) -> Result<Self, DomainError> {
        match text.trim() {
            "previous" | "pop" | "mom" => Ok(Comparison::Previous),
            "yoy" | "year" => Ok(Comparison::YearAgo),
            other => Err(DomainError::new(
                "compare",
                format!("unknown comparison {other:?}; expected previous or yoy"),
            )),
        }
    }
}

impl MetricQuery {
    /// Checks the query as a whole.
    ///
    /// # Errors
    /// [`DomainError`] when there is no metric, the confidence level is outside (0, 1), a
    /// breakdown repeats, or a comparison has no period to compare (no grain and no date range).
    pub fn check(&self) -> Result<(), DomainError> {
        if self.metrics.is_empty() {
            return Err(DomainError::new("metrics", "name at least one metric"));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(DomainError::new(
                "confidence",
                format!("{} is outside (0, 1)", self.confidence),
            ));
        }
        for (i, group) in self.group_by.iter().enumerate() {
            if self.group_by[..i].contains(group) {
                return Err(DomainError::new(
                    "group_by",
                    format!("{} appears twice", group.name()),
                ));
            }
        }
        if self.group_by.len() > 4 {
            return Err(DomainError::new("group_by", "at most four breakdowns"));
        }
        if !self.compare.is_empty() && self.grain.is_none() && self.filter.range.is_none() {
            return Err(DomainError::new(
                "compare",
                "a comparison needs a time grain or a date range (since/until)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdowns_parse_and_name_themselves_back() {
        for text in [
            "survey",
            "channel",
            "touchpoint",
            "region",
            "answer:product",
        ] {
            let group: GroupBy = text.parse().unwrap();
            assert_eq!(group.name(), text);
        }
        assert!(matches!(
            "answer:store".parse::<GroupBy>(),
            Ok(GroupBy::Answer(question)) if question.as_str() == "store"
        ));
        let error = "answer:".parse::<GroupBy>().unwrap_err();
        assert!(error.to_string().contains("group_by"), "{error}");
    }
}
