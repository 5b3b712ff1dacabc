//! Registrations: create (valid_until computed), read, list with paging and a filter,
//! idempotency, validation and scoping through the credential's worker.

use registry_api::db::entities::{audit_log, registration};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, collect_pages, spawn_app};

both_backends!(
    create_and_read,
    list_pages_and_filter,
    invalid_registration_is_422_and_writes_nothing,
    idempotent_retry_creates_one_registration,
    scoped_through_the_worker,
);

async fn create_and_read(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, cid) = app.worker_with_credential(1, "510104").await;
    let admin = app.admin("510000");
    let body = json!({"kind": "first", "registered_on": "2024-02-29"});
    let resp = app
        .post(
            &format!("/api/v1/credentials/{cid}/registrations"),
            &admin,
            &body,
        )
        .await;
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/registrations/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(
        created["valid_until"], "2027-02-28",
        "the day before the anniversary"
    );
    assert_eq!(created["credential_id"], cid);
    assert_eq!(created["worker_id"], wid);
    assert_eq!(created["kind"], "first");

    for token in [admin.clone(), app.hr("510000"), app.worker(&wid)] {
        let got = app.get(&location, &token).await;
        assert_eq!(got.status(), 200);
        let got: Value = got.json().await.unwrap();
        assert_eq!(got["registered_on"], "2024-02-29");
    }
    // worker, credential, registration, and in the read log the admin's and hr's reads
    assert_eq!(app.count::<audit_log::Entity>().await, 3);
    assert_eq!(app.reads_logged().await, 2);
}

async fn list_pages_and_filter(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, cid) = app.worker_with_credential(1, "510104").await;
    let admin = app.admin("510000");
    let path = format!("/api/v1/credentials/{cid}/registrations");
    for (i, day) in ["2020-01-01", "2023-01-01", "2026-01-01"]
        .iter()
        .enumerate()
    {
        let kind = if i == 0 { "first" } else { "renewal" };
        let body = json!({"kind": kind, "registered_on": day});
        assert_eq!(app.post(&path, &admin, &body).await.status(), 201);
    }
    let (ids, pages) = collect_pages(&app, &format!("{path}?limit=2"), &admin).await;
    assert_eq!((ids.len(), pages), (3, 2));
    let (ids, _) = collect_pages(&app, &format!("{path}?kind=renewal"), &admin).await;
    assert_eq!(ids.len(), 2);
    let (ids, _) = collect_pages(&app, &format!("{path}?limit=5"), &app.worker(&wid)).await;
    assert_eq!(ids.len(), 3);
    let bad = app.get(&format!("{path}?kind=third"), &admin).await;
    let body = assert_problem(bad, 422, "validation").await;
    assert_eq!(body["errors"][0]["field"], "kind");
}

async fn invalid_registration_is_422_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let (_, cid) = app.worker_with_credential(1, "510104").await;
    let admin = app.admin("510000");
    let path = format!("/api/v1/credentials/{cid}/registrations");
    let before = app.count::<audit_log::Entity>().await;
    let early = json!({"kind": "first", "registered_on": "2019-08-31"});
    let problem = assert_problem(app.post(&path, &admin, &early).await, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "registered_on");
    assert_eq!(problem["errors"][0]["rule"], "registration.before_issue");
    let extra =
        json!({"kind": "first", "registered_on": "2020-01-01", "valid_until": "2030-01-01"});
    let problem = assert_problem(app.post(&path, &admin, &extra).await, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "valid_until");
    let bad_kind = json!({"kind": "third", "registered_on": "2020-01-01"});
    let problem = assert_problem(app.post(&path, &admin, &bad_kind).await, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "kind");
    assert_eq!(app.count::<registration::Entity>().await, 0);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}

async fn idempotent_retry_creates_one_registration(b: Backend) {
    let app = spawn_app(b).await;
    let (_, cid) = app.worker_with_credential(1, "510104").await;
    let path = format!("/api/v1/credentials/{cid}/registrations");
    let body = |day: &str| json!({"kind": "first", "registered_on": day});
    let (first, other) = (body("2020-01-01"), body("2020-01-02"));
    app.assert_idempotent_create(&path, &app.admin("510000"), "reg-1", &first, &other)
        .await;
    assert_eq!(app.count::<registration::Entity>().await, 1);
}

async fn scoped_through_the_worker(b: Backend) {
    let app = spawn_app(b).await;
    let (wid, cid) = app.worker_with_credential(1, "110105").await;
    let path = format!("/api/v1/credentials/{cid}/registrations");
    let body = json!({"kind": "first", "registered_on": "2020-01-01"});
    let resp = app.post(&path, &app.admin("110000"), &body).await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let one = format!("/api/v1/registrations/{}", created["id"].as_str().unwrap());
    let sichuan = app.admin("510000");
    app.assert_hidden(&one, &sichuan).await;
    assert_problem(app.get(&one, &app.worker("other")).await, 404, "not-found").await;
    assert_eq!(app.get(&one, &app.worker(&wid)).await.status(), 200);
    assert_problem(app.get(&path, &app.hr("510000")).await, 404, "not-found").await;
    let before = app.count::<audit_log::Entity>().await;
    assert_problem(app.post(&path, &sichuan, &body).await, 404, "not-found").await;
    assert_problem(
        app.post(&path, &app.worker(&wid), &body).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.count::<registration::Entity>().await, 1);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}
