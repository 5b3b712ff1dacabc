//! Credentials of workers.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_credentials"
    }
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
                    .table("credentials")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("scheme").string_len(32).not_null())
                    .col(ColumnDef::new("level").string_len(16).not_null())
                    .col(
                        ColumnDef::new("certificate_number")
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new("issuing_authority").text().not_null())
                    .col(ColumnDef::new("exam_year").integer().null())
                    .col(ColumnDef::new("issue_date").date().not_null())
                    .col(ColumnDef::new("valid_region").char_len(6).null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("version").big_integer().not_null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("credentials_worker_id_fk")
                            .from("credentials", "worker_id")
                            .to("workers", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credentials_certificate_number")
                    .table("credentials")
                    .col("certificate_number")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credentials_worker_id_id")
                    .table("credentials")
                    .col("worker_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }
}
