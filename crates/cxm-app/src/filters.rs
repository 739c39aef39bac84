//! The filters pages carry in their URLs (`filter.region=华东`, `filter.answer:dish=rice`):
//! which kind of field each key names, and how it narrows a metric query (the dashboard) or a
//! response listing (the explorer), so that both pages read a filter the same way.

use crate::{MetricQueryInput, ResponseListInput};

/// What a page's filter key names.
enum FilterKey<'k> {
    Channel,
    Touchpoint,
    /// `answer:<question>`: the options chosen on a choice question.
    Answer(&'k str),
    /// Any other key: a dimension.
    Dimension(&'k str),
}

impl<'k> FilterKey<'k> {
    fn of(key: &'k str) -> FilterKey<'k> {
        match key {
            "channel" => FilterKey::Channel,
            "touchpoint" => FilterKey::Touchpoint,
            other => match other.strip_prefix("answer:") {
                Some(question) => FilterKey::Answer(question),
                None => FilterKey::Dimension(other),
            },
        }
    }
}

impl MetricQueryInput {
    /// Narrows the query by a page's filter: `key` (`channel`, `touchpoint`, a dimension key,
    /// `answer:<question>`) to any of `values`.
    pub fn add_filter(&mut self, key: &str, values: &[String]) {
        match FilterKey::of(key) {
            FilterKey::Channel => self.channels.extend_from_slice(values),
            FilterKey::Touchpoint => self.touchpoints.extend_from_slice(values),
            FilterKey::Answer(question) => self
                .answers
                .entry(question.to_owned())
                .or_default()
                .extend_from_slice(values),
            FilterKey::Dimension(dimension) => self
                .dimensions
                .entry(dimension.to_owned())
                .or_default()
                .extend_from_slice(values),
        }
    }
}

impl ResponseListInput {
    /// Narrows the listing by a page's filter, as [`MetricQueryInput::add_filter`] narrows a
    /// metric query.
    pub fn add_filter(&mut self, key: &str, values: &[String]) {
        match FilterKey::of(key) {
            FilterKey::Channel => self.channels.extend_from_slice(values),
            FilterKey::Touchpoint => self.touchpoints.extend_from_slice(values),
            FilterKey::Answer(question) => {
                self.answers.push((question.to_owned(), values.to_vec()));
            }
            FilterKey::Dimension(dimension) => {
                self.dimensions
                    .push((dimension.to_owned(), values.to_vec()));
            }
        }
    }
}
