//! Scenario tests of `decide`, written from the seed policies and the sample configuration.

use time::Date;
use time::macros::date;

use super::*;
use crate::appraisal::{Appraisal, Grade};
use crate::calendar::{MonthSpan, Period, YearMonth};
use crate::credential::{Credential, CredentialInput, CredentialStatus, Scheme, StatusChange};
use crate::credit::CreditEntry;
use crate::facts::{Explain, FactKind, FactRef};
use crate::ids::{CertificateNumber, RegionCode};
use crate::level::Level;
use crate::money::Yuan;
use crate::post::{Assignment, Post, TimeBasis, UnitType};
use crate::registration::{Registration, RegistrationKind, RegistrationRules};

pub(super) fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

pub(super) fn ym(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

pub(super) fn credential(id: u64, level: Level, issued: Date) -> Credential {
    Credential::new(CredentialInput {
        id,
        worker_id: 1,
        scheme: Scheme::NationalExam,
        level,
        certificate_number: CertificateNumber::parse(&format!("CERT-{id}")).unwrap(),
        issuing_authority: "人力资源和社会保障部".into(),
        exam_year: Some(issued.year()),
        issue_date: issued,
        valid_region: None,
        status_changes: Vec::new(),
    })
    .unwrap()
}

pub(super) fn registration(id: u64, credential_id: u64, on: Date) -> Registration {
    Registration::new(
        id,
        credential_id,
        RegistrationKind::First,
        on,
        &RegistrationRules::default(),
    )
}

pub(super) fn assignment(
    id: u64,
    unit_type: UnitType,
    start: Date,
    basis: TimeBasis,
) -> AssignmentFact {
    let post = Post::new(100 + id, 200, "社区社会工作专业岗位", None, None, true).unwrap();
    AssignmentFact {
        assignment: Assignment::new(id, 1, &post, Period::from(start), basis).unwrap(),
        unit_type,
        post_min_level: None,
    }
}

/// A 社会工作师 in a Chengdu (Jinjiang) urban community: full-time since 2023, certificate of
/// 2020, registered 2024-06-01 (valid to 2027-05-31), appraised 合格 for 2025.
pub(super) fn chengdu_worker() -> WorkerFacts {
    let mut f = WorkerFacts::new(1, region("510104"));
    f.credentials
        .push(credential(11, Level::Intermediate, date!(2020 - 05 - 10)));
    f.registrations
        .push(registration(21, 11, date!(2024 - 06 - 01)));
    f.assignments.push(assignment(
        31,
        UnitType::UrbanCommunity,
        date!(2023 - 01 - 01),
        TimeBasis::FullTime,
    ));
    f.appraisals.push(appraisal(41, 2025, Grade::Pass));
    f
}

fn codes(d: &Decision, effect: Effect) -> Vec<&'static str> {
    d.reasons
        .iter()
        .filter(|r| r.effect == effect)
        .map(|r| r.code.code())
        .collect()
}

fn policies() -> PolicySet {
    samples::sample_policies()
}

#[test]
fn chengdu_intermediate_full_time_registered_and_appraised_gets_the_configured_amount() {
    let d = decide(&chengdu_worker(), &policies(), ym("2026-03"));
    assert!(d.eligible, "{:?}", d.reasons);
    assert_eq!(d.amount, Yuan::parse("800.00").unwrap());
    assert_eq!(d.level, Some(Level::Intermediate));
    let p = d.policy.as_ref().unwrap();
    assert_eq!(
        (&*p.id, p.version, p.sample),
        ("cd-community-allowance", 1, true)
    );
    assert_eq!(d.reference_date, date!(2026 - 03 - 31));
    assert_eq!(
        codes(&d, Effect::Supports),
        [
            "POLICY_APPLIED",
            "CREDENTIAL_USED",
            "REGISTRATION_VALID",
            "POST_COVERED",
            "APPRAISAL_MET",
            "CREDIT_CLEAR",
            "AMOUNT_MONTHLY"
        ]
    );
    assert_eq!(
        d.facts_used(),
        [
            FactRef::new(FactKind::Credential, 11),
            FactRef::new(FactKind::Registration, 21),
            FactRef::new(FactKind::Assignment, 31),
            FactRef::new(FactKind::Appraisal, 41),
        ]
    );
}

#[test]
fn previous_year_fail_blocks_with_the_appraisal_as_evidence() {
    let mut f = chengdu_worker();
    f.appraisals = vec![appraisal(42, 2025, Grade::Fail)];
    let d = decide(&f, &policies(), ym("2026-03"));
    assert!(!d.eligible);
    assert_eq!(d.amount, Yuan::ZERO);
    assert_eq!(codes(&d, Effect::Blocks), ["APPRAISAL_BELOW_MINIMUM"]);
    assert_eq!(
        d.blocking().next().unwrap().evidence.as_slice(),
        [FactRef::new(FactKind::Appraisal, 42)]
    );
}

#[test]
fn a_corrected_appraisal_is_what_counts() {
    let mut f = chengdu_worker();
    f.appraisals = vec![
        appraisal(42, 2025, Grade::Fail),
        correction(43, 42, 2025, Grade::Pass),
    ];
    let d = decide(&f, &policies(), ym("2026-03"));
    assert!(d.eligible, "{:?}", d.reasons);
    assert!(
        d.facts_used()
            .contains(&FactRef::new(FactKind::Appraisal, 43))
    );
}

#[test]
fn a_missing_appraisal_is_noted_but_does_not_block_under_the_chengdu_sample() {
    let mut f = chengdu_worker();
    f.appraisals.clear();
    let d = decide(&f, &policies(), ym("2026-03"));
    assert!(d.eligible);
    assert_eq!(codes(&d, Effect::Notes), ["APPRAISAL_MISSING"]);
}

#[test]
fn serious_dishonesty_list_blocks() {
    let mut f = chengdu_worker();
    f.credit_entries = serious_listing(51, date!(2026 - 02 - 10));
    let d = decide(&f, &policies(), ym("2026-03"));
    assert!(!d.eligible);
    assert_eq!(codes(&d, Effect::Blocks), ["CREDIT_SERIOUS_LIST"]);
    assert!(
        d.facts_used()
            .contains(&FactRef::new(FactKind::CreditEntry, 51))
    );
    // The month before the listing is unaffected.
    assert!(decide(&f, &policies(), ym("2026-01")).eligible);
}

#[test]
fn lapsed_registration_blocks_and_the_renewal_window_is_noted() {
    let f = chengdu_worker();
    // Registered 2024-06-01, valid through 2027-05-31; the window opens 2027-03-01.
    let may = decide(&f, &policies(), ym("2027-05"));
    assert!(may.eligible);
    assert_eq!(
        codes(&may, Effect::Notes),
        ["REGISTRATION_RENEWAL_DUE", "APPRAISAL_MISSING"]
    );
    let feb = decide(&f, &policies(), ym("2027-02"));
    assert!(!feb.has(ReasonCode::RegistrationRenewalDue));
    let june = decide(&f, &policies(), ym("2027-06"));
    assert!(!june.eligible);
    assert_eq!(codes(&june, Effect::Blocks), ["REGISTRATION_LAPSED"]);
    assert_eq!(
        june.blocking().next().unwrap().evidence.as_slice(),
        [FactRef::new(FactKind::Registration, 21)]
    );
}

#[test]
fn never_registered_credential_blocks() {
    let mut f = chengdu_worker();
    f.registrations.clear();
    let d = decide(&f, &policies(), ym("2026-03"));
    assert_eq!(codes(&d, Effect::Blocks), ["REGISTRATION_MISSING"]);
}

#[test]
fn registration_month_starts_the_allowance() {
    // Chengdu sample: start_rule = registration_month, conditions checked at month end.
    let mut f = chengdu_worker();
    f.registrations = vec![registration(22, 11, date!(2024 - 06 - 15))];
    f.appraisals = vec![appraisal(41, 2023, Grade::Pass)];
    assert_eq!(
        codes(&decide(&f, &policies(), ym("2024-05")), Effect::Blocks),
        ["REGISTRATION_MISSING"]
    );
    let june = decide(&f, &policies(), ym("2024-06"));
    assert!(june.eligible, "{:?}", june.reasons);
    assert_eq!(june.amount.to_string(), "800.00");
}

#[test]
fn part_time_is_paid_through_month_24_and_blocked_in_month_25() {
    let mut f = chengdu_worker();
    f.assignments = vec![assignment(
        32,
        UnitType::UrbanCommunity,
        date!(2024 - 01 - 01),
        TimeBasis::PartTime,
    )];
    let m24 = decide(&f, &policies(), ym("2025-12"));
    assert!(m24.eligible, "{:?}", m24.reasons);
    let mut f26 = f.clone();
    f26.appraisals.push(appraisal(44, 2025, Grade::Pass));
    let m25 = decide(&f26, &policies(), ym("2026-01"));
    assert!(!m25.eligible);
    assert_eq!(codes(&m25, Effect::Blocks), ["PART_TIME_LIMIT_EXCEEDED"]);
    assert_eq!(
        m25.blocking().next().unwrap().evidence.as_slice(),
        [FactRef::new(FactKind::Assignment, 32)]
    );
}

#[test]
fn a_post_outside_the_covered_unit_types_blocks() {
    let mut f = chengdu_worker();
    f.assignments = vec![assignment(
        33,
        UnitType::Agency,
        date!(2023 - 01 - 01),
        TimeBasis::FullTime,
    )];
    assert_eq!(
        codes(&decide(&f, &policies(), ym("2026-03")), Effect::Blocks),
        ["POST_NOT_COVERED"]
    );
    f.assignments.clear();
    assert_eq!(
        codes(&decide(&f, &policies(), ym("2026-03")), Effect::Blocks),
        ["NO_POST"]
    );
}

#[test]
fn highest_level_wins_and_unusable_higher_credentials_are_noted() {
    let mut f = chengdu_worker();
    f.credentials
        .push(credential(12, Level::Assistant, date!(2018 - 05 - 10)));
    f.registrations
        .push(registration(23, 12, date!(2024 - 06 - 01)));
    let mut senior = CredentialInput::from(credential(13, Level::Senior, date!(2024 - 10 - 01)));
    senior.status_changes = vec![StatusChange {
        status: CredentialStatus::Suspended,
        effective: date!(2025 - 01 - 01),
    }];
    f.credentials.push(Credential::new(senior).unwrap());
    let d = decide(&f, &policies(), ym("2026-03"));
    assert!(d.eligible);
    assert_eq!(d.level, Some(Level::Intermediate));
    assert_eq!(d.amount.to_string(), "800.00");
    assert_eq!(codes(&d, Effect::Notes), ["CREDENTIAL_SUSPENDED"]);
}

#[test]
fn most_specific_region_wins() {
    let mut list = samples::sample_policy_list();
    let mut jinjiang = PolicyInput::from(list[0].clone());
    jinjiang.id = "jj-community-allowance".into();
    jinjiang.region = region("510104");
    jinjiang.schedule = Schedule::MonthlyPerLevel {
        amounts: PerLevel {
            intermediate: Some(Yuan::parse("900.00").unwrap()),
            ..PerLevel::default()
        },
    };
    list.push(AllowancePolicy::new(jinjiang).unwrap());
    let set = PolicySet::new(list).unwrap();
    let d = decide(&chengdu_worker(), &set, ym("2026-03"));
    assert_eq!(&*d.policy.as_ref().unwrap().id, "jj-community-allowance");
    assert_eq!(d.amount.to_string(), "900.00");
    let mut elsewhere = chengdu_worker();
    elsewhere.region = region("510105");
    let d = decide(&elsewhere, &set, ym("2026-03"));
    assert_eq!(&*d.policy.as_ref().unwrap().id, "cd-community-allowance");
    assert_eq!(d.amount.to_string(), "800.00");
}

#[test]
fn no_policy_for_the_region() {
    let mut f = chengdu_worker();
    f.region = region("110105");
    let d = decide(&f, &policies(), ym("2026-03"));
    assert!(!d.eligible && d.policy.is_none());
    assert_eq!(codes(&d, Effect::Blocks), ["NO_POLICY"]);
}

fn weihai_worker() -> WorkerFacts {
    let mut f = WorkerFacts::new(2, region("371002"));
    f.credentials
        .push(credential(61, Level::Assistant, date!(2021 - 03 - 20)));
    f.assignments.push(assignment(
        62,
        UnitType::UrbanCommunity,
        date!(2020 - 01 - 01),
        TimeBasis::FullTime,
    ));
    f
}

fn paid(id: u64, level: Level, month: &str, amount: &str) -> OneOffPayment {
    OneOffPayment {
        id,
        policy_id: "wh-credential-bonus".into(),
        level,
        month: ym(month),
        amount: Yuan::parse(amount).unwrap(),
    }
}

#[test]
fn one_off_pays_in_full_once_then_only_the_difference_on_upgrade() {
    let mut f = weihai_worker();
    let first = decide(&f, &policies(), ym("2021-03"));
    assert!(first.eligible);
    assert_eq!(first.amount.to_string(), "1000.00");
    assert!(first.has(ReasonCode::AmountOneOff));
    assert_eq!(
        codes(&decide(&f, &policies(), ym("2021-02")), Effect::Blocks),
        ["NO_CREDENTIAL"]
    );

    f.payments
        .push(paid(71, Level::Assistant, "2021-03", "1000.00"));
    // Asking about the payment month again reproduces the answer that was paid.
    assert_eq!(
        decide(&f, &policies(), ym("2021-03")).amount.to_string(),
        "1000.00"
    );
    let later = decide(&f, &policies(), ym("2021-04"));
    assert!(!later.eligible);
    assert_eq!(codes(&later, Effect::Blocks), ["ONE_OFF_ALREADY_PAID"]);

    f.credentials
        .push(credential(63, Level::Intermediate, date!(2024 - 07 - 05)));
    let upgrade = decide(&f, &policies(), ym("2024-07"));
    assert!(upgrade.eligible);
    assert_eq!(upgrade.amount.to_string(), "1000.00");
    assert!(upgrade.has(ReasonCode::AmountOneOffDifference));
    assert!(
        upgrade
            .facts_used()
            .contains(&FactRef::new(FactKind::Payment, 71))
    );

    f.payments
        .push(paid(72, Level::Intermediate, "2024-07", "1000.00"));
    assert_eq!(
        codes(&decide(&f, &policies(), ym("2024-08")), Effect::Blocks),
        ["ONE_OFF_ALREADY_PAID"]
    );
}

#[test]
fn grade_steps_pay_steps_not_money() {
    let mut f = WorkerFacts::new(3, region("330302"));
    f.credentials
        .push(credential(81, Level::Senior, date!(2022 - 01 - 10)));
    f.credentials
        .push(credential(82, Level::Assistant, date!(2015 - 01 - 10)));
    f.registrations
        .push(registration(83, 81, date!(2022 - 03 - 01)));
    f.registrations
        .push(registration(84, 82, date!(2024 - 03 - 01)));
    f.assignments.push(assignment(
        85,
        UnitType::Agency,
        date!(2020 - 01 - 01),
        TimeBasis::FullTime,
    ));
    let d = decide(&f, &policies(), ym("2024-06"));
    assert!(d.eligible);
    assert_eq!((d.grade_steps, d.amount), (Some(3), Yuan::ZERO));
}

#[test]
fn time_limited_monthly_stops_after_its_duration() {
    let mut f = WorkerFacts::new(4, region("350923"));
    f.credentials
        .push(credential(91, Level::Intermediate, date!(2020 - 01 - 15)));
    f.registrations
        .push(registration(92, 91, date!(2020 - 02 - 01)));
    f.registrations.push(Registration::new(
        93,
        91,
        RegistrationKind::Renewal,
        date!(2023 - 01 - 20),
        &RegistrationRules::default(),
    ));
    f.assignments.push(assignment(
        94,
        UnitType::AdministrativeVillage,
        date!(2019 - 01 - 01),
        TimeBasis::FullTime,
    ));
    let last = decide(&f, &policies(), ym("2022-12"));
    assert!(last.eligible, "{:?}", last.reasons);
    assert_eq!(last.amount.to_string(), "300.00");
    let over = decide(&f, &policies(), ym("2023-01"));
    assert_eq!(codes(&over, Effect::Blocks), ["DURATION_EXPIRED"]);
}

#[test]
fn full_time_only_policy_refuses_part_time() {
    let mut f = WorkerFacts::new(5, region("620102"));
    f.credentials
        .push(credential(101, Level::Assistant, date!(2021 - 06 - 01)));
    f.registrations
        .push(registration(102, 101, date!(2021 - 06 - 01)));
    f.assignments.push(assignment(
        103,
        UnitType::UrbanCommunity,
        date!(2021 - 01 - 01),
        TimeBasis::PartTime,
    ));
    assert_eq!(
        codes(&decide(&f, &policies(), ym("2022-01")), Effect::Blocks),
        ["NOT_FULL_TIME"]
    );
    f.assignments.push(assignment(
        104,
        UnitType::Agency,
        date!(2021 - 01 - 01),
        TimeBasis::FullTime,
    ));
    let d = decide(&f, &policies(), ym("2022-01"));
    assert_eq!(d.amount.to_string(), "200.00");
    // Gansu counts a credential from the month after issue.
    assert_eq!(
        codes(&decide(&f, &policies(), ym("2021-06")), Effect::Blocks),
        ["BEFORE_START_MONTH"]
    );
}

#[test]
fn a_credential_valid_only_elsewhere_does_not_count() {
    let mut f = chengdu_worker();
    let mut input = CredentialInput::from(f.credentials[0].clone());
    input.valid_region = Some(region("513200"));
    f.credentials = vec![Credential::new(input).unwrap()];
    let d = decide(&f, &policies(), ym("2026-03"));
    assert_eq!(
        codes(&d, Effect::Blocks),
        ["CREDENTIAL_NOT_VALID_IN_REGION"]
    );
}

#[test]
fn policy_sets_refuse_overlapping_versions_and_duplicates() {
    let base = samples::sample_policy_list();
    let mut v2 = PolicyInput::from(base[0].clone());
    v2.version = 2;
    v2.effective = MonthSpan::new(ym("2025-01"), None).unwrap();
    let mut list = base.clone();
    list.push(AllowancePolicy::new(v2.clone()).unwrap());
    let err = PolicySet::new(list).unwrap_err();
    assert_eq!(err.rule, "policy.overlapping_versions");
    assert_eq!(err.field, "policies[5].effective");

    let mut list = base.clone();
    list.push(base[0].clone());
    assert_eq!(
        PolicySet::new(list).unwrap_err().rule,
        "policy.duplicate_version"
    );

    // Ending v1 before v2 starts is accepted, and each month picks its version.
    let mut v1 = PolicyInput::from(base[0].clone());
    v1.effective = MonthSpan::new(ym("2019-01"), Some(ym("2024-12"))).unwrap();
    v2.schedule = Schedule::MonthlyPerLevel {
        amounts: PerLevel {
            intermediate: Some(Yuan::parse("850.00").unwrap()),
            ..PerLevel::default()
        },
    };
    let mut list: Vec<_> = base[1..].to_vec();
    list.push(AllowancePolicy::new(v1).unwrap());
    list.push(AllowancePolicy::new(v2).unwrap());
    let set = PolicySet::new(list).unwrap();
    let mut f = chengdu_worker();
    f.appraisals.push(appraisal(45, 2023, Grade::Pass));
    assert_eq!(decide(&f, &set, ym("2024-12")).amount.to_string(), "800.00");
    let jan = decide(&f, &set, ym("2025-01"));
    assert_eq!(
        (jan.amount.to_string(), jan.policy.unwrap().version),
        ("850.00".to_string(), 2)
    );
}

#[test]
fn bad_policy_input_names_the_field_and_rule() {
    let json = r#"{"id":"x","version":1,"region":"510100","name":"n","effective":{"from":"2024-01"},
        "schedule":{"kind":"monthly_per_level","amounts":{"assistant":"-5"}}}"#;
    let err = serde_json::from_str::<AllowancePolicy>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("amount.negative"), "{err}");
    let json = r#"{"id":"x","version":1,"region":"510100","name":"n","effective":{"from":"2024-01"},
        "schedule":{"kind":"monthly_per_level","amounts":{"assistant":"5.001"}}}"#;
    assert!(
        serde_json::from_str::<AllowancePolicy>(json)
            .unwrap_err()
            .to_string()
            .contains("amount.precision")
    );
    let json = r#"{"id":"x","version":1,"region":"510100","name":"n","effective":{"from":"2024-01"},
        "schedule":{"kind":"weekly","amounts":{}}}"#;
    assert!(serde_json::from_str::<AllowancePolicy>(json).is_err());
    let json = r#"{"id":"x","version":1,"region":"510100","name":"n","effective":{"from":"2024-01"},
        "schedule":{"kind":"monthly_per_level","amounts":{}}}"#;
    assert!(
        serde_json::from_str::<AllowancePolicy>(json)
            .unwrap_err()
            .to_string()
            .contains("policy.schedule_empty")
    );
}

#[test]
fn decisions_serialise_amounts_as_two_decimal_strings_and_reasons_in_both_languages() {
    let d = decide(&chengdu_worker(), &policies(), ym("2026-03"));
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["amount"], "800.00");
    assert_eq!(v["month"], "2026-03");
    assert_eq!(v["reasons"][1]["code"], "CREDENTIAL_USED");
    assert_eq!(v["reasons"][1]["zh"], ReasonCode::CredentialUsed.zh());
    assert_eq!(v["reasons"][1]["evidence"][0]["kind"], "credential");
}

pub(super) fn appraisal_input(
    id: u64,
    year: i32,
    grade: Grade,
    corrects: Option<u64>,
) -> crate::appraisal::AppraisalInput {
    crate::appraisal::AppraisalInput {
        id,
        worker_id: 1,
        unit_id: 200,
        year,
        grade,
        scores: crate::appraisal::DimensionScores::default(),
        recorded_on: Date::from_calendar_date(year + 1, time::Month::January, 20).unwrap(),
        corrects,
    }
}

pub(super) fn appraisal(id: u64, year: i32, grade: Grade) -> Appraisal {
    Appraisal::try_from(appraisal_input(id, year, grade, None)).unwrap()
}

fn correction(id: u64, corrects: u64, year: i32, grade: Grade) -> Appraisal {
    let mut input = appraisal_input(id, year, grade, Some(corrects));
    input.recorded_on = Date::from_calendar_date(year + 1, time::Month::March, 1).unwrap();
    Appraisal::try_from(input).unwrap()
}

pub(super) fn serious_listing(id: u64, on: Date) -> Vec<CreditEntry> {
    vec![
        CreditEntry::new(crate::credit::CreditEntryInput {
            id,
            subject: crate::credit::CreditSubject::Worker(1),
            kind: crate::credit::CreditEntryKind::SeriousListing {
                cause: crate::credit::SeriousCause::CourtListedDebtor,
            },
            effective_on: on,
            recorded_at: on,
            points_to: None,
            legal_basis: "（样例）法院失信被执行人名单".into(),
            evidence_refs: vec!["(2026)川0104执123号".into()],
            note: None,
        })
        .unwrap(),
    ]
}

#[test]
fn a_scheme_that_may_not_be_stacked_blocks_while_the_other_is_received() {
    let mut list = samples::sample_policy_list();
    let mut chengdu = PolicyInput::from(list.remove(0));
    chengdu.conditions.not_stackable_with = vec!["street-post-subsidy".into()];
    list.push(AllowancePolicy::new(chengdu).unwrap());
    let set = PolicySet::new(list).unwrap();
    let mut f = chengdu_worker();
    f.other_allowances.push(OtherAllowance {
        id: 77,
        scheme: "street-post-subsidy".into(),
        span: MonthSpan::new(ym("2026-01"), Some(ym("2026-02"))).unwrap(),
    });
    let feb = decide(&f, &set, ym("2026-02"));
    assert_eq!(codes(&feb, Effect::Blocks), ["STACKING_NOT_ALLOWED"]);
    assert_eq!(
        feb.blocking().next().unwrap().evidence.as_slice(),
        [FactRef::new(FactKind::OtherAllowance, 77)]
    );
    assert_eq!(decide(&f, &set, ym("2026-03")).amount.to_string(), "800.00");
}
