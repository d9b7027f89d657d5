//! Plain values typed into the yearly tables: a year, a date and a count, as
//! they come out of spreadsheets (full-width digits, Excel floats and serial
//! dates, Chinese date formats).

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

use super::error::DomainError;
use super::text;

/// The integer digits of `s` if it is a whole number, allowing the zero
/// fraction Excel writes for integers ("12.0"); `None` otherwise.
fn whole_digits(s: &str) -> Option<&str> {
    let int = match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return None,
        None => s,
    };
    (!int.is_empty() && int.bytes().all(|b| b.is_ascii_digit())).then_some(int)
}

/// A calendar year between 2000 and 2100: the counting period of the evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Year(i32);

impl Year {
    pub const MIN: i32 = 2000;
    pub const MAX: i32 = 2100;

    /// A year from a number, if it is in range.
    pub fn new(year: i32) -> Result<Self, DomainError> {
        if (Self::MIN..=Self::MAX).contains(&year) {
            Ok(Self(year))
        } else {
            Err(DomainError::BadYear(year.to_string()))
        }
    }

    /// Accepts "2024", "2024年", "2024年度", full-width digits and "2024.0".
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let n = text::compact(s);
        if n.is_empty() {
            return Err(DomainError::Empty);
        }
        let bad = || DomainError::BadYear(text::normalize(s));
        let t = n
            .strip_suffix("年度")
            .or_else(|| n.strip_suffix('年'))
            .unwrap_or(&n);
        let year = whole_digits(t)
            .filter(|d| d.len() <= 4)
            .and_then(|d| d.parse::<i32>().ok())
            .ok_or_else(bad)?;
        Self::new(year).map_err(|_| bad())
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Year {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<Year> for i32 {
    fn from(year: Year) -> i32 {
        year.0
    }
}

impl<'de> Deserialize<'de> for Year {
    /// Reads a number or a string, checked like typed input.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct YearVisitor;
        impl serde::de::Visitor<'_> for YearVisitor {
            type Value = Year;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a year between 2000 and 2100")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Year, E> {
                i32::try_from(v)
                    .map_err(|_| DomainError::BadYear(v.to_string()))
                    .and_then(Year::new)
                    .map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Year, E> {
                i32::try_from(v)
                    .map_err(|_| DomainError::BadYear(v.to_string()))
                    .and_then(Year::new)
                    .map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Year, E> {
                Year::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(YearVisitor)
    }
}

/// Excel's day zero for serial dates (it counts 1900 as a leap year, so
/// 1899-12-30 makes every serial from 61 on, i.e. March 1900, come out right).
fn excel_epoch() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)
}

/// The largest Excel serial date, 9999-12-31.
const EXCEL_MAX_SERIAL: u64 = 2_958_465;

/// Parses a date as people and spreadsheets write it: 2025-03-05, 2025-3-5,
/// 2025/3/5, 2025.3.5, 2025年3月5日, 20250305, a datetime (the time is
/// dropped) or an Excel serial number (45356 or 45356.0).
pub fn parse_date(s: &str) -> Result<NaiveDate, DomainError> {
    let n = text::normalize(s);
    if n.is_empty() {
        return Err(DomainError::Empty);
    }
    let bad = || DomainError::BadDate(n.clone());
    let date = without_time(&n).ok_or_else(bad)?;
    let date: String = date.chars().filter(|c| !c.is_whitespace()).collect();
    parse_date_only(&date).ok_or_else(bad)
}

/// The date part of a normalized value, dropping a time such as
/// " 00:00:00" or "T08:30:00Z"; `None` if the time part is not a time.
fn without_time(s: &str) -> Option<&str> {
    let Some(colon) = s.find(':') else {
        return Some(s);
    };
    // The time starts after the last 'T' or space before the first colon.
    let start = s[..colon].rfind([' ', 'T', 't'])?;
    let (date, time) = (&s[..start], s[start + 1..].trim());
    let is_time = time.starts_with(|c: char| c.is_ascii_digit())
        && time
            .chars()
            .all(|c| c.is_ascii_digit() || ":.+-Z".contains(c));
    is_time.then_some(date)
}

/// Parses a date with whitespace and time already removed.
fn parse_date_only(d: &str) -> Option<NaiveDate> {
    let numeric = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = d.split_once('.').unwrap_or((d, ""));
    if numeric(int) && (frac.is_empty() || numeric(frac)) && !frac.contains('.') {
        if frac.is_empty() && int.len() == 8 {
            return ymd(&int[..4], &int[4..6], &int[6..]);
        }
        // A non-zero fraction is a time of day; only accept it on a five-digit
        // serial so "2025.3" is not read as a serial date in 1905.
        if frac.bytes().any(|b| b != b'0') && int.len() < 5 {
            return None;
        }
        return excel_serial(int);
    }
    let unified;
    let d = if d.contains('年') {
        let t = d
            .strip_suffix('日')
            .or_else(|| d.strip_suffix('号'))
            .unwrap_or(d);
        unified = t.replace(['年', '月'], "-");
        unified.as_str()
    } else {
        d
    };
    let sep = d.chars().find(|c| !c.is_ascii_digit())?;
    if !"-/.".contains(sep) {
        return None;
    }
    let mut parts = d.split(sep);
    let (y, m, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() > 2 || day.len() > 2 {
        return None;
    }
    ymd(y, m, day)
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn excel_serial(int: &str) -> Option<NaiveDate> {
    let serial: u64 = int.parse().ok()?;
    if !(1..=EXCEL_MAX_SERIAL).contains(&serial) {
        return None;
    }
    excel_epoch()?.checked_add_days(Days::new(serial))
}

/// Parses a reported count: empty means not reported (`None`), which is not
/// the same as a reported 0. Accepts full-width digits, Excel's "12.0" and
/// thousands separators ("1,200").
pub fn parse_count(s: &str) -> Result<Option<u32>, DomainError> {
    let n = text::compact(s);
    if n.is_empty() {
        return Ok(None);
    }
    let (negative, body) = match n.strip_prefix(['-', '−']) {
        Some(rest) => (true, rest),
        None => (false, n.strip_prefix('+').unwrap_or(&n)),
    };
    let value = without_thousands(body)
        .as_deref()
        .and_then(whole_digits)
        .and_then(|d| d.parse::<u32>().ok())
        .ok_or_else(|| DomainError::BadCount(text::normalize(s)))?;
    if negative && value != 0 {
        return Err(DomainError::NegativeCount(text::normalize(s)));
    }
    Ok(Some(value))
}

/// Removes well-placed thousands separators from the integer part
/// ("1,200,000.0" → "1200000.0"); `None` if the commas are not in groups of
/// three.
fn without_thousands(s: &str) -> Option<String> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    let mut groups = int.split(',');
    let mut out = groups.next()?.to_string();
    if int.contains(',') && (out.is_empty() || out.len() > 3) {
        return None;
    }
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        out.push_str(g);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn years_parse_from_the_usual_spellings() {
        for s in [
            "2024",
            "2024年",
            "2024年度",
            "２０２４",
            "2024.0",
            " 2024 ",
            "2024.00",
        ] {
            assert_eq!(Year::parse(s).map(Year::value), Ok(2024), "{s}");
        }
    }

    #[test]
    fn years_outside_2000_to_2100_or_not_whole_are_bad() {
        for s in [
            "1999",
            "2101",
            "24",
            "2024.5",
            "二〇二四",
            "2024-01",
            "-2024",
            "99999999999",
        ] {
            assert!(
                matches!(Year::parse(s), Err(DomainError::BadYear(_))),
                "{s}"
            );
        }
        assert_eq!(Year::parse(""), Err(DomainError::Empty));
        assert!(Year::parse("2000").is_ok());
        assert!(Year::parse("2100").is_ok());
    }

    #[test]
    fn a_year_serializes_as_a_number_and_deserializes_from_number_or_text() {
        let y = Year::parse("2024").unwrap();
        assert_eq!(serde_json::to_string(&y).unwrap(), "2024");
        assert_eq!(y.to_string(), "2024");
        assert_eq!(serde_json::from_str::<Year>("2024").unwrap(), y);
        assert!(serde_json::from_str::<Year>("-2024").is_err());
        assert_eq!(serde_json::from_str::<Year>("\"2024年\"").unwrap(), y);
        assert!(serde_json::from_str::<Year>("1999").is_err());
    }

    #[test]
    fn dates_parse_from_every_usual_format() {
        for s in [
            "2025-03-05",
            "2025-3-5",
            "2025/3/5",
            "2025.3.5",
            "2025年3月5日",
            "2025年03月05日",
            "2025年3月5号",
            "20250305",
            "２０２５－０３－０５",
            "２０２５年３月５日",
            " 2025 - 03 - 05 ",
            "2025年 3月 5日",
            "2025-03-05 00:00:00",
            "2025-03-05T00:00:00",
            "2025-03-05T08:30:00Z",
            "2025/3/5 9:15",
            "45721",
            "45721.0",
            "45721.5",
        ] {
            assert_eq!(parse_date(s), Ok(date(2025, 3, 5)), "{s}");
        }
    }

    #[test]
    fn excel_serial_45356_is_the_fifth_of_march_2024() {
        assert_eq!(parse_date("45356"), Ok(date(2024, 3, 5)));
        assert_eq!(parse_date("45356.0"), Ok(date(2024, 3, 5)));
        // Check the arithmetic independently: days from 1899-12-30.
        let days = date(2024, 3, 5)
            .signed_duration_since(date(1899, 12, 30))
            .num_days();
        assert_eq!(days, 45356);
    }

    #[test]
    fn excel_serials_stop_at_the_ends_of_their_range() {
        assert_eq!(parse_date("1"), Ok(date(1899, 12, 31)));
        assert_eq!(parse_date("61"), Ok(date(1900, 3, 1)));
        assert_eq!(parse_date("2958465"), Ok(date(9999, 12, 31)));
        assert!(matches!(parse_date("0"), Err(DomainError::BadDate(_))));
        assert!(matches!(
            parse_date("2958466"),
            Err(DomainError::BadDate(_))
        ));
    }

    #[test]
    fn impossible_or_ambiguous_dates_are_errors() {
        for s in [
            "2025-02-30",
            "2025-13-01",
            "20250230",
            "2025年2月30日",
            "25/3/5",
            "3/5/2025",
            "2025-3",
            "2025.3",
            "2025-03-05-01",
            "2025-03/05",
            "2025-03-05 noon:",
            "2025-03-05 xx:00",
            "tomorrow",
            "2025--03-05",
            "-45356",
            "45356.5.0",
            "99999999999999999999999",
        ] {
            assert!(matches!(parse_date(s), Err(DomainError::BadDate(_))), "{s}");
        }
        assert_eq!(parse_date(" "), Err(DomainError::Empty));
    }

    #[test]
    fn a_bad_date_error_shows_the_value_as_typed() {
        assert_eq!(
            parse_date(" 2025-02-30 "),
            Err(DomainError::BadDate("2025-02-30".into()))
        );
    }

    #[test]
    fn an_empty_count_is_not_reported_and_zero_is_reported_zero() {
        assert_eq!(parse_count(""), Ok(None));
        assert_eq!(parse_count(" \u{3000} "), Ok(None));
        assert_eq!(parse_count("0"), Ok(Some(0)));
        assert_eq!(parse_count("-0"), Ok(Some(0)));
    }

    #[test]
    fn counts_accept_full_width_excel_floats_and_thousands_separators() {
        assert_eq!(parse_count("１２"), Ok(Some(12)));
        assert_eq!(parse_count("12.0"), Ok(Some(12)));
        assert_eq!(parse_count(" 25 "), Ok(Some(25)));
        assert_eq!(parse_count("1,200"), Ok(Some(1200)));
        assert_eq!(parse_count("１，２００"), Ok(Some(1200)));
        assert_eq!(parse_count("1,234,567.0"), Ok(Some(1_234_567)));
        assert_eq!(parse_count("+3"), Ok(Some(3)));
    }

    #[test]
    fn negative_counts_are_reported_as_negative() {
        assert_eq!(
            parse_count("-3"),
            Err(DomainError::NegativeCount("-3".into()))
        );
        assert!(matches!(
            parse_count("−3.0"),
            Err(DomainError::NegativeCount(_))
        ));
    }

    #[test]
    fn fractions_words_and_misplaced_commas_are_bad_counts() {
        for s in [
            "12.5",
            "abc",
            "十二",
            "1,20",
            "12,",
            ",12",
            "1,2000",
            "1.2e3",
            "12.",
            ".5",
            "--3",
            "4294967296",
            "1 2x",
        ] {
            assert!(
                matches!(parse_count(s), Err(DomainError::BadCount(_))),
                "{s}"
            );
        }
        assert_eq!(parse_count("4294967295"), Ok(Some(u32::MAX)));
    }
}
