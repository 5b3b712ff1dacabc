//! Credit entries and status: escalation (abnormal for 24 months → serious), removal and
//! repair as core decides, core append rules as 422s, organisations by credit code,
//! scoping (hr 403, others 404), and the append-only table.

use registry_api::db::entities::{audit_log, credit_entry};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_problem, new_worker, spawn_app};

both_backends!(
    abnormal_listing_escalates_and_is_lifted_as_core_says,
    removal_lifts_the_abnormal_list,
    append_rules_are_422_naming_the_rule,
    organisations_by_credit_code,
    credit_is_hidden_from_hr_and_others,
    credit_entries_are_append_only_in_the_database,
);

const ORG: &str = "91350200MA2YJ1XR9G";

async fn worker(app: &TestApp, n: u32, region: &str) -> String {
    let w = app.create_worker(&new_worker(n, region)).await;
    w["id"].as_str().unwrap().to_owned()
}

/// Posts an entry as an admin of 510000 and returns it.
pub async fn entry(app: &TestApp, body: &Value) -> Value {
    let resp = app
        .post("/api/v1/credit-entries", &app.admin("510000"), body)
        .await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

pub fn listing(worker: &str, on: &str) -> Value {
    json!({
        "worker_id": worker,
        "type": "abnormal_listing",
        "cause": "未按规定报送年度工作报告",
        "effective_on": on,
        "legal_basis": "民政部令第60号",
        "evidence_refs": ["成民〔2024〕1号"],
    })
}

pub fn warning(worker: &str, on: &str) -> Value {
    json!({
        "worker_id": worker,
        "type": "warning",
        "effective_on": on,
        "legal_basis": "民政部令第60号",
    })
}

async fn status(app: &TestApp, worker: &str, date: &str) -> Value {
    let resp = app
        .get(
            &format!("/api/v1/workers/{worker}/credit-status?date={date}"),
            &app.admin("510000"),
        )
        .await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn abnormal_listing_escalates_and_is_lifted_as_core_says(b: Backend) {
    let app = spawn_app(b).await;
    let wid = worker(&app, 1, "510104").await;
    let listed = entry(&app, &listing(&wid, "2024-01-10")).await;
    assert_eq!(listed["type"], "abnormal_listing");
    assert_eq!(listed["type_zh"], "列入活动异常名录");
    assert_eq!(listed["subject"]["worker_id"], wid.as_str());
    assert_eq!(listed["subject"]["region_code"], "510104");
    let lid = listed["id"].as_str().unwrap();

    let s = status(&app, &wid, "2024-01-09").await;
    assert_eq!(s["status"], "good");
    let s = status(&app, &wid, "2026-01-09").await;
    assert_eq!(s["status"], "abnormal");
    assert_eq!(s["code"], "CREDIT_ABNORMAL_LIST");
    assert_eq!(s["abnormal_since"], "2024-01-10");
    assert_eq!(s["abnormal_escalates_on"], "2026-01-10");
    assert_eq!(s["deciding_entries"][0]["id"], lid);
    let s = status(&app, &wid, "2026-01-10").await;
    assert_eq!(s["status"], "serious", "24 months on the abnormal list");
    assert_eq!(s["code"], "CREDIT_SERIOUS_LIST");
    assert_eq!(s["serious_since"], "2026-01-10");
    assert_eq!(s["serious_removable_from"], "2028-01-10");

    // A removal before the serious list may be lifted changes nothing.
    let early = entry(
        &app,
        &json!({"worker_id": wid, "type": "removal", "list": "serious",
                "refers_to": lid, "effective_on": "2026-06-01"}),
    )
    .await;
    assert_eq!(early["refers_to"], lid);
    assert_eq!(early["list"], "serious");
    let s = status(&app, &wid, "2026-06-01").await;
    assert_eq!(s["status"], "serious");
    assert_eq!(s["ineffective_removals"], json!([early["id"]]));
    // A repair once 24 quiet months have passed lifts it.
    entry(
        &app,
        &json!({"worker_id": wid, "type": "repair", "list": "serious",
                "refers_to": lid, "effective_on": "2028-01-10"}),
    )
    .await;
    assert_eq!(status(&app, &wid, "2028-01-09").await["status"], "serious");
    let s = status(&app, &wid, "2028-01-10").await;
    assert_eq!(s["status"], "good");
    assert_eq!(s["code"], "CREDIT_GOOD");
    assert_eq!(s["deciding_entries"], json!([]));

    // The record lists every entry in the order recorded, with today's status.
    let resp = app
        .get(
            &format!("/api/v1/workers/{wid}/credit-record"),
            &app.worker(&wid),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let record: Value = resp.json().await.unwrap();
    let types: Vec<&str> = record["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["abnormal_listing", "removal", "repair"]);
    assert_eq!(record["subject"]["kind"], "worker");
    assert_eq!(
        record["status"]["status"], "serious",
        "today is before 2028"
    );
    let mine: Value = app
        .get("/api/v1/me/credit-record", &app.worker(&wid))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["entries"], record["entries"]);
}

async fn removal_lifts_the_abnormal_list(b: Backend) {
    let app = spawn_app(b).await;
    let wid = worker(&app, 1, "510104").await;
    let w = entry(&app, &warning(&wid, "2025-01-10")).await;
    entry(
        &app,
        &json!({"worker_id": wid, "type": "removal", "list": "abnormal",
                "refers_to": w["id"], "effective_on": "2025-03-01"}),
    )
    .await;
    assert_eq!(status(&app, &wid, "2025-02-28").await["status"], "abnormal");
    assert_eq!(status(&app, &wid, "2025-03-01").await["status"], "good");
    // A second warning within 36 months of the first: serious.
    entry(&app, &warning(&wid, "2026-06-01")).await;
    let s = status(&app, &wid, "2026-06-01").await;
    assert_eq!(s["status"], "serious");
    assert_eq!(s["deciding_entries"].as_array().unwrap().len(), 2);
}

async fn append_rules_are_422_naming_the_rule(b: Backend) {
    let app = spawn_app(b).await;
    let wid = worker(&app, 1, "510104").await;
    let praise = entry(
        &app,
        &json!({"worker_id": wid, "type": "commendation", "effective_on": "2025-01-10"}),
    )
    .await;
    let w = entry(&app, &warning(&wid, "2025-01-10")).await;
    let before = (
        app.count::<credit_entry::Entity>().await,
        app.count::<audit_log::Entity>().await,
    );
    let admin = app.admin("510000");
    let cases = [
        (
            json!({"worker_id": wid, "type": "removal", "list": "abnormal",
                   "refers_to": praise["id"], "effective_on": "2025-02-01"}),
            "refers_to",
            "credit.pointer_kind",
        ),
        (
            json!({"worker_id": wid, "type": "removal", "list": "abnormal",
                   "effective_on": "2025-02-01"}),
            "refers_to",
            "credit.pointer_required",
        ),
        (
            json!({"worker_id": wid, "type": "removal", "list": "abnormal",
                   "refers_to": "0190d3c4-0000-7000-8000-000000000000", "effective_on": "2025-02-01"}),
            "refers_to",
            "credit.pointer_unknown",
        ),
        (
            json!({"worker_id": wid, "type": "removal", "list": "abnormal",
                   "refers_to": w["id"], "effective_on": "2025-01-01"}),
            "effective_on",
            "credit.before_target",
        ),
        (
            json!({"worker_id": wid, "type": "warning", "effective_on": "2025-02-01"}),
            "legal_basis",
            "credit.legal_basis_required",
        ),
        (
            json!({"worker_id": wid, "type": "fine", "amount": "0", "legal_basis": "x",
                   "effective_on": "2025-02-01"}),
            "amount",
            "credit.fine_zero",
        ),
        (
            json!({"worker_id": wid, "type": "objection_filed", "refers_to": w["id"],
                   "effective_on": "2025-02-01"}),
            "type",
            "credit.objection_via_workflow",
        ),
        (
            json!({"type": "warning", "legal_basis": "x", "effective_on": "2025-02-01"}),
            "worker_id",
            "credit.subject_required",
        ),
    ];
    for (body, field, rule) in cases {
        let p = assert_problem(
            app.post("/api/v1/credit-entries", &admin, &body).await,
            422,
            "validation",
        )
        .await;
        assert_eq!(p["errors"][0]["field"], field, "{p}");
        assert_eq!(p["errors"][0]["rule"], rule, "{p}");
    }
    let p = assert_problem(
        app.post(
            "/api/v1/credit-entries",
            &admin,
            &json!({"worker_id": wid, "type": "removal", "list": "abnormal",
                   "refers_to": "0190d3c4-0000-7000-8000-000000000000", "effective_on": "2025-02-01"}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("0190d3c4-0000-7000-8000-000000000000"),
        "{p}"
    );
    let after = (
        app.count::<credit_entry::Entity>().await,
        app.count::<audit_log::Entity>().await,
    );
    assert_eq!(before, after, "rejected entries write nothing");
    // Admin of another region: the worker is not there.
    assert_problem(
        app.post(
            "/api/v1/credit-entries",
            &app.admin("110000"),
            &warning(&wid, "2025-02-01"),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/credit-entries",
            &app.hr("510000"),
            &warning(&wid, "2025-02-01"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

async fn organisations_by_credit_code(b: Backend) {
    let app = spawn_app(b).await;
    let body = json!({
        "credit_code": ORG,
        "region_code": "510104",
        "type": "fine",
        "amount": "60000",
        "effective_on": "2025-03-01",
        "legal_basis": "《社会组织登记管理条例》",
    });
    let fine = entry(&app, &body).await;
    assert_eq!(fine["amount"], "60000.00");
    assert_eq!(fine["subject"]["credit_code"], ORG);
    assert_eq!(fine["subject"]["kind"], "organisation");
    let path = format!("/api/v1/organisations/{ORG}/credit-status?date=2025-03-01");
    let resp = app.get(&path, &app.admin("510000")).await;
    assert_eq!(resp.status(), 200);
    let s: Value = resp.json().await.unwrap();
    assert_eq!(s["status"], "serious", "a fine of 50000 or more");
    assert_eq!(s["deciding_entries"][0]["id"], fine["id"]);
    let record = app
        .get(
            &format!("/api/v1/organisations/{ORG}/credit-record"),
            &app.admin("510104"),
        )
        .await;
    assert_eq!(record.status(), 200);
    assert_problem(app.get(&path, &app.admin("110000")).await, 404, "not-found").await;
    assert_problem(app.get(&path, &app.hr("510000")).await, 403, "forbidden").await;
    assert_problem(
        app.get(
            "/api/v1/organisations/91440101MA5CJQ4N59/credit-record",
            &app.admin("000000"),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    // Validation: bad code, region outside the caller's, another region than the record's.
    let mut bad = body.clone();
    bad["credit_code"] = json!("91350200MA2YJ1XR9H");
    let p = assert_problem(
        app.post("/api/v1/credit-entries", &app.admin("510000"), &bad)
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "credit_code");
    let mut far = body.clone();
    far["region_code"] = json!("110105");
    let p = assert_problem(
        app.post("/api/v1/credit-entries", &app.admin("510000"), &far)
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["rule"], "credit.region_outside_scope");
    let mut moved = body.clone();
    moved["region_code"] = json!("510105");
    let p = assert_problem(
        app.post("/api/v1/credit-entries", &app.admin("510000"), &moved)
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["rule"], "credit.region_mismatch");
}

async fn credit_is_hidden_from_hr_and_others(b: Backend) {
    let app = spawn_app(b).await;
    let wid = worker(&app, 1, "510104").await;
    let other = worker(&app, 2, "510104").await;
    entry(&app, &warning(&wid, "2025-01-10")).await;
    for path in [
        format!("/api/v1/workers/{wid}/credit-record"),
        format!("/api/v1/workers/{wid}/credit-status?date=2025-02-01"),
    ] {
        assert_problem(app.get(&path, &app.hr("510000")).await, 403, "forbidden").await;
        assert_problem(app.get(&path, &app.worker(&other)).await, 404, "not-found").await;
        assert_problem(app.get(&path, &app.admin("110000")).await, 404, "not-found").await;
        assert_eq!(app.get(&path, &app.worker(&wid)).await.status(), 200);
        // An admin's read is audited with the worker's id; the worker's own is not.
        let before = app.reads_logged().await;
        assert_eq!(app.get(&path, &app.admin("510000")).await.status(), 200);
        assert_eq!(app.reads_logged().await, before + 1);
    }
    assert_problem(
        app.get("/api/v1/me/credit-record", &app.hr("510000")).await,
        403,
        "forbidden",
    )
    .await;
    let mine: Value = app
        .get("/api/v1/me/credit-record", &app.worker(&other))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["entries"], json!([]), "nothing of anyone else");
    assert_eq!(mine["status"]["status"], "good");
}

async fn credit_entries_are_append_only_in_the_database(b: Backend) {
    let app = spawn_app(b).await;
    let wid = worker(&app, 1, "510104").await;
    entry(&app, &warning(&wid, "2025-01-10")).await;
    let db = &app.state.db;
    assert!(
        db.execute_unprepared("UPDATE credit_entries SET kind = 'commendation'")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("DELETE FROM credit_entries")
            .await
            .is_err()
    );
    assert_eq!(app.count::<credit_entry::Entity>().await, 1);
}
