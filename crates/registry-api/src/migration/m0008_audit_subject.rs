//! The audit log names whose personal record an entry touched (`worker_id`), so a worker can
//! list who accessed their record. Existing entries keep `NULL` and hash as before.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_audit_subject"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("audit_log")
                    .add_column(ColumnDef::new("worker_id").string_len(36).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_log_worker_id_seq")
                    .table("audit_log")
                    .col("worker_id")
                    .col("seq")
                    .to_owned(),
            )
            .await
    }
}
