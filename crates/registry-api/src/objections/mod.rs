//! Objections (异议) of workers against entries of their own credit record:
//! `/api/v1/objections` (admin list), `/api/v1/objections/{id}` (read) and
//! `/api/v1/objections/{id}/decision` (admin decides); workers file and list theirs under
//! `/api/v1/me/objections` ([`crate::me_records`]).
//!
//! As core models it ([`registry_core::credit`]), filing appends an `objection_filed` credit
//! entry pointing at the disputed entry (the status reads `disputed` while it is pending), and
//! the decision appends `objection_upheld` (the disputed entry becomes void) or
//! `objection_rejected` pointing at that objection entry. The `objections` row carries the
//! worker's statement and the admin's reason; it moves once from `pending` to its outcome
//! (guarded by `If-Match` and by a database trigger).
//!
//! Layout: [`api`] (bodies and views), [`store`] (queries), [`routes`] (operations).

pub mod api;
pub mod routes;
pub mod store;
