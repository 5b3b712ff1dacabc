//! Credit entries (信用记录) of workers and organisations: append-only. Removals, repairs,
//! objections, objection outcomes and annulments are new rows whose `points_to_id` names the
//! entry they concern; triggers refuse UPDATE and DELETE on both backends.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_credit_entries"
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
                    .table("credit_entries")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("subject_kind").string_len(16).not_null())
                    .col(ColumnDef::new("worker_id").string_len(36).null())
                    .col(
                        ColumnDef::new("organisation_credit_code")
                            .char_len(18)
                            .null(),
                    )
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("kind").string_len(32).not_null())
                    .col(ColumnDef::new("fine_amount_fen").big_integer().null())
                    .col(ColumnDef::new("abnormal_cause").text().null())
                    .col(ColumnDef::new("serious_cause").string_len(32).null())
                    .col(ColumnDef::new("list_kind").string_len(16).null())
                    .col(ColumnDef::new("points_to_id").string_len(36).null())
                    .col(ColumnDef::new("effective_on").date().not_null())
                    .col(ColumnDef::new("legal_basis").text().not_null())
                    .col(ColumnDef::new("evidence_refs").text().not_null())
                    .col(ColumnDef::new("note").text().null())
                    .col(
                        ColumnDef::new("recorded_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("credit_entries_worker_id_fk")
                            .from("credit_entries", "worker_id")
                            .to("workers", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("credit_entries_points_to_id_fk")
                            .from("credit_entries", "points_to_id")
                            .to("credit_entries", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("credit_entries_worker_id_recorded_at", "worker_id"),
            (
                "credit_entries_organisation_recorded_at",
                "organisation_credit_code",
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("credit_entries")
                        .col(col)
                        .col("recorded_at")
                        .to_owned(),
                )
                .await?;
        }
        super::append_only::make_append_only(manager, "credit_entries").await
    }
}
