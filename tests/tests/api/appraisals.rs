//! Appraisals: record, list, correct; the unit's 优秀 cap (refused with its rule code, nothing
//! written, freed by a correction); validation; scoping; the append-only table.

use registry_api::db::entities::{appraisal, audit_log};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_problem, new_unit, new_worker, spawn_app};

both_backends!(
    create_list_and_correct,
    excellent_cap_is_refused_and_writes_nothing,
    invalid_appraisal_is_422,
    appraisals_are_scoped_through_the_worker,
    appraisals_are_append_only_in_the_database,
    idempotent_retry_records_one_appraisal,
);

/// A worker of `region` and a unit of `region` (created by a national admin).
async fn worker_and_unit(app: &TestApp, n: u32, region: &str) -> (String, String) {
    let w = app.create_worker(&new_worker(n, region)).await;
    let u = app.create_unit(&new_unit(n, region)).await;
    (
        w["id"].as_str().unwrap().to_owned(),
        u["id"].as_str().unwrap().to_owned(),
    )
}

fn body(unit: &str, grade: &str) -> Value {
    json!({
        "year": 2025,
        "unit_id": unit,
        "grade": grade,
        "scores": {"ethics": 90, "performance": 85, "satisfaction": 95},
        "recorded_on": "2026-01-10",
    })
}

async fn record(app: &TestApp, worker: &str, b: &Value) -> Value {
    let resp = app
        .post(
            &format!("/api/v1/workers/{worker}/appraisals"),
            &app.admin("510000"),
            b,
        )
        .await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn create_list_and_correct(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, unit) = worker_and_unit(&app, 1, "510104").await;
    let first = record(&app, &wid, &body(&unit, "pass")).await;
    assert_eq!(first["grade"], "pass");
    assert_eq!(first["grade_zh"], "合格");
    assert_eq!(first["effective"], true);
    assert_eq!(first["scores"]["satisfaction"], 95);
    assert_eq!(first["recorded_on"], "2026-01-10");
    assert!(first.get("corrects").is_none());

    let mut fix = body(&unit, "basic_pass");
    fix["corrects"] = first["id"].clone();
    fix["recorded_on"] = json!("2026-02-01");
    let second = record(&app, &wid, &fix).await;
    assert_eq!(second["corrects"], first["id"]);
    assert_eq!(second["effective"], true);

    let resp = app
        .get(
            &format!("/api/v1/workers/{wid}/appraisals"),
            &app.hr("510000"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let list: Value = resp.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], first["id"]);
    assert_eq!(items[0]["effective"], false, "corrected");
    assert_eq!(items[0]["corrected_by"], json!([second["id"]]));
    assert_eq!(items[1]["effective"], true);
    assert_eq!(items[1]["grade"], "basic_pass");

    // The worker reads their own, through both paths.
    let mine: Value = app
        .get("/api/v1/me/appraisals", &app.worker(&wid))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine, list);
    let own = app
        .get(
            &format!("/api/v1/workers/{wid}/appraisals"),
            &app.worker(&wid),
        )
        .await;
    assert_eq!(own.status(), 200);
    assert_problem(
        app.get("/api/v1/me/appraisals", &app.admin("510000")).await,
        403,
        "forbidden",
    )
    .await;
    // A correction must name an appraisal of the same worker.
    let (other, _) = worker_and_unit(&app, 2, "510104").await;
    let mut wrong = body(&unit, "pass");
    wrong["corrects"] = first["id"].clone();
    let p = assert_problem(
        app.post(
            &format!("/api/v1/workers/{other}/appraisals"),
            &app.admin("510000"),
            &wrong,
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["rule"], "appraisal.corrects_unknown");
}

async fn excellent_cap_is_refused_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let unit = unit["id"].as_str().unwrap();
    let mut workers = Vec::new();
    for n in 1..=6 {
        let w = app.create_worker(&new_worker(n, "510104")).await;
        workers.push(w["id"].as_str().unwrap().to_owned());
    }
    for w in &workers[1..5] {
        record(&app, w, &body(unit, "pass")).await;
    }
    // 5 appraised, 20 % → at most 1 excellent.
    let excellent = record(&app, &workers[0], &body(unit, "excellent")).await;
    let before = (
        app.count::<appraisal::Entity>().await,
        app.count::<audit_log::Entity>().await,
    );
    let resp = app
        .post(
            &format!("/api/v1/workers/{}/appraisals", workers[5]),
            &app.admin("510000"),
            &body(unit, "excellent"),
        )
        .await;
    let p = assert_problem(resp, 422, "validation").await;
    assert_eq!(p["errors"][0]["rule"], "appraisal.excellent_cap");
    assert_eq!(p["errors"][0]["field"], "grade");
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("20 %"), "{message}");
    assert!(message.contains("of 6 appraised, at most 1"), "{message}");
    assert!(message.contains("make 2 excellent"), "{message}");
    let after = (
        app.count::<appraisal::Entity>().await,
        app.count::<audit_log::Entity>().await,
    );
    assert_eq!(before, after, "a refused appraisal writes nothing");

    // A pass in the same unit is fine; correcting the excellent to pass frees the slot.
    let mut fix = body(unit, "pass");
    fix["corrects"] = excellent["id"].clone();
    record(&app, &workers[0], &fix).await;
    let now = record(&app, &workers[5], &body(unit, "excellent")).await;
    assert_eq!(now["effective"], true);
}

async fn invalid_appraisal_is_422(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, unit) = worker_and_unit(&app, 1, "510104").await;
    let path = format!("/api/v1/workers/{wid}/appraisals");
    let admin = app.admin("510000");
    let cases = [
        (json!({"year": 2999}), "year", "appraisal.future_year"),
        (json!({"year": 1900}), "year", "appraisal.year_range"),
        (
            json!({"recorded_on": "2024-12-31"}),
            "recorded_on",
            "appraisal.recorded_before_year",
        ),
        (
            json!({"scores": {"satisfaction": 101}}),
            "scores.satisfaction",
            "appraisal.score_range",
        ),
        (
            json!({"unit_id": "nope"}),
            "unit_id",
            "appraisal.unit_unknown",
        ),
    ];
    for (patch, field, rule) in cases {
        let mut b = body(&unit, "pass");
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        let p = assert_problem(app.post(&path, &admin, &b).await, 422, "validation").await;
        assert_eq!(p["errors"][0]["field"], field, "{p}");
        assert_eq!(p["errors"][0]["rule"], rule, "{p}");
    }
    // A unit outside the caller's region is unknown to it.
    let far = app.create_unit(&new_unit(9, "110105")).await;
    let p = assert_problem(
        app.post(&path, &admin, &body(far["id"].as_str().unwrap(), "pass"))
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["rule"], "appraisal.unit_unknown");
    assert_eq!(app.count::<appraisal::Entity>().await, 0);
}

async fn appraisals_are_scoped_through_the_worker(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, unit) = worker_and_unit(&app, 1, "510104").await;
    let (other, _) = worker_and_unit(&app, 2, "510104").await;
    record(&app, &wid, &body(&unit, "pass")).await;
    let path = format!("/api/v1/workers/{wid}/appraisals");
    assert_problem(app.get(&path, &app.worker(&other)).await, 404, "not-found").await;
    assert_problem(app.get(&path, &app.admin("110000")).await, 404, "not-found").await;
    assert_problem(app.get(&path, &app.hr("110000")).await, 404, "not-found").await;
    assert_problem(
        app.post(&path, &app.admin("110000"), &body(&unit, "pass"))
            .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.post(&path, &app.hr("510000"), &body(&unit, "pass"))
            .await,
        403,
        "forbidden",
    )
    .await;
    // Reads by others than the worker are audited with the worker's id.
    let before = app.reads_logged().await;
    assert_eq!(app.get(&path, &app.hr("510000")).await.status(), 200);
    assert_eq!(app.reads_logged().await, before + 1);
    assert_eq!(app.get(&path, &app.worker(&wid)).await.status(), 200);
    assert_eq!(app.reads_logged().await, before + 1);
}

async fn appraisals_are_append_only_in_the_database(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, unit) = worker_and_unit(&app, 1, "510104").await;
    record(&app, &wid, &body(&unit, "pass")).await;
    let db = &app.state.db;
    assert!(
        db.execute_unprepared("UPDATE appraisals SET grade = 'excellent'")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("DELETE FROM appraisals")
            .await
            .is_err()
    );
    assert_eq!(app.count::<appraisal::Entity>().await, 1);
}

async fn idempotent_retry_records_one_appraisal(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, unit) = worker_and_unit(&app, 1, "510104").await;
    let path = format!("/api/v1/workers/{wid}/appraisals");
    let (first, other) = (body(&unit, "pass"), body(&unit, "fail"));
    app.assert_idempotent_create(&path, &app.admin("510000"), "appraisal-1", &first, &other)
        .await;
    assert_eq!(app.count::<appraisal::Entity>().await, 1);
}
