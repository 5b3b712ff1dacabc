//! Credentials (证书): a worker's certificate of a ladder level, how it was obtained, where it
//! is valid, and its status history (valid, suspended, revoked) over time.
//!
//! A [`Credential`] can only hold consistent data: [`Credential::new`] (and deserialising,
//! which goes through the same checks) rejects an empty issuing authority, an exam year after
//! the issue year, status changes out of order or before the issue date, and any change after
//! a revocation. Questions about a date ([`Credential::status_on`],
//! [`Credential::is_valid_in`], [`highest_valid`]) are pure functions of the record.
//!
//! Dates use `time`'s own serde form (as [`crate::calendar::Period`] does).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::{MAX_YEAR, MIN_YEAR};
use crate::error::FieldError;
use crate::ids::{CertificateNumber, RegionCode};
use crate::level::Level;

/// Longest issuing-authority name accepted, in characters.
pub const MAX_ISSUING_AUTHORITY_LEN: usize = 100;

/// How a credential was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Passed the national professional-level exam (全国社会工作者职业水平考试).
    NationalExam,
    /// Recognised by a local scheme (e.g. Chengdu's 社工员 exam or a local appraisal).
    LocalRecognition,
    /// Carried over from an earlier scheme or record system.
    Legacy,
}

/// A credential's status on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    /// In force.
    Valid,
    /// Temporarily not in force (暂停); a later change may restore it.
    Suspended,
    /// Withdrawn for good (撤销); nothing may follow.
    Revoked,
}

/// A change of status that takes effect on a day (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusChange {
    /// The status from `effective` on.
    pub status: CredentialStatus,
    /// First day of the new status.
    pub effective: Date,
}

/// The unchecked fields of a credential, as a caller or a data file supplies them.
/// Turn it into a [`Credential`] with [`Credential::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialInput {
    /// The caller's id of the credential.
    pub id: u64,
    /// The caller's id of the worker holding it.
    pub worker_id: u64,
    /// How it was obtained.
    pub scheme: Scheme,
    /// Ladder level.
    pub level: Level,
    /// Certificate management number (证书管理号).
    pub certificate_number: CertificateNumber,
    /// Issuing authority, e.g. `四川省人力资源和社会保障厅`.
    pub issuing_authority: String,
    /// Year of the exam passed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exam_year: Option<i32>,
    /// Issue date; the credential is valid from this day unless a status change says otherwise.
    pub issue_date: Date,
    /// Region the credential is restricted to (lowered pass mark for key-assistance areas);
    /// `None` = valid everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_region: Option<RegionCode>,
    /// Status changes, in strictly increasing order of `effective`.
    #[serde(default)]
    pub status_changes: Vec<StatusChange>,
}

/// A checked credential. Fields are private; read them with the getters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CredentialInput", into = "CredentialInput")]
pub struct Credential {
    id: u64,
    worker_id: u64,
    scheme: Scheme,
    level: Level,
    certificate_number: CertificateNumber,
    issuing_authority: String,
    exam_year: Option<i32>,
    issue_date: Date,
    valid_region: Option<RegionCode>,
    status_changes: Vec<StatusChange>,
}

impl Credential {
    /// Checks the input. Errors name the field (e.g. `status_changes[1].effective`) and one of
    /// the rules `credential.issuing_authority`, `credential.issue_date_range`,
    /// `credential.exam_year_range`, `credential.exam_year_after_issue`,
    /// `credential.status_changes_order`, `credential.status_change_before_issue`,
    /// `credential.change_after_revocation`.
    ///
    /// ```
    /// use registry_core::credential::{Credential, CredentialInput, CredentialStatus, Scheme, StatusChange};
    /// use registry_core::ids::{CertificateNumber, RegionCode};
    /// use registry_core::Level;
    /// use time::macros::date;
    ///
    /// let input = CredentialInput {
    ///     id: 7,
    ///     worker_id: 1,
    ///     scheme: Scheme::NationalExam,
    ///     level: Level::Assistant,
    ///     certificate_number: CertificateNumber::parse("2019-51-000123").unwrap(),
    ///     issuing_authority: "四川省人力资源和社会保障厅".into(),
    ///     exam_year: Some(2019),
    ///     issue_date: date!(2019 - 09 - 01),
    ///     valid_region: None,
    ///     status_changes: vec![StatusChange { status: CredentialStatus::Suspended, effective: date!(2024 - 03 - 01) }],
    /// };
    /// let cred = Credential::new(input.clone()).unwrap();
    /// let chengdu = RegionCode::parse("510100").unwrap();
    /// assert_eq!(cred.status_on(date!(2019 - 08 - 31)), None);
    /// assert!(cred.is_valid_in(date!(2024 - 02 - 29), &chengdu));
    /// assert_eq!(cred.status_on(date!(2024 - 03 - 01)), Some(CredentialStatus::Suspended));
    ///
    /// let bad = CredentialInput { exam_year: Some(2020), ..input };
    /// assert_eq!(Credential::new(bad).unwrap_err().rule, "credential.exam_year_after_issue");
    /// ```
    pub fn new(input: CredentialInput) -> Result<Credential, FieldError> {
        let CredentialInput {
            id,
            worker_id,
            scheme,
            level,
            certificate_number,
            issuing_authority,
            exam_year,
            issue_date,
            valid_region,
            status_changes,
        } = input;

        let authority = issuing_authority.trim();
        if authority.is_empty() || authority.chars().count() > MAX_ISSUING_AUTHORITY_LEN {
            return Err(FieldError::new(
                "issuing_authority",
                "credential.issuing_authority",
                "issuing authority must be 1 to 100 characters",
            ));
        }
        if !(MIN_YEAR..=MAX_YEAR).contains(&issue_date.year()) {
            return Err(FieldError::new(
                "issue_date",
                "credential.issue_date_range",
                "issue date must be in the years 1900 to 9999",
            ));
        }
        if let Some(year) = exam_year {
            if year < MIN_YEAR {
                return Err(FieldError::new(
                    "exam_year",
                    "credential.exam_year_range",
                    "exam year must be 1900 or later",
                ));
            }
            if year > issue_date.year() {
                return Err(FieldError::new(
                    "exam_year",
                    "credential.exam_year_after_issue",
                    format!("exam year {year} is after the issue date {issue_date}"),
                ));
            }
        }
        let mut previous: Option<&StatusChange> = None;
        for (i, change) in status_changes.iter().enumerate() {
            let field = format!("status_changes[{i}].effective");
            if change.effective < issue_date {
                return Err(FieldError::new(
                    field,
                    "credential.status_change_before_issue",
                    format!(
                        "status change on {} is before the issue date {issue_date}",
                        change.effective
                    ),
                ));
            }
            if let Some(prev) = previous {
                if prev.status == CredentialStatus::Revoked {
                    return Err(FieldError::new(
                        format!("status_changes[{i}]"),
                        "credential.change_after_revocation",
                        format!(
                            "no status change may follow the revocation on {}",
                            prev.effective
                        ),
                    ));
                }
                if change.effective <= prev.effective {
                    return Err(FieldError::new(
                        field,
                        "credential.status_changes_order",
                        "status changes must be in strictly increasing order of effective date",
                    ));
                }
            }
            previous = Some(change);
        }

        Ok(Credential {
            id,
            worker_id,
            scheme,
            level,
            certificate_number,
            issuing_authority: authority.to_owned(),
            exam_year,
            issue_date,
            valid_region,
            status_changes,
        })
    }

    /// The caller's id of the credential.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The caller's id of the worker holding it.
    pub fn worker_id(&self) -> u64 {
        self.worker_id
    }

    /// How it was obtained.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Ladder level.
    pub fn level(&self) -> Level {
        self.level
    }

    /// Certificate management number.
    pub fn certificate_number(&self) -> &CertificateNumber {
        &self.certificate_number
    }

    /// Issuing authority (trimmed).
    pub fn issuing_authority(&self) -> &str {
        &self.issuing_authority
    }

    /// Exam year, if the credential came from an exam.
    pub fn exam_year(&self) -> Option<i32> {
        self.exam_year
    }

    /// Issue date.
    pub fn issue_date(&self) -> Date {
        self.issue_date
    }

    /// The region it is restricted to, if any.
    pub fn valid_region(&self) -> Option<RegionCode> {
        self.valid_region
    }

    /// Status changes, strictly increasing by effective date.
    pub fn status_changes(&self) -> &[StatusChange] {
        &self.status_changes
    }

    /// Status on `date`: `None` before the issue date; otherwise the latest change effective
    /// on or before `date`, or [`CredentialStatus::Valid`] when there is none.
    pub fn status_on(&self, date: Date) -> Option<CredentialStatus> {
        if date < self.issue_date {
            return None;
        }
        let status = self
            .status_changes
            .iter()
            .rev()
            .find(|c| c.effective <= date)
            .map_or(CredentialStatus::Valid, |c| c.status);
        Some(status)
    }

    /// Whether the status is [`CredentialStatus::Valid`] on `date`, whatever the region.
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.status_on(date) == Some(CredentialStatus::Valid)
    }

    /// Whether the credential is valid on `date` for work in `region`: status valid, and
    /// either unrestricted or restricted to a region that contains `region`.
    pub fn is_valid_in(&self, date: Date, region: &RegionCode) -> bool {
        self.is_valid_on(date)
            && self
                .valid_region
                .as_ref()
                .is_none_or(|r| r.contains(region))
    }
}

impl TryFrom<CredentialInput> for Credential {
    type Error = FieldError;
    fn try_from(input: CredentialInput) -> Result<Self, Self::Error> {
        Credential::new(input)
    }
}

impl From<Credential> for CredentialInput {
    fn from(c: Credential) -> Self {
        CredentialInput {
            id: c.id,
            worker_id: c.worker_id,
            scheme: c.scheme,
            level: c.level,
            certificate_number: c.certificate_number,
            issuing_authority: c.issuing_authority,
            exam_year: c.exam_year,
            issue_date: c.issue_date,
            valid_region: c.valid_region,
            status_changes: c.status_changes,
        }
    }
}

/// Orders candidates: highest level first, then earliest issue date, then lowest id.
fn pick_highest<'a>(candidates: impl Iterator<Item = &'a Credential>) -> Option<&'a Credential> {
    candidates.min_by_key(|c| (std::cmp::Reverse(c.level), c.issue_date, c.id))
}

/// The highest-level credential valid on `date` in `region` (see [`Credential::is_valid_in`]);
/// ties go to the earliest issue date, then the lowest id. The caller passes one worker's
/// credentials; worker ids are not checked.
///
/// ```
/// use registry_core::credential::{highest_valid, Credential, CredentialInput, Scheme};
/// use registry_core::ids::{CertificateNumber, RegionCode};
/// use registry_core::Level;
/// use time::macros::date;
///
/// let cred = |id, level, region: Option<&str>| {
///     Credential::new(CredentialInput {
///         id,
///         worker_id: 1,
///         scheme: Scheme::NationalExam,
///         level,
///         certificate_number: CertificateNumber::parse(&format!("C{id}")).unwrap(),
///         issuing_authority: "人社部".into(),
///         exam_year: None,
///         issue_date: date!(2020 - 01 - 01),
///         valid_region: region.map(|r| RegionCode::parse(r).unwrap()),
///         status_changes: vec![],
///     })
///     .unwrap()
/// };
/// // The intermediate certificate was passed on the lowered mark and is valid only in 520000.
/// let creds = [cred(1, Level::Assistant, None), cred(2, Level::Intermediate, Some("520000"))];
/// let guiyang = RegionCode::parse("520100").unwrap();
/// let chengdu = RegionCode::parse("510100").unwrap();
/// assert_eq!(highest_valid(&creds, date!(2024 - 01 - 01), &guiyang).map(|c| c.id()), Some(2));
/// assert_eq!(highest_valid(&creds, date!(2024 - 01 - 01), &chengdu).map(|c| c.id()), Some(1));
/// ```
pub fn highest_valid<'a>(
    creds: &'a [Credential],
    date: Date,
    region: &RegionCode,
) -> Option<&'a Credential> {
    pick_highest(creds.iter().filter(|c| c.is_valid_in(date, region)))
}

/// Like [`highest_valid`] but ignoring regional restrictions: the highest credential whose
/// status is valid on `date`.
pub fn highest_valid_on(creds: &[Credential], date: Date) -> Option<&Credential> {
    pick_highest(creds.iter().filter(|c| c.is_valid_on(date)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input(id: u64, level: Level, issue_date: Date) -> CredentialInput {
        CredentialInput {
            id,
            worker_id: 1,
            scheme: Scheme::NationalExam,
            level,
            certificate_number: CertificateNumber::parse(&format!("2019-51-{id:06}")).unwrap(),
            issuing_authority: "四川省人力资源和社会保障厅".into(),
            exam_year: Some(issue_date.year()),
            issue_date,
            valid_region: None,
            status_changes: vec![],
        }
    }

    fn change(status: CredentialStatus, effective: Date) -> StatusChange {
        StatusChange { status, effective }
    }

    fn region(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn status_follows_the_changes_day_by_day() {
        let mut i = input(1, Level::Assistant, date!(2020 - 02 - 29));
        i.status_changes = vec![
            change(CredentialStatus::Suspended, date!(2023 - 03 - 01)),
            change(CredentialStatus::Valid, date!(2023 - 09 - 01)),
            change(CredentialStatus::Revoked, date!(2024 - 12 - 31)),
        ];
        let c = Credential::new(i).unwrap();
        assert_eq!(c.status_on(date!(2020 - 02 - 28)), None);
        assert_eq!(
            c.status_on(date!(2020 - 02 - 29)),
            Some(CredentialStatus::Valid)
        );
        assert_eq!(
            c.status_on(date!(2023 - 02 - 28)),
            Some(CredentialStatus::Valid)
        );
        assert_eq!(
            c.status_on(date!(2023 - 03 - 01)),
            Some(CredentialStatus::Suspended)
        );
        assert_eq!(
            c.status_on(date!(2023 - 08 - 31)),
            Some(CredentialStatus::Suspended)
        );
        assert_eq!(
            c.status_on(date!(2023 - 09 - 01)),
            Some(CredentialStatus::Valid)
        );
        assert_eq!(
            c.status_on(date!(2024 - 12 - 30)),
            Some(CredentialStatus::Valid)
        );
        assert_eq!(
            c.status_on(date!(2024 - 12 - 31)),
            Some(CredentialStatus::Revoked)
        );
        assert_eq!(
            c.status_on(date!(2030 - 01 - 01)),
            Some(CredentialStatus::Revoked)
        );
        assert!(!c.is_valid_on(date!(2023 - 03 - 01)));
        assert!(c.is_valid_on(date!(2023 - 09 - 01)));
    }

    #[test]
    fn a_change_on_the_issue_date_applies_from_day_one() {
        let mut i = input(1, Level::Assistant, date!(2020 - 01 - 01));
        i.status_changes = vec![change(CredentialStatus::Suspended, date!(2020 - 01 - 01))];
        let c = Credential::new(i).unwrap();
        assert_eq!(
            c.status_on(date!(2020 - 01 - 01)),
            Some(CredentialStatus::Suspended)
        );
    }

    #[test]
    fn regional_restriction() {
        let mut i = input(1, Level::Intermediate, date!(2021 - 01 - 01));
        i.valid_region = Some(region("520000"));
        let c = Credential::new(i).unwrap();
        let day = date!(2022 - 06 - 30);
        assert!(c.is_valid_in(day, &region("520000")));
        assert!(c.is_valid_in(day, &region("520102")));
        assert!(!c.is_valid_in(day, &region("510100")));
        assert!(!c.is_valid_in(day, &RegionCode::NATIONAL));
        assert!(!c.is_valid_in(date!(2020 - 12 - 31), &region("520102")));
        let free = Credential::new(input(2, Level::Assistant, date!(2021 - 01 - 01))).unwrap();
        assert!(free.is_valid_in(day, &RegionCode::NATIONAL));
    }

    #[test]
    fn highest_valid_prefers_level_then_issue_date_then_id() {
        let mut revoked = input(4, Level::Senior, date!(2018 - 01 - 01));
        revoked.status_changes = vec![change(CredentialStatus::Revoked, date!(2022 - 01 - 01))];
        let creds = vec![
            Credential::new(input(3, Level::Intermediate, date!(2021 - 05 - 01))).unwrap(),
            Credential::new(input(2, Level::Intermediate, date!(2020 - 05 - 01))).unwrap(),
            Credential::new(input(1, Level::Intermediate, date!(2020 - 05 - 01))).unwrap(),
            Credential::new(input(5, Level::Assistant, date!(2015 - 05 - 01))).unwrap(),
            Credential::new(revoked).unwrap(),
        ];
        let r = region("510104");
        assert_eq!(
            highest_valid(&creds, date!(2021 - 12 - 31), &r).map(Credential::id),
            Some(4)
        );
        assert_eq!(
            highest_valid(&creds, date!(2022 - 01 - 01), &r).map(Credential::id),
            Some(1)
        );
        assert_eq!(
            highest_valid(&creds, date!(2020 - 04 - 30), &r).map(Credential::id),
            Some(4)
        );
        assert_eq!(
            highest_valid(&creds, date!(2015 - 04 - 30), &r).map(Credential::id),
            None
        );
        assert_eq!(
            highest_valid(&[], date!(2020 - 04 - 30), &r).map(Credential::id),
            None
        );
        assert_eq!(
            highest_valid_on(&creds, date!(2022 - 01 - 01)).map(Credential::id),
            Some(1)
        );
    }

    #[test]
    fn rejects_bad_authority() {
        for bad in ["", "   ", &"局".repeat(101)] {
            let mut i = input(1, Level::Assistant, date!(2020 - 01 - 01));
            i.issuing_authority = bad.to_owned();
            let e = Credential::new(i).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.rule),
                ("issuing_authority", "credential.issuing_authority")
            );
        }
        let mut i = input(1, Level::Assistant, date!(2020 - 01 - 01));
        i.issuing_authority = format!(" {} ", "局".repeat(100));
        assert_eq!(
            Credential::new(i)
                .unwrap()
                .issuing_authority()
                .chars()
                .count(),
            100
        );
    }

    #[test]
    fn rejects_bad_exam_year() {
        let mut i = input(1, Level::Assistant, date!(2020 - 01 - 01));
        i.exam_year = Some(2021);
        assert_eq!(
            Credential::new(i.clone()).unwrap_err().rule,
            "credential.exam_year_after_issue"
        );
        i.exam_year = Some(1899);
        assert_eq!(
            Credential::new(i.clone()).unwrap_err().rule,
            "credential.exam_year_range"
        );
        i.exam_year = Some(2020);
        assert!(Credential::new(i.clone()).is_ok());
        i.exam_year = None;
        assert!(Credential::new(i).is_ok());
        let old = input(1, Level::Assistant, date!(1899 - 12 - 31));
        assert_eq!(
            Credential::new(old).unwrap_err().rule,
            "credential.issue_date_range"
        );
    }

    #[test]
    fn rejects_bad_status_histories() {
        let base = input(1, Level::Assistant, date!(2020 - 01 - 01));
        let with = |changes: Vec<StatusChange>| {
            let mut i = base.clone();
            i.status_changes = changes;
            Credential::new(i)
        };
        let e = with(vec![change(
            CredentialStatus::Suspended,
            date!(2019 - 12 - 31),
        )])
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule),
            (
                "status_changes[0].effective",
                "credential.status_change_before_issue"
            )
        );
        let e = with(vec![
            change(CredentialStatus::Suspended, date!(2021 - 01 - 02)),
            change(CredentialStatus::Valid, date!(2021 - 01 - 01)),
        ])
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule),
            (
                "status_changes[1].effective",
                "credential.status_changes_order"
            )
        );
        let e = with(vec![
            change(CredentialStatus::Suspended, date!(2021 - 01 - 01)),
            change(CredentialStatus::Revoked, date!(2021 - 01 - 01)),
        ])
        .unwrap_err();
        assert_eq!(e.rule, "credential.status_changes_order");
        let e = with(vec![
            change(CredentialStatus::Revoked, date!(2021 - 01 - 01)),
            change(CredentialStatus::Valid, date!(2022 - 01 - 01)),
        ])
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule),
            ("status_changes[1]", "credential.change_after_revocation")
        );
        assert!(
            with(vec![
                change(CredentialStatus::Suspended, date!(2021 - 01 - 01)),
                change(CredentialStatus::Revoked, date!(2022 - 01 - 01)),
            ])
            .is_ok()
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        let mut i = input(9, Level::Senior, date!(2024 - 02 - 29));
        i.scheme = Scheme::LocalRecognition;
        i.valid_region = Some(region("510100"));
        i.status_changes = vec![change(CredentialStatus::Suspended, date!(2025 - 01 - 01))];
        let c = Credential::new(i).unwrap();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["scheme"], "local_recognition");
        assert_eq!(json["level"], "senior");
        assert_eq!(json["valid_region"], "510100");
        assert_eq!(json["status_changes"][0]["status"], "suspended");
        let back: Credential = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, c);

        let mut bad = json;
        bad["issuing_authority"] = serde_json::Value::from(" ");
        let err = serde_json::from_value::<Credential>(bad).unwrap_err();
        assert!(
            err.to_string().contains("credential.issuing_authority"),
            "{err}"
        );
    }
}
