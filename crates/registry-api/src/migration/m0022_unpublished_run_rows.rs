//! The lines and changes of an allowance run that was never published may be deleted.
//!
//! A run now stores its lines (`allowance_run_items`) and changes (`allowance_run_changes`)
//! a chunk at a time before its row exists, and inserts the row last, which publishes them
//! (`crate::allowance_runs::compute`). A run that fails or is refused before that leaves
//! rows no run names; they are deleted. The tables stay append-only for every run that has
//! a row: UPDATE is refused as before, and so is DELETE while a row of `allowance_runs`
//! names the line's run (and TRUNCATE on PostgreSQL, as before).

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0022_unpublished_run_rows"
    }
}

/// The tables whose rows belong to a run.
pub const TABLES: [&str; 2] = ["allowance_run_items", "allowance_run_changes"];

/// The statements that replace `table`'s DELETE refusal on `backend` (see the module docs).
fn statements(backend: DbBackend, table: &str) -> Vec<String> {
    let refuse = format!("'{table} is append-only'");
    let published = "EXISTS (SELECT 1 FROM \"allowance_runs\" WHERE \"id\" = OLD.\"run_id\")";
    match backend {
        DbBackend::Postgres => vec![
            format!("DROP TRIGGER {table}_no_update_delete ON {table}"),
            format!(
                "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            ),
            format!(
                "CREATE FUNCTION {table}_published_kept() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN IF {published} THEN RAISE EXCEPTION {refuse}; END IF; \
                 RETURN OLD; END $$"
            ),
            format!(
                "CREATE TRIGGER {table}_published_kept BEFORE DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_published_kept()"
            ),
        ],
        _ => vec![
            format!("DROP TRIGGER {table}_no_delete"),
            format!(
                "CREATE TRIGGER {table}_published_kept BEFORE DELETE ON {table} \
                 WHEN {published} BEGIN SELECT RAISE(ABORT, {refuse}); END"
            ),
        ],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for table in TABLES {
            for sql in statements(manager.get_database_backend(), table) {
                conn.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }
}
