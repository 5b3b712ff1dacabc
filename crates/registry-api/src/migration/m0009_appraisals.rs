//! Annual appraisals (年度考评): append-only. A correction is a new row whose `corrects_id`
//! names the appraisal it replaces; triggers refuse UPDATE and DELETE on both backends.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_appraisals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let score = |name: &'static str| ColumnDef::new(name).small_integer().null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table("appraisals")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("unit_id").string_len(36).not_null())
                    .col(ColumnDef::new("year").integer().not_null())
                    .col(ColumnDef::new("grade").string_len(16).not_null())
                    .col(score("score_ethics"))
                    .col(score("score_performance"))
                    .col(score("score_satisfaction"))
                    .col(ColumnDef::new("recorded_on").date().not_null())
                    .col(ColumnDef::new("corrects_id").string_len(36).null())
                    .col(
                        ColumnDef::new("recorded_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("appraisals_worker_id_fk")
                            .from("appraisals", "worker_id")
                            .to("workers", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("appraisals_unit_id_fk")
                            .from("appraisals", "unit_id")
                            .to("units", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("appraisals_corrects_id_fk")
                            .from("appraisals", "corrects_id")
                            .to("appraisals", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("appraisals_worker_id_year", ["worker_id", "year"]),
            ("appraisals_unit_id_year", ["unit_id", "year"]),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("appraisals")
                        .col(cols[0])
                        .col(cols[1])
                        .to_owned(),
                )
                .await?;
        }
        super::append_only::make_append_only(manager, "appraisals").await
    }
}
