//! Criterion benchmark of one allowance decision for a realistic worker: 3 credentials,
//! 2 assignments, 5 appraisals, 8 credit entries, 4 candidate policies for the region.
//!
//! Run: `cargo bench -p registry-core --bench decide`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use registry_core::allowance::{
    AllowancePolicy, AssignmentFact, PolicyInput, PolicySet, WorkerFacts, decide, samples,
};
use registry_core::appraisal::{Appraisal, AppraisalInput, DimensionScores, Grade};
use registry_core::calendar::{Period, YearMonth};
use registry_core::credential::{Credential, CredentialInput, Scheme};
use registry_core::credit::{
    CreditEntry, CreditEntryInput, CreditEntryKind, CreditSubject, ListKind,
};
use registry_core::ids::{CertificateNumber, RegionCode};
use registry_core::level::Level;
use registry_core::money::Yuan;
use registry_core::post::{Assignment, Post, TimeBasis, UnitType};
use registry_core::registration::{Registration, RegistrationKind, RegistrationRules};
use time::Date;
use time::macros::date;

fn credential(id: u64, level: Level, issued: Date) -> Credential {
    Credential::new(CredentialInput {
        id,
        worker_id: 1,
        scheme: Scheme::NationalExam,
        level,
        certificate_number: CertificateNumber::parse(&format!("BENCH-{id}")).expect("valid number"),
        issuing_authority: "人力资源和社会保障部".into(),
        exam_year: Some(issued.year()),
        issue_date: issued,
        valid_region: None,
        status_changes: Vec::new(),
    })
    .expect("valid credential")
}

fn credit(id: u64, kind: CreditEntryKind, on: Date, points_to: Option<u64>) -> CreditEntry {
    CreditEntry::new(CreditEntryInput {
        id,
        subject: CreditSubject::Worker(1),
        kind,
        effective_on: on,
        recorded_at: on,
        points_to,
        legal_basis: "benchmark".into(),
        evidence_refs: Vec::new(),
        note: None,
    })
    .expect("valid entry")
}

fn worker() -> WorkerFacts {
    let rules = RegistrationRules::default();
    let mut f = WorkerFacts::new(1, RegionCode::parse("510104").expect("region"));
    f.credentials = vec![
        credential(1, Level::Aide, date!(2016 - 05 - 01)),
        credential(2, Level::Assistant, date!(2019 - 06 - 20)),
        credential(3, Level::Intermediate, date!(2023 - 06 - 18)),
    ];
    f.registrations = vec![
        Registration::new(
            11,
            2,
            RegistrationKind::First,
            date!(2019 - 09 - 01),
            &rules,
        ),
        Registration::new(
            12,
            2,
            RegistrationKind::Renewal,
            date!(2022 - 08 - 15),
            &rules,
        ),
        Registration::new(
            13,
            3,
            RegistrationKind::First,
            date!(2023 - 09 - 10),
            &rules,
        ),
    ];
    let post = Post::new(
        21,
        31,
        "社区社会工作专业岗位",
        Some(Level::Assistant),
        Some(11),
        true,
    )
    .expect("post");
    f.assignments = vec![
        AssignmentFact {
            assignment: Assignment::new(
                41,
                1,
                &post,
                Period::new(date!(2018 - 01 - 01), Some(date!(2021 - 12 - 31))).expect("period"),
                TimeBasis::PartTime,
            )
            .expect("assignment"),
            unit_type: UnitType::UrbanCommunity,
            post_min_level: Some(Level::Assistant),
        },
        AssignmentFact {
            assignment: Assignment::new(
                42,
                1,
                &post,
                Period::from(date!(2022 - 01 - 01)),
                TimeBasis::FullTime,
            )
            .expect("assignment"),
            unit_type: UnitType::UrbanCommunity,
            post_min_level: Some(Level::Assistant),
        },
    ];
    f.appraisals = (2021..=2025)
        .enumerate()
        .map(|(i, year)| {
            Appraisal::try_from(AppraisalInput {
                id: 50 + i as u64,
                worker_id: 1,
                unit_id: 31,
                year,
                grade: if year == 2022 {
                    Grade::BasicPass
                } else {
                    Grade::Pass
                },
                scores: DimensionScores::default(),
                recorded_on: Date::from_calendar_date(year + 1, time::Month::February, 1)
                    .expect("date"),
                corrects: None,
            })
            .expect("appraisal")
        })
        .collect();
    f.credit_entries = vec![
        credit(
            61,
            CreditEntryKind::CommitmentSigned,
            date!(2019 - 01 - 10),
            None,
        ),
        credit(
            62,
            CreditEntryKind::Commendation,
            date!(2020 - 03 - 01),
            None,
        ),
        credit(63, CreditEntryKind::Warning, date!(2021 - 04 - 01), None),
        credit(
            64,
            CreditEntryKind::ObjectionFiled,
            date!(2021 - 04 - 10),
            Some(63),
        ),
        credit(
            65,
            CreditEntryKind::ObjectionRejected,
            date!(2021 - 05 - 10),
            Some(64),
        ),
        credit(
            66,
            CreditEntryKind::Removal {
                list: ListKind::Abnormal,
            },
            date!(2021 - 10 - 01),
            Some(63),
        ),
        credit(
            67,
            CreditEntryKind::Fine {
                amount: Yuan::parse("2000.00").expect("amount"),
            },
            date!(2025 - 06 - 01),
            None,
        ),
        credit(
            68,
            CreditEntryKind::Repair {
                list: ListKind::Abnormal,
            },
            date!(2025 - 12 - 01),
            Some(67),
        ),
    ];
    f
}

/// The samples plus Sichuan, Jinjiang and national versions, so four policies contain 510104.
fn policies() -> PolicySet {
    let mut list = samples::sample_policy_list();
    let chengdu = list[0].clone();
    for (id, region) in [
        ("sc-allowance", "510000"),
        ("jj-allowance", "510104"),
        ("cn-allowance", "000000"),
    ] {
        let mut p = PolicyInput::from(chengdu.clone());
        p.id = id.into();
        p.region = RegionCode::parse(region).expect("region");
        list.push(AllowancePolicy::new(p).expect("policy"));
    }
    PolicySet::new(list).expect("policy set")
}

fn bench(c: &mut Criterion) {
    let facts = worker();
    let set = policies();
    let month = YearMonth::parse("2026-03").expect("month");
    let d = decide(&facts, &set, month);
    assert!(
        d.eligible,
        "the benchmark worker must be eligible: {:?}",
        d.reasons
    );
    assert_eq!(d.amount.to_string(), "800.00");
    c.bench_function("decide/realistic_worker", |b| {
        b.iter(|| decide(black_box(&facts), black_box(&set), black_box(month)))
    });
    let mut no_credit = facts.clone();
    no_credit.credit_entries.clear();
    c.bench_function("decide/no_credit_entries", |b| {
        b.iter(|| decide(black_box(&no_credit), black_box(&set), black_box(month)))
    });
    let rules = set.rules().credit.clone();
    c.bench_function("credit_status/8_entries", |b| {
        b.iter(|| {
            registry_core::credit::credit_status(
                black_box(&facts.credit_entries),
                black_box(month.last_day()),
                &rules,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
