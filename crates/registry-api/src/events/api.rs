//! Response bodies of the change feed: [`Event`], [`EventPage`] and the [`EventKind`] codes.

use poem_openapi::{Enum, Object};
use time::OffsetDateTime;

use crate::db::entities::event;
use crate::problem::ApiError;

/// What changed. `<resource>.<created|updated>`, plus `worker.region_changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum EventKind {
    /// A credential was recorded.
    #[oai(rename = "credential.created")]
    CredentialCreated,
    /// A credential was updated (status, level, validity...).
    #[oai(rename = "credential.updated")]
    CredentialUpdated,
    /// A registration of a credential was recorded.
    #[oai(rename = "registration.created")]
    RegistrationCreated,
    /// A worker was assigned to a post.
    #[oai(rename = "assignment.created")]
    AssignmentCreated,
    /// An assignment was updated (end date, basis...).
    #[oai(rename = "assignment.updated")]
    AssignmentUpdated,
    /// A post's terms changed (minimum level, grade, part-time); a title change is none.
    #[oai(rename = "post.updated")]
    PostUpdated,
    /// A unit's type changed; a rename or move is none.
    #[oai(rename = "unit.updated")]
    UnitUpdated,
    /// A worker moved to another region (`previous_region_code` is the old one).
    #[oai(rename = "worker.region_changed")]
    WorkerRegionChanged,
    /// An appraisal (or a correction of one) was recorded.
    #[oai(rename = "appraisal.created")]
    AppraisalCreated,
    /// An entry was added to a worker's credit record (also objections and their outcomes).
    #[oai(rename = "credit_entry.created")]
    CreditEntryCreated,
    /// An allowance policy version was created (it may end the previous open version).
    #[oai(rename = "policy.created")]
    PolicyCreated,
    /// A one-off allowance payment was recorded.
    #[oai(rename = "allowance_payment.created")]
    AllowancePaymentCreated,
}

impl EventKind {
    /// Every kind, for parsing stored codes.
    pub const ALL: [Self; 12] = [
        Self::CredentialCreated,
        Self::CredentialUpdated,
        Self::RegistrationCreated,
        Self::AssignmentCreated,
        Self::AssignmentUpdated,
        Self::PostUpdated,
        Self::UnitUpdated,
        Self::WorkerRegionChanged,
        Self::AppraisalCreated,
        Self::CreditEntryCreated,
        Self::PolicyCreated,
        Self::AllowancePaymentCreated,
    ];

    /// The stored and wire code, e.g. `credential.created`.
    pub fn code(self) -> &'static str {
        match self {
            Self::CredentialCreated => "credential.created",
            Self::CredentialUpdated => "credential.updated",
            Self::RegistrationCreated => "registration.created",
            Self::AssignmentCreated => "assignment.created",
            Self::AssignmentUpdated => "assignment.updated",
            Self::PostUpdated => "post.updated",
            Self::UnitUpdated => "unit.updated",
            Self::WorkerRegionChanged => "worker.region_changed",
            Self::AppraisalCreated => "appraisal.created",
            Self::CreditEntryCreated => "credit_entry.created",
            Self::PolicyCreated => "policy.created",
            Self::AllowancePaymentCreated => "allowance_payment.created",
        }
    }

    /// The kind of a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One eligibility-relevant change. Ids only: what changed is read from the resource itself
/// (by whoever may read it).
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Event {
    /// Position in the feed (gap-free, increasing in commit order).
    pub seq: i64,
    /// What changed.
    pub kind: EventKind,
    /// Resource type, e.g. `credential`.
    pub resource: String,
    /// Id of the resource that changed; for a policy version `<policy_id>/versions/<version>`
    /// (read it at `/api/v1/allowance-policies/{resource_id}`).
    pub resource_id: String,
    /// The worker whose facts changed, when the resource belongs to one.
    #[oai(skip_serializing_if_is_none)]
    pub worker_id: Option<String>,
    /// The region of the change: the worker's (after the change), else the resource's own
    /// (a post's or unit's region, a policy's region).
    pub region_code: String,
    /// For `worker.region_changed`: the region the worker left.
    #[oai(skip_serializing_if_is_none)]
    pub previous_region_code: Option<String>,
    /// When the write happened (UTC).
    pub occurred_at: OffsetDateTime,
}

impl Event {
    /// The response for a stored row.
    pub fn view(m: event::Model) -> Result<Self, ApiError> {
        let kind = EventKind::parse(&m.kind)
            .ok_or_else(|| ApiError::internal(format!("unknown event kind {}", m.kind)))?;
        Ok(Self {
            seq: m.seq,
            kind,
            resource: m.resource,
            resource_id: m.resource_id,
            worker_id: m.worker_id,
            region_code: m.region_code,
            previous_region_code: m.previous_region_code,
            occurred_at: m.occurred_at,
        })
    }
}

/// A page of the feed.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct EventPage {
    /// Events after the cursor, oldest first.
    pub items: Vec<Event>,
    /// Always present, also on an empty page: pass it as `after` to read what follows
    /// (poll with it when the page was empty).
    pub next_cursor: String,
    /// Whether more events were already waiting after this page.
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.code()), Some(k));
        }
        assert_eq!(EventKind::parse("unit.created"), None);
    }
}
