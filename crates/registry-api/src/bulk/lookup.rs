//! Storage look-ups the kinds share: stored rows by id for a chunk, which referenced workers
//! exist, the export filter "of a worker registered in the region", and keyset paging in
//! `(recorded_at, id)` order for the record tables whose rows reference earlier rows.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use registry_core::ids::RegionCode;
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Verdict, conflict};
use crate::db::entities::worker;
use crate::workers::store::region_range;

/// The stored rows of `E` whose `column` is one of `keys`, by `key_of` (e.g. by id).
pub async fn stored_by<E, C>(
    db: &C,
    column: E::Column,
    keys: impl IntoIterator<Item = String>,
    key_of: impl Fn(&E::Model) -> String,
) -> Result<HashMap<String, E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let keys: Vec<String> = keys.into_iter().collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(E::find()
        .filter(column.is_in(keys))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (key_of(&m), m))
        .collect())
}

/// Which of `ids` name stored workers.
pub async fn stored_workers<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = String>,
) -> Result<HashSet<String>, DbErr> {
    let ids: Vec<String> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(worker::Entity::find()
        .select_only()
        .column(worker::Column::Id)
        .filter(worker::Column::Id.is_in(ids))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The regions of the stored workers among `ids`, by worker id.
pub async fn worker_regions<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, String>, DbErr> {
    let ids: Vec<String> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(worker::Entity::find()
        .select_only()
        .column(worker::Column::Id)
        .column(worker::Column::RegionCode)
        .filter(worker::Column::Id.is_in(ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The export filter `column IN (workers registered in region and below)`, or `None` for the
/// whole country.
pub fn of_workers_in(column: impl ColumnTrait, region: Option<&RegionCode>) -> Option<SimpleExpr> {
    let (lo, hi) = region.and_then(region_range)?;
    Some(
        column.in_subquery(
            Query::select()
                .column(worker::Column::Id)
                .from(worker::Entity)
                .and_where(worker::Column::RegionCode.between(lo, hi))
                .to_owned(),
        ),
    )
}

/// The verdict for a row keyed by `id`: new when no row with that id is stored, the same when
/// `diff` finds no column that differs, a conflict naming the columns otherwise.
pub fn by_id<M>(
    id: Option<&String>,
    stored: &HashMap<String, M>,
    diff: impl Fn(&M) -> Vec<&'static str>,
) -> Verdict {
    by_key("id", id.and_then(|id| stored.get(id)), false, diff)
}

/// The verdict for a row keyed by `key` (a natural key, e.g. a certificate number): the same
/// or a conflict naming the columns that differ when a row with that key is `stored`; a
/// conflict on `id` when no row has the key but the row's id is taken (`id_taken`); new
/// otherwise.
pub fn by_key<M>(
    key: &str,
    stored: Option<&M>,
    id_taken: bool,
    diff: impl Fn(&M) -> Vec<&'static str>,
) -> Verdict {
    match stored {
        Some(m) => match diff(m).as_slice() {
            [] => Verdict::Same,
            d => Verdict::Reject(vec![conflict(key, d)]),
        },
        None if id_taken => Verdict::Reject(vec![conflict("id", &[key])]),
        None => Verdict::New,
    }
}

/// The export cursor of a row of a table paged in `(time, id)` order: `<RFC 3339>|<id>`.
pub fn time_cursor(at: OffsetDateTime, id: &str) -> String {
    format!("{}|{id}", super::cells::timestamp(at))
}

/// The filter for the rows after `cursor` (made by [`time_cursor`]) in `(time, id)` order.
fn after_time_cursor(
    time: impl ColumnTrait,
    id: impl ColumnTrait,
    cursor: &str,
) -> anyhow::Result<Condition> {
    let (at, last) = cursor.split_once('|').context("malformed export cursor")?;
    let at = OffsetDateTime::parse(at, &Rfc3339).context("malformed export cursor")?;
    Ok(Condition::any()
        .add(time.gt(at))
        .add(Condition::all().add(time.eq(at)).add(id.gt(last))))
}

/// One export page of `q` (already filtered) in `id` order after the id `after`: at most
/// `limit` models and the cursor of the last (its id).
pub async fn page_by_id<E: EntityTrait>(
    db: &DatabaseConnection,
    mut q: Select<E>,
    id: E::Column,
    after: Option<&str>,
    limit: u64,
    id_of: impl Fn(&E::Model) -> String,
) -> Result<(Vec<E::Model>, Option<String>), DbErr> {
    if let Some(after) = after {
        q = q.filter(id.gt(after));
    }
    let models = q.order_by_asc(id).limit(limit).all(db).await?;
    let last = models.last().map(id_of);
    Ok((models, last))
}

/// One export page of `q` (already filtered) in `(time, id)` order, the order records were
/// recorded, after the cursor `after` (see [`time_cursor`]): at most `limit` models and the
/// cursor of the last.
pub async fn page_by_time<E: EntityTrait>(
    db: &DatabaseConnection,
    mut q: Select<E>,
    (time, id): (E::Column, E::Column),
    after: Option<&str>,
    limit: u64,
    key_of: impl Fn(&E::Model) -> (OffsetDateTime, &str),
) -> anyhow::Result<(Vec<E::Model>, Option<String>)> {
    if let Some(after) = after {
        q = q.filter(after_time_cursor(time, id, after)?);
    }
    let models = q
        .order_by_asc(time)
        .order_by_asc(id)
        .limit(limit)
        .all(db)
        .await?;
    let last = models.last().map(|m| {
        let (at, id) = key_of(m);
        time_cursor(at, id)
    });
    Ok((models, last))
}
