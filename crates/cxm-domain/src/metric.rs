//! What each metric means: which answers it reads and how it counts them. The prose version of
//! these definitions, with the same version number, is `docs/metrics.md`.

use std::fmt;
use std::str::FromStr;

use crate::{DomainError, QuestionKey};

/// Version of the metric definitions; bump it, and `docs/metrics.md`, when a definition
/// changes meaning.
pub const DEFINITIONS_VERSION: &str = "1";

/// The kinds of metric the engine computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricKind {
    /// Net Promoter Score of NPS questions (0–10).
    Nps,
    /// Customer satisfaction: top-box share and mean of ratings with role `csat`.
    Csat,
    /// Customer effort: mean and "easy" top-box share of ratings with role `ces`.
    Ces,
    /// Mean of one numeric item (rating, NPS or matrix row).
    Mean,
    /// Distribution of one numeric or choice item.
    Distribution,
    /// Share of respondents choosing each option of a choice question.
    ChoiceShare,
    /// Number of responses.
    Count,
}

/// One metric of a query: its kind, the item it reads and its options.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricSpec {
    /// The kind.
    pub kind: MetricKind,
    /// The item read; optional for NPS, CSAT and CES (then every question of that kind or role
    /// in the selected surveys), required for mean, distribution and choice share.
    pub question: Option<QuestionKey>,
    /// Lowest value counted in the top box (CSAT, CES); defaults to the top two values of the
    /// scale for CSAT (4–5 of 1–5) and the top three for CES (5–7 of 1–7).
    pub top_box: Option<i64>,
}

impl MetricKind {
    /// The kind's name in queries and output.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Nps => "nps",
            MetricKind::Csat => "csat",
            MetricKind::Ces => "ces",
            MetricKind::Mean => "mean",
            MetricKind::Distribution => "distribution",
            MetricKind::ChoiceShare => "share",
            MetricKind::Count => "count",
        }
    }
}

impl FromStr for MetricSpec {
    type Err = DomainError;

    /// Parses `kind[:question][@top_box]`, e.g. `nps`, `csat@5`, `mean:ease`, `share:reason`.
    fn from_str(text: &str) -> Result<Self, DomainError> {
        let error = |message: String| DomainError::new("metrics", message);
        let (rest, top_box) = match text.split_once('@') {
            Some((rest, top)) => (
                rest,
                Some(top.trim().parse::<i64>().map_err(|_| {
                    error(format!("{text:?}: top box {top:?} is not a whole number"))
                })?),
            ),
            None => (text, None),
        };
        let (kind, question) = match rest.split_once(':') {
            Some((kind, question)) => (
                kind.trim(),
                Some(
                    QuestionKey::parse(question.trim())
                        .map_err(|e| error(format!("{text:?}: {}", e.message)))?,
                ),
            ),
            None => (rest.trim(), None),
        };
        let kind = match kind {
            "nps" => MetricKind::Nps,
            "csat" => MetricKind::Csat,
            "ces" => MetricKind::Ces,
            "mean" => MetricKind::Mean,
            "distribution" | "dist" => MetricKind::Distribution,
            "share" => MetricKind::ChoiceShare,
            "count" => MetricKind::Count,
            other => {
                return Err(error(format!(
                    "unknown metric {other:?}; expected nps, csat, ces, mean:QUESTION, distribution:QUESTION, share:QUESTION or count"
                )));
            }
        };
        let needs_question = matches!(
            kind,
            MetricKind::Mean | MetricKind::Distribution | MetricKind::ChoiceShare
        );
        if needs_question && question.is_none() {
            return Err(error(format!(
                "{text:?}: {} needs a question, as {}:QUESTION",
                kind.as_str(),
                kind.as_str()
            )));
        }
        if top_box.is_some() && !matches!(kind, MetricKind::Csat | MetricKind::Ces) {
            return Err(error(format!("{text:?}: only csat and ces take a top box")));
        }
        if kind == MetricKind::Count && question.is_some() {
            return Err(error(format!("{text:?}: count takes no question")));
        }
        Ok(MetricSpec {
            kind,
            question,
            top_box,
        })
    }
}

impl fmt::Display for MetricSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if let Some(question) = &self.question {
            write!(f, ":{question}")?;
        }
        if let Some(top) = self.top_box {
            write!(f, "@{top}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_specs_parse_and_print() {
        for text in [
            "nps",
            "csat@5",
            "ces",
            "mean:ease",
            "share:reason",
            "distribution:nps",
            "nps:ltr",
            "count",
        ] {
            let spec: MetricSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        for bad in [
            "npss",
            "mean",
            "nps@3",
            "count:x",
            "csat@x",
            "share:bad key",
        ] {
            assert!(bad.parse::<MetricSpec>().is_err(), "{bad}");
        }
    }
}
