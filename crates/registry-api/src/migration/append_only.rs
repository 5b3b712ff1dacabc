//! Triggers that make a table append-only on both backends: SQLite refuses UPDATE and
//! DELETE, PostgreSQL refuses UPDATE, DELETE and TRUNCATE, each with the message
//! `<table> is append-only`. Used by every migration that creates a record table (the audit
//! log's own triggers in m0001 predate this helper and say the same).

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// The statements that make `table` append-only on `backend`.
pub fn trigger_sql(backend: DbBackend, table: &str) -> Vec<String> {
    let refuse = format!("'{table} is append-only'");
    match backend {
        DbBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION {refuse}; END $$"
            ),
            format!(
                "CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            ),
            format!(
                "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            ),
        ],
        _ => vec![
            format!(
                "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} \
                 BEGIN SELECT RAISE(ABORT, {refuse}); END"
            ),
            format!(
                "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} \
                 BEGIN SELECT RAISE(ABORT, {refuse}); END"
            ),
        ],
    }
}

/// Makes `table` append-only (see the module docs).
pub async fn make_append_only(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    for sql in trigger_sql(manager.get_database_backend(), table) {
        conn.execute_unprepared(&sql).await?;
    }
    Ok(())
}
