//! Request and response bodies of the registrations resource, and their validation.

use poem_openapi::{Enum, Object};
use registry_core::FieldError;
use registry_core::registration::{
    Registration as CoreRegistration, RegistrationKind as CoreKind, RegistrationRules,
};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::db::entities::{credential, registration};
use crate::mirror_enum;
use crate::problem::ApiError;

/// First registration of a credential, or a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    /// 首次登记.
    First,
    /// 再登记.
    Renewal,
}

mirror_enum!(RegistrationKind, CoreKind, [First, Renewal]);

impl RegistrationKind {
    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Renewal => "renewal",
        }
    }

    /// Parses a storage code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::First, Self::Renewal]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// Body of `POST /api/v1/credentials/{id}/registrations`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateRegistration {
    /// First or renewal.
    pub kind: RegistrationKind,
    /// Day the registration was completed (`YYYY-MM-DD`), not before the credential's
    /// issue date.
    #[serde(with = "crate::dates")]
    pub registered_on: Date,
}

impl CreateRegistration {
    /// Builds the core registration for `credential` (rule `registration.before_issue`).
    pub fn validate(&self, credential: &credential::Model) -> Result<CoreRegistration, ApiError> {
        if self.registered_on < credential.issue_date {
            return Err(FieldError::new(
                "registered_on",
                "registration.before_issue",
                "registered_on must not be before the credential's issue date",
            )
            .into());
        }
        Ok(CoreRegistration::new(
            0,
            0,
            self.kind.into(),
            self.registered_on,
            &RegistrationRules::default(),
        ))
    }
}

/// A registration.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Registration {
    /// Registration id (UUID).
    pub id: String,
    /// The credential registered.
    pub credential_id: String,
    /// The credential's holder.
    pub worker_id: String,
    /// First or renewal.
    pub kind: RegistrationKind,
    /// Day the registration was completed.
    pub registered_on: Date,
    /// Last day it is in force (inclusive), from the national rules.
    pub valid_until: Date,
    /// Created (UTC).
    pub created_at: OffsetDateTime,
}

impl Registration {
    /// The response for a stored row.
    pub fn view(m: registration::Model) -> Result<Self, ApiError> {
        let kind = RegistrationKind::from_code(&m.kind)
            .ok_or_else(|| ApiError::internal("unknown registration kind in storage"))?;
        Ok(Self {
            id: m.id,
            credential_id: m.credential_id,
            worker_id: m.worker_id,
            kind,
            registered_on: m.registered_on,
            valid_until: m.valid_until,
            created_at: m.created_at,
        })
    }
}

/// One page of registrations.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct RegistrationPage {
    /// The registrations, oldest first.
    pub items: Vec<Registration>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
