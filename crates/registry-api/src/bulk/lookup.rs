//! Storage look-ups the kinds share: stored rows by a key for a chunk, the rows a chunk
//! references ([`Refs`], with the error for a reference to nothing stored), the verdicts of
//! keyed rows, and the export filter "of a worker registered in the region".

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Select};

use super::layout::text;
use super::{Kind, StoredModel, Verdict, conflict, unknown_reference};
use crate::db::entities::worker;
use crate::problem::ProblemField;

/// The rows of `E` whose `column` is one of `keys`; `None` when there are no keys (nothing
/// to look up, no query).
fn among<E: EntityTrait>(
    column: E::Column,
    keys: impl IntoIterator<Item = String>,
) -> Option<Select<E>> {
    let keys: Vec<String> = keys.into_iter().collect();
    (!keys.is_empty()).then(|| E::find().filter(column.is_in(keys)))
}

/// The stored rows of `E` whose text `column` is one of `keys`, by that key (e.g. by id).
pub async fn stored_by<E, C>(
    db: &C,
    column: E::Column,
    keys: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let Some(q) = among::<E>(column, keys) else {
        return Ok(HashMap::new());
    };
    q.all(db)
        .await?
        .into_iter()
        .map(|m| Ok((text(&m, column)?, m)))
        .collect()
}

/// The stored rows of `K`'s table that the rows' ids name, by id.
pub async fn stored<K: Kind, C: ConnectionTrait>(
    db: &C,
    rows: &[&mut K::Row],
) -> Result<HashMap<String, StoredModel<K>>, DbErr> {
    let ids = rows.iter().filter_map(|r| K::id(r).cloned());
    stored_by::<K::Stored, _>(db, K::LAYOUT.id, ids).await
}

/// Which of `keys` are stored in the text `column` of `E` (reading that column only).
pub async fn stored_keys<E, C>(
    db: &C,
    column: E::Column,
    keys: impl IntoIterator<Item = String>,
) -> Result<HashSet<String>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let Some(q) = among::<E>(column, keys) else {
        return Ok(HashSet::new());
    };
    Ok(q.select_only()
        .column(column)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Which of the rows' ids are taken in `K`'s table (for the kinds keyed by another key too).
pub async fn taken_ids<K: Kind, C: ConnectionTrait>(
    db: &C,
    rows: &[&mut K::Row],
) -> Result<HashSet<String>, DbErr> {
    let ids = rows.iter().filter_map(|r| K::id(r).cloned());
    stored_keys::<K::Stored, _>(db, K::LAYOUT.id, ids).await
}

/// The stored rows of one table that a chunk's rows name in one column, by id.
#[derive(Debug)]
pub struct Refs<V> {
    field: &'static str,
    what: &'static str,
    stored: HashMap<String, V>,
}

impl<V> Refs<V> {
    /// The rows `stored` that the column `field` names (a `what`, for the error).
    pub fn new(field: &'static str, what: &'static str, stored: HashMap<String, V>) -> Self {
        Self {
            field,
            what,
            stored,
        }
    }

    /// The stored row `id` names; `None`, with `import.unknown_reference` on the column pushed
    /// to `errors`, when there is none.
    pub fn get(&self, id: &str, errors: &mut Vec<ProblemField>) -> Option<&V> {
        let found = self.stored.get(id);
        if found.is_none() {
            errors.push(unknown_reference(self.field, self.what));
        }
        found
    }

    /// Pushes `import.unknown_reference` on the column to `errors` when `id` names no stored
    /// row.
    pub fn check(&self, id: &str, errors: &mut Vec<ProblemField>) {
        self.get(id, errors);
    }
}

impl<M> Refs<M> {
    /// The stored rows of `E` whose id `column` is one of `ids`, named by the column `field`
    /// (a `what`).
    pub async fn load<E, C>(
        db: &C,
        (field, what): (&'static str, &'static str),
        column: E::Column,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<Self, DbErr>
    where
        E: EntityTrait<Model = M>,
        C: ConnectionTrait,
    {
        Ok(Self::new(
            field,
            what,
            stored_by::<E, _>(db, column, ids).await?,
        ))
    }
}

/// The stored workers among `ids`, named by the column `worker_id`.
pub async fn workers<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = String>,
) -> Result<Refs<()>, DbErr> {
    let found = stored_keys::<worker::Entity, _>(db, worker::Column::Id, ids).await?;
    let found = found.into_iter().map(|id| (id, ())).collect();
    Ok(Refs::new("worker_id", "worker", found))
}

/// The text `value` of the stored rows of `E` whose text `key` column is one of `keys`, by key
/// (one of them when a key has several).
pub async fn stored_values<E, C>(
    db: &C,
    key: E::Column,
    value: E::Column,
    keys: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, String>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let Some(q) = among::<E>(key, keys) else {
        return Ok(HashMap::new());
    };
    Ok(q.select_only()
        .column(key)
        .column(value)
        .distinct()
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The regions of the stored workers among `ids`, by worker id, named by the column
/// `worker_id`.
pub async fn worker_regions<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = String>,
) -> Result<Refs<String>, DbErr> {
    let (id, region) = (worker::Column::Id, worker::Column::RegionCode);
    let found = stored_values::<worker::Entity, _>(db, id, region, ids).await?;
    Ok(Refs::new("worker_id", "worker", found))
}

/// The export filter `column IN (workers registered in the region codes lo..=hi)`.
pub fn of_workers_in(column: impl ColumnTrait, (lo, hi): (String, String)) -> SimpleExpr {
    column.in_subquery(
        Query::select()
            .column(worker::Column::Id)
            .from(worker::Entity)
            .and_where(worker::Column::RegionCode.between(lo, hi))
            .to_owned(),
    )
}

/// The verdict of a row whose references broke `errors`: refused with them, or `verdict()`
/// when there are none.
pub fn unless(errors: Vec<ProblemField>, verdict: impl FnOnce() -> Verdict) -> Verdict {
    if errors.is_empty() {
        verdict()
    } else {
        Verdict::Reject(errors)
    }
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
