//! An `Idempotency-Key` retry returns the FIRST response exactly — status, body, `Location`,
//! `ETag` — even after the resource changed; the kept body is sealed at rest; a reuse with
//! another body is a 422; a key recorded before responses were kept is a 409.

use registry_api::db::entities::{audit_log, idempotency_key, unit, worker};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, assert_problem, new_unit, new_worker, resident_id, spawn_app,
};

both_backends!(
    unit_retry_returns_the_first_response_after_an_update,
    worker_retry_returns_the_first_response_after_an_update,
    key_recorded_without_a_response_is_a_409,
);

/// What a test compares of a response: status, `Location`, `ETag`, content type and body.
async fn parts(resp: reqwest::Response) -> (u16, String, String, String, Value) {
    let h = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (location, etag, ct) = (h("location"), h("etag"), h("content-type"));
    let status = resp.status().as_u16();
    (status, location, etag, ct, resp.json().await.unwrap())
}

async fn send(app: &TestApp, path: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(app.admin("510000"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn unit_retry_returns_the_first_response_after_an_update(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("510000");
    let first = parts(send(&app, "/api/v1/units", "unit-k", &new_unit(1, "510104")).await).await;
    let (status, location, etag, ct, body) = first.clone();
    assert_eq!((status, etag.as_str()), (201, "\"1\""));
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_eq!(
        location,
        format!("/api/v1/units/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(body["name"], "社区1");

    let mut changed = new_unit(1, "510104");
    changed["name"] = json!("改名社区");
    let resp = app.put(&location, &admin, Some(&etag), &changed).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"], "\"2\"");

    let replay = parts(send(&app, "/api/v1/units", "unit-k", &new_unit(1, "510104")).await).await;
    assert_eq!(
        replay, first,
        "the first response, not the unit as it is now"
    );
    assert_eq!(replay.4["name"], "社区1");
    let now: Value = app.get(&location, &admin).await.json().await.unwrap();
    assert_eq!(now["name"], "改名社区", "the update stands");

    assert_problem(
        send(&app, "/api/v1/units", "unit-k", &new_unit(2, "510104")).await,
        422,
        "idempotency-key-reused",
    )
    .await;
    assert_eq!(app.count::<unit::Entity>().await, 1);
    assert_eq!(app.count::<idempotency_key::Entity>().await, 1);
    // create + update
    assert_eq!(app.count::<audit_log::Entity>().await, 2);
}

async fn worker_retry_returns_the_first_response_after_an_update(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("510000");
    let body = new_worker(7, "510104");
    let first = parts(send(&app, "/api/v1/workers", "worker-k", &body).await).await;
    let (status, location, etag, _, shown) = first.clone();
    assert_eq!((status, etag.as_str()), (201, "\"1\""));
    assert_eq!(shown["name"], "张7");
    assert_eq!(
        shown["resident_id"],
        resident_id(7),
        "admins see the clear number"
    );

    let update = json!({
        "name": "李四",
        "education": {"level": "master", "social_work_major": false},
        "experience_start": "2016-01-01",
        "region_code": "510100",
    });
    let resp = app.put(&location, &admin, Some(&etag), &update).await;
    assert_eq!(resp.status(), 200);

    let replay = parts(send(&app, "/api/v1/workers", "worker-k", &body).await).await;
    assert_eq!(
        replay, first,
        "the first response, not the worker as it is now"
    );
    assert_eq!(replay.4["name"], "张7");
    assert_eq!(replay.4["region_code"], "510104");

    let mut other = body.clone();
    other["name"] = json!("王五");
    assert_problem(
        send(&app, "/api/v1/workers", "worker-k", &other).await,
        422,
        "idempotency-key-reused",
    )
    .await;
    assert_eq!(app.count::<worker::Entity>().await, 1);

    // The kept body holds the clear number: it is sealed at rest.
    let rows = idempotency_key::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let sealed = rows[0].response_body.as_deref().expect("body kept");
    let clear = resident_id(7);
    assert!(
        !sealed.windows(clear.len()).any(|w| w == clear.as_bytes()),
        "no clear resident ID at rest"
    );
    assert!(!String::from_utf8_lossy(sealed).contains("张7"));
    assert_eq!(rows[0].response_etag.as_deref(), Some("\"1\""));
    assert_eq!(
        rows[0].response_location.as_deref(),
        Some(location.as_str())
    );
}

async fn key_recorded_without_a_response_is_a_409(b: Backend) {
    let app = spawn_app(b).await;
    let created = app.create_unit(&new_unit(1, "510104")).await;
    let id = created["id"].as_str().unwrap();
    // A row as written before first responses were kept (migration m0016).
    let fingerprint = registry_api::idempotency::fingerprint(
        serde_json::to_string(&new_unit(1, "510104"))
            .unwrap()
            .as_bytes(),
    );
    idempotency_key::ActiveModel {
        subject: Set("jwt:tester".into()),
        operation: Set("create_unit".into()),
        key: Set("old-k".into()),
        request_hash: Set(fingerprint),
        resource_id: Set(id.to_owned()),
        status: Set(201),
        created_at: Set(time::OffsetDateTime::now_utc()),
        response_body: Set(None),
        response_location: Set(None),
        response_etag: Set(None),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let problem = assert_problem(
        send(&app, "/api/v1/units", "old-k", &new_unit(1, "510104")).await,
        409,
        "conflict",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains(id),
        "{problem}"
    );
    assert_eq!(app.count::<unit::Entity>().await, 1, "no second unit");
    assert_problem(
        send(&app, "/api/v1/units", "old-k", &new_unit(2, "510104")).await,
        422,
        "idempotency-key-reused",
    )
    .await;
}
