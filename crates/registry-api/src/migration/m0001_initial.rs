//! Initial schema: workers, API keys, idempotency keys and the append-only audit log.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_initial"
    }
}

fn id(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).string_len(36).not_null().to_owned()
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

const SQLITE_AUDIT_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
];

const POSTGRES_AUDIT_TRIGGERS: [&str; 3] = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
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
                    .table("workers")
                    .col(id("id").primary_key())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(text("name"))
                    .col(ColumnDef::new("resident_id_sealed").blob().not_null())
                    .col(ColumnDef::new("resident_id_hash").char_len(64).not_null())
                    .col(
                        ColumnDef::new("resident_id_masked")
                            .string_len(18)
                            .not_null(),
                    )
                    .col(ColumnDef::new("education_level").string_len(16).not_null())
                    .col(ColumnDef::new("social_work_major").boolean().not_null())
                    .col(ColumnDef::new("experience_start").date().not_null())
                    .col(ColumnDef::new("version").big_integer().not_null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("workers_resident_id_hash")
                    .table("workers")
                    .col("resident_id_hash")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("workers_region_code_id")
                    .table("workers")
                    .col("region_code")
                    .col("id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(id("id").primary_key())
                    .col(text("name"))
                    .col(ColumnDef::new("prefix").string_len(16).not_null())
                    .col(ColumnDef::new("key_hash").char_len(64).not_null())
                    .col(ColumnDef::new("role").string_len(16).not_null())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ts("created_at"))
                    .col(
                        ColumnDef::new("revoked_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_key_hash")
                    .table("api_keys")
                    .col("key_hash")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(ColumnDef::new("subject").string_len(200).not_null())
                    .col(ColumnDef::new("operation").string_len(64).not_null())
                    .col(ColumnDef::new("key").string_len(255).not_null())
                    .col(ColumnDef::new("request_hash").char_len(64).not_null())
                    .col(id("resource_id"))
                    .col(ColumnDef::new("status").integer().not_null())
                    .col(ts("created_at"))
                    .primary_key(Index::create().col("subject").col("operation").col("key"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(ColumnDef::new("seq").big_integer().not_null().primary_key())
                    .col(ColumnDef::new("at").string_len(32).not_null())
                    .col(text("actor"))
                    .col(ColumnDef::new("role").string_len(16).not_null())
                    .col(ColumnDef::new("action").string_len(64).not_null())
                    .col(ColumnDef::new("resource").string_len(64).not_null())
                    .col(text("resource_id"))
                    .col(ColumnDef::new("request_id").string_len(64).not_null())
                    .col(ColumnDef::new("prev_hash").char_len(64).not_null())
                    .col(ColumnDef::new("hash").char_len(64).not_null())
                    .to_owned(),
            )
            .await?;
        let triggers: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_AUDIT_TRIGGERS,
            _ => &SQLITE_AUDIT_TRIGGERS,
        };
        let conn = manager.get_connection();
        for sql in triggers {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
