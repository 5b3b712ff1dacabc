//! Request and response bodies of allowance runs, and the totals kept with a run.

use poem_openapi::{Enum, Object};
use registry_core::allowance::run::{Bucket, RunTotals};
use registry_core::calendar::YearMonth;
use registry_core::ids::RegionCode;
use registry_core::money::Yuan;
use registry_core::{FieldError, RuleViolation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::db::entities::{allowance_run, allowance_run_change, allowance_run_item};
use crate::problem::{ApiError, ProblemField};

/// Body of `POST /api/v1/allowance-runs`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// The region to run (six digits); its contained regions are included.
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    pub region_code: String,
    /// Payroll month, `YYYY-MM`.
    #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
    pub month: String,
}

fn at(e: FieldError, field: &str) -> ProblemField {
    FieldError {
        field: field.to_owned(),
        ..e
    }
    .into()
}

impl RunBody {
    /// Validates both fields, reporting every broken rule at once.
    pub fn validate(&self) -> Result<(RegionCode, YearMonth), ApiError> {
        let mut errors = Vec::new();
        let region = RegionCode::parse(&self.region_code)
            .map_err(|e| errors.push(e.at("region_code").into()))
            .ok();
        let month = YearMonth::parse(&self.month)
            .map_err(|e| errors.push(at(e, "month")))
            .ok();
        match (region, month) {
            (Some(r), Some(m)) if errors.is_empty() => Ok((r, m)),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// The totals as stored (JSON in `allowance_runs.totals`; money in fen).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredTotals {
    /// By level code (`none` for workers without a level).
    pub by_level: Vec<StoredBucket>,
    /// By unit id (`none` for workers without a unit).
    pub by_unit: Vec<StoredBucket>,
    /// Workers who gained the allowance since the previous run.
    pub gained: u64,
    /// Workers who lost it.
    pub lost: u64,
    /// Workers paid another amount.
    pub amount_changed: u64,
}

/// One stored totals line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredBucket {
    /// Level code or unit id.
    pub key: String,
    /// Workers decided.
    pub workers: u64,
    /// Workers owed.
    pub eligible: u64,
    /// Owed, in fen.
    pub amount_fen: i64,
}

fn stored(m: &std::collections::BTreeMap<String, Bucket>) -> Vec<StoredBucket> {
    m.iter()
        .map(|(k, b)| StoredBucket {
            key: k.clone(),
            workers: b.workers,
            eligible: b.eligible,
            amount_fen: b.amount.to_fen(),
        })
        .collect()
}

impl StoredTotals {
    /// The stored form of core totals.
    pub fn new(t: &RunTotals) -> Self {
        Self {
            by_level: stored(&t.by_level),
            by_unit: stored(&t.by_unit),
            ..Self::default()
        }
    }
}

/// Yuan with two decimals for one worker's fen amount (checked like every amount: at most
/// `registry_core::money::MAX_YUAN`).
pub fn yuan(fen: i64) -> Result<String, ApiError> {
    Ok(Yuan::from_fen(fen).map_err(ApiError::internal)?.to_string())
}

/// Yuan with two decimals for a run total. A total is a sum of many amounts, so the
/// per-amount ceiling does not apply: a region of a million workers owes far more than
/// 100,000,000 yuan in a month. Never negative.
pub fn total_yuan(fen: i64) -> Result<String, ApiError> {
    if fen < 0 {
        return Err(ApiError::internal("negative run total in storage"));
    }
    Ok(rust_decimal::Decimal::new(fen, 2).to_string())
}

/// Whether a run may still be signed off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RunStatus {
    /// Not signed off yet.
    Open,
    /// Locked: never changes again.
    SignedOff,
}

/// How a worker's line changed from the previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ChangeKindView {
    /// Paid now, not before.
    Gained,
    /// Paid before, not now.
    Lost,
    /// Paid in both runs, another amount.
    AmountChanged,
}

/// One totals line.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct TotalLine {
    /// Level code or unit id (`none` when the workers have none).
    pub key: String,
    /// Workers decided.
    pub workers: u64,
    /// Workers owed the allowance.
    pub eligible: u64,
    /// Yuan owed, two decimals.
    pub amount: String,
}

/// A run's totals.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Totals {
    /// Workers decided.
    pub workers: u64,
    /// Workers owed the allowance.
    pub eligible: u64,
    /// Yuan owed in all, two decimals.
    pub amount: String,
    /// By credential level.
    pub by_level: Vec<TotalLine>,
    /// By unit (the unit of the assignment each decision rests on).
    pub by_unit: Vec<TotalLine>,
}

/// A policy version a run used.
#[derive(Debug, Clone, Object, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
pub struct RunPolicy {
    /// Family id.
    pub policy_id: String,
    /// Version.
    pub version: u32,
}

/// One worker whose line changed from the previous run.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct ChangeView {
    /// The worker.
    pub worker_id: String,
    /// What changed.
    pub kind: ChangeKindView,
    /// Yuan in the previous run (absent when the worker was not in it).
    #[oai(skip_serializing_if_is_none)]
    pub before_amount: Option<String>,
    /// Yuan in this run (absent when the worker is no longer in the region).
    #[oai(skip_serializing_if_is_none)]
    pub after_amount: Option<String>,
    /// Reason codes in the previous run.
    pub before_reasons: Vec<String>,
    /// Reason codes in this run: why it changed.
    pub after_reasons: Vec<String>,
}

fn codes(json: Option<&str>) -> Result<Vec<String>, ApiError> {
    json.map(|j| serde_json::from_str(j).map_err(ApiError::internal))
        .transpose()
        .map(Option::unwrap_or_default)
}

impl ChangeView {
    /// The response for a stored change.
    pub fn view(m: &allowance_run_change::Model) -> Result<Self, ApiError> {
        Ok(Self {
            worker_id: m.worker_id.clone(),
            kind: match m.kind.as_str() {
                "gained" => ChangeKindView::Gained,
                "lost" => ChangeKindView::Lost,
                _ => ChangeKindView::AmountChanged,
            },
            before_amount: m.before_amount_fen.map(yuan).transpose()?,
            after_amount: m.after_amount_fen.map(yuan).transpose()?,
            before_reasons: codes(m.before_reasons.as_deref())?,
            after_reasons: codes(m.after_reasons.as_deref())?,
        })
    }
}

/// The differences from the previous run of the same region and month.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Changes {
    /// The previous run (absent for the first run of a region and month).
    #[oai(skip_serializing_if_is_none)]
    pub previous_run_id: Option<String>,
    /// Workers who gained the allowance.
    pub gained: u64,
    /// Workers who lost it.
    pub lost: u64,
    /// Workers paid another amount.
    pub amount_changed: u64,
    /// The changed workers in id order (at most 1000; all of them, paged, at
    /// `GET /allowance-runs/{id}/changes`).
    pub workers: Vec<ChangeView>,
    /// True when there are more changes than `workers` shows.
    pub truncated: bool,
}

/// Changes listed in a run's summary at most.
pub const MAX_CHANGES_SHOWN: u64 = 1000;

/// An allowance run: the snapshot's summary, totals and differences.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct AllowanceRun {
    /// Run id.
    pub id: String,
    /// The region run.
    pub region_code: String,
    /// Payroll month, `YYYY-MM`.
    pub month: String,
    /// `open` or `signed_off`.
    pub status: RunStatus,
    /// Version (the ETag).
    pub version: i64,
    /// When the run was made (UTC).
    pub created_at: OffsetDateTime,
    /// Who made it.
    pub created_by: String,
    /// When it was signed off (UTC).
    #[oai(skip_serializing_if_is_none)]
    pub signed_off_at: Option<OffsetDateTime>,
    /// Who signed it off.
    #[oai(skip_serializing_if_is_none)]
    pub signed_off_by: Option<String>,
    /// The policy versions the decisions used.
    pub policies: Vec<RunPolicy>,
    /// Totals overall, by level and by unit.
    pub totals: Totals,
    /// Differences from the previous run.
    pub changes: Changes,
}

fn lines(v: &[StoredBucket]) -> Result<Vec<TotalLine>, ApiError> {
    v.iter()
        .map(|b| {
            Ok(TotalLine {
                key: b.key.clone(),
                workers: b.workers,
                eligible: b.eligible,
                amount: total_yuan(b.amount_fen)?,
            })
        })
        .collect()
}

impl AllowanceRun {
    /// The response for a stored run and its first changes.
    pub fn view(
        m: &allowance_run::Model,
        changes: &[allowance_run_change::Model],
    ) -> Result<Self, ApiError> {
        let t: StoredTotals = serde_json::from_str(&m.totals).map_err(ApiError::internal)?;
        let policies: Vec<RunPolicy> =
            serde_json::from_str(&m.policies).map_err(ApiError::internal)?;
        Ok(Self {
            id: m.id.clone(),
            region_code: m.region_code.clone(),
            month: m.month.clone(),
            status: if m.status == "signed_off" {
                RunStatus::SignedOff
            } else {
                RunStatus::Open
            },
            version: m.version,
            created_at: m.created_at,
            created_by: m.created_by.clone(),
            signed_off_at: m.signed_off_at,
            signed_off_by: m.signed_off_by.clone(),
            policies,
            totals: Totals {
                workers: u64::try_from(m.workers).unwrap_or_default(),
                eligible: u64::try_from(m.eligible).unwrap_or_default(),
                amount: total_yuan(m.amount_fen)?,
                by_level: lines(&t.by_level)?,
                by_unit: lines(&t.by_unit)?,
            },
            changes: Changes {
                previous_run_id: m.previous_run_id.clone(),
                gained: t.gained,
                lost: t.lost,
                amount_changed: t.amount_changed,
                workers: changes
                    .iter()
                    .take(MAX_CHANGES_SHOWN as usize)
                    .map(ChangeView::view)
                    .collect::<Result<_, _>>()?,
                truncated: u64::try_from(m.changes).unwrap_or_default() > MAX_CHANGES_SHOWN,
            },
        })
    }
}

/// A page of runs.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct RunPage {
    /// The runs, oldest first (summaries without the changed workers).
    pub items: Vec<AllowanceRun>,
    /// Cursor of the next page, if any.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// One worker's line in a run.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct RunItem {
    /// The worker.
    pub worker_id: String,
    /// Whether the allowance is owed.
    pub eligible: bool,
    /// Yuan owed, two decimals.
    pub amount: String,
    /// Level code the decision is based on.
    #[oai(skip_serializing_if_is_none)]
    pub level: Option<String>,
    /// Policy family used.
    #[oai(skip_serializing_if_is_none)]
    pub policy_id: Option<String>,
    /// Policy version used.
    #[oai(skip_serializing_if_is_none)]
    pub policy_version: Option<i32>,
    /// The unit the decision rests on.
    #[oai(skip_serializing_if_is_none)]
    pub unit_id: Option<String>,
    /// The decision's reason codes.
    pub reasons: Vec<String>,
}

impl RunItem {
    /// The response for a stored line.
    pub fn view(m: &allowance_run_item::Model) -> Result<Self, ApiError> {
        Ok(Self {
            worker_id: m.worker_id.clone(),
            eligible: m.eligible,
            amount: yuan(m.amount_fen)?,
            level: m.level.clone(),
            policy_id: m.policy_id.clone(),
            policy_version: m.policy_version,
            unit_id: m.unit_id.clone(),
            reasons: codes(Some(&m.reasons))?,
        })
    }
}

/// A page of a run's lines.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct RunItemPage {
    /// The lines, in worker id order.
    pub items: Vec<RunItem>,
    /// Cursor of the next page, if any.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// A page of a run's changes.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct ChangePage {
    /// The changed workers, in worker id order.
    pub items: Vec<ChangeView>,
    /// Cursor of the next page, if any.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_totals_are_not_capped_like_single_amounts() {
        // 860,000 workers at ~610 yuan: about 525 million yuan, beyond one amount's ceiling.
        let fen = 52_500_000_001;
        assert!(yuan(fen).is_err());
        assert_eq!(total_yuan(fen).unwrap(), "525000000.01");
        assert_eq!(total_yuan(0).unwrap(), "0.00");
        assert_eq!(total_yuan(80_000).unwrap(), "800.00");
        assert!(total_yuan(-1).is_err());
    }
}
