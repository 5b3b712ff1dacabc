//! Allowance policy versions (policies as data) and one-off allowance payments.
//!
//! `allowance_policies` keeps every version of every policy: the core `PolicyInput` JSON in
//! `definition` plus the columns the API filters on. Versions are immutable except for one
//! change: closing an open-ended version when a later version replaces it (see
//! `crate::policies`). `allowance_payments` is append-only (triggers refuse UPDATE and DELETE).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_allowance"
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
                    .table("allowance_policies")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("policy_id").string_len(64).not_null())
                    .col(ColumnDef::new("version").integer().not_null())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("effective_from").char_len(7).not_null())
                    .col(ColumnDef::new("effective_until").char_len(7).null())
                    .col(ColumnDef::new("definition").text().not_null())
                    .col(ts("created_at"))
                    .col(ColumnDef::new("created_by").text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("allowance_policies_policy_version")
                    .table("allowance_policies")
                    .col("policy_id")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("allowance_payments")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("policy_id").string_len(64).not_null())
                    .col(ColumnDef::new("level").string_len(16).not_null())
                    .col(ColumnDef::new("month").char_len(7).not_null())
                    .col(ColumnDef::new("amount_fen").big_integer().not_null())
                    .col(ts("created_at"))
                    .col(ColumnDef::new("created_by").text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("allowance_payments_worker_id_fk")
                            .from("allowance_payments", "worker_id")
                            .to("workers", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("allowance_payments_worker_id_id")
                    .table("allowance_payments")
                    .col("worker_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        super::append_only::make_append_only(manager, "allowance_payments").await
    }
}
