//! `objections.csv`: `id,worker_id,credit_entry_id,objection_entry_id,statement,status,
//! decision_reason,outcome_entry_id,filed_at,decided_at,version` (the table's columns).
//!
//! An objection is imported in the state it has reached (pending, or decided with its reason
//! and outcome), so the objections of `credit_entries.csv` must be imported first: the entries
//! it names must be stored entries of the worker's record, as the workflow wrote them:
//! `credit_entry_id` the disputed entry, `objection_entry_id` the `objection_filed` entry
//! pointing at it, and once decided `outcome_entry_id` the `objection_upheld` (status
//! `upheld`) or `objection_rejected` (status `rejected`) entry pointing at the objection entry
//! (`import.objection_entry` otherwise). Statement and reason are checked as the API checks
//! them (`objection.text_blank`, `objection.text_too_long`); a pending objection has no
//! decision, a decided one has all of it, and `version` is 1 while pending and 2 once decided
//! (as the workflow sets it; blank: derived). Keyed by `objection_entry_id` (one objection per
//! filing) and by `id` when present. An export `--region R` holds the objections of the
//! workers registered in `R`. Not in the change feed (their credit entries are).

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, Value};
use time::OffsetDateTime;

use super::cells::{self, Cells};
use super::layout::{InRegion, Layout};
use super::lookup::{self, Refs};
use super::{Entity, Kind, Verdicts, changed, problem, unknown_reference};
use crate::db::entities::{credit_entry, objection};
use crate::objections::api::{ObjectionStatus, checked_text};
use crate::problem::ProblemField;

/// The objections importer/exporter.
#[derive(Debug)]
pub struct Objections;

/// A decision: reason, outcome entry, time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decision {
    reason: String,
    outcome_entry_id: String,
    decided_at: OffsetDateTime,
}

/// A validated objection row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    worker_id: String,
    credit_entry_id: String,
    objection_entry_id: String,
    statement: String,
    status: ObjectionStatus,
    decision: Option<Decision>,
    filed_at: OffsetDateTime,
}

impl Row {
    fn version(&self) -> i64 {
        if self.decision.is_some() { 2 } else { 1 }
    }
}

fn diff(r: &Row, m: &objection::Model) -> Vec<&'static str> {
    let d = r.decision.as_ref();
    changed(&[
        ("id", r.id.as_deref().is_none_or(|id| id == m.id)),
        ("worker_id", r.worker_id == m.worker_id),
        ("credit_entry_id", r.credit_entry_id == m.credit_entry_id),
        ("statement", r.statement == m.statement),
        ("status", r.status.code() == m.status),
        (
            "decision_reason",
            d.map(|d| d.reason.as_str()) == m.decision_reason.as_deref(),
        ),
        (
            "outcome_entry_id",
            d.map(|d| d.outcome_entry_id.as_str()) == m.outcome_entry_id.as_deref(),
        ),
    ])
}

/// The decision columns, checked against the status.
fn decision(c: &Cells<'_>, status: Option<ObjectionStatus>) -> Option<Decision> {
    let reason = c.opt_text("decision_reason");
    let outcome = c.opt_id("outcome_entry_id");
    let decided_at = c.opt_timestamp("decided_at");
    match status? {
        ObjectionStatus::Pending => {
            for column in ["decision_reason", "outcome_entry_id", "decided_at"] {
                if c.get(column).is_some() {
                    c.push(problem(
                        column,
                        "import.unexpected_value",
                        "a pending objection has no decision",
                    ));
                }
            }
            None
        }
        ObjectionStatus::Upheld | ObjectionStatus::Rejected => {
            for column in ["decision_reason", "outcome_entry_id"] {
                if c.get(column).is_none() {
                    c.push(problem(
                        column,
                        "csv.missing_value",
                        "a decided objection needs its reason and outcome entry",
                    ));
                }
            }
            let reason = reason.and_then(|r| match checked_text("decision_reason", &r) {
                Ok(t) => Some(t.to_owned()),
                Err(e) => {
                    e.errors.into_iter().for_each(|e| c.push(e));
                    None
                }
            });
            Some(Decision {
                reason: reason?,
                outcome_entry_id: outcome?,
                decided_at: decided_at.unwrap_or_else(crate::db::now_utc),
            })
        }
    }
}

/// Whether `entry` is of `worker`, of `kind`, pointing at `target`.
fn entry_is(
    entry: Option<&credit_entry::Model>,
    worker: &str,
    kind: &str,
    target: Option<&str>,
) -> bool {
    entry.is_some_and(|e| {
        e.worker_id.as_deref() == Some(worker)
            && e.kind == kind
            && e.points_to_id.as_deref() == target
    })
}

impl Kind for Objections {
    type Row = Row;
    type Seen = ();
    type Stored = objection::Entity;
    const ENTITY: Entity = Entity::Objections;
    const HEADER: &'static [&'static str] = &[
        "id",
        "worker_id",
        "credit_entry_id",
        "objection_entry_id",
        "statement",
        "status",
        "decision_reason",
        "outcome_entry_id",
        "filed_at",
        "decided_at",
        "version",
    ];
    const REQUIRED: &'static [&'static str] = &[
        "worker_id",
        "credit_entry_id",
        "objection_entry_id",
        "statement",
        "status",
    ];
    const RESOURCE: &'static str = "objection";
    const TABLE: &'static str = "objections";
    const COLUMNS: &'static [&'static str] = Self::HEADER;
    const LAYOUT: Layout<objection::Column> = Layout::by_id(
        objection::Column::Id,
        InRegion::Workers(objection::Column::WorkerId),
    );

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let worker_id = c.id("worker_id");
        let credit_entry_id = c.id("credit_entry_id");
        let objection_entry_id = c.id("objection_entry_id");
        let statement = c.text("statement").and_then(|s| {
            checked_text("statement", &s)
                .map(str::to_owned)
                .map_err(|e| e.errors.into_iter().for_each(|e| c.push(e)))
                .ok()
        });
        let status: Option<ObjectionStatus> = c.code("status");
        let decision = decision(c, status);
        let filed_at = c
            .opt_timestamp("filed_at")
            .unwrap_or_else(crate::db::now_utc);
        let version = c.opt_int("version");
        let mut errors = c.take_errors();
        let (Some(worker_id), Some(credit_entry_id), Some(objection_entry_id)) =
            (worker_id, credit_entry_id, objection_entry_id)
        else {
            return Err(errors);
        };
        let (Some(statement), Some(status)) = (statement, status) else {
            return Err(errors);
        };
        let row = Row {
            id,
            worker_id,
            credit_entry_id,
            objection_entry_id,
            statement,
            status,
            decision,
            filed_at,
        };
        if version.is_some_and(|v| v != row.version()) {
            errors.push(problem(
                "version",
                "import.objection_version",
                "an objection is version 1 while pending and 2 once decided",
            ));
        }
        if errors.is_empty() {
            Ok(row)
        } else {
            Err(errors)
        }
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    fn natural_key(row: &Row) -> Option<(&'static str, String)> {
        Some(("objection_entry_id", row.objection_entry_id.clone()))
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let workers = lookup::workers(db, rows.iter().map(|r| r.worker_id.clone())).await?;
        let entry_ids = rows.iter().flat_map(|r| {
            [
                Some(r.credit_entry_id.clone()),
                Some(r.objection_entry_id.clone()),
                r.decision.as_ref().map(|d| d.outcome_entry_id.clone()),
            ]
            .into_iter()
            .flatten()
        });
        let entries =
            lookup::stored_by::<credit_entry::Entity, _>(db, credit_entry::Column::Id, entry_ids)
                .await?;
        let filings = rows.iter().map(|r| r.objection_entry_id.clone());
        let column = objection::Column::ObjectionEntryId;
        let by_filing = lookup::stored_by::<objection::Entity, _>(db, column, filings).await?;
        let taken = lookup::taken_ids::<Self, _>(db, rows).await?;
        Ok(rows
            .iter()
            .map(|r| {
                lookup::unless(reference_errors(r, &workers, &entries), || {
                    let id_taken = r.id.as_ref().is_some_and(|id| taken.contains(id));
                    let stored = by_filing.get(&r.objection_entry_id);
                    lookup::by_key("objection_entry_id", stored, id_taken, |m| diff(r, m))
                })
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let d = r.decision.as_ref();
        Ok(vec![
            r.worker_id.clone().into(),
            r.credit_entry_id.clone().into(),
            r.objection_entry_id.clone().into(),
            r.statement.clone().into(),
            r.status.code().into(),
            d.map(|d| d.reason.clone()).into(),
            d.map(|d| d.outcome_entry_id.clone()).into(),
            r.filed_at.into(),
            d.map(|d| d.decided_at).into(),
            r.version().into(),
        ])
    }

    fn record(&self, m: objection::Model) -> Result<Vec<String>, anyhow::Error> {
        Ok(vec![
            m.worker_id,
            m.credit_entry_id,
            m.objection_entry_id,
            m.statement,
            m.status,
            m.decision_reason.unwrap_or_default(),
            m.outcome_entry_id.unwrap_or_default(),
            cells::timestamp(m.filed_at),
            m.decided_at.map(cells::timestamp).unwrap_or_default(),
            m.version.to_string(),
        ])
    }
}

/// The broken references of `r`: its worker, and the three credit entries as the workflow
/// writes them.
fn reference_errors(
    r: &Row,
    workers: &Refs<()>,
    entries: &HashMap<String, credit_entry::Model>,
) -> Vec<ProblemField> {
    let mut errors = Vec::new();
    workers.check(&r.worker_id, &mut errors);
    let w = r.worker_id.as_str();
    let disputed = entries.get(&r.credit_entry_id);
    match disputed {
        None => errors.push(unknown_reference("credit_entry_id", "credit entry")),
        Some(e) if e.worker_id.as_deref() != Some(w) => errors.push(problem(
            "credit_entry_id",
            "import.objection_entry",
            "must name an entry of the worker's own credit record",
        )),
        Some(_) => {}
    }
    let filing = entries.get(&r.objection_entry_id);
    if filing.is_none() {
        errors.push(unknown_reference("objection_entry_id", "credit entry"));
    } else if !entry_is(filing, w, "objection_filed", Some(&r.credit_entry_id)) {
        errors.push(problem(
            "objection_entry_id",
            "import.objection_entry",
            "must name the worker's objection_filed entry pointing at credit_entry_id",
        ));
    }
    if let Some(d) = &r.decision {
        let outcome = entries.get(&d.outcome_entry_id);
        let kind = match r.status {
            ObjectionStatus::Upheld => "objection_upheld",
            _ => "objection_rejected",
        };
        if outcome.is_none() {
            errors.push(unknown_reference("outcome_entry_id", "credit entry"));
        } else if !entry_is(outcome, w, kind, Some(&r.objection_entry_id)) {
            errors.push(problem(
                "outcome_entry_id",
                "import.objection_entry",
                "must name the worker's outcome entry of the status, pointing at \
                 objection_entry_id",
            ));
        }
    }
    errors
}
