//! The read side of the feed: one page of events after a `seq`, filtered by region.

use registry_core::ids::RegionCode;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::api::EventKind;
use crate::db::entities::event;
use crate::workers::store::region_range;

/// Events after `after` visible to a caller scoped to `region`, oldest first, at most
/// `limit + 1` (the extra one tells the caller more are waiting).
///
/// Visible: the event's region lies in `region`, or its `previous_region_code` does (a
/// worker who moved away), or it is a policy of a region enclosing `region` (that policy
/// applies to the caller's workers).
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    region: &RegionCode,
    after: i64,
    limit: u64,
) -> Result<Vec<event::Model>, DbErr> {
    let mut q = event::Entity::find().filter(event::Column::Seq.gt(after));
    if let Some((lo, hi)) = region_range(region) {
        let mut enclosing = Vec::new();
        let mut up = region.parent();
        while let Some(r) = up {
            enclosing.push(r.as_str().to_owned());
            up = r.parent();
        }
        q = q.filter(
            Condition::any()
                .add(event::Column::RegionCode.between(lo.clone(), hi.clone()))
                .add(event::Column::PreviousRegionCode.between(lo, hi))
                .add(
                    Condition::all()
                        .add(event::Column::Kind.eq(EventKind::PolicyCreated.code()))
                        .add(event::Column::RegionCode.is_in(enclosing)),
                ),
        );
    }
    q.order_by_asc(event::Column::Seq)
        .limit(limit + 1)
        .all(conn)
        .await
}
