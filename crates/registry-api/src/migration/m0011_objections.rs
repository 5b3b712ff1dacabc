//! Objections (异议) of workers against entries of their own credit record.
//!
//! The filing is also a credit entry (`objection_filed`, `objection_entry_id`) and the
//! decision appends an outcome entry (`outcome_entry_id`). The row itself moves once, from
//! `pending` to `upheld` or `rejected`: triggers refuse any UPDATE of a decided objection and
//! every DELETE, on both backends.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_objections"
    }
}

const SQLITE_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER objections_decided_once BEFORE UPDATE ON objections \
     WHEN OLD.status <> 'pending' OR NEW.status = 'pending' \
     OR NEW.credit_entry_id <> OLD.credit_entry_id OR NEW.worker_id <> OLD.worker_id \
     OR NEW.statement <> OLD.statement OR NEW.objection_entry_id <> OLD.objection_entry_id \
     BEGIN SELECT RAISE(ABORT, 'an objection is decided once and never edited'); END",
    "CREATE TRIGGER objections_no_delete BEFORE DELETE ON objections \
     BEGIN SELECT RAISE(ABORT, 'objections are never deleted'); END",
];

const POSTGRES_TRIGGERS: [&str; 4] = [
    "CREATE FUNCTION objections_guard() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN \
     IF TG_OP = 'UPDATE' AND OLD.status = 'pending' AND NEW.status <> 'pending' \
        AND NEW.credit_entry_id = OLD.credit_entry_id AND NEW.worker_id = OLD.worker_id \
        AND NEW.statement = OLD.statement AND NEW.objection_entry_id = OLD.objection_entry_id \
     THEN RETURN NEW; END IF; \
     RAISE EXCEPTION 'an objection is decided once and never edited or deleted'; END $$",
    "CREATE TRIGGER objections_guard_update_delete BEFORE UPDATE OR DELETE ON objections \
     FOR EACH ROW EXECUTE FUNCTION objections_guard()",
    "CREATE FUNCTION objections_no_truncate() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'objections are never deleted'; END $$",
    "CREATE TRIGGER objections_no_truncate BEFORE TRUNCATE ON objections \
     FOR EACH STATEMENT EXECUTE FUNCTION objections_no_truncate()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = |name: &'static str| ColumnDef::new(name).timestamp_with_time_zone().to_owned();
        manager
            .create_table(
                Table::create()
                    .table("objections")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("credit_entry_id").string_len(36).not_null())
                    .col(
                        ColumnDef::new("objection_entry_id")
                            .string_len(36)
                            .not_null(),
                    )
                    .col(ColumnDef::new("statement").text().not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("decision_reason").text().null())
                    .col(ColumnDef::new("outcome_entry_id").string_len(36).null())
                    .col(ts("filed_at").not_null())
                    .col(ts("decided_at").null())
                    .col(ColumnDef::new("version").big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("objections_worker_id_fk")
                            .from("objections", "worker_id")
                            .to("workers", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("objections_credit_entry_id_fk")
                            .from("objections", "credit_entry_id")
                            .to("credit_entries", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("objections_objection_entry_id_fk")
                            .from("objections", "objection_entry_id")
                            .to("credit_entries", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("objections_outcome_entry_id_fk")
                            .from("objections", "outcome_entry_id")
                            .to("credit_entries", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("objections_worker_id_filed_at", "worker_id"),
            ("objections_status_filed_at", "status"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("objections")
                        .col(col)
                        .col("filed_at")
                        .to_owned(),
                )
                .await?;
        }
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
