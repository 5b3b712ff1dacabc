//! The write path of every update under `If-Match`: one transaction holding the change, its
//! audit entry and (when the feed reports it) its change-feed event.
//!
//! An update handler names the update ([`UpdateCtx::by_admin`]: 403 for anyone but an
//! admin), checks the `If-Match` version ([`crate::concurrency::expected_version`]) and the
//! body, then:
//! 1. [`UpdateCtx::begin`] opens the write transaction and loads the row as the caller may
//!    write it (a row outside the caller's scope is the same 404 as a missing one);
//! 2. the handler checks what depends on the stored row (e.g. a revoked credential stays
//!    revoked) and [`Update::apply`] runs the conditional `UPDATE … WHERE version = ?`
//!    (412 when the row is at another version or the `UPDATE` changed nothing);
//! 3. [`Update::commit`] appends the audit entry, reads the row again, records the event the
//!    handler derives from the row before and after, commits, and returns the stored row.
//!
//! Any error before the commit drops the transaction: a rejected update writes nothing.

use sea_orm::{DatabaseTransaction, EntityTrait, PrimaryKeyTrait};

use crate::audit::{self, AuditEvent};
use crate::auth::{Principal, Role};
use crate::concurrency::stale;
use crate::db::begin_write;
use crate::db::entities::{assignment, credential, objection, post, unit, worker};
use crate::events::{self, Change};
use crate::observe::RequestId;
use crate::problem::ApiError;
use crate::state::AppState;

/// A stored row that updates change under `If-Match`.
pub trait Versioned: Sized {
    /// The table of the row.
    type Entity: EntityTrait<Model = Self>;
    /// Its version (the ETag is [`crate::concurrency::etag`] of it).
    fn version(&self) -> i64;
    /// The worker whose personal record the row is part of, if any (named in the audit entry
    /// and the change-feed event).
    fn worker_id(&self) -> Option<&str>;
}

/// Implements [`Versioned`] for the `Model` of each entity module, with the expression that
/// names the row's worker.
macro_rules! versioned {
    ($($entity:ident: |$row:ident| $worker:expr;)*) => {$(
        impl Versioned for $entity::Model {
            type Entity = $entity::Entity;
            fn version(&self) -> i64 {
                self.version
            }
            fn worker_id(&self) -> Option<&str> {
                let $row = self;
                $worker
            }
        }
    )*};
}

versioned! {
    unit: |_row| None;
    post: |_row| None;
    worker: |row| Some(&row.id);
    credential: |row| Some(&row.worker_id);
    assignment: |row| Some(&row.worker_id);
    objection: |row| Some(&row.worker_id);
}

/// Who updates what, in which request: the update's audit entry, which names the row's
/// worker ([`Versioned::worker_id`]) once the row is loaded.
#[derive(Debug, Clone, Copy)]
pub struct UpdateCtx<'a> {
    entry: AuditEvent<'a>,
}

impl<'a> UpdateCtx<'a> {
    /// `operation` (e.g. `update_unit`) of `principal` on `resource` (as in the audit log and
    /// the change feed, e.g. `unit`) `id`, in request `request_id`; 403 unless `principal`
    /// is an admin (only admins update).
    pub fn by_admin(
        principal: &'a Principal,
        request_id: &'a RequestId,
        operation: &'a str,
        resource: &'a str,
        id: &'a str,
    ) -> Result<Self, ApiError> {
        principal.require(&[Role::Admin])?;
        let entry = AuditEvent {
            principal,
            action: operation,
            resource,
            resource_id: id,
            request_id: request_id.as_str(),
            worker_id: None,
        };
        Ok(Self { entry })
    }

    /// The caller.
    pub fn principal(&self) -> &'a Principal {
        self.entry.principal
    }

    /// Id of the row.
    pub fn id(&self) -> &'a str {
        self.entry.resource_id
    }

    /// Opens the write transaction and loads the row with `load`, which returns it only if
    /// the caller may write it (`None`: the same 404 as a missing row).
    pub async fn begin<M: Versioned>(
        self,
        state: &AppState,
        expected: i64,
        load: impl AsyncFnOnce(&DatabaseTransaction) -> Result<Option<M>, ApiError>,
    ) -> Result<Update<'a, M>, ApiError> {
        let (update, ()) = self
            .begin_with(state, expected, async |txn| {
                Ok::<_, ApiError>(load(txn).await?.map(|m| (m, ())))
            })
            .await?;
        Ok(update)
    }

    /// [`Self::begin`] for a `load` that also returns what the row was scoped through (e.g.
    /// its worker), handed back with the update.
    pub async fn begin_with<M: Versioned, X, E>(
        self,
        state: &AppState,
        expected: i64,
        load: impl AsyncFnOnce(&DatabaseTransaction) -> Result<Option<(M, X)>, E>,
    ) -> Result<(Update<'a, M>, X), ApiError>
    where
        ApiError: From<E>,
    {
        let txn = begin_write(&state.db).await?;
        let (current, with) = load(&txn).await?.ok_or_else(ApiError::not_found)?;
        let update = Update {
            ctx: self,
            expected,
            txn,
            current,
        };
        Ok((update, with))
    }
}

/// An update under way (see the module docs): its transaction and the row as it was.
pub struct Update<'a, M> {
    ctx: UpdateCtx<'a>,
    expected: i64,
    txn: DatabaseTransaction,
    /// The row as it was before the update.
    pub current: M,
}

impl<M: Versioned> Update<'_, M> {
    /// Runs `write` (the conditional `UPDATE` at the expected version, returning whether it
    /// changed the row) unless the row is already at another version; 412 in either case.
    pub async fn apply(
        &self,
        write: impl AsyncFnOnce(&DatabaseTransaction) -> Result<bool, ApiError>,
    ) -> Result<(), ApiError> {
        if self.current.version() != self.expected || !write(&self.txn).await? {
            return Err(stale());
        }
        Ok(())
    }

    /// Appends the audit entry, reads the row again, records the event `event` makes of the
    /// row before and after and the plain update event (`None`: the feed does not report
    /// this update), commits, and returns the row as stored.
    pub async fn commit(
        self,
        event: impl for<'r> FnOnce(&'r M, &'r M, Change<'r>) -> Option<Change<'r>>,
    ) -> Result<M, ApiError>
    where
        <<M::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    {
        let Update {
            ctx, txn, current, ..
        } = self;
        let entry = AuditEvent {
            worker_id: current.worker_id(),
            ..ctx.entry
        };
        audit::append(&txn, entry).await?;
        let stored = M::Entity::find_by_id(entry.resource_id.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let updated = Change::updated(entry.resource, entry.resource_id, entry.worker_id);
        if let Some(change) = event(&current, &stored, updated) {
            events::record(&txn, change).await?;
        }
        txn.commit().await?;
        Ok(stored)
    }
}
