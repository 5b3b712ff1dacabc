//! Set-oriented reads as ONE JSON document per query, for runs over whole regions.
//!
//! Reading a 1,000-worker chunk through the ORM costs one driver message, one boxed row and
//! one `String` per cell: on SQLite every row is handed from sqlx's connection thread to the
//! async task through a channel, and that hand-off, not the query, dominated a run
//! (BENCHMARKS.md, finding 3). Here the database builds the chunk's rows into one JSON array
//! of arrays (SQLite `json_group_array(json_array(..))`, PostgreSQL
//! `json_agg(json_build_array(..))`), the driver moves one text value, and serde decodes it
//! straight into typed tuples. Each [`Table`] names its columns with their [`Col`] kind; the
//! SQL is generated per backend, so both backends return the same JSON shapes:
//! - texts and integers as themselves; booleans as `true`/`false` (PostgreSQL) or `1`/`0`
//!   (SQLite), both read by [`DbBool`];
//! - dates as `YYYY-MM-DD` ([`DbDate`]);
//! - timestamps as RFC 3339 ([`DbTime`]): SQLite stores them so (sqlx writes
//!   `OffsetDateTime` as RFC 3339 and reads it back with the offset it was written with);
//!   PostgreSQL renders them in UTC with microseconds, the precision it stores, which is
//!   what sqlx decodes a `timestamptz` to.
//!
//! So a row decoded here equals the ORM's model of the same row (the allowance-run tests
//! compare both loaders field by field). Parameters are passed as one JSON array too
//! (`json_each` / `json_array_elements_text`), never spliced into the SQL.

use std::borrow::Cow;
use std::fmt::Write as _;

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::db::script::Part;
use crate::problem::ApiError;

/// How a column is stored and rendered into JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// Text (or nullable text): rendered as is.
    Plain,
    /// An integer (or nullable integer): rendered as is.
    Int,
    /// A boolean (SQLite stores `0`/`1`).
    Bool,
    /// A date (`YYYY-MM-DD` on both backends).
    Date,
    /// A timestamp with time zone.
    Time,
}

/// A table and the columns a query reads, in tuple order.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Table name.
    pub name: &'static str,
    /// Columns in the order of the decoded tuple.
    pub cols: &'static [(&'static str, Col)],
}

/// Which rows of a [`Table`] a query reads.
#[derive(Debug, Clone)]
pub enum Filter<'a> {
    /// The rows whose `column` is one of the strings of the JSON array `keys` (which holds
    /// no string twice), plus optional extra SQL conditions (fixed text, no user data). Read
    /// as a join from the array to the table (an index lookup per key, in key order), not as
    /// `IN (subquery)`, which SQLite would first copy into a temporary b-tree.
    Keys {
        /// The column.
        column: &'static str,
        /// The keys, as a JSON array of strings.
        keys: &'a str,
        /// Extra conditions, each starting with ` AND `.
        extra: &'static str,
    },
    /// Fixed SQL conditions (built from parsed, checked values only) and bound text
    /// parameters, referenced as `{0}`, `{1}`, ... in `sql`.
    Sql {
        /// The condition with `{n}` placeholders.
        sql: String,
        /// The parameters.
        params: Vec<String>,
    },
}

/// One query: rows of `table` matching `filter`, in `order`, at most `limit`.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    /// The table and columns.
    pub table: Table,
    /// Which rows.
    pub filter: Filter<'a>,
    /// Columns to order by (each ascending).
    pub order: &'static [&'static str],
    /// At most this many rows (in `order`).
    pub limit: Option<u64>,
}

fn rendered(backend: DbBackend, col: &str, kind: Col) -> String {
    match (backend, kind) {
        (DbBackend::Postgres, Col::Time) => {
            format!("to_char(s.\"{col}\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        }
        _ => format!("s.\"{col}\""),
    }
}

/// The strings of the JSON array bound at `param` as a table `k` with one column `value`,
/// for a `FROM` clause (`param` is a `{0}`-style placeholder).
pub fn json_keys(backend: DbBackend, param: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("json_array_elements_text({param}::json) AS k(value)"),
        _ => format!("json_each({param}) AS k"),
    }
}

/// For a `FROM` clause: the keys of the JSON array bound at `param` (as `k`, see
/// [`json_keys`]) joined to the rows of `table` (as `alias`) whose `column` is a key and that
/// meet `extra` (fixed conditions on the table's columns, each starting with ` AND `).
///
/// On PostgreSQL a lateral subquery behind `OFFSET 0` (which keeps PostgreSQL from pulling it
/// up into a plain join): one index probe per key whatever the planner guesses. It guesses
/// 100 rows for any JSON array, and for a small table (the credit entries, the posts) it then
/// scanned the whole table into a hash join, also for a single worker (BENCHMARKS.md,
/// session 9).
pub fn keyed_rows(
    backend: DbBackend,
    param: &str,
    table: &str,
    alias: &str,
    column: &str,
    extra: &str,
) -> String {
    let each = json_keys(backend, param);
    match backend {
        DbBackend::Postgres => format!(
            "{each} CROSS JOIN LATERAL (SELECT * FROM \"{table}\" AS {alias} \
             WHERE {alias}.\"{column}\" = k.value{extra} OFFSET 0) AS {alias}"
        ),
        _ => format!("{each} JOIN \"{table}\" AS {alias} ON {alias}.\"{column}\" = k.value{extra}"),
    }
}

/// The document of a one-document result row (an empty list when the database gave
/// `NULL`).
pub fn document(row: &QueryResult) -> Result<String, ApiError> {
    let text: Option<String> = row.try_get_by_index(0)?;
    Ok(text.unwrap_or_else(|| "[]".to_owned()))
}

/// Decodes a document read by [`Query::fetch_text`] as rows of `T`.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, ApiError> {
    serde_json::from_str(text).map_err(ApiError::internal)
}

impl Query<'_> {
    /// The statement for `backend`, parameters numbered from 1.
    pub fn statement(&self, backend: DbBackend) -> Result<Statement, ApiError> {
        Ok(self.part(backend)?.statement(backend))
    }

    /// The statement for `backend` as a script [`Part`] (parameters as `{n}`), to be sent
    /// alone or with others ([`crate::db::script::Script`]).
    pub fn part(&self, backend: DbBackend) -> Result<Part, ApiError> {
        let cols = self.table.cols;
        let inner_cols = cols
            .iter()
            .map(|(c, _)| format!("t.\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let table = self.table.name;
        let (from, condition, params) = match &self.filter {
            Filter::Keys {
                column,
                keys,
                extra,
            } => {
                let from = keyed_rows(backend, "{0}", table, "t", column, extra);
                (from, "1 = 1".to_owned(), vec![(*keys).to_owned()])
            }
            Filter::Sql { sql, params } => {
                (format!("\"{table}\" AS t"), sql.clone(), params.clone())
            }
        };
        let order = self
            .order
            .iter()
            .map(|c| format!("t.\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut inner = format!("SELECT {inner_cols} FROM {from} WHERE {condition}");
        if let Some(limit) = self.limit {
            let _ = write!(inner, " ORDER BY {order} LIMIT {limit}");
        }
        let items = cols
            .iter()
            .map(|(c, k)| rendered(backend, c, *k))
            .collect::<Vec<_>>()
            .join(", ");
        let outer_order = self
            .order
            .iter()
            .map(|c| format!("s.\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = match backend {
            DbBackend::Postgres => format!(
                "SELECT coalesce(json_agg(json_build_array({items}) ORDER BY {outer_order}), \
                 '[]'::json)::text FROM ({inner}) AS s"
            ),
            _ => format!(
                "SELECT json_group_array(json_array({items}) ORDER BY {outer_order}) \
                 FROM ({inner}) AS s"
            ),
        };
        Ok(Part { sql, params })
    }

    /// Runs the query and decodes its rows as `T` (a tuple in column order).
    pub async fn fetch<T: DeserializeOwned, C: ConnectionTrait>(
        &self,
        conn: &C,
    ) -> Result<Vec<T>, ApiError> {
        decode(&self.fetch_text(conn).await?)
    }

    /// Runs the query and returns its document undecoded (`[]` when no row matches), so
    /// the caller can decode it elsewhere ([`decode`]).
    pub async fn fetch_text<C: ConnectionTrait>(&self, conn: &C) -> Result<String, ApiError> {
        let stmt = self.statement(conn.get_database_backend())?;
        match conn.query_one_raw(stmt).await? {
            Some(row) => document(&row),
            None => Ok("[]".to_owned()),
        }
    }
}

/// A boolean column: `true`/`false` or `1`/`0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbBool(pub bool);

impl<'de> Deserialize<'de> for DbBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DbBool;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a boolean or 0/1")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<DbBool, E> {
                Ok(DbBool(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DbBool, E> {
                match v {
                    0 => Ok(DbBool(false)),
                    1 => Ok(DbBool(true)),
                    _ => Err(E::custom("expected 0 or 1")),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DbBool, E> {
                self.visit_u64(u64::try_from(v).map_err(E::custom)?)
            }
        }
        d.deserialize_any(V)
    }
}

/// A date column (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbDate(pub Date);

impl<'de> Deserialize<'de> for DbDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        Date::parse(&s, format_description!("[year]-[month]-[day]"))
            .map(DbDate)
            .map_err(de::Error::custom)
    }
}

/// A timestamp column (RFC 3339).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbTime(pub OffsetDateTime);

impl<'de> Deserialize<'de> for DbTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        OffsetDateTime::parse(&s, &Rfc3339)
            .map(DbTime)
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table {
        name: "things",
        cols: &[("id", Col::Plain), ("on", Col::Date), ("at", Col::Time)],
    };

    #[test]
    fn sqlite_and_postgres_statements_differ_only_in_dialect() {
        let q = Query {
            table: T,
            filter: Filter::Keys {
                column: "owner",
                keys: r#"["a","b"]"#,
                extra: "",
            },
            order: &["owner", "id"],
            limit: None,
        };
        let s = q.statement(DbBackend::Sqlite).unwrap().sql;
        assert!(s.contains("json_group_array(json_array(s.\"id\", s.\"on\", s.\"at\")"));
        assert!(
            s.contains("FROM json_each(?) AS k JOIN \"things\" AS t ON t.\"owner\" = k.value"),
            "{s}"
        );
        let p = q.statement(DbBackend::Postgres).unwrap().sql;
        assert!(
            p.contains("json_array_elements_text($1::json) AS k(value)"),
            "{p}"
        );
        assert!(p.contains("to_char(s.\"at\" AT TIME ZONE 'UTC'"), "{p}");
    }

    #[test]
    fn cells_decode_from_both_backends_shapes() {
        let rows: Vec<(String, DbBool, DbBool, DbDate, DbTime, Option<i64>)> =
            serde_json::from_str(
                r#"[["x", 1, true, "2026-01-31", "2026-01-31T10:00:00.000123Z", null]]"#,
            )
            .unwrap();
        let (id, a, b, on, at, n) = &rows[0];
        assert_eq!(id, "x");
        assert!(a.0 && b.0);
        assert_eq!(on.0, time::macros::date!(2026 - 01 - 31));
        assert_eq!(
            at.0,
            time::macros::datetime!(2026-01-31 10:00:00.000123 UTC)
        );
        assert_eq!(*n, None);
        assert!(serde_json::from_str::<Vec<(DbBool,)>>("[[2]]").is_err());
        assert!(serde_json::from_str::<Vec<(DbDate,)>>(r#"[["2026-02-30"]]"#).is_err());
    }
}
