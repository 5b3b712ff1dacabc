//! registry-core used the way another government system links it: facts arrive as JSON from
//! the caller's own records, policies are loaded from the shipped data files, and every
//! answer is checked for its amount, its reason codes and the facts it cites.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns load fixtures; a panic is the failure

use registry_core::allowance::{PolicySet, ReasonCode, WorkerFacts, decide};
use registry_core::calendar::{Period, YearMonth};
use registry_core::credit::{CreditStatus, credit_status};
use registry_core::ids::{CreditCode, RegionCode, ResidentId};
use registry_core::ladder::{LadderFacts, LadderRules, next_step};
use registry_core::level::{Education, EducationLevel, Level};
use registry_core::{Explain, FactKind, FactRef, RuleViolation};
use time::macros::date;

fn policies_from_disk() -> PolicySet {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/registry-core/policies"
    );
    let mut list = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        list.push(
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        );
    }
    PolicySet::new(list).unwrap()
}

/// A 社会工作师 in a Jinjiang (Chengdu) community, as a payroll system would send it.
const WORKER_JSON: &str = r#"{
  "worker_id": 7,
  "region": "510104",
  "credentials": [{
    "id": 11, "worker_id": 7, "scheme": "national_exam", "level": "intermediate",
    "certificate_number": "2020-51-000123", "issuing_authority": "人力资源和社会保障部",
    "exam_year": 2020, "issue_date": "2020-05-10", "valid_region": null, "status_changes": []
  }],
  "registrations": [{
    "id": 21, "credential_id": 11, "kind": "first", "registered_on": "2024-06-01", "valid_until": "2027-05-31"
  }],
  "assignments": [{
    "assignment": { "id": 31, "worker_id": 7, "post_id": 5, "period": { "start": "2023-01-01" }, "basis": "full_time" },
    "unit_type": "urban_community"
  }],
  "appraisals": [{
    "id": 41, "worker_id": 7, "unit_id": 3, "year": 2025, "grade": "pass",
    "scores": { "ethics": 90, "performance": 85, "satisfaction": 92 }, "recorded_on": "2026-01-20", "corrects": null
  }],
  "credit_entries": []
}"#;

#[test]
fn identifiers_from_the_domain_brief() {
    for ok in [
        "11010519491231002X",
        "440524188001010014",
        "110101202311012176",
    ] {
        assert!(ResidentId::parse(ok).is_ok(), "{ok}");
    }
    assert_eq!(
        ResidentId::parse("110101202311012171").unwrap_err().rule(),
        "resident_id.check_char"
    );
    for ok in [
        "12100000400009880K",
        "91350200MA2YJ1XR9G",
        "91440101MA5CJQ4N59",
    ] {
        assert!(CreditCode::parse(ok).is_ok(), "{ok}");
    }
    let chengdu = RegionCode::parse("510100").unwrap();
    assert!(chengdu.contains(&RegionCode::parse("510104").unwrap()));
    assert!(!chengdu.contains(&RegionCode::parse("510000").unwrap()));
}

#[test]
fn a_payroll_system_decides_a_month_from_json_facts() {
    let facts: WorkerFacts = serde_json::from_str(WORKER_JSON).unwrap();
    let policies = policies_from_disk();
    let d = decide(&facts, &policies, YearMonth::parse("2026-03").unwrap());
    assert!(d.eligible);
    assert_eq!(d.amount.to_string(), "800.00");
    assert_eq!(d.level, Some(Level::Intermediate));
    assert_eq!(&*d.policy.as_ref().unwrap().id, "cd-community-allowance");
    assert!(
        d.facts_used()
            .contains(&FactRef::new(FactKind::Registration, 21))
    );

    // After the registration expires on 2027-05-31, June is not paid, and the reason says why.
    let june = decide(&facts, &policies, YearMonth::parse("2027-06").unwrap());
    assert!(!june.eligible);
    let blocking: Vec<_> = june.blocking().map(|r| r.code.code()).collect();
    assert_eq!(blocking, ["REGISTRATION_LAPSED"]);
    assert_eq!(ReasonCode::RegistrationLapsed.zh(), "登记已过期未续期");

    // The decision serialises as the JSON a caller stores.
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["amount"], "800.00");
    assert_eq!(v["reasons"][0]["code"], "POLICY_APPLIED");
}

#[test]
fn invalid_facts_are_refused_with_the_rule() {
    let bad = WORKER_JSON.replace(
        "\"2024-06-01\", \"valid_until\": \"2027-05-31\"",
        "\"2024-06-01\", \"valid_until\": \"2023-05-31\"",
    );
    let err = serde_json::from_str::<WorkerFacts>(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("registration.end_before_start"), "{err}");
    let bad = WORKER_JSON.replace("\"level\": \"intermediate\"", "\"level\": \"expert\"");
    assert!(serde_json::from_str::<WorkerFacts>(&bad).is_err());
}

#[test]
fn a_worker_learns_what_they_lack_for_the_next_level() {
    let facts: WorkerFacts = serde_json::from_str(WORKER_JSON).unwrap();
    let experience = [Period::from(date!(2016 - 03 - 01))];
    let answer = next_step(
        &LadderFacts {
            education: Education {
                level: EducationLevel::Bachelor,
                social_work_major: true,
            },
            experience: &experience,
            credentials: &facts.credentials,
        },
        &LadderRules::national(),
        date!(2026 - 11 - 23),
    );
    assert_eq!(answer.current, Some(Level::Intermediate));
    assert_eq!(answer.next, Some(Level::Senior));
    // Senior needs five years after the intermediate certificate of 2020-05-10: exam year 2026 counts
    // to 2026-12-31, i.e. 6 years and 7 months, so the worker may sit now.
    assert!(answer.may_sit_now, "{answer:?}");
}

#[test]
fn a_serious_listing_is_derived_from_the_record() {
    let entries = serde_json::from_str::<Vec<registry_core::credit::CreditEntry>>(
        r#"[{"id":1,"subject":{"kind":"worker","id":7},"kind":{"type":"fine","amount":"50000.00"},
            "effective_on":"2025-04-01","recorded_at":"2025-04-02","points_to":null,
            "legal_basis":"民政部令第60号","evidence_refs":["罚字〔2025〕1号"],"note":null}]"#,
    )
    .unwrap();
    let report = credit_status(&entries, date!(2025 - 05 - 01), &Default::default());
    assert_eq!(report.status, CreditStatus::Serious);
    assert_eq!(report.serious_since, Some(date!(2025 - 04 - 01)));
    let before = credit_status(&entries, date!(2025 - 03 - 31), &Default::default());
    assert_eq!(before.status, CreditStatus::Good);
}
