//! Calendar arithmetic the rules need: year-months (payroll months), date periods with an
//! inclusive end, and month addition that clamps to the month's last day (so three years
//! after 29 February is 28 February).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::FieldError;

/// A calendar month such as `2026-01`, the unit of payroll.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    year: i32,
    month: u8,
}

/// Earliest year the registry accepts in any date or month.
pub const MIN_YEAR: i32 = 1900;
/// Latest year the registry accepts in any date or month.
pub const MAX_YEAR: i32 = 9999;

impl YearMonth {
    /// Builds a month; `month` is 1 to 12 and the year within [`MIN_YEAR`]..=[`MAX_YEAR`].
    pub fn new(year: i32, month: u8) -> Result<Self, FieldError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(FieldError::new(
                "",
                "month.year_range",
                "year must be 1900 to 9999",
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(FieldError::new("", "month.shape", "month must be 01 to 12"));
        }
        Ok(Self { year, month })
    }

    /// Parses `YYYY-MM`.
    ///
    /// ```
    /// use registry_core::calendar::YearMonth;
    /// let m = YearMonth::parse("2024-02").unwrap();
    /// assert_eq!(m.last_day().to_string(), "2024-02-29");
    /// assert!(YearMonth::parse("2024-13").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let b = s.as_bytes();
        let shape_ok = b.len() == 7
            && b[4] == b'-'
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[5..].iter().all(u8::is_ascii_digit);
        if !shape_ok {
            return Err(FieldError::new(
                "",
                "month.shape",
                "month must be written YYYY-MM",
            ));
        }
        let year: i32 = s[..4]
            .parse()
            .map_err(|_| FieldError::new("", "month.shape", "bad year"))?;
        let month: u8 = s[5..]
            .parse()
            .map_err(|_| FieldError::new("", "month.shape", "bad month"))?;
        Self::new(year, month)
    }

    /// The month containing `date`.
    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            month: date.month() as u8,
        }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month number, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    fn time_month(&self) -> Month {
        Month::try_from(self.month).unwrap_or(Month::January)
    }

    /// The first day of the month.
    pub fn first_day(&self) -> Date {
        Date::from_calendar_date(self.year, self.time_month(), 1).unwrap_or(Date::MIN)
    }

    /// The last day of the month.
    pub fn last_day(&self) -> Date {
        let days = self.time_month().length(self.year);
        Date::from_calendar_date(self.year, self.time_month(), days).unwrap_or(Date::MIN)
    }

    /// Months since year 0, for differences.
    fn ordinal(&self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// This month plus `n` months (negative moves back).
    pub fn plus(&self, n: i64) -> Self {
        let o = self.ordinal() + n;
        Self {
            year: o.div_euclid(12) as i32,
            month: (o.rem_euclid(12) + 1) as u8,
        }
    }

    /// Whole months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(&self, later: YearMonth) -> i64 {
        later.ordinal() - self.ordinal()
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl fmt::Debug for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "YearMonth({self})")
    }
}

impl FromStr for YearMonth {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for YearMonth {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<YearMonth> for String {
    fn from(m: YearMonth) -> String {
        m.to_string()
    }
}

/// `date` plus `months` calendar months, clamped to the target month's last day.
///
/// ```
/// use registry_core::calendar::add_months;
/// use time::macros::date;
/// assert_eq!(add_months(date!(2024-02-29), 36), date!(2027-02-28));
/// assert_eq!(add_months(date!(2024-01-31), 1), date!(2024-02-29));
/// ```
pub fn add_months(date: Date, months: i64) -> Date {
    // One calendar decomposition: `year()`, `month()` and `day()` each redo it.
    let (year, month, day) = date.to_calendar_date();
    let target = YearMonth {
        year,
        month: month as u8,
    }
    .plus(months);
    let day = day.min(target.time_month().length(target.year));
    Date::from_calendar_date(target.year, target.time_month(), day).unwrap_or(date)
}

/// Whole months elapsed from `start` to `end` (0 if `end` is before `start + 1 month`).
///
/// ```
/// use registry_core::calendar::whole_months_between;
/// use time::macros::date;
/// assert_eq!(whole_months_between(date!(2024-01-15), date!(2026-01-14)), 23);
/// assert_eq!(whole_months_between(date!(2024-01-15), date!(2026-01-15)), 24);
/// ```
pub fn whole_months_between(start: Date, end: Date) -> i64 {
    if end < start {
        return 0;
    }
    let mut m = YearMonth::of(start).months_until(YearMonth::of(end));
    if add_months(start, m) > end {
        m -= 1;
    }
    m.max(0)
}

/// A span of days with an inclusive start and an optional inclusive end (open when `None`).
/// Deserialising checks the order of the ends too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPeriod")]
pub struct Period {
    start: Date,
    end: Option<Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    start: Date,
    #[serde(default)]
    end: Option<Date>,
}

impl TryFrom<RawPeriod> for Period {
    type Error = FieldError;
    fn try_from(raw: RawPeriod) -> Result<Self, Self::Error> {
        Self::new(raw.start, raw.end)
    }
}

impl Period {
    /// Builds a period; fails with rule `period.end_before_start` when `end < start`.
    pub fn new(start: Date, end: Option<Date>) -> Result<Self, FieldError> {
        if let Some(e) = end
            && e < start
        {
            return Err(FieldError::new(
                "end",
                "period.end_before_start",
                format!("end {e} is before start {start}"),
            ));
        }
        Ok(Self { start, end })
    }

    /// An open-ended period from `start`.
    pub fn from(start: Date) -> Self {
        Self { start, end: None }
    }

    /// First day.
    pub fn start(&self) -> Date {
        self.start
    }

    /// Last day, if the period has ended or will end.
    pub fn end(&self) -> Option<Date> {
        self.end
    }

    /// Whether `date` falls inside.
    pub fn contains(&self, date: Date) -> bool {
        date >= self.start && self.end.is_none_or(|e| date <= e)
    }

    /// Whether the two periods share at least one day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.end.is_none_or(|e| other.start <= e) && other.end.is_none_or(|e| self.start <= e)
    }
}

/// A span of payroll months, inclusive at both ends, open-ended when `until` is `None`.
/// Deserialising checks the order of the ends too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawMonthSpan")]
pub struct MonthSpan {
    from: YearMonth,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<YearMonth>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMonthSpan {
    from: YearMonth,
    #[serde(default)]
    until: Option<YearMonth>,
}

impl TryFrom<RawMonthSpan> for MonthSpan {
    type Error = FieldError;
    fn try_from(raw: RawMonthSpan) -> Result<Self, Self::Error> {
        Self::new(raw.from, raw.until)
    }
}

impl MonthSpan {
    /// Builds a span; fails with rule `period.end_before_start` when `until < from`.
    pub fn new(from: YearMonth, until: Option<YearMonth>) -> Result<Self, FieldError> {
        if let Some(u) = until
            && u < from
        {
            return Err(FieldError::new(
                "until",
                "period.end_before_start",
                format!("until {u} is before from {from}"),
            ));
        }
        Ok(Self { from, until })
    }

    /// First month.
    pub fn from(&self) -> YearMonth {
        self.from
    }

    /// Last month, if the span ends.
    pub fn until(&self) -> Option<YearMonth> {
        self.until
    }

    /// Whether `month` falls inside.
    pub fn contains(&self, month: YearMonth) -> bool {
        month >= self.from && self.until.is_none_or(|u| month <= u)
    }

    /// Whether the two spans share a month.
    pub fn overlaps(&self, other: &MonthSpan) -> bool {
        self.until.is_none_or(|u| other.from <= u) && other.until.is_none_or(|u| self.from <= u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn year_month_arithmetic_rolls_over_years() {
        let dec = YearMonth::parse("2025-12").unwrap();
        assert_eq!(dec.plus(1).to_string(), "2026-01");
        assert_eq!(dec.plus(-12).to_string(), "2024-12");
        assert_eq!(dec.months_until(YearMonth::parse("2026-02").unwrap()), 2);
        assert_eq!(
            YearMonth::parse("2023-02").unwrap().last_day(),
            date!(2023 - 02 - 28)
        );
        assert_eq!(
            YearMonth::parse("2024-02").unwrap().last_day(),
            date!(2024 - 02 - 29)
        );
    }

    #[test]
    fn year_month_rejects_bad_input() {
        for bad in [
            "2024-1", "2024/01", "24-01", "2024-00", "1899-12", "abcd-ef",
        ] {
            assert!(YearMonth::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_validate_and_overlap() {
        let err = Period::new(date!(2024 - 05 - 02), Some(date!(2024 - 05 - 01))).unwrap_err();
        assert_eq!(err.rule, "period.end_before_start");
        let a = Period::new(date!(2024 - 01 - 01), Some(date!(2024 - 06 - 30))).unwrap();
        let b = Period::from(date!(2024 - 06 - 30));
        let c = Period::from(date!(2024 - 07 - 01));
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
        assert!(a.contains(date!(2024 - 06 - 30)));
        assert!(!a.contains(date!(2024 - 07 - 01)));
    }

    #[test]
    fn deserialising_checks_the_order_of_the_ends() {
        let p: Period =
            serde_json::from_str(r#"{"start":"2024-01-01","end":"2024-12-31"}"#).unwrap();
        assert_eq!(p.end(), Some(date!(2024 - 12 - 31)));
        assert!(
            serde_json::from_str::<Period>(r#"{"start":"2024-01-01","end":"2023-12-31"}"#).is_err()
        );
        assert!(
            serde_json::from_str::<MonthSpan>(r#"{"from":"2024-05","until":"2024-04"}"#).is_err()
        );
        let m: MonthSpan = serde_json::from_str(r#"{"from":"2024-05"}"#).unwrap();
        assert_eq!(m.until(), None);
    }

    #[test]
    fn month_counting_at_boundaries() {
        assert_eq!(
            whole_months_between(date!(2024 - 01 - 31), date!(2024 - 02 - 29)),
            1
        );
        assert_eq!(
            whole_months_between(date!(2024 - 01 - 31), date!(2024 - 02 - 28)),
            0
        );
        assert_eq!(
            whole_months_between(date!(2024 - 03 - 01), date!(2024 - 02 - 01)),
            0
        );
        assert_eq!(add_months(date!(2025 - 11 - 30), 3), date!(2026 - 02 - 28));
    }
}
