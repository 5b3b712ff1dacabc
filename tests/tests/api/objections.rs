//! Objections (异议): a worker files one against an entry of their own record (disputed
//! status), an admin upholds or rejects it once (If-Match, 409 after), the worker sees the
//! outcome; nobody objects to someone else's entry; the decided row is immutable.

use registry_api::db::entities::{audit_log, credit_entry, objection};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::both_backends;
use crate::credit::{entry, warning};
use crate::helpers::{Backend, TestApp, assert_problem, new_worker, spawn_app};

both_backends!(
    upheld_objection_voids_the_entry,
    rejected_objection_lets_the_entry_stand,
    objections_only_on_own_entries,
    decided_objections_are_immutable_in_the_database,
);

async fn worker(app: &TestApp, n: u32, region: &str) -> String {
    let w = app.create_worker(&new_worker(n, region)).await;
    w["id"].as_str().unwrap().to_owned()
}

async fn file(app: &TestApp, wid: &str, entry_id: &Value) -> reqwest::Response {
    app.post(
        "/api/v1/me/objections",
        &app.worker(wid),
        &json!({"entry_id": entry_id, "statement": "该警告针对的是另一名同名社工"}),
    )
    .await
}

async fn decide(
    app: &TestApp,
    token: &str,
    id: &str,
    etag: Option<&str>,
    outcome: &str,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/objections/{id}/decision")))
        .bearer_auth(token)
        .json(&json!({"outcome": outcome, "reason": "经核查，记录有误"}));
    if let Some(e) = etag {
        req = req.header("If-Match", e);
    }
    req.send().await.unwrap()
}

async fn my_status(app: &TestApp, wid: &str) -> Value {
    let record: Value = app
        .get("/api/v1/me/credit-record", &app.worker(wid))
        .await
        .json()
        .await
        .unwrap();
    record["status"].clone()
}

/// A worker of 510104 with a warning, and the pending objection against it.
async fn filed(app: &TestApp) -> (String, Value, Value) {
    let wid = worker(app, 1, "510104").await;
    let w = entry(app, &warning(&wid, "2025-01-10")).await;
    assert_eq!(my_status(app, &wid).await["status"], "abnormal");
    let resp = file(app, &wid, &w["id"]).await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    assert_eq!(resp.headers()["etag"], "\"1\"");
    let o: Value = resp.json().await.unwrap();
    assert_eq!(o["status"], "pending");
    assert_eq!(o["entry_id"], w["id"]);
    assert!(o.get("reason").is_none());
    (wid, w, o)
}

async fn upheld_objection_voids_the_entry(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, w, o) = filed(&app).await;
    let oid = o["id"].as_str().unwrap();
    let s = my_status(&app, &wid).await;
    assert_eq!(s["status"], "disputed");
    assert_eq!(s["code"], "CREDIT_DISPUTED");
    assert_eq!(s["standing"], "abnormal");
    assert_eq!(s["pending_objections"], json!([o["objection_entry_id"]]));

    // The admin of the region sees it pending; another region's admin does not.
    let admin = app.admin("510000");
    let page: Value = app
        .get("/api/v1/objections?status=pending", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], oid);
    let far: Value = app
        .get("/api/v1/objections?status=pending", &app.admin("110000"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(far["items"], json!([]));
    assert_problem(
        app.get("/api/v1/objections", &app.hr("510000")).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        decide(&app, &app.admin("110000"), oid, Some("\"1\""), "upheld").await,
        404,
        "not-found",
    )
    .await;

    assert_problem(
        decide(&app, &admin, oid, None, "upheld").await,
        428,
        "precondition-required",
    )
    .await;
    assert_problem(
        decide(&app, &admin, oid, Some("\"7\""), "upheld").await,
        412,
        "precondition-failed",
    )
    .await;
    let before = app.count::<audit_log::Entity>().await;
    let resp = decide(&app, &admin, oid, Some("\"1\""), "upheld").await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    let decided: Value = resp.json().await.unwrap();
    assert_eq!(decided["status"], "upheld");
    assert_eq!(decided["reason"], "经核查，记录有误");
    assert_eq!(app.count::<audit_log::Entity>().await, before + 1);
    assert_problem(
        decide(&app, &admin, oid, Some("\"2\""), "rejected").await,
        409,
        "conflict",
    )
    .await;

    // The worker sees the outcome; the warning is void.
    let mine: Value = app
        .get("/api/v1/me/objections", &app.worker(&wid))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["status"], "upheld");
    assert_eq!(mine["items"][0]["reason"], "经核查，记录有误");
    let s = my_status(&app, &wid).await;
    assert_eq!(s["status"], "good");
    let record: Value = app
        .get("/api/v1/me/credit-record", &app.worker(&wid))
        .await
        .json()
        .await
        .unwrap();
    let entries = record["entries"].as_array().unwrap();
    let types: Vec<&str> = entries
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["warning", "objection_filed", "objection_upheld"]);
    assert_eq!(entries[1]["refers_to"], w["id"]);
    assert_eq!(entries[2]["refers_to"], o["objection_entry_id"]);
    assert_eq!(entries[2]["id"], decided["outcome_entry_id"]);
}

async fn rejected_objection_lets_the_entry_stand(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, _, o) = filed(&app).await;
    let oid = o["id"].as_str().unwrap();
    let got = app
        .get(&format!("/api/v1/objections/{oid}"), &app.admin("510104"))
        .await;
    assert_eq!(got.status(), 200);
    let etag = got.headers()["etag"].to_str().unwrap().to_owned();
    let resp = decide(&app, &app.admin("510104"), oid, Some(&etag), "rejected").await;
    assert_eq!(resp.status(), 200);
    let mine: Value = app
        .get(&format!("/api/v1/objections/{oid}"), &app.worker(&wid))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["status"], "rejected");
    let s = my_status(&app, &wid).await;
    assert_eq!(s["status"], "abnormal");
    assert_eq!(s["pending_objections"], json!([]));
}

async fn objections_only_on_own_entries(b: Backend) {
    let app = spawn_app(b).await;
    let wid = worker(&app, 1, "510104").await;
    let other = worker(&app, 2, "510104").await;
    let w = entry(&app, &warning(&wid, "2025-01-10")).await;
    let before = (
        app.count::<objection::Entity>().await,
        app.count::<credit_entry::Entity>().await,
    );
    // Someone else's entry is the same 404 as a missing one.
    assert_problem(file(&app, &other, &w["id"]).await, 404, "not-found").await;
    assert_problem(file(&app, &other, &json!("nope")).await, 404, "not-found").await;
    // Only workers file objections.
    let resp = app
        .post(
            "/api/v1/me/objections",
            &app.admin("510000"),
            &json!({"entry_id": w["id"], "statement": "x"}),
        )
        .await;
    assert_problem(resp, 403, "forbidden").await;
    // Core: only penalties and listings can be objected to.
    let praise = entry(
        &app,
        &json!({"worker_id": wid, "type": "commendation", "effective_on": "2025-01-10"}),
    )
    .await;
    let p = assert_problem(file(&app, &wid, &praise["id"]).await, 422, "validation").await;
    assert_eq!(p["errors"][0]["field"], "entry_id");
    assert_eq!(p["errors"][0]["rule"], "credit.pointer_kind");
    assert_eq!(
        (
            app.count::<objection::Entity>().await,
            app.count::<credit_entry::Entity>().await
        ),
        (before.0, before.1 + 1)
    );
    // A statement is required.
    let p = assert_problem(
        app.post(
            "/api/v1/me/objections",
            &app.worker(&wid),
            &json!({"entry_id": w["id"], "statement": "   "}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "statement");
    assert_eq!(p["errors"][0]["rule"], "objection.text_blank");
    // One open objection per entry.
    assert_eq!(file(&app, &wid, &w["id"]).await.status(), 201);
    let p = assert_problem(file(&app, &wid, &w["id"]).await, 422, "validation").await;
    assert_eq!(p["errors"][0]["rule"], "credit.objection_pending");
    // The objection entry belongs to the objection record: no annulment by hand.
    let filed: Value = app
        .get("/api/v1/me/objections", &app.worker(&wid))
        .await
        .json()
        .await
        .unwrap();
    let p = assert_problem(
        app.post(
            "/api/v1/credit-entries",
            &app.admin("510000"),
            &json!({"worker_id": wid, "type": "annulment", "effective_on": "2026-12-31",
                    "refers_to": filed["items"][0]["objection_entry_id"]}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["rule"], "credit.objection_via_workflow");
    // Others cannot read it.
    let mine: Value = app
        .get("/api/v1/me/objections", &app.worker(&other))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"], json!([]));
}

async fn decided_objections_are_immutable_in_the_database(b: Backend) {
    let app = spawn_app(b).await;
    let (_, _, o) = filed(&app).await;
    let oid = o["id"].as_str().unwrap();
    let db = &app.state.db;
    assert!(
        db.execute_unprepared(&format!(
            "UPDATE objections SET statement = 'edited' WHERE id = '{oid}'"
        ))
        .await
        .is_err(),
        "the statement is never edited"
    );
    let resp = decide(&app, &app.admin("510000"), oid, Some("\"1\""), "upheld").await;
    assert_eq!(resp.status(), 200);
    assert!(
        db.execute_unprepared("UPDATE objections SET status = 'rejected'")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("DELETE FROM objections")
            .await
            .is_err()
    );
    assert_eq!(app.count::<objection::Entity>().await, 1);
}
