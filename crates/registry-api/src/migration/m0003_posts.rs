//! Posts of organisation units.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_posts"
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
                    .table("posts")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("unit_id").string_len(36).not_null())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("title").text().not_null())
                    .col(ColumnDef::new("min_level").string_len(16).null())
                    .col(ColumnDef::new("grade").integer().null())
                    .col(ColumnDef::new("part_time_allowed").boolean().not_null())
                    .col(ColumnDef::new("version").big_integer().not_null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("posts_unit_id_fk")
                            .from("posts", "unit_id")
                            .to("units", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("posts_region_code_id")
                    .table("posts")
                    .col("region_code")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("posts_unit_id_id")
                    .table("posts")
                    .col("unit_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }
}
