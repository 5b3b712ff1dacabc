//! Allowance runs: `allowance_runs` (one row per run: region, month, totals, status),
//! `allowance_run_items` (one row per worker decided) and `allowance_run_changes` (the workers
//! whose line changed from the previous run of the same region and month).
//!
//! Items and changes are append-only (triggers refuse UPDATE, DELETE and, on PostgreSQL,
//! TRUNCATE). A run row changes once: `open` → `signed_off` (with who and when, and its
//! `version` bumped); every other column stays as written, and a signed-off run is frozen.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_allowance_runs"
    }
}

/// The columns a sign-off may not touch.
const FROZEN: &str = "NEW.id = OLD.id AND NEW.region_code = OLD.region_code \
     AND NEW.month = OLD.month AND NEW.created_at = OLD.created_at \
     AND NEW.created_by = OLD.created_by AND NEW.policies = OLD.policies \
     AND NEW.totals = OLD.totals AND NEW.workers = OLD.workers \
     AND NEW.eligible = OLD.eligible AND NEW.amount_fen = OLD.amount_fen";

fn sqlite_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER allowance_runs_signed_off_once BEFORE UPDATE ON allowance_runs \
             WHEN NOT (OLD.status = 'open' AND NEW.status = 'signed_off' AND {FROZEN}) \
             BEGIN SELECT RAISE(ABORT, 'an allowance run changes only once, when signed off'); END"
        ),
        "CREATE TRIGGER allowance_runs_no_delete BEFORE DELETE ON allowance_runs \
         BEGIN SELECT RAISE(ABORT, 'allowance runs are never deleted'); END"
            .to_owned(),
    ]
}

fn postgres_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE FUNCTION allowance_runs_guard() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN IF TG_OP = 'UPDATE' AND OLD.status = 'open' AND NEW.status = 'signed_off' \
             AND {FROZEN} THEN RETURN NEW; END IF; \
             RAISE EXCEPTION 'an allowance run changes only once, when signed off'; END $$"
        ),
        "CREATE TRIGGER allowance_runs_guard BEFORE UPDATE OR DELETE ON allowance_runs \
         FOR EACH ROW EXECUTE FUNCTION allowance_runs_guard()"
            .to_owned(),
        "CREATE FUNCTION allowance_runs_no_truncate() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'allowance runs are never deleted'; END $$"
            .to_owned(),
        "CREATE TRIGGER allowance_runs_no_truncate BEFORE TRUNCATE ON allowance_runs \
         FOR EACH STATEMENT EXECUTE FUNCTION allowance_runs_no_truncate()"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = |name: &'static str| {
            ColumnDef::new(name)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table("allowance_runs")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("month").char_len(7).not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("version").big_integer().not_null())
                    .col(ColumnDef::new("previous_run_id").string_len(36).null())
                    .col(ColumnDef::new("policies").text().not_null())
                    .col(ColumnDef::new("totals").text().not_null())
                    .col(ColumnDef::new("workers").big_integer().not_null())
                    .col(ColumnDef::new("eligible").big_integer().not_null())
                    .col(ColumnDef::new("amount_fen").big_integer().not_null())
                    .col(ColumnDef::new("changes").big_integer().not_null())
                    .col(ts("created_at"))
                    .col(ColumnDef::new("created_by").text().not_null())
                    .col(
                        ColumnDef::new("signed_off_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("signed_off_by").text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("allowance_runs_region_month_id")
                    .table("allowance_runs")
                    .col("region_code")
                    .col("month")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("allowance_run_items")
                    .col(ColumnDef::new("run_id").string_len(36).not_null())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("eligible").boolean().not_null())
                    .col(ColumnDef::new("amount_fen").big_integer().not_null())
                    .col(ColumnDef::new("level").string_len(16).null())
                    .col(ColumnDef::new("policy_id").string_len(64).null())
                    .col(ColumnDef::new("policy_version").integer().null())
                    .col(ColumnDef::new("unit_id").string_len(36).null())
                    .col(ColumnDef::new("reasons").text().not_null())
                    .primary_key(Index::create().col("run_id").col("worker_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("allowance_run_changes")
                    .col(ColumnDef::new("run_id").string_len(36).not_null())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(ColumnDef::new("before_amount_fen").big_integer().null())
                    .col(ColumnDef::new("after_amount_fen").big_integer().null())
                    .col(ColumnDef::new("before_reasons").text().null())
                    .col(ColumnDef::new("after_reasons").text().null())
                    .primary_key(Index::create().col("run_id").col("worker_id"))
                    .to_owned(),
            )
            .await?;
        // The run's set-oriented loader reads registrations by worker (`worker_id IN (...)`).
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("registrations_worker_id_id")
                    .table("registrations")
                    .col("worker_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        let triggers = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        let conn = manager.get_connection();
        for sql in triggers {
            conn.execute_unprepared(&sql).await?;
        }
        for table in ["allowance_run_items", "allowance_run_changes"] {
            super::append_only::make_append_only(manager, table).await?;
        }
        Ok(())
    }
}
