//! Keeping the count tables (`numeric_counts`, `choice_counts`, `response_counts`) equal to the
//! fact tables: the statements that add a set of responses to them, or take them away.
//!
//! Each statement aggregates the responses' facts per (key, day, group value, completeness,
//! value) and upserts the sums, so the work is proportional to the batch, never to the data
//! already stored. Additions are summed in memory from the rows being written ([`CountBuffer`]);
//! removals read the stored rows back, joining `segment_dimensions`.

use foldhash::HashMap;

/// The statements that take a set of stored responses out of the counts; `is_one_of(column)` is
/// the condition that `column` holds one of their ids (bound from `$1` on). They must run while
/// those responses and their answers are still stored as they were counted.
pub(crate) fn removal_statements(is_one_of: impl Fn(&str) -> String) -> [String; 4] {
    let (answer, response) = (is_one_of("a.response_id"), is_one_of("r.id"));
    [
        format!(
            "INSERT INTO numeric_counts (item_id, dim_key, local_day, dim_value, complete, value, local_month, n) \
             SELECT a.item_id, d.key, a.local_day, d.value, a.complete, a.value, a.local_month, -COUNT(*) \
             FROM answers a JOIN segment_dimensions d ON d.segment_id = a.segment_id \
             WHERE {answer} \
             GROUP BY a.item_id, d.key, a.local_day, d.value, a.complete, a.value, a.local_month \
             ON CONFLICT (item_id, dim_key, local_day, dim_value, complete, value) DO UPDATE SET n = numeric_counts.n + excluded.n"
        ),
        format!(
            "INSERT INTO choice_counts (item_id, dim_key, local_day, dim_value, complete, option, local_month, n) \
             SELECT a.item_id, d.key, a.local_day, d.value, a.complete, a.option, a.local_month, -COUNT(*) \
             FROM choice_answers a JOIN segment_dimensions d ON d.segment_id = a.segment_id \
             WHERE {answer} \
             GROUP BY a.item_id, d.key, a.local_day, d.value, a.complete, a.option, a.local_month \
             ON CONFLICT (item_id, dim_key, local_day, dim_value, complete, option) DO UPDATE SET n = choice_counts.n + excluded.n"
        ),
        // Respondents of a choice question, each once however many options they chose, under
        // option '' (never an option key).
        format!(
            "INSERT INTO choice_counts (item_id, dim_key, local_day, dim_value, complete, option, local_month, n) \
             SELECT a.item_id, d.key, a.local_day, d.value, a.complete, '', a.local_month, -COUNT(DISTINCT a.response_id) \
             FROM choice_answers a JOIN segment_dimensions d ON d.segment_id = a.segment_id \
             WHERE {answer} \
             GROUP BY a.item_id, d.key, a.local_day, d.value, a.complete, a.local_month \
             ON CONFLICT (item_id, dim_key, local_day, dim_value, complete, option) DO UPDATE SET n = choice_counts.n + excluded.n"
        ),
        format!(
            "INSERT INTO response_counts (survey_id, dim_key, local_day, dim_value, complete, local_month, n) \
             SELECT r.survey_id, d.key, r.local_day, d.value, r.complete, r.local_month, -COUNT(*) \
             FROM responses r JOIN segment_dimensions d ON d.segment_id = r.segment_id \
             WHERE {response} \
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

/// A row of a count table: its key (item or survey, dimension key, day, group value,
/// completeness, then the value or option where the table has one) → (local month, n).
pub(crate) type CountRows<K> = HashMap<K, (i64, i64)>;

/// One response's place in the counts: its survey, day, month, completeness and group values
/// (dimension key and value, as ids of [`CountBuffer::intern_groups`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement<'a> {
    pub survey_id: i64,
    pub local_day: i64,
    pub local_month: i64,
    pub complete: bool,
    pub groups: &'a [(u32, u32)],
}

/// The upsert that adds rows to a count table, for `rows` rows of `columns` values each (the
/// last column being `n`).
pub(crate) fn addition_statement(table: &str, key_columns: &[&str], rows: usize) -> String {
    let columns = key_columns.len() + 2;
    format!(
        "INSERT INTO {table} ({}, local_month, n) VALUES {} ON CONFLICT ({}) DO UPDATE SET n = {table}.n + excluded.n",
        key_columns.join(", "),
        crate::ingest::values_clause(rows, columns),
        key_columns.join(", ")
    )
}

/// Count rows gathered over the batches of one ingest session, summed in memory from the rows
/// being written (nothing is read back) and written in key order when the session commits (or
/// when the buffer grows past [`CountBuffer::FLUSH_AT`] rows): far fewer upserts than one round
/// per batch, and in the tables' own order. Sums are additive, so the removals a later batch
/// writes meanwhile (negative counts) stay correct. Strings are interned once per segment, so
/// a row costs a few dozen bytes and counting a response hashes only integers.
#[derive(Debug, Default)]
pub(crate) struct CountBuffer {
    names: Vec<String>,
    ids: HashMap<String, u32>,
    /// `(item, key, day, group value, complete, value)` → (local month, n).
    numeric: CountRows<(i64, u32, i64, u32, bool, i64)>,
    /// `(item, key, day, group value, complete, option)`; option `""` counts respondents.
    choice: CountRows<(i64, u32, i64, u32, bool, u32)>,
    /// `(survey, key, day, group value, complete)`.
    responses: CountRows<(i64, u32, i64, u32, bool)>,
}

/// Adds one to the row `key` of a count table, placed in the month of `at`.
fn count<K: std::hash::Hash + Eq>(rows: &mut CountRows<K>, key: K, at: Placement<'_>) {
    rows.entry(key).or_insert((at.local_month, 0)).1 += 1;
}

/// The rows of a [`CountBuffer`], sorted by each table's key, strings resolved.
pub(crate) type NumericRow<'a> = ((i64, &'a str, i64, &'a str, bool, i64), (i64, i64));
pub(crate) type ChoiceRow<'a> = ((i64, &'a str, i64, &'a str, bool, &'a str), (i64, i64));
pub(crate) type ResponseRow<'a> = ((i64, &'a str, i64, &'a str, bool), (i64, i64));

impl CountBuffer {
    /// Rows held before the session writes them out early, to keep memory flat (about 120 MB
    /// at most, with their sorted copy). Each early write upserts rows a later write may touch
    /// again, which PostgreSQL pays for in dead row versions; a million rows hold, for
    /// example, a year of daily NPS and CSAT counts by 200 stores, 5 regions and 3 channels, so
    /// most imports write their counts once.
    pub const FLUSH_AT: usize = 1_000_000;

    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    /// A segment's group values (from [`segment_rows`]) as ids for [`Placement::groups`].
    pub fn intern_groups(&mut self, groups: &[(&str, &str)]) -> Vec<(u32, u32)> {
        groups
            .iter()
            .map(|&(key, value)| (self.id(key), self.id(value)))
            .collect()
    }

    /// Counts a response.
    pub fn response(&mut self, at: Placement<'_>) {
        for &(key, group) in at.groups {
            count(
                &mut self.responses,
                (at.survey_id, key, at.local_day, group, at.complete),
                at,
            );
        }
    }

    /// Counts a numeric answer of item `item_id`.
    pub fn number(&mut self, at: Placement<'_>, item_id: i64, value: i64) {
        for &(key, group) in at.groups {
            count(
                &mut self.numeric,
                (item_id, key, at.local_day, group, at.complete, value),
                at,
            );
        }
    }

    /// Counts the options one response chose for item `item_id`, and the response as one of
    /// the item's respondents.
    pub fn choices(&mut self, at: Placement<'_>, item_id: i64, options: &[&str]) {
        for option in options.iter().chain([&""]) {
            let option = self.id(option);
            for &(key, group) in at.groups {
                count(
                    &mut self.choice,
                    (item_id, key, at.local_day, group, at.complete, option),
                    at,
                );
            }
        }
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.numeric.len() + self.choice.len() + self.responses.len()
    }

    /// The rows, sorted by key, leaving the buffer empty (its strings stay interned).
    pub fn drain_sorted(
        &mut self,
    ) -> (
        Vec<NumericRow<'_>>,
        Vec<ChoiceRow<'_>>,
        Vec<ResponseRow<'_>>,
    ) {
        let numeric = std::mem::take(&mut self.numeric);
        let choice = std::mem::take(&mut self.choice);
        let responses = std::mem::take(&mut self.responses);
        let names = &self.names;
        let name = |id: u32| names[id as usize].as_str();
        let mut numeric: Vec<NumericRow<'_>> = numeric
            .into_iter()
            .map(|((i, k, d, g, c, v), sums)| ((i, name(k), d, name(g), c, v), sums))
            .collect();
        numeric.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut choice: Vec<ChoiceRow<'_>> = choice
            .into_iter()
            .map(|((i, k, d, g, c, o), sums)| ((i, name(k), d, name(g), c, name(o)), sums))
            .collect();
        choice.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut responses: Vec<ResponseRow<'_>> = responses
            .into_iter()
            .map(|((s, k, d, g, c), sums)| ((s, name(k), d, name(g), c), sums))
            .collect();
        responses.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        (numeric, choice, responses)
    }
}
