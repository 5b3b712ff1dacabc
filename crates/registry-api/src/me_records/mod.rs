//! The worker's own records: `/api/v1/me/appraisals`, `/api/v1/me/credit-record` and
//! `/api/v1/me/objections` ([`routes::MeRecordsApi`]). Worker role only (403 for others);
//! the worker id comes from the token, never from the path, so nobody else's record is
//! reachable here. The reads reuse the resources' own functions ([`crate::appraisals`],
//! [`crate::credit`], [`crate::objections`]).

pub mod routes;
