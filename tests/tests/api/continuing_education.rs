//! Continuing education: create (hours as a one-decimal string), read, list with paging and
//! a filter, idempotency, validation and scoping through the worker.

use registry_api::db::entities::{audit_log, continuing_education as ce};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, collect_pages, new_worker, spawn_app};

both_backends!(
    create_and_read,
    list_pages_and_filter,
    invalid_record_is_422_and_writes_nothing,
    idempotent_retry_creates_one_record,
    scoped_through_the_worker,
);

fn record(hours: &str) -> Value {
    json!({"completed_on": "2025-06-30", "hours": hours, "kind": "course"})
}

async fn create_and_read(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let wid = worker["id"].as_str().unwrap();
    let admin = app.admin("510000");
    let resp = app
        .post(
            &format!("/api/v1/workers/{wid}/continuing-education"),
            &admin,
            &record("12.5"),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!(
            "/api/v1/continuing-education/{}",
            created["id"].as_str().unwrap()
        )
    );
    assert_eq!(created["hours"], "12.5");
    assert_eq!(created["completed_on"], "2025-06-30");
    assert_eq!(created["kind"], "course");
    assert_eq!(created["worker_id"], wid);

    let mut degree = record("30.0");
    degree["kind"] = json!("social_work_degree");
    let resp = app
        .post(
            &format!("/api/v1/workers/{wid}/continuing-education"),
            &admin,
            &degree,
        )
        .await;
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["hours"], "30", "normalised");

    for token in [admin.clone(), app.hr("510000"), app.worker(wid)] {
        let got = app.get(&location, &token).await;
        assert_eq!(got.status(), 200);
        let got: Value = got.json().await.unwrap();
        assert_eq!(got["hours"], "12.5");
    }
    // three writes, and in the read log the admin's and hr's reads (the worker's own read
    // is not recorded)
    assert_eq!(app.count::<audit_log::Entity>().await, 3);
    assert_eq!(app.reads_logged().await, 2);
}

async fn list_pages_and_filter(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let wid = worker["id"].as_str().unwrap();
    let admin = app.admin("510000");
    let path = format!("/api/v1/workers/{wid}/continuing-education");
    for h in ["1", "2.5", "3", "4"] {
        assert_eq!(app.post(&path, &admin, &record(h)).await.status(), 201);
    }
    let mut degree = record("30");
    degree["kind"] = json!("social_work_degree");
    assert_eq!(app.post(&path, &admin, &degree).await.status(), 201);
    let (ids, pages) = collect_pages(&app, &format!("{path}?limit=2"), &admin).await;
    assert_eq!((ids.len(), pages), (5, 3));
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids);
    let (ids, _) = collect_pages(&app, &format!("{path}?kind=social_work_degree"), &admin).await;
    assert_eq!(ids.len(), 1);
    let (ids, _) = collect_pages(&app, &format!("{path}?limit=9"), &app.worker(wid)).await;
    assert_eq!(ids.len(), 5);
}

async fn invalid_record_is_422_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!(
        "/api/v1/workers/{}/continuing-education",
        worker["id"].as_str().unwrap()
    );
    let admin = app.admin("510000");
    let before = app.count::<audit_log::Entity>().await;
    for (hours, rule) in [
        ("12.25", "ce.hours_precision"),
        ("0", "ce.hours_not_positive"),
        ("1000.5", "ce.hours_too_large"),
        ("1e3", "ce.hours_format"),
        ("-2", "ce.hours_format"),
    ] {
        let problem = assert_problem(
            app.post(&path, &admin, &record(hours)).await,
            422,
            "validation",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "hours", "{hours}");
        assert_eq!(problem["errors"][0]["rule"], rule, "{hours}");
    }
    let number = json!({"completed_on": "2025-06-30", "hours": 12.5, "kind": "course"});
    let problem = assert_problem(app.post(&path, &admin, &number).await, 422, "validation").await;
    assert_eq!(
        problem["errors"][0]["field"], "hours",
        "a JSON number is refused"
    );
    let mut future = record("2");
    future["completed_on"] = json!("2999-01-01");
    let problem = assert_problem(app.post(&path, &admin, &future).await, 422, "validation").await;
    assert_eq!(problem["errors"][0]["rule"], "ce.completed_in_future");
    assert_eq!(app.count::<ce::Entity>().await, 0);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}

async fn idempotent_retry_creates_one_record(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!(
        "/api/v1/workers/{}/continuing-education",
        worker["id"].as_str().unwrap()
    );
    let admin = app.admin("510000");
    app.assert_idempotent_create(&path, &admin, "ce-1", &record("8"), &record("9"))
        .await;
    assert_eq!(app.count::<ce::Entity>().await, 1);
}

async fn scoped_through_the_worker(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "110105")).await;
    let wid = worker["id"].as_str().unwrap();
    let coll = format!("/api/v1/workers/{wid}/continuing-education");
    let resp = app.post(&coll, &app.admin("110000"), &record("6")).await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let one = format!(
        "/api/v1/continuing-education/{}",
        created["id"].as_str().unwrap()
    );
    let sichuan = app.admin("510000");
    app.assert_hidden(&one, &sichuan).await;
    assert_problem(app.get(&one, &app.worker("other")).await, 404, "not-found").await;
    assert_problem(app.get(&coll, &app.hr("510000")).await, 404, "not-found").await;
    let before = app.count::<audit_log::Entity>().await;
    assert_problem(
        app.post(&coll, &sichuan, &record("1")).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.post(&coll, &app.hr("000000"), &record("1")).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.count::<ce::Entity>().await, 1);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}
