//! `events`: the change feed (`GET /api/v1/events`). One row per eligibility-relevant write,
//! numbered by `seq` in commit order (see `crate::events`). Append-only: triggers refuse
//! UPDATE and DELETE on both backends (and TRUNCATE on PostgreSQL), like `audit_log`.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0019_events"
    }
}

const SQLITE_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events \
     BEGIN SELECT RAISE(ABORT, 'events is append-only'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events \
     BEGIN SELECT RAISE(ABORT, 'events is append-only'); END",
];

const POSTGRES_TRIGGERS: [&str; 3] = [
    "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'events is append-only'; END $$",
    "CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events \
     FOR EACH ROW EXECUTE FUNCTION events_append_only()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events \
     FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(ColumnDef::new("seq").big_integer().not_null().primary_key())
                    .col(ColumnDef::new("kind").string_len(48).not_null())
                    .col(ColumnDef::new("resource").string_len(32).not_null())
                    .col(ColumnDef::new("resource_id").text().not_null())
                    .col(ColumnDef::new("worker_id").string_len(36).null())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("previous_region_code").char_len(6).null())
                    .col(
                        ColumnDef::new("occurred_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        let triggers: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_TRIGGERS,
            _ => &SQLITE_TRIGGERS,
        };
        let conn = manager.get_connection();
        for sql in triggers {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
