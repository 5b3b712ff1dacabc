//! Who is calling, and what they may see.
//!
//! - [`Principal`]: the authenticated caller — subject, [`Role`] and [`Scope`]. Every
//!   operation takes an [`Auth`] parameter (the documented security scheme) and asks the
//!   principal, never the raw token, what is allowed.
//! - [`api_key`]: keys for systems (`rk_…`, shown once, stored as SHA-256); [`key_cache`]
//!   keeps the principals of keys checked in the last second.
//! - [`jwt`]: HS256 bearer tokens for people (issuer and audience checked), signed and
//!   verified by [`hs256`].
//! - [`scheme`]: the poem-openapi security scheme that turns `Authorization: Bearer …` into a
//!   principal; both kinds of credential travel in the same header.
//!
//! Architecture invariant: a record outside the caller's scope is reported exactly like a
//! missing one (`ApiError::not_found()`), after the same single lookup: visibility is checked
//! on the row that was fetched, so a hidden record costs no extra query and says nothing more.

pub mod api_key;
pub mod hs256;
pub mod jwt;
pub mod key_cache;
pub mod scheme;

use registry_core::ids::RegionCode;

use crate::problem::{ApiError, ProblemKind};

pub use scheme::Auth;

/// What a caller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Civil-affairs staff: read and write inside their region.
    Admin,
    /// HR / payroll systems: read inside their region; never clear ID numbers or credit details.
    Hr,
    /// A social worker: reads only their own record.
    Worker,
}

impl Role {
    /// The stable code used in tokens, keys and the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Hr => "hr",
            Self::Worker => "worker",
        }
    }

    /// Parses `admin`, `hr` or `worker`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "hr" => Some(Self::Hr),
            "worker" => Some(Self::Worker),
            _ => None,
        }
    }
}

/// Which records a caller's role applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every record in this region and the regions it contains.
    Region(RegionCode),
    /// Only this worker's own records.
    Worker(String),
}

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// An API key.
    ApiKey,
    /// A bearer JWT.
    Jwt,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// API key id or JWT `sub`; recorded in the audit log and scopes idempotency keys.
    pub subject: String,
    /// The role.
    pub role: Role,
    /// The records the role applies to.
    pub scope: Scope,
    /// The credential kind.
    pub via: Via,
}

impl Principal {
    /// The caller's region, for admin and hr.
    pub fn region(&self) -> Option<&RegionCode> {
        match &self.scope {
            Scope::Region(r) => Some(r),
            Scope::Worker(_) => None,
        }
    }

    /// The worker id, for a worker.
    pub fn worker_id(&self) -> Option<&str> {
        match &self.scope {
            Scope::Worker(w) => Some(w),
            Scope::Region(_) => None,
        }
    }

    /// Whether the caller may read the worker `worker_id` registered in `region`.
    pub fn can_read_worker(&self, worker_id: &str, region: &RegionCode) -> bool {
        match &self.scope {
            Scope::Region(r) => r.contains(region),
            Scope::Worker(w) => w == worker_id,
        }
    }

    /// Whether the caller may write records of `region` (admin inside its region).
    pub fn can_write_region(&self, region: &RegionCode) -> bool {
        self.role == Role::Admin && self.region().is_some_and(|r| r.contains(region))
    }

    /// Whether the caller may see the worker's resident ID in clear
    /// (admin of the region, or the worker themself).
    pub fn sees_clear_resident_id(&self, worker_id: &str, region: &RegionCode) -> bool {
        match self.role {
            Role::Admin => self.can_read_worker(worker_id, region),
            Role::Worker => self.worker_id() == Some(worker_id),
            Role::Hr => false,
        }
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::new(
                ProblemKind::Forbidden,
                format!("the {} role may not do this", self.role.code()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(region: &str) -> Principal {
        Principal {
            subject: "k".into(),
            role: Role::Admin,
            scope: Scope::Region(RegionCode::parse(region).unwrap()),
            via: Via::ApiKey,
        }
    }

    #[test]
    fn regions_nest() {
        let chengdu = RegionCode::parse("510100").unwrap();
        let beijing = RegionCode::parse("110105").unwrap();
        assert!(admin("510000").can_write_region(&chengdu));
        assert!(!admin("510000").can_write_region(&beijing));
        assert!(admin("000000").can_read_worker("w", &beijing));
        let hr = Principal {
            role: Role::Hr,
            ..admin("510000")
        };
        assert!(hr.can_read_worker("w", &chengdu));
        assert!(!hr.can_write_region(&chengdu));
        assert!(!hr.sees_clear_resident_id("w", &chengdu));
        let me = Principal {
            subject: "w1".into(),
            role: Role::Worker,
            scope: Scope::Worker("w1".into()),
            via: Via::Jwt,
        };
        assert!(me.can_read_worker("w1", &beijing));
        assert!(!me.can_read_worker("w2", &beijing));
        assert!(me.sees_clear_resident_id("w1", &beijing));
    }
}
