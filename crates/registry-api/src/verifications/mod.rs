//! Public verification of a certificate without login: `POST /api/v1/verifications`.
//!
//! The answer is `valid` plus, only when valid, the level and the region of validity —
//! nothing else (no ids, no dates, no name). An unknown certificate number and a name that
//! does not match give the identical `{"valid": false}`, after the same work (one lookup,
//! one name comparison, one audit entry), so neither the body nor the timing tells them
//! apart. "Valid" is the core rule ([`registry_core::credential::Credential::is_valid_on`]
//! today): suspended, revoked or not yet issued is not valid.
//!
//! Every verification is written to the audit log as actor and role `public`, action
//! `verify_credential`, naming the credential and its worker when the number exists (the
//! worker sees it in `/me/access-log`), with an empty resource id otherwise; never the number
//! or the name. Requests are rate limited per client IP ([`crate::rate_limit`]).

pub mod api;
pub mod routes;
pub mod store;
