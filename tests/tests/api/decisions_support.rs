//! Shared setup of the decision tests: sample policies posted through the API, a worker with
//! credential, registration and assignment, and appraisals and credit entries recorded
//! through the records endpoints.

use registry_core::allowance::samples::SAMPLE_POLICY_FILES;
use serde_json::{Value, json};

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

/// Records an appraisal of `year` through `POST /workers/{id}/appraisals`; returns its id.
pub async fn appraise(app: &TestApp, s: &Setup, year: i32, grade: &str) -> String {
    created_id(
        app,
        &format!("/api/v1/workers/{}/appraisals", s.worker),
        &json!({
            "year": year,
            "unit_id": s.unit,
            "grade": grade,
            "recorded_on": "2026-01-10",
        }),
    )
    .await
}

/// Puts the worker on the serious list effective on `on` through `POST /credit-entries`
/// (as an admin of `region`); returns the entry id.
pub async fn serious_listing(app: &TestApp, s: &Setup, region: &str, on: time::Date) -> String {
    let resp = app
        .post(
            "/api/v1/credit-entries",
            &app.admin(region),
            &json!({
                "worker_id": s.worker,
                "type": "serious_listing",
                "serious_cause": "court_listed_debtor",
                "effective_on": on.to_string(),
                "legal_basis": "《社会组织信用信息管理办法》",
                "evidence_refs": ["(2026)川01执123号"],
            }),
        )
        .await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let v: Value = resp.json().await.expect("json");
    v["id"].as_str().expect("id").to_owned()
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
