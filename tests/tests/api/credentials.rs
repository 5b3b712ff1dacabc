//! Credentials: create, read, update, list with paging and filters, idempotency, validation,
//! duplicate certificate numbers and scoping through the worker.

use registry_api::db::entities::{audit_log, credential};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, assert_problem, collect_pages, new_credential, new_worker, spawn_app,
};

both_backends!(
    create_read_update,
    list_pages_and_filters,
    invalid_credential_is_422_and_writes_nothing,
    duplicate_certificate_number_is_409,
    idempotent_retry_creates_one_credential,
    scoped_through_the_worker,
);

async fn create_read_update(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let wid = worker["id"].as_str().unwrap();
    let admin = app.admin("510000");
    let mut body = new_credential("2019-51-000123");
    body["valid_region"] = json!("510000");
    let resp = app
        .post(&format!("/api/v1/workers/{wid}/credentials"), &admin, &body)
        .await;
    assert_eq!(resp.status(), 201);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/credentials/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["worker_id"], wid);
    assert_eq!(created["status"], "valid");
    assert_eq!(created["issue_date"], "2019-09-01");
    assert_eq!(created["valid_region"], "510000");
    assert_eq!(created["scheme"], "national_exam");

    let got = app.get(&location, &app.hr("510000")).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["etag"], "\"1\"");
    assert_eq!(app.get(&location, &app.worker(wid)).await.status(), 200);

    let mut update = new_credential("2019-51-000123");
    update["status"] = json!("revoked");
    let updated = app
        .assert_update_once(&location, &admin, &etag, &update)
        .await;
    assert_eq!(updated["status"], "revoked");
    assert!(updated.get("valid_region").is_none());
    // a revoked credential stays revoked
    let restore = new_credential("2019-51-000123");
    let problem = assert_problem(
        app.put(&location, &admin, Some("\"2\""), &restore).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(
        problem["errors"][0]["rule"],
        "credential.change_after_revocation"
    );
    // worker, credential, update, and in the read log hr's read (the worker's own read is
    // not recorded)
    assert_eq!(app.count::<audit_log::Entity>().await, 3);
    assert_eq!(app.reads_logged().await, 1);
}

async fn list_pages_and_filters(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let other = app.create_worker(&new_worker(2, "510104")).await;
    let wid = worker["id"].as_str().unwrap();
    let admin = app.admin("510000");
    let path = format!("/api/v1/workers/{wid}/credentials");
    for n in 0..4 {
        let mut body = new_credential(&format!("A-{n}"));
        if n == 3 {
            body["level"] = json!("intermediate");
            body["status"] = json!("suspended");
        }
        assert_eq!(app.post(&path, &admin, &body).await.status(), 201);
    }
    let other_path = format!(
        "/api/v1/workers/{}/credentials",
        other["id"].as_str().unwrap()
    );
    assert_eq!(
        app.post(&other_path, &admin, &new_credential("B-1"))
            .await
            .status(),
        201
    );

    let (ids, pages) = collect_pages(&app, &format!("{path}?limit=3"), &admin).await;
    assert_eq!((ids.len(), pages), (4, 2));
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids);
    let (ids, _) = collect_pages(&app, &format!("{path}?level=intermediate"), &admin).await;
    assert_eq!(ids.len(), 1);
    let (ids, _) = collect_pages(&app, &format!("{path}?status=valid"), &admin).await;
    assert_eq!(ids.len(), 3);
    let (ids, _) = collect_pages(&app, &format!("{path}?limit=10"), &app.worker(wid)).await;
    assert_eq!(ids.len(), 4, "a worker lists their own credentials");
    assert_problem(
        app.get(&other_path, &app.worker(wid)).await,
        404,
        "not-found",
    )
    .await;
    let bad = app.get(&format!("{path}?status=lost"), &admin).await;
    let body = assert_problem(bad, 422, "validation").await;
    assert_eq!(body["errors"][0]["field"], "status");
}

async fn invalid_credential_is_422_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!(
        "/api/v1/workers/{}/credentials",
        worker["id"].as_str().unwrap()
    );
    let admin = app.admin("510000");
    let before = app.count::<audit_log::Entity>().await;
    let mut body = new_credential("has space");
    body["exam_year"] = json!(2020);
    body["valid_region"] = json!("5100");
    let problem = assert_problem(app.post(&path, &admin, &body).await, 422, "validation").await;
    let rules: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"certificate_number.charset"), "{rules:?}");
    assert!(
        rules.contains(&"credential.exam_year_after_issue"),
        "{rules:?}"
    );
    assert_eq!(rules.len(), 3, "{rules:?}");

    let mut bad_date = new_credential("X-1");
    bad_date["issue_date"] = json!("2019-02-30");
    let problem = assert_problem(app.post(&path, &admin, &bad_date).await, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "issue_date");
    let mut unknown = new_credential("X-1");
    unknown["grade"] = json!(3);
    let problem = assert_problem(app.post(&path, &admin, &unknown).await, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "grade");

    assert_eq!(app.count::<credential::Entity>().await, 0);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}

async fn duplicate_certificate_number_is_409(b: Backend) {
    let app = spawn_app(b).await;
    let w1 = app.create_worker(&new_worker(1, "510104")).await;
    let w2 = app.create_worker(&new_worker(2, "510104")).await;
    let admin = app.admin("510000");
    let p1 = format!("/api/v1/workers/{}/credentials", w1["id"].as_str().unwrap());
    let p2 = format!("/api/v1/workers/{}/credentials", w2["id"].as_str().unwrap());
    assert_eq!(
        app.post(&p1, &admin, &new_credential("DUP-1"))
            .await
            .status(),
        201
    );
    let second = app.post(&p2, &admin, &new_credential("DUP-2")).await;
    let second: Value = second.json().await.unwrap();
    let before = app.count::<audit_log::Entity>().await;
    assert_problem(
        app.post(&p2, &admin, &new_credential("DUP-1")).await,
        409,
        "conflict",
    )
    .await;
    // renumbering onto an existing number is a 409 too
    let path = format!("/api/v1/credentials/{}", second["id"].as_str().unwrap());
    assert_problem(
        app.put(&path, &admin, Some("\"1\""), &new_credential("DUP-1"))
            .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(app.count::<credential::Entity>().await, 2);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}

async fn idempotent_retry_creates_one_credential(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!(
        "/api/v1/workers/{}/credentials",
        worker["id"].as_str().unwrap()
    );
    let (first, other) = (new_credential("I-1"), new_credential("I-2"));
    app.assert_idempotent_create(&path, &app.admin("510000"), "cred-1", &first, &other)
        .await;
    assert_eq!(app.count::<credential::Entity>().await, 1);
}

async fn scoped_through_the_worker(b: Backend) {
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "110105")).await;
    let wid = worker["id"].as_str().unwrap();
    let coll = format!("/api/v1/workers/{wid}/credentials");
    let resp = app
        .post(&coll, &app.admin("110000"), &new_credential("BJ-1"))
        .await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let path = format!("/api/v1/credentials/{}", created["id"].as_str().unwrap());
    let sichuan = app.admin("510000");
    app.assert_hidden(&path, &sichuan).await;
    assert_problem(app.get(&path, &app.hr("510000")).await, 404, "not-found").await;
    assert_problem(
        app.get(&path, &app.worker("someone-else")).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(app.get(&coll, &sichuan).await, 404, "not-found").await;
    let before = app.count::<audit_log::Entity>().await;
    assert_problem(
        app.post(&coll, &sichuan, &new_credential("SC-1")).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.put(&path, &sichuan, Some("\"1\""), &new_credential("BJ-1"))
            .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.post(&coll, &app.worker(wid), &new_credential("SELF-1"))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.count::<credential::Entity>().await, 1);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}
