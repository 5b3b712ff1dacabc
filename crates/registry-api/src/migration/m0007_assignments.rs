//! Assignments of workers to posts.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_assignments"
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
                    .table("assignments")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("post_id").string_len(36).not_null())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("start").date().not_null())
                    .col(ColumnDef::new("end").date().null())
                    .col(ColumnDef::new("basis").string_len(16).not_null())
                    .col(ColumnDef::new("version").big_integer().not_null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("assignments_worker_id_fk")
                            .from("assignments", "worker_id")
                            .to("workers", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("assignments_post_id_fk")
                            .from("assignments", "post_id")
                            .to("posts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("assignments_worker_id_id", "worker_id"),
            ("assignments_post_id_id", "post_id"),
            ("assignments_region_code_id", "region_code"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("assignments")
                        .col(col)
                        .col("id")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
