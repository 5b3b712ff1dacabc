//! `allowance_payments.csv`: `id,worker_id,policy_id,level,month,amount_fen,created_at,
//! created_by` (the table's columns; the amount in integer fen).
//!
//! One-off allowance payments. Rows are validated by the API's [`PaymentBody::validate`]
//! (month `YYYY-MM`, amount not negative); `worker_id` must name a stored worker and
//! `policy_id` a stored policy family (`payment.unknown_policy`, as in the API: import the
//! policies first). Keyed by `id` when present. An export `--region R` holds the payments of
//! the workers registered in `R`. Append-only table: an import only inserts.

use std::collections::HashSet;

use registry_core::ids::RegionCode;
use registry_core::money::Yuan;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Value,
};
use time::OffsetDateTime;

use super::cells::{self, Cells};
use super::{Entity, Kind, Verdict, changed, lookup, unknown_reference};
use crate::allowance_payments::api::{PaymentBody, PaymentFields};
use crate::db::entities::{allowance_payment, allowance_policy};
use crate::mirror::Level;
use crate::problem::ProblemField;

/// The allowance payments importer/exporter.
#[derive(Debug)]
pub struct AllowancePayments;

/// A validated payment row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    worker_id: String,
    fields: PaymentFields,
    created_at: OffsetDateTime,
    created_by: String,
}

fn diff(r: &Row, m: &allowance_payment::Model) -> Vec<&'static str> {
    let f = &r.fields;
    changed(&[
        ("worker_id", r.worker_id == m.worker_id),
        ("policy_id", f.policy_id == m.policy_id),
        ("level", f.level.code() == m.level),
        ("month", f.month.to_string() == m.month),
        ("amount_fen", f.amount.to_fen() == m.amount_fen),
    ])
}

impl Kind for AllowancePayments {
    type Row = Row;
    type Seen = ();
    const ENTITY: Entity = Entity::AllowancePayments;
    const HEADER: &'static [&'static str] = &[
        "id",
        "worker_id",
        "policy_id",
        "level",
        "month",
        "amount_fen",
        "created_at",
        "created_by",
    ];
    const REQUIRED: &'static [&'static str] =
        &["worker_id", "policy_id", "level", "month", "amount_fen"];
    const RESOURCE: &'static str = "allowance_payment";
    const TABLE: &'static str = "allowance_payments";
    const COLUMNS: &'static [&'static str] = Self::HEADER;

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let worker_id = c.id("worker_id");
        let policy_id = c.text("policy_id");
        let level: Option<Level> = c.code("level");
        let month = c.text("month");
        let amount = c.int("amount_fen").and_then(|fen| {
            Yuan::from_fen(fen)
                .map_err(|e| c.push(e.within("amount_fen").into()))
                .ok()
        });
        let created_at = c
            .opt_timestamp("created_at")
            .unwrap_or_else(crate::db::now_utc);
        let created_by = c
            .opt_text("created_by")
            .unwrap_or_else(|| super::cli_principal("import").subject);
        let mut errors = c.take_errors();
        let (Some(worker_id), Some(policy_id), Some(level), Some(month), Some(amount)) =
            (worker_id, policy_id, level, month, amount)
        else {
            return Err(errors);
        };
        let body = PaymentBody {
            policy_id,
            level,
            month,
            amount: amount.to_string(),
        };
        match body.validate() {
            Ok(fields) if errors.is_empty() => Ok(Row {
                id,
                worker_id,
                fields,
                created_at,
                created_by,
            }),
            Ok(_) => Err(errors),
            Err(e) => {
                errors.extend(super::renamed(e.errors, "amount", "amount_fen"));
                Err(errors)
            }
        }
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        row.id.iter().map(|id| ("id", id.clone())).collect()
    }

    async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: &mut [&mut Row],
        _seen: &mut (),
    ) -> Result<Vec<Verdict>, DbErr> {
        let workers = lookup::stored_workers(db, rows.iter().map(|r| r.worker_id.clone())).await?;
        let families: Vec<String> = rows.iter().map(|r| r.fields.policy_id.clone()).collect();
        let policies: HashSet<String> = allowance_policy::Entity::find()
            .select_only()
            .column(allowance_policy::Column::PolicyId)
            .filter(allowance_policy::Column::PolicyId.is_in(families))
            .distinct()
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let ids = rows.iter().filter_map(|r| r.id.clone());
        let stored = lookup::stored_by::<allowance_payment::Entity, _>(
            db,
            allowance_payment::Column::Id,
            ids,
            |m| m.id.clone(),
        )
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut errors = Vec::new();
                if !workers.contains(&r.worker_id) {
                    errors.push(unknown_reference("worker_id", "worker"));
                }
                if !policies.contains(&r.fields.policy_id) {
                    errors.push(ProblemField {
                        field: "policy_id".into(),
                        rule: "payment.unknown_policy".into(),
                        message: "no allowance policy has this id".into(),
                    });
                }
                if errors.is_empty() {
                    lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
                } else {
                    Verdict::Reject(errors)
                }
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let f = &r.fields;
        Ok(vec![
            super::new_id(r.id.as_ref()).into(),
            r.worker_id.clone().into(),
            f.policy_id.clone().into(),
            f.level.code().into(),
            f.month.to_string().into(),
            f.amount.to_fen().into(),
            r.created_at.into(),
            r.created_by.clone().into(),
        ])
    }

    async fn page(
        &self,
        db: &DatabaseConnection,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<Vec<String>>, Option<String>), anyhow::Error> {
        use allowance_payment::Column as Col;
        let mut q = allowance_payment::Entity::find();
        if let Some(f) = lookup::of_workers_in(Col::WorkerId, region) {
            q = q.filter(f);
        }
        let (models, last) =
            lookup::page_by_id(db, q, Col::Id, after, limit, |m| m.id.clone()).await?;
        let out = models
            .into_iter()
            .map(|m| {
                vec![
                    m.id,
                    m.worker_id,
                    m.policy_id,
                    m.level,
                    m.month,
                    m.amount_fen.to_string(),
                    cells::timestamp(m.created_at),
                    m.created_by,
                ]
            })
            .collect();
        Ok((out, last))
    }
}
