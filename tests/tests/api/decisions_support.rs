//! Shared setup of the decision tests: sample policies posted through the API, a worker with
//! credential, registration and assignment, and (until the records endpoints land) appraisals
//! and credit entries written straight into their tables.

use registry_api::db::entities::{appraisal, credit_entry};
use registry_core::allowance::samples::SAMPLE_POLICY_FILES;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use time::macros::date;

use crate::helpers::{TestApp, new_unit, new_worker};

/// The JSON of a core sample policy file, e.g. `chengdu-community-monthly.json`.
pub fn sample_policy(file: &str) -> Value {
    let (_, text) = SAMPLE_POLICY_FILES
        .iter()
        .find(|(name, _)| *name == file)
        .expect("sample file");
    serde_json::from_str(text).expect("json")
}

/// Posts a policy version as a national admin; asserts 201.
pub async fn create_policy(app: &TestApp, body: &Value) -> Value {
    let resp = app
        .post("/api/v1/allowance-policies", &app.admin("000000"), body)
        .await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    resp.json().await.expect("json")
}

/// What [`worker_in_post`] created.
pub struct Setup {
    pub worker: String,
    pub unit: String,
    pub credential: String,
    pub assignment: String,
}

/// POSTs `body` to `path` as a national admin; asserts 201 and returns the id.
pub async fn created_id(app: &TestApp, path: &str, body: &Value) -> String {
    let resp = app.post(path, &app.admin("000000"), body).await;
    assert_eq!(resp.status(), 201, "{path}: {:?}", resp.text().await);
    let v: Value = resp.json().await.expect("json");
    v["id"].as_str().expect("id").to_owned()
}

/// A worker of `region` holding a `level` credential issued on `issued`, assigned
/// (`basis`, from `start`) to a post of a `unit_type` unit of the same region.
#[allow(clippy::too_many_arguments)]
pub async fn worker_in_post(
    app: &TestApp,
    n: u32,
    region: &str,
    unit_type: &str,
    level: &str,
    issued: &str,
    basis: &str,
    start: &str,
) -> Setup {
    let worker = app.create_worker(&new_worker(n, region)).await;
    let worker = worker["id"].as_str().expect("id").to_owned();
    let mut unit = new_unit(n, region);
    unit["unit_type"] = json!(unit_type);
    let unit = app.create_unit(&unit).await;
    let post = app
        .create_post(&json!({
            "unit_id": unit["id"],
            "title": "社区社会工作专业岗位",
            "part_time_allowed": true,
        }))
        .await;
    let post = post["id"].as_str().expect("id").to_owned();
    let credential = created_id(
        app,
        &format!("/api/v1/workers/{worker}/credentials"),
        &json!({
            "scheme": "national_exam",
            "level": level,
            "certificate_number": format!("CERT-{n}-{level}"),
            "issuing_authority": "人力资源和社会保障部",
            "issue_date": issued,
        }),
    )
    .await;
    let assignment = created_id(
        app,
        "/api/v1/assignments",
        &json!({"worker_id": worker, "post_id": post, "start": start, "basis": basis}),
    )
    .await;
    Setup {
        worker,
        unit: unit["id"].as_str().expect("id").to_owned(),
        credential,
        assignment,
    }
}

/// Adds a credential to a worker; returns its id.
pub async fn add_credential(
    app: &TestApp,
    worker: &str,
    n: &str,
    level: &str,
    issued: &str,
) -> String {
    created_id(
        app,
        &format!("/api/v1/workers/{worker}/credentials"),
        &json!({
            "scheme": "national_exam",
            "level": level,
            "certificate_number": format!("CERT-{n}-{level}"),
            "issuing_authority": "人力资源和社会保障部",
            "issue_date": issued,
        }),
    )
    .await
}

/// Registers a credential (first registration) on `on`; returns the registration id.
pub async fn register(app: &TestApp, credential: &str, on: &str) -> String {
    created_id(
        app,
        &format!("/api/v1/credentials/{credential}/registrations"),
        &json!({"kind": "first", "registered_on": on}),
    )
    .await
}

/// Writes an appraisal row (the records endpoints are another branch's); returns its id.
pub async fn appraise(app: &TestApp, s: &Setup, year: i32, grade: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    appraisal::ActiveModel {
        id: Set(id.clone()),
        worker_id: Set(s.worker.clone()),
        unit_id: Set(s.unit.clone()),
        year: Set(year),
        grade: Set(grade.to_owned()),
        score_ethics: Set(None),
        score_performance: Set(None),
        score_satisfaction: Set(None),
        recorded_on: Set(date!(2026 - 01 - 10)),
        corrects_id: Set(None),
        recorded_at: Set(time::OffsetDateTime::now_utc()),
    }
    .insert(&app.state.db)
    .await
    .expect("insert appraisal");
    id
}

/// Writes a serious-list entry effective on `on` (straight into the table); returns its id.
pub async fn serious_listing(app: &TestApp, s: &Setup, region: &str, on: time::Date) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    credit_entry::ActiveModel {
        id: Set(id.clone()),
        subject_kind: Set("worker".into()),
        worker_id: Set(Some(s.worker.clone())),
        organisation_credit_code: Set(None),
        region_code: Set(region.to_owned()),
        kind: Set("serious_listing".into()),
        fine_amount_fen: Set(None),
        abnormal_cause: Set(None),
        serious_cause: Set(Some("court_listed_debtor".into())),
        list_kind: Set(None),
        points_to_id: Set(None),
        effective_on: Set(on),
        legal_basis: Set("《社会组织信用信息管理办法》".into()),
        evidence_refs: Set("[\"(2026)川01执123号\"]".into()),
        note: Set(None),
        recorded_at: Set(time::OffsetDateTime::now_utc()),
    }
    .insert(&app.state.db)
    .await
    .expect("insert credit entry");
    id
}

/// GETs `path` with `token`, asserts 200 and returns the JSON.
pub async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status(), 200, "{path}: {:?}", resp.text().await);
    resp.json().await.expect("json")
}

/// The codes of the reasons with `effect`.
pub fn codes(d: &Value, effect: &str) -> Vec<String> {
    d["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter(|r| r["effect"] == effect)
        .map(|r| r["code"].as_str().expect("code").to_owned())
        .collect()
}

/// The reason with `code`.
pub fn reason<'a>(d: &'a Value, code: &str) -> &'a Value {
    d["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {d}"))
}
