//! `idempotency_keys` keeps the first response, so a retry returns exactly it: the body
//! (sealed like a resident ID, since it can hold one), `Location` and `ETag`; the status was
//! already kept. All three are nullable: rows written before this migration have none and
//! a retry of one is answered with a 409 naming the resource it created
//! (see `crate::idempotency`).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_idempotent_response"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            ColumnDef::new("response_body").blob().null().to_owned(),
            ColumnDef::new("response_location").text().null().to_owned(),
            ColumnDef::new("response_etag").text().null().to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("idempotency_keys")
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
