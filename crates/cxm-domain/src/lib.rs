//! Entities, newtypes and metric/query definitions of cxm.
//!
//! Types here parse instead of validate: a [`SurveyKey`] or a [`Survey`] that exists is valid,
//! and every error names the field that was wrong. Nothing here does IO, reads configuration or
//! knows how it will be stored or rendered.

mod calendar;
mod case;
mod error;
mod key;
mod metric;
mod query;
mod response;
mod survey;

pub use calendar::{DateRange, Grain, LocalDay, Period, TimeZone, month_index};
pub use case::{CaseFacts, CaseStatus, Contacts, Priority, RoutingConditions};
pub use error::DomainError;
pub use key::{DimensionKey, QuestionKey, SurveyKey};
pub use metric::{DEFINITIONS_VERSION, MetricKind, MetricSpec};
pub use query::{Comparison, Filter, GroupBy, MetricQuery};
pub use response::{AnswerValue, Channel, CustomerInput, ResponseInput, ValidResponse};
pub use survey::{
    ChoiceOption, LocalizedText, MetricRole, NumericItem, Question, QuestionKind, ScaleLabels,
    Survey, SurveyStatus,
};
