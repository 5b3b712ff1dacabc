//! Organisation units.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_units"
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
                    .table("units")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("name").text().not_null())
                    .col(ColumnDef::new("unit_type").string_len(32).not_null())
                    .col(ColumnDef::new("credit_code").char_len(18).null())
                    .col(ColumnDef::new("version").big_integer().not_null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("updated_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("units_region_code_id")
                    .table("units")
                    .col("region_code")
                    .col("id")
                    .to_owned(),
            )
            .await
    }
}
