//! One CSV row, read by column name. Each getter parses a cell and, when it cannot, pushes an
//! error naming the column and a `csv.*` rule (the value itself is never quoted), so a row
//! reports all its broken cells at once. Empty cells are absent values.

use std::collections::HashMap;

use sea_orm::Value;
use serde::de::DeserializeOwned;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::problem;
use crate::problem::ProblemField;

/// One data row and the header's column positions.
#[derive(Debug)]
pub struct Cells<'a> {
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
    errors: std::cell::RefCell<Vec<ProblemField>>,
}

impl<'a> Cells<'a> {
    /// The row `record` under a header whose column positions are `columns`.
    pub fn new(columns: &'a HashMap<String, usize>, record: &'a csv::StringRecord) -> Self {
        Self {
            columns,
            record,
            errors: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Records an error for this row.
    pub fn push(&self, e: ProblemField) {
        self.errors.borrow_mut().push(e);
    }

    /// The errors pushed so far (by the getters and [`Cells::push`]).
    pub fn take_errors(&self) -> Vec<ProblemField> {
        std::mem::take(&mut self.errors.borrow_mut())
    }

    /// The cell, `None` when the column is missing or the cell empty.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        let i = *self.columns.get(name)?;
        self.record.get(i).filter(|s| !s.is_empty())
    }

    /// A required text cell.
    pub fn text(&self, name: &str) -> Option<String> {
        let v = self.get(name).map(str::to_owned);
        if v.is_none() {
            self.push(problem(name, "csv.missing_value", "a value is required"));
        }
        v
    }

    /// An optional text cell.
    pub fn opt_text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// An optional id (a UUID, normalised to lower-case hyphenated form).
    pub fn opt_id(&self, name: &str) -> Option<String> {
        let s = self.get(name)?;
        match uuid::Uuid::parse_str(s) {
            Ok(u) => Some(u.hyphenated().to_string()),
            Err(_) => {
                self.push(problem(name, "csv.invalid_id", "must be a UUID"));
                None
            }
        }
    }

    /// A required id.
    pub fn id(&self, name: &str) -> Option<String> {
        if self.get(name).is_none() {
            self.push(problem(name, "csv.missing_value", "a value is required"));
            return None;
        }
        self.opt_id(name)
    }

    /// An optional `YYYY-MM-DD` date.
    pub fn opt_date(&self, name: &str) -> Option<Date> {
        let s = self.get(name)?;
        Date::parse(s, format_description!("[year]-[month]-[day]"))
            .map_err(|_| {
                self.push(problem(
                    name,
                    "csv.invalid_date",
                    "expected a date as YYYY-MM-DD",
                ))
            })
            .ok()
    }

    /// A required date.
    pub fn date(&self, name: &str) -> Option<Date> {
        if self.get(name).is_none() {
            self.push(problem(name, "csv.missing_value", "a value is required"));
            return None;
        }
        self.opt_date(name)
    }

    /// A required `true` / `false`.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                self.push(problem(name, "csv.invalid_bool", "expected true or false"));
                None
            }
            None => {
                self.push(problem(name, "csv.missing_value", "a value is required"));
                None
            }
        }
    }

    /// An optional integer.
    pub fn opt_int(&self, name: &str) -> Option<i64> {
        let s = self.get(name)?;
        s.parse()
            .map_err(|_| self.push(problem(name, "csv.invalid_integer", "expected an integer")))
            .ok()
    }

    /// A required integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        if self.get(name).is_none() {
            self.push(problem(name, "csv.missing_value", "a value is required"));
            return None;
        }
        self.opt_int(name)
    }

    /// An optional enum value, by its snake_case code (as in the API).
    pub fn opt_code<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let s = self.get(name)?;
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| {
                self.push(problem(
                    name,
                    "csv.invalid_value",
                    "not one of the documented codes",
                ))
            })
            .ok()
    }

    /// A required enum value.
    pub fn code<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        if self.get(name).is_none() {
            self.push(problem(name, "csv.missing_value", "a value is required"));
            return None;
        }
        self.opt_code(name)
    }

    /// An optional RFC 3339 timestamp (kept to the microsecond, as stored).
    pub fn opt_timestamp(&self, name: &str) -> Option<OffsetDateTime> {
        let s = self.get(name)?;
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .and_then(|t| {
                let t = t.to_offset(time::UtcOffset::UTC);
                t.replace_microsecond(t.microsecond()).ok()
            })
            .or_else(|| {
                self.push(problem(
                    name,
                    "csv.invalid_timestamp",
                    "expected an RFC 3339 UTC timestamp",
                ));
                None
            })
    }

    /// The optional `version` column: a positive integer, 1 when absent.
    pub fn version(&self) -> i64 {
        match self.opt_int("version") {
            Some(v) if v >= 1 => v,
            Some(_) => {
                self.push(problem(
                    "version",
                    "csv.invalid_version",
                    "must be at least 1",
                ));
                1
            }
            None => 1,
        }
    }
}

/// Formats a timestamp for export (RFC 3339, UTC).
pub fn timestamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Formats a date for export.
pub fn date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The row's stored metadata: version and timestamps (now when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Updated.
    pub updated_at: OffsetDateTime,
}

impl Meta {
    /// Reads `version`, `created_at`, `updated_at`.
    pub fn read(c: &Cells<'_>, now: OffsetDateTime) -> Self {
        let version = c.version();
        let created_at = c.opt_timestamp("created_at").unwrap_or(now);
        let updated_at = c.opt_timestamp("updated_at").unwrap_or(created_at);
        Self {
            version,
            created_at,
            updated_at,
        }
    }

    /// `values` followed by the insert values of the three columns.
    pub fn append_values(&self, mut values: Vec<Value>) -> Vec<Value> {
        values.extend([
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]);
        values
    }

    /// `cells` followed by the export cells of a stored row's three columns.
    pub fn append_cells(
        mut cells: Vec<String>,
        version: i64,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
    ) -> Vec<String> {
        cells.extend([
            version.to_string(),
            timestamp(created_at),
            timestamp(updated_at),
        ]);
        cells
    }
}
