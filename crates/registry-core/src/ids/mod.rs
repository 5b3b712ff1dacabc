//! Identifiers that can only hold valid values. Each parse error names the rule it broke
//! (see [`crate::error::RuleViolation`]).

mod certificate_number;
mod credit_code;
mod region_code;
mod resident_id;

pub use certificate_number::{
    CertificateNumber, CertificateNumberError, MAX_CERTIFICATE_NUMBER_LEN,
};
pub use credit_code::{CreditCode, CreditCodeError};
pub use region_code::{RegionCode, RegionCodeError, RegionLevel};
pub use resident_id::{Gender, ResidentId, ResidentIdError};
