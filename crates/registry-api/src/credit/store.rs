//! Queries on `credit_entries`. Functions take any connection (pool or transaction).

use registry_core::credit::CreditEntryKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::api::EntryFields;
use crate::db::entities::credit_entry;
use crate::db::now_utc;

/// Whose record an entry joins, as stored.
#[derive(Debug, Clone)]
pub enum StoredSubject {
    /// A worker (`workers.id`) and the worker's region.
    Worker {
        /// The worker.
        id: String,
        /// The worker's region now.
        region_code: String,
    },
    /// An organisation's credit code and region.
    Organisation {
        /// Upper-case unified social credit code.
        credit_code: String,
        /// Six-digit region.
        region_code: String,
    },
}

impl StoredSubject {
    /// The key that serialises writers of this record.
    pub fn lock_key(&self) -> String {
        match self {
            Self::Worker { id, .. } => format!("credit:worker:{id}"),
            Self::Organisation { credit_code, .. } => format!("credit:org:{credit_code}"),
        }
    }
}

/// Fetches one entry.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<credit_entry::Model>, DbErr> {
    credit_entry::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await
}

/// Every entry of the subject, in `(recorded_at, id)` order (the order appended).
pub async fn of_subject<C: ConnectionTrait>(
    conn: &C,
    subject: &StoredSubject,
) -> Result<Vec<credit_entry::Model>, DbErr> {
    let q = match subject {
        StoredSubject::Worker { id, .. } => {
            credit_entry::Entity::find().filter(credit_entry::Column::WorkerId.eq(id.as_str()))
        }
        StoredSubject::Organisation { credit_code, .. } => credit_entry::Entity::find()
            .filter(credit_entry::Column::OrganisationCreditCode.eq(credit_code.as_str())),
    };
    let mut rows = q
        .order_by_asc(credit_entry::Column::RecordedAt)
        .order_by_asc(credit_entry::Column::Id)
        .all(conn)
        .await?;
    crate::db::recorded_order::sort(&mut rows);
    Ok(rows)
}

/// Every entry of a worker, in the order appended.
pub async fn of_worker<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
) -> Result<Vec<credit_entry::Model>, DbErr> {
    of_subject(
        conn,
        &StoredSubject::Worker {
            id: worker_id.to_owned(),
            region_code: String::new(),
        },
    )
    .await
}

/// The kind-specific columns of an entry (each set only for its kind).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindColumns {
    /// `fine`: the amount in fen.
    pub fine_amount_fen: Option<i64>,
    /// `abnormal_listing`: the cause.
    pub abnormal_cause: Option<String>,
    /// `serious_listing`: the cause's code.
    pub serious_cause: Option<String>,
    /// `removal` / `repair`: the list's code.
    pub list_kind: Option<String>,
}

/// The kind-specific columns of `kind`, as stored.
pub fn kind_columns(kind: &CreditEntryKind) -> KindColumns {
    let mut c = KindColumns::default();
    match kind {
        CreditEntryKind::Fine { amount } => c.fine_amount_fen = Some(amount.to_fen()),
        CreditEntryKind::AbnormalListing { cause } => c.abnormal_cause = Some(cause.clone()),
        CreditEntryKind::SeriousListing { cause } => {
            c.serious_cause = Some(cause.code().to_owned());
        }
        CreditEntryKind::Removal { list } | CreditEntryKind::Repair { list } => {
            c.list_kind = Some(list.code().to_owned());
        }
        _ => {}
    }
    c
}

/// Inserts a checked entry of `subject`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    subject: &StoredSubject,
    f: &EntryFields,
) -> Result<credit_entry::Model, DbErr> {
    let e = &f.entry;
    let (kind, worker_id, code, region) = match subject {
        StoredSubject::Worker { id, region_code } => {
            ("worker", Some(id.clone()), None, region_code.clone())
        }
        StoredSubject::Organisation {
            credit_code,
            region_code,
        } => (
            "organisation",
            None,
            Some(credit_code.clone()),
            region_code.clone(),
        ),
    };
    let KindColumns {
        fine_amount_fen: fen,
        abnormal_cause: cause,
        serious_cause: serious,
        list_kind: list,
    } = kind_columns(e.kind());
    credit_entry::ActiveModel {
        id: Set(id),
        subject_kind: Set(kind.to_owned()),
        worker_id: Set(worker_id),
        organisation_credit_code: Set(code),
        region_code: Set(region),
        kind: Set(e.kind().code().to_owned()),
        fine_amount_fen: Set(fen),
        abnormal_cause: Set(cause),
        serious_cause: Set(serious),
        list_kind: Set(list),
        points_to_id: Set(f.refers_to.clone()),
        effective_on: Set(e.effective_on()),
        legal_basis: Set(e.legal_basis().to_owned()),
        evidence_refs: Set(serde_json::to_string(e.evidence_refs()).unwrap_or_else(|_| "[]".into())),
        note: Set(e.note().map(str::to_owned)),
        recorded_at: Set(now_utc()),
    }
    .insert(conn)
    .await
}
