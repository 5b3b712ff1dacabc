//! Registration (登记) of a credential and the continuing education (继续教育) that renewal
//! needs [民发〔2009〕44号, 民发〔2009〕123号; DOMAIN.md §3].
//!
//! National rule, held as data in [`RegistrationRules`] (its `Default` is the national figure):
//! first registration within 12 months of passing; a registration is valid 36 months; renewal
//! in the 3 months before expiry; per 36-month cycle at least 72 hours of continuing education
//! for assistants and 90 for intermediate and senior workers, a social-work degree counting as
//! 90 hours. Regions load their own figures (e.g. yearly cycles) from data.
//!
//! Answers are as of a date: only registrations made on or before that date, and only training
//! completed on or before it, count.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::{add_months, whole_months_between};
use crate::credential::Credential;
use crate::error::FieldError;
use crate::level::Level;

/// Longest period any month figure in [`RegistrationRules`] may have: 100 years.
pub const MAX_RULE_MONTHS: u32 = 1200;
/// Most hours one continuing-education record (or one rule figure) may carry.
pub const MAX_CE_HOURS: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// Whether a registration is the first one of a credential or a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    /// 首次登记.
    First,
    /// 再登记 (renewal).
    Renewal,
}

/// The unchecked fields of a registration, as stored or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationInput {
    /// The caller's id of the registration.
    pub id: u64,
    /// The credential registered.
    pub credential_id: u64,
    /// First or renewal.
    pub kind: RegistrationKind,
    /// Day the registration was completed; it is in force from this day.
    pub registered_on: Date,
    /// Last day it is in force (inclusive).
    pub valid_until: Date,
}

/// A registration of a credential, in force from `registered_on` to `valid_until`, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RegistrationInput", into = "RegistrationInput")]
pub struct Registration {
    id: u64,
    credential_id: u64,
    kind: RegistrationKind,
    registered_on: Date,
    valid_until: Date,
}

/// The day before `date` (or `date` itself at the calendar's lower edge).
fn day_before(date: Date) -> Date {
    date.previous_day().unwrap_or(date)
}

/// The day after `date` (or `date` itself at the calendar's upper edge).
fn day_after(date: Date) -> Date {
    date.next_day().unwrap_or(date)
}

/// The `months`-month anniversary of `start`: the same day `months` later, or, when that
/// month is too short (29 February three years on), the first day of the following month.
fn anniversary(start: Date, months: i64) -> Date {
    let clamped = add_months(start, months);
    if clamped.day() < start.day() {
        day_after(clamped)
    } else {
        clamped
    }
}

/// Last day of a term of `months` months that starts on `start`: the day before the
/// anniversary, so a 36-month term from 2024-02-29 ends on 2027-02-28 and one from
/// 2024-01-31 ends on 2027-01-30. Never before `start`.
///
/// ```
/// use registry_core::registration::term_last_day;
/// use time::macros::date;
/// assert_eq!(term_last_day(date!(2024 - 02 - 29), 36), date!(2027 - 02 - 28));
/// assert_eq!(term_last_day(date!(2024 - 03 - 01), 36), date!(2027 - 02 - 28));
/// assert_eq!(term_last_day(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
/// ```
pub fn term_last_day(start: Date, months: u32) -> Date {
    day_before(anniversary(start, i64::from(months))).max(start)
}

impl Registration {
    /// A registration made on `registered_on` under `rules`, valid until
    /// [`term_last_day`]`(registered_on, validity_months)`: the day before the anniversary,
    /// so 2024-02-29 gives 2027-02-28.
    ///
    /// ```
    /// use registry_core::registration::{Registration, RegistrationKind, RegistrationRules};
    /// use time::macros::date;
    /// let r = Registration::new(1, 7, RegistrationKind::First, date!(2024 - 02 - 29), &RegistrationRules::default());
    /// assert_eq!(r.valid_until(), date!(2027 - 02 - 28));
    /// ```
    pub fn new(
        id: u64,
        credential_id: u64,
        kind: RegistrationKind,
        registered_on: Date,
        rules: &RegistrationRules,
    ) -> Registration {
        let valid_until = term_last_day(
            registered_on,
            rules.validity_months.clamp(1, MAX_RULE_MONTHS),
        );
        Registration {
            id,
            credential_id,
            kind,
            registered_on,
            valid_until,
        }
    }

    /// A registration with an explicit last day (e.g. imported, or set by a local rule);
    /// rule `registration.end_before_start` when `valid_until < registered_on`.
    pub fn with_validity(
        id: u64,
        credential_id: u64,
        kind: RegistrationKind,
        registered_on: Date,
        valid_until: Date,
    ) -> Result<Registration, FieldError> {
        if valid_until < registered_on {
            return Err(FieldError::new(
                "valid_until",
                "registration.end_before_start",
                format!(
                    "valid until {valid_until} is before the registration date {registered_on}"
                ),
            ));
        }
        Ok(Registration {
            id,
            credential_id,
            kind,
            registered_on,
            valid_until,
        })
    }

    /// The caller's id of the registration.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The credential registered.
    pub fn credential_id(&self) -> u64 {
        self.credential_id
    }

    /// First or renewal.
    pub fn kind(&self) -> RegistrationKind {
        self.kind
    }

    /// Day the registration was completed.
    pub fn registered_on(&self) -> Date {
        self.registered_on
    }

    /// Last day in force (inclusive).
    pub fn valid_until(&self) -> Date {
        self.valid_until
    }

    /// Whether the registration is in force on `date`.
    pub fn covers(&self, date: Date) -> bool {
        self.registered_on <= date && date <= self.valid_until
    }
}

impl TryFrom<RegistrationInput> for Registration {
    type Error = FieldError;
    fn try_from(i: RegistrationInput) -> Result<Self, Self::Error> {
        Registration::with_validity(
            i.id,
            i.credential_id,
            i.kind,
            i.registered_on,
            i.valid_until,
        )
    }
}

impl From<Registration> for RegistrationInput {
    fn from(r: Registration) -> Self {
        RegistrationInput {
            id: r.id,
            credential_id: r.credential_id,
            kind: r.kind,
            registered_on: r.registered_on,
            valid_until: r.valid_until,
        }
    }
}

/// An amount of hours per credential level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelHours {
    /// 社工员 (no national figure; configurable).
    pub aide: Decimal,
    /// 助理社会工作师.
    pub assistant: Decimal,
    /// 社会工作师.
    pub intermediate: Decimal,
    /// 高级社会工作师.
    pub senior: Decimal,
}

impl LevelHours {
    /// The hours for `level`.
    pub fn get(&self, level: Level) -> Decimal {
        match level {
            Level::Aide => self.aide,
            Level::Assistant => self.assistant,
            Level::Intermediate => self.intermediate,
            Level::Senior => self.senior,
        }
    }
}

/// Registration and continuing-education parameters. `Default` is the national rule;
/// deserialising fills missing fields from it, rejects unknown fields and runs
/// [`RegistrationRules::validate`].
///
/// ```
/// use registry_core::registration::RegistrationRules;
/// // A region with yearly cycles of 24 hours for everyone above aide:
/// let local: RegistrationRules = serde_json::from_str(r#"{
///     "ce_cycle_months": 12,
///     "ce_hours": { "aide": "12", "assistant": "24", "intermediate": "24", "senior": "24" }
/// }"#).unwrap();
/// assert_eq!(local.validity_months, 36);
/// assert_eq!(local.ce_cycle_months, 12);
/// assert!(serde_json::from_str::<RegistrationRules>(r#"{ "validity_months": 0 }"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RegistrationRulesData")]
pub struct RegistrationRules {
    /// Months a registration is valid (national: 36).
    pub validity_months: u32,
    /// Months before expiry in which renewal is open (national: 3).
    pub renewal_window_months: u32,
    /// Months after the issue date within which the first registration is due (national: 12).
    pub first_registration_within_months: u32,
    /// Length of a continuing-education cycle in months (national: 36).
    pub ce_cycle_months: u32,
    /// Hours of continuing education required per cycle, by level
    /// (national: assistant 72, intermediate and senior 90; aide 72 is a configurable default).
    pub ce_hours: LevelHours,
    /// Hours a social-work degree earned within the cycle counts for (national: 90).
    pub degree_hours: Decimal,
}

impl Default for RegistrationRules {
    fn default() -> Self {
        RegistrationRules {
            validity_months: 36,
            renewal_window_months: 3,
            first_registration_within_months: 12,
            ce_cycle_months: 36,
            ce_hours: LevelHours {
                aide: Decimal::from(72),
                assistant: Decimal::from(72),
                intermediate: Decimal::from(90),
                senior: Decimal::from(90),
            },
            degree_hours: Decimal::from(90),
        }
    }
}

impl RegistrationRules {
    /// Checks the figures: `validity_months` and `ce_cycle_months` 1 to 1200
    /// (`registration_rules.months_range`), `renewal_window_months` at most `validity_months`
    /// (`registration_rules.window_longer_than_validity`), `first_registration_within_months`
    /// at most 1200 (`registration_rules.months_range`), hours 0 to 1000 with at most one
    /// decimal (`registration_rules.hours_range`).
    ///
    /// The functions of this module never panic on unchecked rules: they clamp month figures
    /// to 1..=1200 and treat hours as given.
    pub fn validate(&self) -> Result<(), FieldError> {
        let months = [
            ("validity_months", self.validity_months, 1),
            ("ce_cycle_months", self.ce_cycle_months, 1),
            (
                "first_registration_within_months",
                self.first_registration_within_months,
                0,
            ),
        ];
        for (field, value, min) in months {
            if !(min..=MAX_RULE_MONTHS).contains(&value) {
                return Err(FieldError::new(
                    field,
                    "registration_rules.months_range",
                    format!("{field} must be {min} to {MAX_RULE_MONTHS}"),
                ));
            }
        }
        if self.renewal_window_months > self.validity_months {
            return Err(FieldError::new(
                "renewal_window_months",
                "registration_rules.window_longer_than_validity",
                "the renewal window must not be longer than the validity",
            ));
        }
        let hours = [
            ("ce_hours.aide", self.ce_hours.aide),
            ("ce_hours.assistant", self.ce_hours.assistant),
            ("ce_hours.intermediate", self.ce_hours.intermediate),
            ("ce_hours.senior", self.ce_hours.senior),
            ("degree_hours", self.degree_hours),
        ];
        for (field, value) in hours {
            if value.is_sign_negative() && !value.is_zero()
                || value > MAX_CE_HOURS
                || value.normalize().scale() > 1
            {
                return Err(FieldError::new(
                    field,
                    "registration_rules.hours_range",
                    "hours must be 0 to 1000 with at most one decimal",
                ));
            }
        }
        Ok(())
    }
}

/// Wire form of [`RegistrationRules`]: missing fields take the national figure.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RegistrationRulesData {
    validity_months: u32,
    renewal_window_months: u32,
    first_registration_within_months: u32,
    ce_cycle_months: u32,
    ce_hours: LevelHours,
    degree_hours: Decimal,
}

impl Default for RegistrationRulesData {
    fn default() -> Self {
        let d = RegistrationRules::default();
        RegistrationRulesData {
            validity_months: d.validity_months,
            renewal_window_months: d.renewal_window_months,
            first_registration_within_months: d.first_registration_within_months,
            ce_cycle_months: d.ce_cycle_months,
            ce_hours: d.ce_hours,
            degree_hours: d.degree_hours,
        }
    }
}

impl TryFrom<RegistrationRulesData> for RegistrationRules {
    type Error = FieldError;
    fn try_from(d: RegistrationRulesData) -> Result<Self, Self::Error> {
        let rules = RegistrationRules {
            validity_months: d.validity_months,
            renewal_window_months: d.renewal_window_months,
            first_registration_within_months: d.first_registration_within_months,
            ce_cycle_months: d.ce_cycle_months,
            ce_hours: d.ce_hours,
            degree_hours: d.degree_hours,
        };
        rules.validate()?;
        Ok(rules)
    }
}

/// Where a credential stands with registration on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RegistrationState {
    /// No registration made on or before the day.
    NotRegistered,
    /// Registered, renewal not yet open.
    Registered {
        /// Last day of the registration in force.
        until: Date,
    },
    /// Registered, and within the renewal window before expiry.
    InRenewalWindow {
        /// Last day of the registration in force.
        until: Date,
        /// First day of the renewal window.
        window_opened: Date,
    },
    /// Was registered, but the last registration has expired.
    Lapsed {
        /// First day without registration.
        since: Date,
    },
}

impl RegistrationState {
    /// Whether the credential is registered on the day ([`Self::Registered`] or
    /// [`Self::InRenewalWindow`]).
    pub fn is_registered(&self) -> bool {
        matches!(self, Self::Registered { .. } | Self::InRenewalWindow { .. })
    }
}

/// The answer of [`registration_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegistrationStatus {
    /// The state on the day.
    pub state: RegistrationState,
    /// The registration the state rests on: the one in force, or the last expired one when
    /// lapsed; `None` when not registered.
    pub registration_id: Option<u64>,
    /// Whether the first registration came (or, if none yet, is) later than
    /// `first_registration_within_months` after the issue date.
    pub first_registration_late: bool,
}

/// Registrations of `credential` made on or before `date`.
fn made_by<'a>(
    credential: &'a Credential,
    registrations: &'a [Registration],
    date: Date,
) -> impl Iterator<Item = &'a Registration> + 'a {
    registrations
        .iter()
        .filter(move |r| r.credential_id == credential.id() && r.registered_on <= date)
}

/// The registration state of `credential` on `date`.
///
/// Only registrations of this credential made on or before `date` count. Of those in force on
/// `date`, the one with the latest `valid_until` wins (ties: latest `registered_on`, then
/// highest id). Inside the last `renewal_window_months` before expiry the state is
/// [`RegistrationState::InRenewalWindow`]; the expiry day itself is still registered; from the
/// next day the state is [`RegistrationState::Lapsed`] until a new registration starts.
/// The credential's own status (suspended, revoked) is not considered here.
///
/// The first registration is the earliest one of kind [`RegistrationKind::First`] (or, when
/// only renewals are on record, the earliest registration); it is late when made after
/// `issue_date + first_registration_within_months` (that day itself is in time).
///
/// ```
/// use registry_core::credential::{Credential, CredentialInput, Scheme};
/// use registry_core::ids::CertificateNumber;
/// use registry_core::registration::{registration_status, Registration, RegistrationKind, RegistrationRules, RegistrationState};
/// use registry_core::Level;
/// use time::macros::date;
///
/// let cred = Credential::new(CredentialInput {
///     id: 7, worker_id: 1, scheme: Scheme::NationalExam, level: Level::Assistant,
///     certificate_number: CertificateNumber::parse("2023-51-000001").unwrap(),
///     issuing_authority: "四川省人力资源和社会保障厅".into(), exam_year: Some(2023),
///     issue_date: date!(2023 - 12 - 01), valid_region: None, status_changes: vec![],
/// }).unwrap();
/// let rules = RegistrationRules::default();
/// let regs = [Registration::new(1, 7, RegistrationKind::First, date!(2024 - 02 - 29), &rules)];
///
/// let s = registration_status(&cred, &regs, date!(2026 - 12 - 01), &rules);
/// assert_eq!(s.state, RegistrationState::InRenewalWindow { until: date!(2027 - 02 - 28), window_opened: date!(2026 - 12 - 01) });
/// assert!(s.state.is_registered() && !s.first_registration_late);
/// let s = registration_status(&cred, &regs, date!(2027 - 03 - 01), &rules);
/// assert_eq!(s.state, RegistrationState::Lapsed { since: date!(2027 - 03 - 01) });
/// ```
pub fn registration_status(
    credential: &Credential,
    registrations: &[Registration],
    date: Date,
    rules: &RegistrationRules,
) -> RegistrationStatus {
    let (state, registration_id) = registration_state(credential, registrations, date, rules);
    RegistrationStatus {
        state,
        registration_id,
        first_registration_late: first_registration_late(credential, registrations, date, rules),
    }
}

/// The `state` and `registration_id` of [`registration_status`], without checking whether
/// the first registration was late (for callers that need only the state, such as the
/// allowance decision).
pub fn registration_state(
    credential: &Credential,
    registrations: &[Registration],
    date: Date,
    rules: &RegistrationRules,
) -> (RegistrationState, Option<u64>) {
    let in_force = made_by(credential, registrations, date)
        .filter(|r| r.covers(date))
        .max_by_key(|r| (r.valid_until, r.registered_on, r.id));
    if let Some(r) = in_force {
        let window = i64::from(rules.renewal_window_months.min(MAX_RULE_MONTHS));
        let window_opened = add_months(day_after(r.valid_until), -window);
        let state = if window > 0 && date >= window_opened {
            RegistrationState::InRenewalWindow {
                until: r.valid_until,
                window_opened,
            }
        } else {
            RegistrationState::Registered {
                until: r.valid_until,
            }
        };
        return (state, Some(r.id));
    }

    let last = made_by(credential, registrations, date)
        .max_by_key(|r| (r.valid_until, r.registered_on, r.id));
    match last {
        Some(r) => (
            RegistrationState::Lapsed {
                since: day_after(r.valid_until),
            },
            Some(r.id),
        ),
        None => (RegistrationState::NotRegistered, None),
    }
}

fn first_registration_late(
    credential: &Credential,
    registrations: &[Registration],
    date: Date,
    rules: &RegistrationRules,
) -> bool {
    let months = i64::from(rules.first_registration_within_months.min(MAX_RULE_MONTHS));
    let deadline = add_months(credential.issue_date(), months);
    let earliest = |kind: Option<RegistrationKind>| {
        made_by(credential, registrations, date)
            .filter(|r| kind.is_none_or(|k| r.kind == k))
            .min_by_key(|r| (r.registered_on, r.id))
    };
    match earliest(Some(RegistrationKind::First)).or_else(|| earliest(None)) {
        Some(first) => first.registered_on > deadline,
        None => date > deadline,
    }
}

/// The first day of the unbroken run of registrations of `credential` that is in force on
/// `date` (registrations that overlap or follow each other day to day join up); `None` when
/// not registered on `date`. For rules such as "the allowance starts in the month
/// registration is completed".
pub fn registered_since(
    credential: &Credential,
    registrations: &[Registration],
    date: Date,
) -> Option<Date> {
    let mut since = made_by(credential, registrations, date)
        .filter(|r| r.covers(date))
        .map(|r| r.registered_on)
        .min()?;
    loop {
        let earlier = made_by(credential, registrations, date)
            .filter(|r| r.registered_on < since && day_after(r.valid_until) >= since)
            .map(|r| r.registered_on)
            .min();
        match earlier {
            Some(start) => since = start,
            None => return Some(since),
        }
    }
}

/// What a continuing-education record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeKind {
    /// A training course with its hours.
    Course,
    /// A social-work degree obtained (counts as [`RegistrationRules::degree_hours`]).
    SocialWorkDegree,
}

/// The unchecked fields of a continuing-education record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContinuingEducationInput {
    /// The caller's id of the record.
    pub id: u64,
    /// The worker who completed it.
    pub worker_id: u64,
    /// Day completed.
    pub completed_on: Date,
    /// Hours, more than 0, at most 1000, at most one decimal.
    pub hours: Decimal,
    /// Course or degree.
    pub kind: CeKind,
}

/// A checked continuing-education record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "ContinuingEducationInput",
    into = "ContinuingEducationInput"
)]
pub struct ContinuingEducation {
    id: u64,
    worker_id: u64,
    completed_on: Date,
    hours: Decimal,
    kind: CeKind,
}

impl ContinuingEducation {
    /// Checks the hours: rule `ce.hours_not_positive`, `ce.hours_too_large` (over 1000) or
    /// `ce.hours_precision` (more than one decimal), field `hours`.
    ///
    /// ```
    /// use registry_core::registration::{CeKind, ContinuingEducation};
    /// use rust_decimal::Decimal;
    /// use time::macros::date;
    /// let ok = ContinuingEducation::new(1, 9, date!(2025 - 06 - 30), Decimal::new(125, 1), CeKind::Course);
    /// assert_eq!(ok.unwrap().hours().to_string(), "12.5");
    /// let bad = ContinuingEducation::new(1, 9, date!(2025 - 06 - 30), Decimal::new(1225, 2), CeKind::Course);
    /// assert_eq!(bad.unwrap_err().rule, "ce.hours_precision");
    /// ```
    pub fn new(
        id: u64,
        worker_id: u64,
        completed_on: Date,
        hours: Decimal,
        kind: CeKind,
    ) -> Result<ContinuingEducation, FieldError> {
        if hours <= Decimal::ZERO {
            return Err(FieldError::new(
                "hours",
                "ce.hours_not_positive",
                "hours must be more than 0",
            ));
        }
        if hours > MAX_CE_HOURS {
            return Err(FieldError::new(
                "hours",
                "ce.hours_too_large",
                "hours must be at most 1000",
            ));
        }
        let hours = hours.normalize();
        if hours.scale() > 1 {
            return Err(FieldError::new(
                "hours",
                "ce.hours_precision",
                "hours must have at most one decimal",
            ));
        }
        Ok(ContinuingEducation {
            id,
            worker_id,
            completed_on,
            hours,
            kind,
        })
    }

    /// The caller's id of the record.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The worker who completed it.
    pub fn worker_id(&self) -> u64 {
        self.worker_id
    }

    /// Day completed.
    pub fn completed_on(&self) -> Date {
        self.completed_on
    }

    /// Hours as recorded.
    pub fn hours(&self) -> Decimal {
        self.hours
    }

    /// Course or degree.
    pub fn kind(&self) -> CeKind {
        self.kind
    }

    /// Hours this record counts for under `rules` (a degree counts as `degree_hours`).
    pub fn counted_hours(&self, rules: &RegistrationRules) -> Decimal {
        match self.kind {
            CeKind::Course => self.hours,
            CeKind::SocialWorkDegree => rules.degree_hours,
        }
    }
}

impl TryFrom<ContinuingEducationInput> for ContinuingEducation {
    type Error = FieldError;
    fn try_from(i: ContinuingEducationInput) -> Result<Self, Self::Error> {
        ContinuingEducation::new(i.id, i.worker_id, i.completed_on, i.hours, i.kind)
    }
}

impl From<ContinuingEducation> for ContinuingEducationInput {
    fn from(c: ContinuingEducation) -> Self {
        ContinuingEducationInput {
            id: c.id,
            worker_id: c.worker_id,
            completed_on: c.completed_on,
            hours: c.hours,
            kind: c.kind,
        }
    }
}

/// Continuing education in the cycle containing a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeProgress {
    /// First day of the cycle.
    pub cycle_start: Date,
    /// Last day of the cycle (inclusive).
    pub cycle_end: Date,
    /// Hours required for the level.
    pub required_hours: Decimal,
    /// Hours counted so far (may exceed the requirement).
    pub completed_hours: Decimal,
    /// Hours still needed, never negative.
    pub remaining_hours: Decimal,
    /// Ids of the records counted, in input order.
    pub records_used: Vec<u64>,
}

impl CeProgress {
    /// Whether the requirement is met.
    pub fn is_met(&self) -> bool {
        self.remaining_hours.is_zero()
    }
}

/// Continuing-education progress for a worker at `level` on `date`.
///
/// Cycles of `ce_cycle_months` repeat from `cycle_start`; the one containing `date` runs from
/// an anniversary of `cycle_start` to the day before the next one (as [`term_last_day`]: a
/// cycle from 2024-02-29 ends on 2027-02-28, the next starts on 2027-03-01). Before
/// `cycle_start`, the first cycle is reported. Records
/// completed inside that cycle and on or before `date` count; a social-work degree counts as
/// `degree_hours` whatever its recorded hours. The caller passes one worker's records.
///
/// ```
/// use registry_core::registration::{ce_progress, CeKind, ContinuingEducation, RegistrationRules};
/// use registry_core::Level;
/// use rust_decimal::Decimal;
/// use time::macros::date;
///
/// let rules = RegistrationRules::default();
/// let records = [
///     ContinuingEducation::new(1, 9, date!(2024 - 05 - 10), Decimal::new(40, 0), CeKind::Course).unwrap(),
///     ContinuingEducation::new(2, 9, date!(2025 - 11 - 20), Decimal::new(315, 1), CeKind::Course).unwrap(),
/// ];
/// let p = ce_progress(Level::Assistant, date!(2024 - 02 - 29), &records, date!(2026 - 01 - 15), &rules);
/// assert_eq!(p.cycle_end, date!(2027 - 02 - 28));
/// assert_eq!(p.completed_hours, Decimal::new(715, 1));
/// assert_eq!(p.remaining_hours, Decimal::new(5, 1));
/// assert_eq!(p.records_used, vec![1, 2]);
/// ```
pub fn ce_progress(
    level: Level,
    cycle_start: Date,
    records: &[ContinuingEducation],
    date: Date,
    rules: &RegistrationRules,
) -> CeProgress {
    let cycle = i64::from(rules.ce_cycle_months.clamp(1, MAX_RULE_MONTHS));
    let mut index = whole_months_between(cycle_start, date) / cycle;
    // add_months may clamp the anniversary back onto `date`'s day; it then starts the next cycle.
    if index > 0 && anniversary(cycle_start, index.saturating_mul(cycle)) > date {
        index -= 1;
    }
    let start = anniversary(cycle_start, index.saturating_mul(cycle));
    let next = anniversary(cycle_start, index.saturating_add(1).saturating_mul(cycle));
    let end = day_before(next).max(start);

    let mut completed = Decimal::ZERO;
    let mut used = Vec::new();
    for r in records {
        if r.completed_on >= start && r.completed_on <= end && r.completed_on <= date {
            completed = completed.saturating_add(r.counted_hours(rules));
            used.push(r.id);
        }
    }
    let required = rules.ce_hours.get(level);
    let remaining = required.saturating_sub(completed).max(Decimal::ZERO);
    CeProgress {
        cycle_start: start,
        cycle_end: end,
        required_hours: required,
        completed_hours: completed,
        remaining_hours: remaining,
        records_used: used,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::credential::{CredentialInput, Scheme};
    use crate::ids::CertificateNumber;
    use time::macros::{date, format_description};

    fn cred(id: u64, issue_date: Date) -> Credential {
        Credential::new(CredentialInput {
            id,
            worker_id: 1,
            scheme: Scheme::NationalExam,
            level: Level::Assistant,
            certificate_number: CertificateNumber::parse(&format!("C-{id}")).unwrap(),
            issuing_authority: "民政部".into(),
            exam_year: None,
            issue_date,
            valid_region: None,
            status_changes: vec![],
        })
        .unwrap()
    }

    fn rules() -> RegistrationRules {
        RegistrationRules::default()
    }

    fn first(id: u64, cred: u64, on: Date) -> Registration {
        Registration::new(id, cred, RegistrationKind::First, on, &rules())
    }

    fn hours(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn validity_runs_to_the_day_before_the_anniversary() {
        for (on, until) in [
            (date!(2024 - 02 - 29), date!(2027 - 02 - 28)),
            (date!(2024 - 03 - 01), date!(2027 - 02 - 28)),
            (date!(2024 - 01 - 01), date!(2026 - 12 - 31)),
            (date!(2023 - 03 - 31), date!(2026 - 03 - 30)),
        ] {
            assert_eq!(first(1, 1, on).valid_until(), until, "{on}");
        }
        let zero = RegistrationRules {
            validity_months: 0,
            ..rules()
        };
        let r = Registration::new(1, 1, RegistrationKind::First, date!(2024 - 01 - 01), &zero);
        assert!(r.valid_until() >= r.registered_on());
    }

    #[test]
    fn explicit_validity_is_checked() {
        let e = Registration::with_validity(
            1,
            1,
            RegistrationKind::Renewal,
            date!(2024 - 01 - 02),
            date!(2024 - 01 - 01),
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule),
            ("valid_until", "registration.end_before_start")
        );
        let one_day = Registration::with_validity(
            1,
            1,
            RegistrationKind::Renewal,
            date!(2024 - 01 - 02),
            date!(2024 - 01 - 02),
        )
        .unwrap();
        assert!(one_day.covers(date!(2024 - 01 - 02)));
        let json = serde_json::to_value(one_day).unwrap();
        assert_eq!(json["kind"], "renewal");
        assert_eq!(
            serde_json::from_value::<Registration>(json).unwrap(),
            one_day
        );
    }

    #[test]
    fn state_across_a_registration_lifetime() {
        let c = cred(7, date!(2023 - 12 - 01));
        let regs = [first(1, 7, date!(2024 - 02 - 29))];
        let at = |d| registration_status(&c, &regs, d, &rules());

        // Month the registration completes: not registered the day before, registered on the day.
        assert_eq!(
            at(date!(2024 - 02 - 28)).state,
            RegistrationState::NotRegistered
        );
        assert_eq!(at(date!(2024 - 02 - 28)).registration_id, None);
        assert_eq!(
            at(date!(2024 - 02 - 29)).state,
            RegistrationState::Registered {
                until: date!(2027 - 02 - 28)
            }
        );
        assert_eq!(at(date!(2024 - 02 - 29)).registration_id, Some(1));
        // The renewal window opens three months before the day after expiry.
        assert_eq!(
            at(date!(2026 - 11 - 30)).state,
            RegistrationState::Registered {
                until: date!(2027 - 02 - 28)
            }
        );
        let window = RegistrationState::InRenewalWindow {
            until: date!(2027 - 02 - 28),
            window_opened: date!(2026 - 12 - 01),
        };
        assert_eq!(at(date!(2026 - 12 - 01)).state, window);
        // The expiry day itself is registered, last day of the window.
        assert_eq!(at(date!(2027 - 02 - 28)).state, window);
        assert!(at(date!(2027 - 02 - 28)).state.is_registered());
        // The next day is lapsed.
        let lapsed = at(date!(2027 - 03 - 01));
        assert_eq!(
            lapsed.state,
            RegistrationState::Lapsed {
                since: date!(2027 - 03 - 01)
            }
        );
        assert_eq!(lapsed.registration_id, Some(1));
        assert!(!lapsed.state.is_registered());
        assert!(!lapsed.first_registration_late);
    }

    #[test]
    fn renewal_takes_over_and_lapse_ends_with_a_new_registration() {
        let c = cred(7, date!(2020 - 06 - 01));
        let renewal = Registration::new(
            2,
            7,
            RegistrationKind::Renewal,
            date!(2024 - 01 - 10),
            &rules(),
        );
        let other_credential = first(9, 8, date!(2020 - 07 - 01));
        let regs = [
            first(1, 7, date!(2021 - 03 - 01)),
            renewal,
            other_credential,
        ];
        let at = |d| registration_status(&c, &regs, d, &rules());
        // Before the renewal is made, the first registration is in its window.
        assert!(matches!(
            at(date!(2024 - 01 - 09)).state,
            RegistrationState::InRenewalWindow { .. }
        ));
        // Once made, the renewal (later valid_until) wins.
        let s = at(date!(2024 - 01 - 10));
        assert_eq!(s.registration_id, Some(2));
        assert_eq!(
            s.state,
            RegistrationState::Registered {
                until: date!(2027 - 01 - 09)
            }
        );
        assert_eq!(
            registered_since(&c, &regs, date!(2024 - 01 - 10)),
            Some(date!(2021 - 03 - 01))
        );

        // A gap: lapsed between registrations, then registered again.
        let regs = [
            first(1, 7, date!(2021 - 03 - 01)),
            Registration::new(
                2,
                7,
                RegistrationKind::Renewal,
                date!(2024 - 05 - 15),
                &rules(),
            ),
        ];
        let s = registration_status(&c, &regs, date!(2024 - 05 - 14), &rules());
        assert_eq!(
            s.state,
            RegistrationState::Lapsed {
                since: date!(2024 - 03 - 01)
            }
        );
        assert_eq!(s.registration_id, Some(1));
        assert!(
            registration_status(&c, &regs, date!(2024 - 05 - 15), &rules())
                .state
                .is_registered()
        );
        assert_eq!(
            registered_since(&c, &regs, date!(2024 - 05 - 15)),
            Some(date!(2024 - 05 - 15))
        );
        assert_eq!(registered_since(&c, &regs, date!(2024 - 05 - 14)), None);
    }

    #[test]
    fn first_registration_deadline() {
        // Issued on a leap day: the 12-month deadline is 2025-02-28.
        let c = cred(7, date!(2024 - 02 - 29));
        let late = |regs: &[Registration], d| {
            registration_status(&c, regs, d, &rules()).first_registration_late
        };
        assert!(!late(
            &[first(1, 7, date!(2025 - 02 - 28))],
            date!(2025 - 06 - 01)
        ));
        assert!(late(
            &[first(1, 7, date!(2025 - 03 - 01))],
            date!(2025 - 06 - 01)
        ));
        // None yet: late only once the deadline has passed.
        assert!(!late(&[], date!(2025 - 02 - 28)));
        assert!(late(&[], date!(2025 - 03 - 01)));
        // A registration made after the day asked about does not count yet.
        assert!(!late(
            &[first(1, 7, date!(2025 - 01 - 10))],
            date!(2025 - 01 - 09)
        ));
        // Only renewals on record: the earliest registration stands in for the first.
        let renewal = Registration::new(
            2,
            7,
            RegistrationKind::Renewal,
            date!(2025 - 01 - 10),
            &rules(),
        );
        assert!(!late(&[renewal], date!(2025 - 06 - 01)));
    }

    #[test]
    fn renewal_window_of_zero_months_never_opens() {
        let c = cred(7, date!(2024 - 01 - 01));
        let r = RegistrationRules {
            renewal_window_months: 0,
            ..rules()
        };
        let regs = [first(1, 7, date!(2024 - 01 - 01))];
        assert_eq!(
            registration_status(&c, &regs, date!(2026 - 12 - 31), &r).state,
            RegistrationState::Registered {
                until: date!(2026 - 12 - 31)
            }
        );
    }

    #[test]
    fn ce_hours_are_checked() {
        let d = date!(2025 - 01 - 01);
        let rule = |h: &str| {
            ContinuingEducation::new(1, 1, d, hours(h), CeKind::Course).map_err(|e| e.rule)
        };
        assert_eq!(rule("0"), Err("ce.hours_not_positive"));
        assert_eq!(rule("-1"), Err("ce.hours_not_positive"));
        assert_eq!(rule("1000.1"), Err("ce.hours_too_large"));
        assert_eq!(rule("0.25"), Err("ce.hours_precision"));
        assert!(rule("1000").is_ok());
        assert!(rule("0.1").is_ok());
        assert_eq!(rule("2.50").map(|c| c.hours), Ok(hours("2.5")));
    }

    #[test]
    fn ce_cycle_counts_hours_and_degrees() {
        let r = rules();
        let course =
            |id, d, h| ContinuingEducation::new(id, 9, d, hours(h), CeKind::Course).unwrap();
        let records = [
            course(1, date!(2024 - 02 - 28), "20"),   // before the cycle
            course(2, date!(2024 - 02 - 29), "40"),   // first day of the cycle
            course(3, date!(2027 - 02 - 28), "31.5"), // last day of the cycle
            course(4, date!(2027 - 03 - 01), "10"),   // next cycle
        ];
        let day = |s| Date::parse(s, format_description!("[year]-[month]-[day]")).unwrap();
        // Cycle start and date; the cycle, the records used, completed and remaining hours.
        #[rustfmt::skip] // one case a line
        let cases: [(_, _, _, _, &[u64], _, _); 5] = [
            // 36 months from a leap day: 2024-02-29 to 2027-02-28, like the registration.
            ("2024-02-29", "2027-02-28", "2024-02-29", "2027-02-28", &[2, 3], "71.5", "0.5"),
            ("2024-02-29", "2027-03-01", "2027-03-01", "2030-02-28", &[4], "10", "62"),
            ("2024-03-01", "2027-02-28", "2024-03-01", "2027-02-28", &[3], "31.5", "40.5"),
            ("2024-02-01", "2027-01-31", "2024-02-01", "2027-01-31", &[1, 2], "60", "12"),
            // The next cycle starts over.
            ("2024-02-01", "2027-03-01", "2027-02-01", "2030-01-31", &[3, 4], "41.5", "30.5"),
        ];
        for (start, on, from, until, used, completed, remaining) in cases {
            let p = ce_progress(Level::Assistant, day(start), &records, day(on), &r);
            let cycle = (p.cycle_start, p.cycle_end);
            assert_eq!(cycle, (day(from), day(until)), "{start} on {on}");
            assert_eq!(p.records_used, used, "{start} on {on}");
            assert_eq!(p.completed_hours, hours(completed), "{start} on {on}");
            assert_eq!(p.remaining_hours, hours(remaining), "{start} on {on}");
        }
    }

    #[test]
    fn ce_remaining_half_hour_and_degree() {
        let r = rules();
        let start = date!(2024 - 01 - 01);
        let records =
            [
                ContinuingEducation::new(
                    1,
                    9,
                    date!(2024 - 06 - 01),
                    hours("71.5"),
                    CeKind::Course,
                )
                .unwrap(),
            ];
        let p = ce_progress(Level::Assistant, start, &records, date!(2025 - 01 - 01), &r);
        assert_eq!(p.required_hours, hours("72"));
        assert_eq!(p.remaining_hours, hours("0.5"));
        assert!(!p.is_met());

        // A degree counts 90 hours whatever its recorded hours; completed may exceed required.
        let records = [
            ContinuingEducation::new(1, 9, date!(2024 - 06 - 01), hours("71.5"), CeKind::Course)
                .unwrap(),
            ContinuingEducation::new(
                2,
                9,
                date!(2025 - 06 - 30),
                hours("1"),
                CeKind::SocialWorkDegree,
            )
            .unwrap(),
        ];
        let p = ce_progress(
            Level::Intermediate,
            start,
            &records,
            date!(2025 - 06 - 30),
            &r,
        );
        assert_eq!(p.required_hours, hours("90"));
        assert_eq!(p.completed_hours, hours("161.5"));
        assert_eq!(p.remaining_hours, Decimal::ZERO);
        assert!(p.is_met());
        // The degree alone meets the senior requirement exactly.
        let p = ce_progress(
            Level::Senior,
            start,
            &records[1..],
            date!(2026 - 12 - 31),
            &r,
        );
        assert_eq!(
            (p.completed_hours, p.remaining_hours),
            (hours("90"), Decimal::ZERO)
        );
        // Training after the day asked about is not counted yet.
        let p = ce_progress(
            Level::Senior,
            start,
            &records[1..],
            date!(2025 - 06 - 29),
            &r,
        );
        assert_eq!(p.completed_hours, Decimal::ZERO);
        assert!(p.records_used.is_empty());
    }

    #[test]
    fn yearly_local_cycles_and_rule_validation() {
        let local: RegistrationRules =
            serde_json::from_str(r#"{ "ce_cycle_months": 12, "degree_hours": "24" }"#).unwrap();
        assert_eq!(local.validity_months, 36);
        let p = ce_progress(
            Level::Assistant,
            date!(2022 - 07 - 01),
            &[],
            date!(2025 - 03 - 15),
            &local,
        );
        assert_eq!(
            (p.cycle_start, p.cycle_end),
            (date!(2024 - 07 - 01), date!(2025 - 06 - 30))
        );
        // Before the first cycle: the first cycle is reported.
        let p = ce_progress(
            Level::Assistant,
            date!(2022 - 07 - 01),
            &[],
            date!(2022 - 01 - 01),
            &local,
        );
        assert_eq!(p.cycle_start, date!(2022 - 07 - 01));

        let err = |json: &str| {
            serde_json::from_str::<RegistrationRules>(json)
                .unwrap_err()
                .to_string()
        };
        assert!(err(r#"{ "ce_cycle_months": 0 }"#).contains("registration_rules.months_range"));
        assert!(err(r#"{ "renewal_window_months": 40 }"#).contains("window_longer_than_validity"));
        assert!(err(r#"{ "degree_hours": "-1" }"#).contains("registration_rules.hours_range"));
        assert!(err(r#"{ "validity_month": 12 }"#).contains("unknown field"));
        assert_eq!(rules().validate(), Ok(()));
        let json = serde_json::to_string(&rules()).unwrap();
        assert_eq!(
            serde_json::from_str::<RegistrationRules>(&json).unwrap(),
            rules()
        );
    }

    proptest::proptest! {
        #[test]
        fn ce_cycles_tile_the_calendar(start_offset in 0i64..3000, months in 1u32..=48, ahead in 0i64..6000) {
            let start = date!(2016 - 01 - 01) + time::Duration::days(start_offset);
            let day = start + time::Duration::days(ahead);
            let r = RegistrationRules { ce_cycle_months: months, ..rules() };
            let p = ce_progress(Level::Assistant, start, &[], day, &r);
            proptest::prop_assert!(p.cycle_start <= day && day <= p.cycle_end);
            let next_day = day_after(p.cycle_end);
            let q = ce_progress(Level::Assistant, start, &[], next_day, &r);
            proptest::prop_assert_eq!(q.cycle_start, next_day);
            // The first cycle is exactly a registration term.
            if p.cycle_start == start {
                proptest::prop_assert_eq!(p.cycle_end, term_last_day(start, months));
            }
        }
    }
}
