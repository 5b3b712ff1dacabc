//! `allowance_policy_generation`: one row whose `generation` changes, in the same
//! transaction, with every change to `allowance_policies`, whoever makes it (this service,
//! another process, the CLI, plain SQL): triggers bump it after every INSERT, UPDATE and
//! DELETE (and TRUNCATE on PostgreSQL). A reader that sees generation `g` therefore sees
//! exactly the policy rows of generation `g`, which lets each process keep the parsed policy
//! set in memory and check it with one integer read (`crate::policies::cache`).
//!
//! The counter starts at a random value, so a cache can never mistake another database
//! (a test's fresh one, a restored copy of a different register) for the one it loaded from.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0020_policy_generation"
    }
}

/// The trigger statements for `backend`.
fn trigger_sql(backend: DbBackend) -> Vec<String> {
    let bump = "UPDATE allowance_policy_generation SET generation = generation + 1 WHERE id = 1";
    match backend {
        DbBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION allowance_policies_bump_generation() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN {bump}; RETURN NULL; END $$"
            ),
            "CREATE TRIGGER allowance_policies_generation AFTER INSERT OR UPDATE OR DELETE \
             OR TRUNCATE ON allowance_policies FOR EACH STATEMENT \
             EXECUTE FUNCTION allowance_policies_bump_generation()"
                .to_owned(),
        ],
        _ => ["INSERT", "UPDATE", "DELETE"]
            .iter()
            .map(|op| {
                format!(
                    "CREATE TRIGGER allowance_policies_generation_{} AFTER {op} \
                     ON allowance_policies BEGIN {bump}; END",
                    op.to_lowercase()
                )
            })
            .collect(),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("allowance_policy_generation")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .primary_key()
                            .check(Expr::col("id").eq(1)),
                    )
                    .col(ColumnDef::new("generation").big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        let random =
            crate::crypto::random_bytes::<8>().map_err(|e| DbErr::Custom(e.to_string()))?;
        // 62 random bits: far from overflowing, whatever the number of policy writes.
        let start = i64::from_le_bytes(random) & 0x3fff_ffff_ffff_ffff;
        let mut insert = Query::insert();
        insert
            .into_table("allowance_policy_generation")
            .columns(["id", "generation"])
            .values([1.into(), start.into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        manager.exec_stmt(insert).await?;
        let conn = manager.get_connection();
        for sql in trigger_sql(manager.get_database_backend()) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
