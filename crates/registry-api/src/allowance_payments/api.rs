//! Request and response bodies of allowance payments.

use poem_openapi::Object;
use registry_core::FieldError;
use registry_core::calendar::YearMonth;
use registry_core::level::Level as CoreLevel;
use registry_core::money::Yuan;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::db::entities::allowance_payment;
use crate::mirror::Level;
use crate::problem::{ApiError, ProblemField};

/// Body of `POST /api/v1/workers/{worker_id}/allowance-payments`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// Family id of the (one-off) policy paid under; must exist.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub policy_id: String,
    /// Level paid for.
    pub level: Level,
    /// Month paid, `YYYY-MM`.
    #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
    pub month: String,
    /// Amount paid, yuan with at most two decimals, e.g. `"1000.00"`.
    #[oai(validator(pattern = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"))]
    pub amount: String,
}

/// A checked payment body.
#[derive(Debug, Clone)]
pub struct PaymentFields {
    /// Policy family id.
    pub policy_id: String,
    /// Level.
    pub level: CoreLevel,
    /// Month.
    pub month: YearMonth,
    /// Amount.
    pub amount: Yuan,
}

fn at(e: FieldError, field: &str) -> ProblemField {
    FieldError {
        field: field.to_owned(),
        ..e
    }
    .into()
}

impl PaymentBody {
    /// Validates every field, reporting all broken rules at once.
    pub fn validate(&self) -> Result<PaymentFields, ApiError> {
        let mut errors = Vec::new();
        let month = YearMonth::parse(&self.month)
            .map_err(|e| errors.push(at(e, "month")))
            .ok();
        let amount = Yuan::parse(&self.amount)
            .map_err(|e| errors.push(at(e, "amount")))
            .ok();
        match (month, amount) {
            (Some(month), Some(amount)) if errors.is_empty() => Ok(PaymentFields {
                policy_id: self.policy_id.clone(),
                level: self.level.into(),
                month,
                amount,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A one-off allowance payment.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Payment {
    /// Payment id (UUID).
    pub id: String,
    /// The worker paid.
    pub worker_id: String,
    /// Policy family id.
    pub policy_id: String,
    /// Level paid for.
    pub level: Level,
    /// Month paid.
    pub month: String,
    /// Amount, yuan with two decimals.
    pub amount: String,
    /// When it was recorded (UTC).
    pub created_at: OffsetDateTime,
    /// Who recorded it.
    pub created_by: String,
}

impl Payment {
    /// The response for a stored row.
    pub fn view(m: allowance_payment::Model) -> Result<Self, ApiError> {
        let level = CoreLevel::parse(&m.level).map_err(ApiError::internal)?;
        let amount = Yuan::from_fen(m.amount_fen).map_err(ApiError::internal)?;
        Ok(Self {
            id: m.id,
            worker_id: m.worker_id,
            policy_id: m.policy_id,
            level: level.into(),
            month: m.month,
            amount: amount.to_string(),
            created_at: m.created_at,
            created_by: m.created_by,
        })
    }
}

/// One page of payments.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct PaymentPage {
    /// The payments, oldest first.
    pub items: Vec<Payment>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
