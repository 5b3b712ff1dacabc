//! `allowance_payments.csv`: `id,worker_id,policy_id,level,month,amount_fen,created_at,
//! created_by` (the table's columns; the amount in integer fen).
//!
//! One-off allowance payments. Rows are validated by the API's [`PaymentBody::validate`]
//! (month `YYYY-MM`, amount not negative); `worker_id` must name a stored worker and
//! `policy_id` a stored policy family (`payment.unknown_policy`, as in the API: import the
//! policies first). Keyed by `id` when present. An export `--region R` holds the payments of
//! the workers registered in `R`. Append-only table: an import only inserts.

use registry_core::money::Yuan;
use sea_orm::{DatabaseConnection, Value};
use time::OffsetDateTime;

use super::cells::{self, Cells};
use super::layout::{InRegion, Layout};
use super::{Entity, Kind, Verdicts, changed, lookup, validated};
use crate::allowance_payments::api::{PaymentBody, PaymentFields};
use crate::db::entities::{allowance_payment as payment, allowance_policy as policy};
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

fn diff(r: &Row, m: &payment::Model) -> Vec<&'static str> {
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
    type Stored = payment::Entity;
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
    const LAYOUT: Layout<payment::Column> = Layout::by_id(
        payment::Column::Id,
        InRegion::Workers(payment::Column::WorkerId),
    );

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
        let errors = c.take_errors();
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
        let api = body
            .validate()
            .map_err(|e| super::renamed(e.errors, "amount", "amount_fen"));
        let fields = validated(errors, api)?;
        Ok(Row {
            id,
            worker_id,
            fields,
            created_at,
            created_by,
        })
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let workers = lookup::workers(db, rows.iter().map(|r| r.worker_id.clone())).await?;
        let families = rows.iter().map(|r| r.fields.policy_id.clone());
        let policies =
            lookup::stored_keys::<policy::Entity, _>(db, policy::Column::PolicyId, families)
                .await?;
        let stored = lookup::stored::<Self, _>(db, rows).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut errors = Vec::new();
                workers.check(&r.worker_id, &mut errors);
                if !policies.contains(&r.fields.policy_id) {
                    errors.push(super::problem(
                        "policy_id",
                        "payment.unknown_policy",
                        "no allowance policy has this id",
                    ));
                }
                lookup::unless(errors, || {
                    lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
                })
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let f = &r.fields;
        Ok(vec![
            r.worker_id.clone().into(),
            f.policy_id.clone().into(),
            f.level.code().into(),
            f.month.to_string().into(),
            f.amount.to_fen().into(),
            r.created_at.into(),
            r.created_by.clone().into(),
        ])
    }

    fn record(&self, m: payment::Model) -> Result<Vec<String>, anyhow::Error> {
        Ok(vec![
            m.worker_id,
            m.policy_id,
            m.level,
            m.month,
            m.amount_fen.to_string(),
            cells::timestamp(m.created_at),
            m.created_by,
        ])
    }
}
