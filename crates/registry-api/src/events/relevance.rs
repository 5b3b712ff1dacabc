//! Which writes the feed reports: the one table of eligibility-relevant resources.
//!
//! A write is relevant when it can change some worker's allowance decision, i.e. when it
//! changes a fact `crate::decisions::facts::load` (or the policy set) reads:
//!
//! | resource            | create                      | update                                   |
//! |---------------------|-----------------------------|------------------------------------------|
//! | `credential`        | `credential.created`        | `credential.updated`                     |
//! | `registration`      | `registration.created`      | (none exist)                             |
//! | `assignment`        | `assignment.created`        | `assignment.updated`                     |
//! | `post`              | none (nobody holds it yet)  | `post.updated` if min level, grade or part-time changed |
//! | `unit`              | none (no posts yet)         | `unit.updated` if the unit type changed  |
//! | `worker`            | none (no credential yet)    | `worker.region_changed` if the region changed |
//! | `appraisal`         | `appraisal.created`         | (append-only)                            |
//! | `credit_entry`      | `credit_entry.created`, worker entries only, written by `crate::credit::routes::append_entry` | (append-only) |
//! | `allowance_policy`  | `policy.created`            | (versions are immutable)                 |
//! | `allowance_payment` | `allowance_payment.created` | (append-only)                            |
//!
//! Not relevant: continuing education (read by the ladder, not by allowance decisions),
//! unit renames and moves, post titles, worker names, education and experience (the ladder's
//! facts), objections themselves (their filing and outcome are credit entries, reported as
//! `credit_entry.created`), organisation credit entries, API keys, verifications.

use super::api::EventKind;
use crate::db::entities::{post, unit, worker};

/// Whether a change is a create or an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new row (through `crate::create::create_once`).
    Created,
    /// A replaced row (an `If-Match` update).
    Updated,
}

/// One row of the table: resource type, kind on create, kind on update.
type Row = (&'static str, Option<EventKind>, Option<EventKind>);

/// The resources written through `create_once` and the update handlers (credit entries are
/// reported where they are appended, see [`CREDIT_ENTRY`]).
const TABLE: &[Row] = &[
    (
        "credential",
        Some(EventKind::CredentialCreated),
        Some(EventKind::CredentialUpdated),
    ),
    ("registration", Some(EventKind::RegistrationCreated), None),
    (
        "assignment",
        Some(EventKind::AssignmentCreated),
        Some(EventKind::AssignmentUpdated),
    ),
    ("post", None, Some(EventKind::PostUpdated)),
    ("unit", None, Some(EventKind::UnitUpdated)),
    ("worker", None, Some(EventKind::WorkerRegionChanged)),
    ("appraisal", Some(EventKind::AppraisalCreated), None),
    ("allowance_policy", Some(EventKind::PolicyCreated), None),
    (
        "allowance_payment",
        Some(EventKind::AllowancePaymentCreated),
        None,
    ),
];

/// Resource type of credit entries; their events are written by
/// `crate::credit::routes::append_entry`, the one place entries are inserted (credit creates,
/// objection filings and objection outcomes all go through it).
pub const CREDIT_ENTRY: &str = "credit_entry";

/// The event a create of `resource` appends, wherever the row is written: [`kind`] for the
/// resources of the table, `credit_entry.created` for credit entries (whose writer reports
/// only a worker's entries).
pub fn created(resource: &str) -> Option<EventKind> {
    if resource == CREDIT_ENTRY {
        Some(EventKind::CreditEntryCreated)
    } else {
        kind(resource, Action::Created)
    }
}

/// The event kind for `action` on `resource`, or `None` when the feed does not report it.
pub fn kind(resource: &str, action: Action) -> Option<EventKind> {
    TABLE
        .iter()
        .find(|(r, _, _)| *r == resource)
        .and_then(|(_, created, updated)| match action {
            Action::Created => *created,
            Action::Updated => *updated,
        })
}

/// Whether a worker update is relevant: only a change of region (allowance policies apply
/// by the worker's region).
pub fn worker_update(before: &worker::Model, after: &worker::Model) -> bool {
    before.region_code != after.region_code
}

/// Whether a unit update is relevant: only a change of unit type (a decision reads it for
/// every assignment to the unit's posts).
pub fn unit_update(before: &unit::Model, after: &unit::Model) -> bool {
    before.unit_type != after.unit_type
}

/// Whether a post update is relevant: its minimum level, grade or part-time flag changed
/// (what a decision reads of a post); a title change is not.
pub fn post_update(before: &post::Model, after: &post::Model) -> bool {
    before.min_level != after.min_level
        || before.grade != after.grade
        || before.part_time_allowed != after.part_time_allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(
            kind("credential", Action::Updated),
            Some(EventKind::CredentialUpdated)
        );
        assert_eq!(kind("unit", Action::Created), None);
        assert_eq!(kind("continuing_education", Action::Created), None);
        assert_eq!(kind("objection", Action::Created), None);
        // credit entries are reported by append_entry, never through the table
        assert_eq!(kind(CREDIT_ENTRY, Action::Created), None);
        assert_eq!(created(CREDIT_ENTRY), Some(EventKind::CreditEntryCreated));
        assert_eq!(created("appraisal"), Some(EventKind::AppraisalCreated));
        assert_eq!(created("objection"), None);
    }
}
