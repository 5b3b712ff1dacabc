//! What the drivers know of a kind's table ([`Layout`]): the id column the import looks stored
//! rows up by, and the keyset order and region filter of the export. Export cursors are the
//! last row's id, or `<RFC 3339>|<id>` for the record tables exported in the order recorded.

use anyhow::Context;
use registry_core::ids::RegionCode;
use sea_orm::sea_query::{Expr, ExprTrait, ValueType};
use sea_orm::{ColumnTrait, Condition, DbBackend, DbErr, ModelTrait};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::workers::store::region_range;

/// The columns of a kind's table that the drivers read by.
#[derive(Debug, Clone, Copy)]
pub struct Layout<C> {
    /// The id (text, the primary key).
    pub id: C,
    /// For the record tables whose rows may reference EARLIER rows of the same table: the
    /// time they were recorded, exported in `(time, id)` order so a target always precedes
    /// the rows naming it. `None`: exported in id order.
    pub recorded_at: Option<C>,
    /// Which rows an export `--region R` holds.
    pub region: InRegion<C>,
}

impl<C> Layout<C> {
    /// A table exported in id order.
    pub const fn by_id(id: C, region: InRegion<C>) -> Self {
        Self {
            id,
            recorded_at: None,
            region,
        }
    }

    /// A record table exported in the order recorded, `(recorded_at, id)`.
    pub const fn recorded(recorded_at: C, id: C, region: InRegion<C>) -> Self {
        Self {
            id,
            recorded_at: Some(recorded_at),
            region,
        }
    }
}

/// Which rows an export `--region R` holds (every row for the whole country).
#[derive(Debug, Clone, Copy)]
pub enum InRegion<C> {
    /// Those whose region is in `R`: the row's own region column.
    Column(C),
    /// Those of the workers registered in `R`: the column naming the worker.
    Workers(C),
    /// The kind's own filter, given `R` and the range of the region codes within it.
    Filter(fn(&RegionCode, (String, String)) -> Condition),
}

impl<C: ColumnTrait> InRegion<C> {
    /// The filter for `region`, `None` when it holds every row (the whole country).
    pub fn filter(self, region: &RegionCode) -> Option<Condition> {
        let range = region_range(region)?;
        Some(match self {
            Self::Column(c) => Condition::all().add(c.between(range.0, range.1)),
            Self::Workers(c) => Condition::all().add(super::lookup::of_workers_in(c, range)),
            Self::Filter(f) => f(region, range),
        })
    }
}

/// The text in `column` of `m` (an id or another text key).
pub fn text<M: ModelTrait>(
    m: &M,
    column: <M::Entity as sea_orm::EntityTrait>::Column,
) -> Result<String, DbErr> {
    ValueType::try_from(m.get(column)).map_err(|e| DbErr::Type(format!("{e}: not a text key")))
}

impl<C: ColumnTrait> Layout<C> {
    /// The export cursor of `m`, a row of the table: its id, after its time when the table is
    /// exported in the order recorded.
    pub fn cursor<M>(&self, m: &M) -> anyhow::Result<String>
    where
        M: ModelTrait,
        M::Entity: sea_orm::EntityTrait<Column = C>,
    {
        let id = text(m, self.id)?;
        let Some(time) = self.recorded_at else {
            return Ok(id);
        };
        let at: OffsetDateTime = ValueType::try_from(m.get(time))
            .map_err(|e| DbErr::Type(format!("{e}: not a timestamp")))?;
        Ok(format!("{}|{id}", super::cells::timestamp(at)))
    }

    /// The rows of the export page after `cursor` (made by [`Layout::cursor`]; `None`: the
    /// first page) in export order on `backend`, as consecutive ranges to read in turn, each
    /// one range of an index: every row for the first page; `id > last` for a table exported
    /// by id; for a record table `time = at AND id > last`, then `time > at`. (One condition
    /// `(time, id) > (at, last)` is a range of the index on PostgreSQL, but SQLite cannot seek
    /// a row value on its expression index, and `time > at OR (time = at AND id > last)` scans
    /// the table from its start on every page.) In `time = at AND id > last` the rows are read
    /// by id alone (`by_time` false), which SQLite reads off its index without sorting.
    pub fn ranges(&self, cursor: Option<&str>, backend: DbBackend) -> anyhow::Result<Vec<Range>> {
        let Some(cursor) = cursor else {
            return Ok(vec![Range {
                filter: Condition::all(),
                by_time: true,
            }]);
        };
        let Some(time) = self.recorded_at else {
            return Ok(vec![Range {
                filter: Condition::all().add(self.id.gt(cursor)),
                by_time: false,
            }]);
        };
        let (at, last) = cursor.split_once('|').context("malformed export cursor")?;
        let at = OffsetDateTime::parse(at, &Rfc3339).context("malformed export cursor")?;
        let at = match backend {
            DbBackend::Sqlite => Expr::val(sqlite_time_key(at)),
            _ => Expr::val(at),
        };
        let key = recorded_order(time, backend);
        Ok(vec![
            Range {
                filter: Condition::all()
                    .add(key.clone().eq(at.clone()))
                    .add(self.id.gt(last)),
                by_time: false,
            },
            Range {
                filter: Condition::all().add(key.gt(at)),
                by_time: true,
            },
        ])
    }
}

/// One range of an export page ([`Layout::ranges`]).
#[derive(Debug, Clone)]
pub struct Range {
    /// The rows of the range.
    pub filter: Condition,
    /// Whether its rows are sorted by time before id (`false`: by id alone).
    pub by_time: bool,
}

/// What a record table is sorted by on `backend`: its time column `time`, or on SQLite the
/// time's fixed-width text ([`SQLITE_TIME_KEY`]).
pub fn recorded_order<C: ColumnTrait>(time: C, backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Sqlite => Expr::cust(SQLITE_TIME_KEY.replace("{c}", time.as_str())),
        _ => time.into_expr(),
    }
}

/// SQLite stores a timestamp as RFC 3339 text in UTC without the fraction's trailing zeros,
/// so text order is not time order within one second (`…:43.4413Z` sorts after
/// `…:43.441301Z`, `…:43Z` after `…:43.5Z`). This expression of the column `{c}` is the same
/// instant as fixed-width text, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn` (the fraction padded to nine
/// digits), whose text order is time order. Migration `m0021_recorded_order` indexes it with
/// `id`, written out the same way (SQLite uses an expression index only for the same
/// expression).
pub const SQLITE_TIME_KEY: &str = "(substr(\"{c}\", 1, 19) || '.' || substr(CASE WHEN substr(\"{c}\", 20, 1) = '.' THEN substr(\"{c}\", 21, length(\"{c}\") - 21) ELSE '' END || '000000000', 1, 9))";

/// [`SQLITE_TIME_KEY`] of `at`, computed here.
pub fn sqlite_time_key(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond()
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::sqlite_time_key;

    /// The key is fixed-width UTC text, so text order is time order within one second too.
    #[test]
    fn the_sqlite_time_key_is_fixed_width_utc() {
        let key = sqlite_time_key;
        assert_eq!(
            key(datetime!(2026-01-15 08:30:43.4413 UTC)),
            "2026-01-15T08:30:43.441300000"
        );
        assert_eq!(
            key(datetime!(2026-01-15 08:30:43 UTC)),
            "2026-01-15T08:30:43.000000000"
        );
        assert_eq!(
            key(datetime!(2026-01-15 16:30:43.441301 +08:00)),
            "2026-01-15T08:30:43.441301000"
        );
        let (a, b, c) = (
            key(datetime!(2026-01-15 08:30:43 UTC)),
            key(datetime!(2026-01-15 08:30:43.4413 UTC)),
            key(datetime!(2026-01-15 08:30:43.441301 UTC)),
        );
        assert!(a < b && b < c);
    }
}
