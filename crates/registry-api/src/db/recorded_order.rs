//! Records in the order they were recorded, `(recorded_at, id)`, compared as times.
//!
//! SQLite keeps a timestamp as RFC 3339 text without the fraction's trailing zeros, so an
//! `ORDER BY recorded_at` there is text order, which within one second is not time order
//! (`…:43.4413Z` sorts after `…:43.441301Z`). Code that numbers or replays a worker's
//! records in the order recorded (core credit records refuse a pointer to a later entry,
//! `credit.pointer_unknown`; core appraisals break ties by that order) sorts the loaded rows
//! with [`sort`]; the queries' `ORDER BY` only makes the input nearly sorted. Exports sort in
//! SQL instead (`crate::bulk::layout::SQLITE_TIME_KEY`).

use time::OffsetDateTime;

use super::entities::{appraisal, credit_entry};

/// A row with the time it was recorded and its id.
pub trait Recorded {
    /// `(recorded_at, id)`.
    fn recorded(&self) -> (OffsetDateTime, &str);
}

impl Recorded for appraisal::Model {
    fn recorded(&self) -> (OffsetDateTime, &str) {
        (self.recorded_at, &self.id)
    }
}

impl Recorded for credit_entry::Model {
    fn recorded(&self) -> (OffsetDateTime, &str) {
        (self.recorded_at, &self.id)
    }
}

impl<T: Recorded> Recorded for &T {
    fn recorded(&self) -> (OffsetDateTime, &str) {
        (*self).recorded()
    }
}

/// Sorts `rows` by `(recorded_at, id)` as times (stable; nearly sorted input is cheap).
pub fn sort<T: Recorded>(rows: &mut [T]) {
    rows.sort_by(|a, b| a.recorded().cmp(&b.recorded()));
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::{Recorded, sort};

    struct Row(time::OffsetDateTime, &'static str);

    impl Recorded for Row {
        fn recorded(&self) -> (time::OffsetDateTime, &str) {
            (self.0, self.1)
        }
    }

    /// The order SQLite's text gives (`.441301` before `.4413`, `.5` before the whole
    /// second) is put back in time order, ties by id.
    #[test]
    fn sorts_by_time_then_id() {
        let mut rows = [
            Row(datetime!(2026-01-15 08:30:43.441301 UTC), "c"),
            Row(datetime!(2026-01-15 08:30:43.4413 UTC), "b"),
            Row(datetime!(2026-01-15 08:30:43.5 UTC), "d"),
            Row(datetime!(2026-01-15 08:30:43 UTC), "a2"),
            Row(datetime!(2026-01-15 08:30:43 UTC), "a1"),
        ];
        sort(&mut rows);
        let ids: Vec<&str> = rows.iter().map(|r| r.1).collect();
        assert_eq!(ids, ["a1", "a2", "b", "c", "d"]);
    }
}
