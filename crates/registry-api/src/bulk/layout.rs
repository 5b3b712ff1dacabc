//! What the drivers know of a kind's table ([`Layout`]): the id column the import looks stored
//! rows up by, and the keyset order and region filter of the export. Export cursors are the
//! last row's id, or `<RFC 3339>|<id>` for the record tables exported in the order recorded.

use anyhow::Context;
use registry_core::ids::RegionCode;
use sea_orm::sea_query::{Expr, ExprTrait, ValueType};
use sea_orm::{ColumnTrait, Condition, DbErr, ModelTrait};
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

    /// The filter for the rows after `cursor` (made by [`Layout::cursor`]) in export order.
    pub fn after(&self, cursor: &str) -> anyhow::Result<Condition> {
        let Some(time) = self.recorded_at else {
            return Ok(Condition::all().add(self.id.gt(cursor)));
        };
        let (at, last) = cursor.split_once('|').context("malformed export cursor")?;
        let at = OffsetDateTime::parse(at, &Rfc3339).context("malformed export cursor")?;
        // `(recorded_at, id) > (at, last)` as one row value, not `recorded_at > at OR
        // (recorded_at = at AND id > last)`: both backends answer a row-value comparison with
        // a range of the `(recorded_at, id)` index from the cursor on, where the OR form scans
        // the table from its start on every page.
        let pair = Expr::tuple([time.into_expr(), self.id.into_expr()]);
        Ok(Condition::all().add(pair.gt(Expr::tuple([Expr::val(at), Expr::val(last)]))))
    }
}
