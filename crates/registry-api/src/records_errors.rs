//! The error statuses the record operations (appraisals, credit, objections) document
//! besides the shared sets of [`crate::problem`]: their reads answer 403 to roles that never
//! see them (hr and credit).

use crate::problem::ErrorSet;

/// Errors of a read restricted by role: 403 for a role that may not see it, 404 outside scope.
#[derive(Debug)]
pub struct ReadErrors403;

impl ErrorSet for ReadErrors403 {
    const STATUSES: &'static [u16] = &[401, 403, 404, 405, 406, 422, 429, 500, 503];
}
