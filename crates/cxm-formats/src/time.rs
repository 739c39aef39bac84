//! Times as exports write them: ISO 8601 with or without offset, `2026/09/03 12:00:00`
//! (问卷星), `01/15/2024 10:22:33 AM` (SurveyMonkey), `2024年1月15日 10:22`, Unix seconds or
//! milliseconds (Delighted), and dates with English month names as spreadsheets write them
//! (`31-Jul-18`, `31 July 2018`, `Jul 31, 2018`), `20240315` and `2024.03.15`, and Google
//! Sheets' and Forms' `2024/03/15 9:41:23 AM GMT+8` (in Chinese `2024/3/15 下午2:41:23`).
//! Times without an offset are wall-clock times in the zone the import is told (the export's
//! zone is not in the file).

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use cxm_domain::TimeZone;

/// Layouts tried, in order, for times without an offset.
const LAYOUTS: [&str; 23] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %I:%M %p",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%dT%H:%M",
    // `%B` reads a month's full name or its abbreviation, in any case.
    // Two-digit years first: `%Y` would read `18` as the year 18.
    "%d-%B-%y %H:%M:%S",
    "%d-%B-%Y %H:%M:%S",
    "%d %B %Y %H:%M:%S",
    "%B %d, %Y %I:%M:%S %p",
];

/// Date-only layouts; the time is midday, so that the local day survives any zone offset.
const DATE_LAYOUTS: [&str; 11] = [
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%m/%d/%y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y年%m月%d日",
    "%d-%B-%y",
    "%d-%B-%Y",
    "%d %B %Y",
    "%B %d, %Y",
];

/// Reads a time; `None` when no layout fits.
pub fn parse_time(text: &str, zone: &TimeZone) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    for layout in ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%d %H:%M %z"] {
        if let Ok(time) = DateTime::parse_from_str(text, layout) {
            return Some(time.with_timezone(&Utc));
        }
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        // `20240315`: a date, as Chinese systems often write it.
        if text.len() == 8 && (text.starts_with("19") || text.starts_with("20")) {
            let date = NaiveDate::parse_from_str(text, "%Y%m%d").ok()?;
            return zone.instant_of(date.and_hms_opt(12, 0, 0)?).ok();
        }
        let number: i64 = text.parse().ok()?;
        return match text.len() {
            9 | 10 => DateTime::from_timestamp(number, 0),
            12 | 13 => DateTime::from_timestamp_millis(number),
            _ => None,
        };
    }
    let text = with_meridiem_last(text);
    // Google Sheets and Forms say the offset: `… GMT+8`.
    if let Some((local, offset)) = text.rsplit_once(" GMT")
        && let Some(offset) = gmt_offset(offset)
    {
        let local = local_time(local)?;
        return offset
            .from_local_datetime(&local)
            .single()
            .map(|time| time.with_timezone(&Utc));
    }
    zone.instant_of(local_time(&text)?).ok()
}

/// A wall-clock time, or a date alone at midday.
fn local_time(text: &str) -> Option<NaiveDateTime> {
    LAYOUTS
        .iter()
        .find_map(|layout| NaiveDateTime::parse_from_str(text, layout).ok())
        .or_else(|| {
            DATE_LAYOUTS
                .iter()
                .find_map(|layout| NaiveDate::parse_from_str(text, layout).ok())
                .and_then(|date| date.and_hms_opt(12, 0, 0))
        })
}

/// `2024/3/15 下午2:41:23 GMT+8` as `2024/3/15 2:41:23 PM GMT+8`.
fn with_meridiem_last(text: &str) -> Cow<'_, str> {
    for (zh, en) in [("上午", "AM"), ("下午", "PM")] {
        if let Some((date, time)) = text.split_once(zh) {
            let time = time.trim();
            return Cow::Owned(match time.split_once(' ') {
                Some((clock, rest)) => format!("{} {clock} {en} {rest}", date.trim()),
                None => format!("{} {time} {en}", date.trim()),
            });
        }
    }
    Cow::Borrowed(text)
}

/// The offset after `GMT`: `+8`, `+08:00`, `-0530`, or nothing (GMT itself).
fn gmt_offset(text: &str) -> Option<FixedOffset> {
    let text = text.trim();
    if text.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match text.split_at_checked(1)? {
        ("+", digits) => (1, digits),
        ("-", digits) => (-1, digits),
        _ => return None,
    };
    if !digits.is_ascii() || digits.is_empty() {
        return None;
    }
    let (hours, minutes) = match digits.split_once(':') {
        Some(parts) => parts,
        None if digits.len() > 2 => digits.split_at(digits.len() - 2),
        None => (digits, "0"),
    };
    if hours.len() > 2 || minutes.len() > 2 {
        return None;
    }
    let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_layouts_are_read_in_the_given_zone() {
        let shanghai = TimeZone::parse("Asia/Shanghai").unwrap();
        let expect = "2026-09-03T04:00:00+00:00";
        for text in [
            "2026/09/03 12:00:00",
            "2026-09-03 12:00:00",
            "09/03/2026 12:00:00 PM",
            "2026年9月3日 12:00",
            "2026-09-03T12:00:00+08:00",
            "2026-09-03 12:00 +0800",
            "2026-09-02 21:00 -0700",
        ] {
            let time = parse_time(text, &shanghai).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(time.to_rfc3339(), expect, "{text}");
        }
        assert_eq!(
            parse_time("1713418460", &shanghai).unwrap().to_rfc3339(),
            "2024-04-18T05:34:20+00:00"
        );
        // Month names, as spreadsheets write dates: midday in the zone.
        for text in [
            "3-Sep-26",
            "03-SEP-2026",
            "3 September 2026",
            "Sep 3, 2026",
            "September 3, 2026",
        ] {
            let time = parse_time(text, &shanghai).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(time.to_rfc3339(), expect, "{text}");
        }
        for text in ["31-Jul-18", "7/31/18", "07/31/2018"] {
            assert_eq!(
                parse_time(text, &shanghai).unwrap().to_rfc3339(),
                "2018-07-31T04:00:00+00:00",
                "{text}"
            );
        }
        assert_eq!(
            parse_time("7/31/18 16:30", &shanghai).unwrap().to_rfc3339(),
            "2018-07-31T08:30:00+00:00"
        );
        assert_eq!(
            parse_time("03-Sep-2026 12:00:00", &shanghai)
                .unwrap()
                .to_rfc3339(),
            expect
        );
        // Google Sheets and Forms, with their offset; compact and dotted dates.
        for text in [
            "2026/09/03 12:00:00 PM GMT+8",
            "2026/9/3 下午12:00:00 GMT+8",
            "2026/09/03 4:00:00 AM GMT",
            "2026/09/03 05:30:00 AM GMT+01:30",
            "20260903",
            "2026.09.03",
            "2026.09.03 12:00",
        ] {
            let time = parse_time(text, &shanghai).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(time.to_rfc3339(), expect, "{text}");
        }
        assert_eq!(
            parse_time("2026/9/3 上午9:00:00", &shanghai)
                .unwrap()
                .to_rfc3339(),
            "2026-09-03T01:00:00+00:00"
        );
        for nonsense in [
            "yesterday",
            "31-Foo-18",
            "2026/09/03 12:00 GMT+x",
            "2026/09/03 12:00 GMT+88888888",
            "12345678",
            "GMT+é",
        ] {
            assert!(parse_time(nonsense, &shanghai).is_none(), "{nonsense}");
        }
    }
}
