//! Rows scoped by the region they carry: units, and posts (which copy their unit's region).
//! Admin and hr of an enclosing region read them ([`readable_region`]); admins of an
//! enclosing region write them ([`writable_region`]); anyone else gets the same 404 as for
//! a missing row.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait};

use crate::auth::Principal;
use crate::db::entities::{post, unit};
use crate::problem::ApiError;
use crate::state::AppState;
use crate::units::routes::{readable_region, writable_region};
use crate::update::{Update, UpdateCtx, Versioned};

/// A row that carries the region it is scoped by.
pub trait InRegion: Versioned {
    /// The row's region (six digits).
    fn region_code(&self) -> &str;
}

/// Implements [`InRegion`] for the `Model` of each entity module (its `region_code` column).
macro_rules! in_region {
    ($($entity:ident),*) => {$(
        impl InRegion for $entity::Model {
            fn region_code(&self) -> &str {
                &self.region_code
            }
        }
    )*};
}

in_region!(unit, post);

/// Row `id` if `allowed(its region)`; `None` when it is missing or not allowed.
async fn find<M, C>(
    conn: &C,
    id: &str,
    allowed: impl FnOnce(&str) -> bool,
) -> Result<Option<M>, DbErr>
where
    M: InRegion,
    C: ConnectionTrait,
    <<M::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    let found = M::Entity::find_by_id(id.to_owned()).one(conn).await?;
    Ok(found.filter(|m| allowed(m.region_code())))
}

/// The row `id` if `p` may read it; otherwise the same 404 as a missing one.
pub async fn find_readable<M>(state: &AppState, p: &Principal, id: &str) -> Result<M, ApiError>
where
    M: InRegion,
    <<M::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    find(&state.db, id, |r| readable_region(p, r))
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Opens the update `ctx` of a row its principal may write (the same 404 as a missing row
/// otherwise), see [`UpdateCtx::begin`].
pub async fn begin_update<'a, M>(
    state: &AppState,
    ctx: UpdateCtx<'a>,
    expected: i64,
) -> Result<Update<'a, M>, ApiError>
where
    M: InRegion,
    <<M::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    let (p, id) = (ctx.principal(), ctx.id());
    ctx.begin(state, expected, async |txn| {
        Ok(find(txn, id, |r| writable_region(p, r)).await?)
    })
    .await
}
