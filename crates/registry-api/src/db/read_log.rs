//! The read log: the database that holds the audit chain of reads (the entries of
//! [`crate::audit::record_read`], [`crate::audit::record_reads`] and
//! [`crate::audit::reads::ReadAudit`]), apart from the register and its chain of writes.
//!
//! Why apart: in WAL mode SQLite drops a connection's whole page cache when another
//! connection has committed to the same database file since its last read. Audited reads
//! commit an entry each (1,000+ commits a second under load), so with their entries in the
//! register's file every request re-read its pages from the operating system
//! (BENCHMARKS.md, sessions 11 and 12). With their own file, the register's pages stay
//! cached between writes of the register.
//!
//! Where it is, by deployment:
//! - a SQLite file `registry.db`: the file next to it named by [`sqlite_path`]
//!   (`registry.db-audit-reads`), opened with the same options. Both files make up the
//!   deployment: back them up together.
//! - in-memory SQLite: a second in-memory database (it lives as long as the process).
//! - PostgreSQL: the schema [`PG_SCHEMA`] of the same database (a pool whose
//!   `search_path` is that schema).
//!
//! On every one of them the table is `audit_log`, with the register's columns, index and
//! append-only triggers, so the same code ([`crate::audit`], [`crate::audit_verify`])
//! reads and appends either chain, given the connection. [`ensure_schema`] creates it if
//! missing, at every start: a lost read log comes back empty, which
//! `registry-api audit verify --checkpoint` reports against a checkpoint taken before.

use std::path::{Path, PathBuf};

use sea_orm::sea_query::Index;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Schema};

use crate::audit::lock_read_log;
use crate::config::Config;
use crate::db::begin_write;
use crate::db::entities::audit_log;

/// The PostgreSQL schema of the read log.
pub const PG_SCHEMA: &str = "audit_reads";

/// What is appended to a SQLite file's name for its read log.
pub const SQLITE_SUFFIX: &str = "-audit-reads";

/// Most pooled connections to the read log: it serves access-log pages, the entries of
/// listed pages, and the writer's fallback (the writer has a connection of its own).
pub const MAX_CONNECTIONS: u32 = 4;

/// The read log of the SQLite database file `register`.
pub fn sqlite_path(register: &Path) -> PathBuf {
    let mut name = register.as_os_str().to_owned();
    name.push(SQLITE_SUFFIX);
    PathBuf::from(name)
}

/// Opens the read log of `config`'s deployment (see the module docs).
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    let config = Config {
        max_connections: config.max_connections.min(MAX_CONNECTIONS),
        ..config.clone()
    };
    super::open(&config, super::Store::ReadLog).await
}

/// Whether the read log's table exists (it does once a service of this version has
/// started on the deployment).
pub async fn exists(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => format!(
            "SELECT CAST(to_regclass('{PG_SCHEMA}.audit_log') IS NOT NULL AS integer) AS found"
        ),
        _ => "SELECT count(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"
            .to_owned(),
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i32>("", "found")? > 0,
        None => false,
    })
}

/// Creates the read log's schema, table, index and triggers where missing, in one
/// transaction.
pub async fn ensure_schema(db: &DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let txn = begin_write(db).await?;
    // Two processes starting at once on PostgreSQL would otherwise race on the catalog.
    lock_read_log(&txn).await?;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
            .await?;
    }
    let mut table = Schema::new(backend).create_table_from_entity(audit_log::Entity);
    txn.execute(table.if_not_exists()).await?;
    txn.execute(
        Index::create()
            .if_not_exists()
            .name("audit_log_worker_id_seq")
            .table(audit_log::Entity)
            .col(audit_log::Column::WorkerId)
            .col(audit_log::Column::Seq),
    )
    .await?;
    let triggers: &[String] = match backend {
        DbBackend::Postgres => &[
            format!(
                "CREATE OR REPLACE FUNCTION {PG_SCHEMA}.audit_log_append_only() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
            ),
            format!(
                "CREATE OR REPLACE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE \
                 ON audit_log FOR EACH ROW EXECUTE FUNCTION {PG_SCHEMA}.audit_log_append_only()"
            ),
            format!(
                "CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                 FOR EACH STATEMENT EXECUTE FUNCTION {PG_SCHEMA}.audit_log_append_only()"
            ),
        ],
        _ => &[
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                .to_owned(),
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                .to_owned(),
        ],
    };
    for sql in triggers {
        txn.execute_unprepared(sql).await?;
    }
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_log_sits_next_to_the_register() {
        assert_eq!(
            sqlite_path(Path::new("/var/lib/registry/registry.db")),
            PathBuf::from("/var/lib/registry/registry.db-audit-reads")
        );
    }
}
