//! The tables a decision reads, as [`json_rows`](super::json_rows) tables, and their JSON
//! rows as the ORM's models (so [`super::facts::assemble`] sees the same values whichever
//! loader read them). Every column of each model is read, in the model's field order.

use super::json_rows::{Col, DbBool, DbDate, DbTime, Table};
use crate::db::entities::{
    allowance_payment, appraisal, assignment, credential, credit_entry, post, registration, unit,
};

use Col::{Bool, Date, Int, Plain, Time};

/// `workers`: the columns a decision uses ([`super::facts::WorkerHead`]).
pub const WORKERS: Table = Table {
    name: "workers",
    cols: &[
        ("id", Plain),
        ("region_code", Plain),
        ("education_level", Plain),
        ("social_work_major", Bool),
        ("experience_start", Date),
        ("updated_at", Time),
    ],
};

/// A `workers` row of [`WORKERS`].
pub type WorkerRow = (String, String, String, DbBool, DbDate, DbTime);

/// `credentials`.
pub const CREDENTIALS: Table = Table {
    name: "credentials",
    cols: &[
        ("id", Plain),
        ("worker_id", Plain),
        ("scheme", Plain),
        ("level", Plain),
        ("certificate_number", Plain),
        ("issuing_authority", Plain),
        ("exam_year", Int),
        ("issue_date", Date),
        ("valid_region", Plain),
        ("status", Plain),
        ("version", Int),
        ("created_at", Time),
        ("updated_at", Time),
    ],
};

type CredentialRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i32>,
    DbDate,
    Option<String>,
    String,
    i64,
    DbTime,
    DbTime,
);

/// A [`CREDENTIALS`] row as a model.
pub fn credential(r: CredentialRow) -> credential::Model {
    credential::Model {
        id: r.0,
        worker_id: r.1,
        scheme: r.2,
        level: r.3,
        certificate_number: r.4,
        issuing_authority: r.5,
        exam_year: r.6,
        issue_date: r.7.0,
        valid_region: r.8,
        status: r.9,
        version: r.10,
        created_at: r.11.0,
        updated_at: r.12.0,
    }
}

/// `registrations`.
pub const REGISTRATIONS: Table = Table {
    name: "registrations",
    cols: &[
        ("id", Plain),
        ("credential_id", Plain),
        ("worker_id", Plain),
        ("kind", Plain),
        ("registered_on", Date),
        ("valid_until", Date),
        ("created_at", Time),
    ],
};

type RegistrationRow = (String, String, String, String, DbDate, DbDate, DbTime);

/// A [`REGISTRATIONS`] row as a model.
pub fn registration(r: RegistrationRow) -> registration::Model {
    registration::Model {
        id: r.0,
        credential_id: r.1,
        worker_id: r.2,
        kind: r.3,
        registered_on: r.4.0,
        valid_until: r.5.0,
        created_at: r.6.0,
    }
}

/// `assignments`.
pub const ASSIGNMENTS: Table = Table {
    name: "assignments",
    cols: &[
        ("id", Plain),
        ("worker_id", Plain),
        ("post_id", Plain),
        ("region_code", Plain),
        ("start", Date),
        ("end", Date),
        ("basis", Plain),
        ("version", Int),
        ("created_at", Time),
        ("updated_at", Time),
    ],
};

type AssignmentRow = (
    String,
    String,
    String,
    String,
    DbDate,
    Option<DbDate>,
    String,
    i64,
    DbTime,
    DbTime,
);

/// An [`ASSIGNMENTS`] row as a model.
pub fn assignment(r: AssignmentRow) -> assignment::Model {
    assignment::Model {
        id: r.0,
        worker_id: r.1,
        post_id: r.2,
        region_code: r.3,
        start: r.4.0,
        end: r.5.map(|d| d.0),
        basis: r.6,
        version: r.7,
        created_at: r.8.0,
        updated_at: r.9.0,
    }
}

/// `allowance_payments`.
pub const PAYMENTS: Table = Table {
    name: "allowance_payments",
    cols: &[
        ("id", Plain),
        ("worker_id", Plain),
        ("policy_id", Plain),
        ("level", Plain),
        ("month", Plain),
        ("amount_fen", Int),
        ("created_at", Time),
        ("created_by", Plain),
    ],
};

type PaymentRow = (String, String, String, String, String, i64, DbTime, String);

/// A [`PAYMENTS`] row as a model.
pub fn payment(r: PaymentRow) -> allowance_payment::Model {
    allowance_payment::Model {
        id: r.0,
        worker_id: r.1,
        policy_id: r.2,
        level: r.3,
        month: r.4,
        amount_fen: r.5,
        created_at: r.6.0,
        created_by: r.7,
    }
}

/// `appraisals`.
pub const APPRAISALS: Table = Table {
    name: "appraisals",
    cols: &[
        ("id", Plain),
        ("worker_id", Plain),
        ("unit_id", Plain),
        ("year", Int),
        ("grade", Plain),
        ("score_ethics", Int),
        ("score_performance", Int),
        ("score_satisfaction", Int),
        ("recorded_on", Date),
        ("corrects_id", Plain),
        ("recorded_at", Time),
    ],
};

type AppraisalRow = (
    String,
    String,
    String,
    i32,
    String,
    Option<i16>,
    Option<i16>,
    Option<i16>,
    DbDate,
    Option<String>,
    DbTime,
);

/// An [`APPRAISALS`] row as a model.
pub fn appraisal(r: AppraisalRow) -> appraisal::Model {
    appraisal::Model {
        id: r.0,
        worker_id: r.1,
        unit_id: r.2,
        year: r.3,
        grade: r.4,
        score_ethics: r.5,
        score_performance: r.6,
        score_satisfaction: r.7,
        recorded_on: r.8.0,
        corrects_id: r.9,
        recorded_at: r.10.0,
    }
}

/// `credit_entries`.
pub const CREDIT_ENTRIES: Table = Table {
    name: "credit_entries",
    cols: &[
        ("id", Plain),
        ("subject_kind", Plain),
        ("worker_id", Plain),
        ("organisation_credit_code", Plain),
        ("region_code", Plain),
        ("kind", Plain),
        ("fine_amount_fen", Int),
        ("abnormal_cause", Plain),
        ("serious_cause", Plain),
        ("list_kind", Plain),
        ("points_to_id", Plain),
        ("effective_on", Date),
        ("legal_basis", Plain),
        ("evidence_refs", Plain),
        ("note", Plain),
        ("recorded_at", Time),
    ],
};

type CreditEntryRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    DbDate,
    String,
    String,
    Option<String>,
    DbTime,
);

/// A [`CREDIT_ENTRIES`] row as a model.
pub fn credit_entry(r: CreditEntryRow) -> credit_entry::Model {
    credit_entry::Model {
        id: r.0,
        subject_kind: r.1,
        worker_id: r.2,
        organisation_credit_code: r.3,
        region_code: r.4,
        kind: r.5,
        fine_amount_fen: r.6,
        abnormal_cause: r.7,
        serious_cause: r.8,
        list_kind: r.9,
        points_to_id: r.10,
        effective_on: r.11.0,
        legal_basis: r.12,
        evidence_refs: r.13,
        note: r.14,
        recorded_at: r.15.0,
    }
}

/// `posts`.
pub const POSTS: Table = Table {
    name: "posts",
    cols: &[
        ("id", Plain),
        ("unit_id", Plain),
        ("region_code", Plain),
        ("title", Plain),
        ("min_level", Plain),
        ("grade", Int),
        ("part_time_allowed", Bool),
        ("version", Int),
        ("created_at", Time),
        ("updated_at", Time),
    ],
};

type PostRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i32>,
    DbBool,
    i64,
    DbTime,
    DbTime,
);

/// A [`POSTS`] row as a model.
pub fn post(r: PostRow) -> post::Model {
    post::Model {
        id: r.0,
        unit_id: r.1,
        region_code: r.2,
        title: r.3,
        min_level: r.4,
        grade: r.5,
        part_time_allowed: r.6.0,
        version: r.7,
        created_at: r.8.0,
        updated_at: r.9.0,
    }
}

/// `units`.
pub const UNITS: Table = Table {
    name: "units",
    cols: &[
        ("id", Plain),
        ("region_code", Plain),
        ("name", Plain),
        ("unit_type", Plain),
        ("credit_code", Plain),
        ("version", Int),
        ("created_at", Time),
        ("updated_at", Time),
    ],
};

type UnitRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    DbTime,
    DbTime,
);

/// A [`UNITS`] row as a model.
pub fn unit(r: UnitRow) -> unit::Model {
    unit::Model {
        id: r.0,
        region_code: r.1,
        name: r.2,
        unit_type: r.3,
        credit_code: r.4,
        version: r.5,
        created_at: r.6.0,
        updated_at: r.7.0,
    }
}
