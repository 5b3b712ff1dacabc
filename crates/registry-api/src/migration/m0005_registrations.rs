//! Registrations of credentials (append-only records).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_registrations"
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
                    .table("registrations")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("credential_id").string_len(36).not_null())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(ColumnDef::new("registered_on").date().not_null())
                    .col(ColumnDef::new("valid_until").date().not_null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("registrations_credential_id_fk")
                            .from("registrations", "credential_id")
                            .to("credentials", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("registrations_worker_id_fk")
                            .from("registrations", "worker_id")
                            .to("workers", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registrations_credential_id_id")
                    .table("registrations")
                    .col("credential_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }
}
