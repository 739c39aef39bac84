//! Listing responses: filters as clients send them, pages with an opaque cursor.

use chrono::NaiveDate;
use cxm_domain::LocalDay;
use cxm_store::{ResponseFilter, ResponsePage};

use crate::{App, AppError};

/// A response listing as clients ask for it.
#[derive(Debug, Clone, Default)]
pub struct ResponseListInput {
    /// Survey key.
    pub survey: Option<String>,
    /// First local date, `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Last local date, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// Channels.
    pub channels: Vec<String>,
    /// Touchpoints.
    pub touchpoints: Vec<String>,
    /// Dimension filters.
    pub dimensions: Vec<(String, Vec<String>)>,
    /// Answer filters: choice question key → options (keys or labels), one of which chosen.
    pub answers: Vec<(String, Vec<String>)>,
    /// Cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 1,000 (default 100).
    pub limit: Option<u32>,
}

/// Default page size.
const DEFAULT_LIMIT: u32 = 100;

impl App {
    /// One page of responses, newest first, and the cursor of the next.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for a bad date, cursor or limit.
    pub async fn responses(
        &self,
        input: &ResponseListInput,
    ) -> Result<(ResponsePage, Option<String>), AppError> {
        let date = |field: &str, text: &Option<String>| -> Result<Option<i64>, AppError> {
            text.as_deref()
                .map(|t| {
                    NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                        .map(|d| LocalDay::from_date(d).0)
                        .map_err(|_| {
                            AppError::invalid(
                                field,
                                format!("{t:?} is not a date in the form YYYY-MM-DD"),
                            )
                        })
                })
                .transpose()
        };
        let since = date("since", &input.since)?;
        let until = date("until", &input.until)?;
        let days = match (since, until) {
            (None, None) => None,
            (since, until) => Some((since.unwrap_or(0), until.unwrap_or(i64::MAX / 2))),
        };
        let after = match &input.cursor {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor).ok_or_else(|| {
                AppError::invalid("cursor", "is not a cursor this server issued")
            })?),
        };
        let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=1000).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("{limit} is outside 1..1000"),
            ));
        }
        for channel in &input.channels {
            channel.parse::<cxm_domain::Channel>()?;
        }
        let answers = self
            .resolve_answer_filters(
                input.survey.as_deref(),
                input.answers.iter().map(|(key, values)| (key, values)),
            )
            .await?;
        let filter = ResponseFilter {
            survey: input.survey.clone(),
            days,
            channels: input.channels.clone(),
            touchpoints: input.touchpoints.clone(),
            dimensions: input.dimensions.clone(),
            answers,
            after,
            uid: None,
            source_key: None,
            source_ids: None,
            limit,
        };
        let page = self.store.responses(&filter).await?;
        let next = page.next.map(|(at, id)| format!("{at}_{id}"));
        Ok((page, next))
    }
}

fn decode_cursor(cursor: &str) -> Option<(i64, i64)> {
    let (at, id) = cursor.split_once('_')?;
    Some((at.parse().ok()?, id.parse().ok()?))
}
