//! Response shapes of the `/me` views.

use poem_openapi::Object;

use super::access_log::AuditChain;
use crate::credentials::api::Credential;
use crate::db::entities::audit_log;
use crate::registrations::api::Registration;

/// One of the worker's credentials with its registrations.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct MyCredential {
    /// The credential.
    pub credential: Credential,
    /// Its registrations, oldest first.
    pub registrations: Vec<Registration>,
}

/// The worker's credentials.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct MyCredentials {
    /// The credentials, oldest first.
    pub items: Vec<MyCredential>,
}

/// One access to the worker's record by someone else.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct AccessEntry {
    /// The audit chain that holds the entry: `register` (every write, and reads recorded
    /// before the read log existed) or `reads` (the read log).
    pub chain: AuditChain,
    /// The entry's sequence number in its chain.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: API key id (`key:…`), token subject, or `public` for an anonymous verification.
    pub actor: String,
    /// The actor's role: `admin`, `hr` or `public`.
    pub role: String,
    /// What was done: the operation id, e.g. `get_worker`, `update_credential`.
    pub action: String,
    /// The kind of record touched, e.g. `worker`, `credential`.
    pub resource: String,
    /// The id of the record touched.
    pub resource_id: String,
}

impl From<(AuditChain, audit_log::Model)> for AccessEntry {
    fn from((chain, m): (AuditChain, audit_log::Model)) -> Self {
        Self {
            chain,
            seq: m.seq,
            at: m.at,
            actor: m.actor,
            role: m.role,
            action: m.action,
            resource: m.resource,
            resource_id: m.resource_id,
        }
    }
}

/// One page of the access log, newest first.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct AccessLogPage {
    /// The entries, newest first.
    pub items: Vec<AccessEntry>,
    /// Pass as `cursor` to get the next (older) page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
