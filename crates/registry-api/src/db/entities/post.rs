//! `posts`: social-work posts (岗位) of a unit. `region_code` is copied from the unit when
//! the post is created, so scoping a post needs no join; `version` guards updates.

use sea_orm::entity::prelude::*;

/// A stored post.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The unit (`units.id`).
    pub unit_id: String,
    /// The unit's region code, copied at creation.
    pub region_code: String,
    /// Title, trimmed.
    pub title: String,
    /// Lowest credential level (`aide`, `assistant`, `intermediate`, `senior`), if any.
    pub min_level: Option<String>,
    /// Professional-technical grade 1 to 13, if set.
    pub grade: Option<i32>,
    /// Whether the post may be held part-time.
    pub part_time_allowed: bool,
    /// Incremented by every update; the ETag.
    pub version: i64,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Last update time, UTC.
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// Related tables (none modelled; the foreign key lives in the migration).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
