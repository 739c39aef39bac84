//! Calendar arithmetic for metrics: local days in the configured time zone, time grains and
//! their periods, and the previous / same-last-year periods that comparisons use.
//!
//! Every response stores the local day (days since 1970-01-01 in the configured zone) and the
//! local month index (`year·12 + month − 1`) of its submission. All grains derive from those two
//! integers with integer arithmetic, which is how SQLite and PostgreSQL compute identical buckets
//! without either knowing time zones:
//! day = `local_day`; ISO week = `(local_day + 3) / 7` (weeks start on Monday; 1970-01-01 was a
//! Thursday); month = `local_month`; quarter = `local_month / 3`; year = `local_month / 12`.
//! Submissions before 1970-01-05 (the first Monday) are refused at ingest, so all of these are
//! non-negative and truncating division equals floor division on both databases.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::DomainError;

/// A time grain for grouping metrics.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    /// Calendar day.
    Day,
    /// ISO 8601 week, Monday to Sunday.
    Week,
    /// Calendar month.
    Month,
    /// Calendar quarter.
    Quarter,
    /// Calendar year.
    Year,
}

/// One period of a grain, e.g. month 2025-03.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// The grain.
    pub grain: Grain,
    /// The grain's index: local day, ISO week number since 1970, month index, quarter index or
    /// year.
    pub index: i64,
}

/// Days since 1970-01-01 in the configured time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalDay(pub i64);

/// The time zone in which days, weeks and months begin, e.g. `Asia/Shanghai`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

/// An inclusive range of local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// First day included.
    pub since: NaiveDate,
    /// Last day included.
    pub until: NaiveDate,
}

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
/// The first Monday after the epoch; earlier submissions are refused.
pub(crate) const FIRST_MONDAY: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 5).expect("valid date");

impl Grain {
    /// The grain's name as written in queries.
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    /// The SQL expression of the period index over the columns `local_day` and `local_month`
    /// of table alias `alias`; the same text runs on SQLite and PostgreSQL.
    pub fn sql_index(self, alias: &str) -> String {
        match self {
            Grain::Day => format!("{alias}.local_day"),
            Grain::Week => format!("(({alias}.local_day + 3) / 7)"),
            Grain::Month => format!("{alias}.local_month"),
            Grain::Quarter => format!("({alias}.local_month / 3)"),
            Grain::Year => format!("({alias}.local_month / 12)"),
        }
    }

    /// The period containing `date`.
    pub fn period_of(self, date: NaiveDate) -> Period {
        let day = LocalDay::from_date(date).0;
        let month = month_index(date);
        let index = match self {
            Grain::Day => day,
            Grain::Week => (day + 3).div_euclid(7),
            Grain::Month => month,
            Grain::Quarter => month.div_euclid(3),
            Grain::Year => month.div_euclid(12),
        };
        Period { grain: self, index }
    }
}

impl FromStr for Grain {
    type Err = DomainError;

    fn from_str(value: &str) -> Result<Self, DomainError> {
        match value {
            "day" => Ok(Grain::Day),
            "week" => Ok(Grain::Week),
            "month" => Ok(Grain::Month),
            "quarter" => Ok(Grain::Quarter),
            "year" => Ok(Grain::Year),
            other => Err(DomainError::new(
                "grain",
                format!("unknown grain {other:?}; expected day, week, month, quarter or year"),
            )),
        }
    }
}

impl Period {
    /// The first local date of the period.
    pub fn start(self) -> NaiveDate {
        match self.grain {
            Grain::Day => LocalDay(self.index).to_date(),
            Grain::Week => LocalDay(self.index * 7 - 3).to_date(),
            Grain::Month => month_start(self.index),
            Grain::Quarter => month_start(self.index * 3),
            Grain::Year => month_start(self.index * 12),
        }
    }

    /// The last local date of the period.
    pub fn end(self) -> NaiveDate {
        let next = Period {
            grain: self.grain,
            index: self.index + 1,
        };
        next.start() - TimeDelta::days(1)
    }

    /// The period before this one.
    pub fn previous(self) -> Period {
        Period {
            grain: self.grain,
            index: self.index - 1,
        }
    }

    /// The same period one year earlier: the same date for days, 52 weeks for weeks, 12 months,
    /// 4 quarters or 1 year.
    pub fn year_ago(self) -> Period {
        let index = match self.grain {
            Grain::Day => LocalDay::from_date(shift_year(LocalDay(self.index).to_date())).0,
            Grain::Week => self.index - 52,
            Grain::Month => self.index - 12,
            Grain::Quarter => self.index - 4,
            Grain::Year => self.index - 1,
        };
        Period {
            grain: self.grain,
            index,
        }
    }
}

impl fmt::Display for Period {
    /// `2025-03-07`, `2025-W10`, `2025-03`, `2025-Q1` or `2025`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let start = self.start();
        match self.grain {
            Grain::Day => write!(f, "{}", start.format("%Y-%m-%d")),
            Grain::Week => {
                let week = start.iso_week();
                write!(f, "{}-W{:02}", week.year(), week.week())
            }
            Grain::Month => write!(f, "{}", start.format("%Y-%m")),
            Grain::Quarter => write!(f, "{}-Q{}", start.year(), start.month0() / 3 + 1),
            Grain::Year => write!(f, "{}", start.year()),
        }
    }
}

impl LocalDay {
    /// The local day of a calendar date.
    pub fn from_date(date: NaiveDate) -> LocalDay {
        LocalDay((date - EPOCH).num_days())
    }

    /// The calendar date of this local day.
    pub fn to_date(self) -> NaiveDate {
        EPOCH + TimeDelta::days(self.0)
    }
}

/// `year·12 + month − 1` of a date.
pub fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn month_start(index: i64) -> NaiveDate {
    let year = index.div_euclid(12) as i32;
    let month = index.rem_euclid(12) as u32 + 1;
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(EPOCH)
}

/// The same date a year earlier; 29 February becomes 28 February.
fn shift_year(date: NaiveDate) -> NaiveDate {
    date.checked_sub_months(Months::new(12)).unwrap_or(date)
}

impl TimeZone {
    /// Parses an IANA zone name such as `Asia/Shanghai` or `UTC`.
    ///
    /// # Errors
    /// [`DomainError`] for an unknown zone.
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        name.parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| DomainError::new("time_zone", format!("unknown IANA time zone {name:?}")))
    }

    /// Coordinated Universal Time.
    pub fn utc() -> Self {
        TimeZone(chrono_tz::Tz::UTC)
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The local date of an instant in this zone.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.0).date_naive()
    }

    /// The local day and local month index of an instant, as stored with each response.
    ///
    /// # Errors
    /// [`DomainError`] for instants whose local date is before 1970-01-05.
    pub fn stamp(&self, instant: DateTime<Utc>) -> Result<(LocalDay, i64), DomainError> {
        let date = self.local_date(instant);
        if date < FIRST_MONDAY {
            return Err(DomainError::new(
                "submitted_at",
                format!("{instant} is before 1970-01-05, the earliest date cxm stores"),
            ));
        }
        Ok((LocalDay::from_date(date), month_index(date)))
    }

    /// An instant as wall-clock time in this zone, with its offset.
    pub fn local_time(&self, instant: DateTime<Utc>) -> chrono::DateTime<chrono::FixedOffset> {
        instant.with_timezone(&self.0).fixed_offset()
    }

    /// The instant a wall-clock time in this zone stands for. In the hour repeated when clocks
    /// go back, the earlier instant is taken.
    ///
    /// # Errors
    /// [`DomainError`] for a time that does not exist here (skipped when clocks go forward).
    pub fn instant_of(&self, local: chrono::NaiveDateTime) -> Result<DateTime<Utc>, DomainError> {
        use chrono::TimeZone as _;
        self.0
            .from_local_datetime(&local)
            .earliest()
            .map(|time| time.with_timezone(&Utc))
            .ok_or_else(|| {
                DomainError::new(
                    "submitted_at",
                    format!(
                        "{local} does not exist in {} (clocks went forward)",
                        self.name()
                    ),
                )
            })
    }

    /// Today's date in this zone.
    pub fn today(&self) -> NaiveDate {
        self.local_date(Utc::now())
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(chrono_tz::UTC)
    }
}

impl DateRange {
    /// A range from `since` to `until`, both included.
    ///
    /// # Errors
    /// [`DomainError`] when `since` is after `until`.
    pub fn new(since: NaiveDate, until: NaiveDate) -> Result<Self, DomainError> {
        if since > until {
            return Err(DomainError::new(
                "since",
                format!("since {since} is after until {until}"),
            ));
        }
        Ok(DateRange { since, until })
    }

    /// Number of days in the range.
    pub fn days(&self) -> i64 {
        (self.until - self.since).num_days() + 1
    }

    /// The range of equal length that ends the day before this one starts.
    pub fn previous(&self) -> DateRange {
        let length = TimeDelta::days(self.days());
        DateRange {
            since: self.since - length,
            until: self.until - length,
        }
    }

    /// The same dates one year earlier.
    pub fn year_ago(&self) -> DateRange {
        DateRange {
            since: shift_year(self.since),
            until: shift_year(self.until),
        }
    }

    /// First and last local day.
    pub fn local_days(&self) -> (LocalDay, LocalDay) {
        (
            LocalDay::from_date(self.since),
            LocalDay::from_date(self.until),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_round_trip_through_their_labels() {
        let cases = [
            (Grain::Day, date(2024, 2, 29), "2024-02-29"),
            (Grain::Week, date(2025, 1, 1), "2025-W01"),
            (Grain::Week, date(2024, 12, 30), "2025-W01"),
            (Grain::Week, date(2021, 1, 3), "2020-W53"),
            (Grain::Month, date(2025, 3, 31), "2025-03"),
            (Grain::Quarter, date(2025, 8, 1), "2025-Q3"),
            (Grain::Year, date(2025, 8, 1), "2025"),
        ];
        for (grain, day, label) in cases {
            let period = grain.period_of(day);
            assert_eq!(period.to_string(), label, "{grain:?} {day}");
            assert!(
                period.start() <= day && day <= period.end(),
                "{grain:?} {day}"
            );
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        let period = Grain::Week.period_of(date(2025, 11, 20));
        assert_eq!(period.start(), date(2025, 11, 17));
        assert_eq!(period.end(), date(2025, 11, 23));
    }

    #[test]
    fn year_ago_keeps_the_calendar() {
        assert_eq!(
            Grain::Month
                .period_of(date(2025, 3, 5))
                .year_ago()
                .to_string(),
            "2024-03"
        );
        assert_eq!(
            Grain::Day
                .period_of(date(2024, 2, 29))
                .year_ago()
                .to_string(),
            "2023-02-28"
        );
    }

    #[test]
    fn local_dates_follow_the_zone() {
        let zone = TimeZone::parse("Asia/Shanghai").unwrap();
        let instant = "2025-01-31T20:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(zone.local_date(instant), date(2025, 2, 1));
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }
}
