//! Keeping the count tables (`numeric_counts`, `choice_counts`, `response_counts`) equal to the
//! fact tables: the statements that add a set of responses to them, or take them away.
//!
//! Each statement aggregates the responses' facts per (key, day, group value, completeness,
//! value) by joining `segment_dimensions`, and upserts the sums, so the work is proportional to
//! the batch, never to the data already stored.

/// Whether responses are added to the counts or taken out of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// New or replacing facts.
    Add,
    /// Facts about to be deleted or replaced.
    Remove,
}

/// The statements that move the responses with ids `$1..=$ids` into or out of the counts.
/// They must run while those responses and their answers are stored as they were counted.
pub(crate) fn adjust_statements(ids: usize, direction: Direction) -> [String; 4] {
    let list = (1..=ids)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sign = match direction {
        Direction::Add => "",
        Direction::Remove => "-",
    };
    [
        format!(
            "INSERT INTO numeric_counts (item_id, dim_key, local_day, dim_value, complete, value, local_month, n) \
             SELECT a.item_id, d.key, a.local_day, d.value, a.complete, a.value, a.local_month, {sign}COUNT(*) \
             FROM answers a JOIN segment_dimensions d ON d.segment_id = a.segment_id \
             WHERE a.response_id IN ({list}) \
             GROUP BY a.item_id, d.key, a.local_day, d.value, a.complete, a.value, a.local_month \
             ON CONFLICT (item_id, dim_key, local_day, dim_value, complete, value) DO UPDATE SET n = numeric_counts.n + excluded.n"
        ),
        format!(
            "INSERT INTO choice_counts (item_id, dim_key, local_day, dim_value, complete, option, local_month, n) \
             SELECT a.item_id, d.key, a.local_day, d.value, a.complete, a.option, a.local_month, {sign}COUNT(*) \
             FROM choice_answers a JOIN segment_dimensions d ON d.segment_id = a.segment_id \
             WHERE a.response_id IN ({list}) \
             GROUP BY a.item_id, d.key, a.local_day, d.value, a.complete, a.option, a.local_month \
             ON CONFLICT (item_id, dim_key, local_day, dim_value, complete, option) DO UPDATE SET n = choice_counts.n + excluded.n"
        ),
        // Respondents of a choice question, each once however many options they chose, under
        // option '' (never an option key).
        format!(
            "INSERT INTO choice_counts (item_id, dim_key, local_day, dim_value, complete, option, local_month, n) \
             SELECT a.item_id, d.key, a.local_day, d.value, a.complete, '', a.local_month, {sign}COUNT(DISTINCT a.response_id) \
             FROM choice_answers a JOIN segment_dimensions d ON d.segment_id = a.segment_id \
             WHERE a.response_id IN ({list}) \
             GROUP BY a.item_id, d.key, a.local_day, d.value, a.complete, a.local_month \
             ON CONFLICT (item_id, dim_key, local_day, dim_value, complete, option) DO UPDATE SET n = choice_counts.n + excluded.n"
        ),
        format!(
            "INSERT INTO response_counts (survey_id, dim_key, local_day, dim_value, complete, local_month, n) \
             SELECT r.survey_id, d.key, r.local_day, d.value, r.complete, r.local_month, {sign}COUNT(*) \
             FROM responses r JOIN segment_dimensions d ON d.segment_id = r.segment_id \
             WHERE r.id IN ({list}) \
             GROUP BY r.survey_id, d.key, r.local_day, d.value, r.complete, r.local_month \
             ON CONFLICT (survey_id, dim_key, local_day, dim_value, complete) DO UPDATE SET n = response_counts.n + excluded.n"
        ),
    ]
}

/// The rows of `segment_dimensions` for a segment: `('', '')`, `('@channel', channel)`,
/// `('@touchpoint', touchpoint)` and one per dimension.
pub(crate) fn segment_rows<'a>(
    channel: &'a str,
    touchpoint: &'a str,
    dimensions: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<(&'a str, &'a str)> {
    let mut rows = vec![("", ""), ("@channel", channel), ("@touchpoint", touchpoint)];
    rows.extend(dimensions);
    rows
}
