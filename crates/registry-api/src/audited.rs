//! Audited reads: what a handler that answers with part of a worker's personal record does
//! before it answers ([`Read`]).
//!
//! Every such read by someone other than the worker is recorded in the read log (the audit
//! chain of reads, [`crate::db::read_log`]), and the entry is committed before the answer
//! leaves; a worker's own reads are not recorded.
//! [`Read`] names who reads in which request under which operation, so a handler says only
//! what was read. A single read ([`Read::record`]) goes through the group-commit writer
//! ([`crate::audit::reads::ReadAudit`], one transaction for all the reads waiting at that
//! moment); the reads of a page ([`Read::record_each`]) are written together in one
//! transaction of their own ([`crate::audit::record_reads`]), so a list answers only once
//! all its entries are.

use sea_orm::{EntityTrait, PrimaryKeyTrait, Related};

use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::db::entities::worker;
use crate::observe::RequestId;
use crate::problem::ApiError;
use crate::scope::{can_read_worker, find_through_worker};
use crate::state::AppState;

/// One audited read: who reads, in which request, under which operation id.
#[derive(Debug, Clone, Copy)]
pub struct Read<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// The request id.
    pub request_id: &'a RequestId,
    /// Operation id, e.g. `get_credential` (the entry's action).
    pub action: &'a str,
}

impl<'a> Read<'a> {
    /// The read of `principal` in `request_id` under operation `action`.
    pub fn new(principal: &'a Principal, request_id: &'a RequestId, action: &'a str) -> Self {
        Self {
            principal,
            request_id,
            action,
        }
    }

    /// Records the read of `resource` `resource_id`, part of the record of `worker_id`, with
    /// group commit; returns once the entry is committed (an error if it could not be, so
    /// the read fails).
    pub async fn record(
        &self,
        state: &AppState,
        resource: &str,
        resource_id: &str,
        worker_id: Option<&str>,
    ) -> Result<(), ApiError> {
        let entry = AuditEvent {
            principal: self.principal,
            action: self.action,
            resource,
            resource_id,
            request_id: self.request_id.as_str(),
            worker_id,
        };
        state.reads.record(entry).await.map_err(ApiError::from)
    }

    /// Records the reads of a page: one entry per `(resource_id, worker_id)` of `reads`, all
    /// of `resource`, in one transaction (see [`crate::audit::record_reads`]); returns once
    /// they are committed.
    pub async fn record_each<'r>(
        &self,
        state: &AppState,
        resource: &str,
        reads: impl IntoIterator<Item = (&'r str, &'r str)>,
    ) -> Result<(), ApiError> {
        let template = AuditEvent {
            principal: self.principal,
            action: self.action,
            resource,
            resource_id: "",
            request_id: self.request_id.as_str(),
            worker_id: None,
        };
        audit::record_reads(&state.read_log, template, reads)
            .await
            .map_err(ApiError::from)
    }

    /// Records the read of a list of worker `worker_id`'s records (the entry names the
    /// worker as resource).
    pub async fn record_worker(&self, state: &AppState, worker_id: &str) -> Result<(), ApiError> {
        self.record(state, "worker", worker_id, Some(worker_id))
            .await
    }

    /// Row `id` of `E` (audit resource `resource`) if the caller may read its worker, with
    /// its read recorded; otherwise the same 404 as a missing one, and nothing recorded.
    pub async fn one<E>(
        &self,
        state: &AppState,
        resource: &str,
        id: &str,
    ) -> Result<E::Model, ApiError>
    where
        E: EntityTrait + Related<worker::Entity>,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    {
        let p = self.principal;
        self.one_where::<E>(state, resource, id, |_, w| can_read_worker(p, w))
            .await
    }

    /// [`Self::one`] with the rule `allowed(row, worker)` instead of the worker's alone.
    pub async fn one_where<E>(
        &self,
        state: &AppState,
        resource: &str,
        id: &str,
        allowed: impl FnOnce(&E::Model, &worker::Model) -> bool,
    ) -> Result<E::Model, ApiError>
    where
        E: EntityTrait + Related<worker::Entity>,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    {
        let (row, w) = find_through_worker::<E, _>(&state.db, id, allowed)
            .await?
            .ok_or_else(ApiError::not_found)?;
        self.record(state, resource, id, Some(&w.id)).await?;
        Ok(row)
    }
}
