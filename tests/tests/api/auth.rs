//! The authorization matrix.

use registry_api::auth::{Role, api_key};
use registry_core::ids::RegionCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, new_worker, resident_id, spawn_app, spawn_app_with};

both_backends!(
    no_token_is_401,
    admin_of_a_cannot_touch_b,
    hr_sees_only_masked_ids_and_cannot_write,
    worker_reads_only_itself,
    api_keys_authenticate_until_revoked,
    without_the_key_cache_a_revoked_key_is_refused_at_once,
);

async fn no_token_is_401(b: Backend) {
    let app = spawn_app(b).await;
    let resp = app
        .client
        .get(app.url("/api/v1/workers"))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_problem(resp, 401, "unauthorized").await;
    let resp = app
        .client
        .post(app.url("/api/v1/workers"))
        .json(&new_worker(1, "510104"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthorized").await;
    assert_problem(
        app.get("/api/v1/workers", "not-a-jwt").await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(app.row_counts().await, (0, 0, 0));
}

async fn admin_of_a_cannot_touch_b(b: Backend) {
    let app = spawn_app(b).await;
    let in_b = app.create_worker(&new_worker(1, "110105")).await;
    let path = format!("/api/v1/workers/{}", in_b["id"].as_str().unwrap());
    let admin_a = app.admin("510000");
    let miss = assert_problem(app.get(&path, &admin_a).await, 404, "not-found").await;
    let real_miss = assert_problem(
        app.get("/api/v1/workers/0000", &admin_a).await,
        404,
        "not-found",
    )
    .await;
    assert_eq!(
        miss, real_miss,
        "a hidden record looks exactly like a missing one"
    );
    let update = json!({
        "name": "x",
        "education": {"level": "bachelor", "social_work_major": true},
        "experience_start": "2015-07-01",
        "region_code": "510104",
    });
    assert_problem(
        app.put(&path, &admin_a, Some("\"1\""), &update).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.post("/api/v1/workers", &admin_a, &new_worker(2, "110105"))
            .await,
        403,
        "forbidden",
    )
    .await;
    let page: Value = app
        .get("/api/v1/workers", &admin_a)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.row_counts().await, (1, 1, 0));
}

async fn hr_sees_only_masked_ids_and_cannot_write(b: Backend) {
    let app = spawn_app(b).await;
    let w = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!("/api/v1/workers/{}", w["id"].as_str().unwrap());
    let hr = app.hr("510100");
    let got = app.get(&path, &hr).await;
    assert_eq!(got.status(), 200);
    let got: Value = got.json().await.unwrap();
    assert!(got.get("resident_id").is_none(), "{got}");
    assert!(
        got["resident_id_masked"]
            .as_str()
            .unwrap()
            .contains("**********")
    );
    let page: Value = app.get("/api/v1/workers", &hr).await.json().await.unwrap();
    let text = page.to_string();
    assert!(!text.contains(&resident_id(1)));
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_problem(
        app.post("/api/v1/workers", &hr, &new_worker(2, "510104"))
            .await,
        403,
        "forbidden",
    )
    .await;
}

async fn worker_reads_only_itself(b: Backend) {
    let app = spawn_app(b).await;
    let me = app.create_worker(&new_worker(1, "510104")).await;
    let other = app.create_worker(&new_worker(2, "510104")).await;
    let me_id = me["id"].as_str().unwrap();
    let token = app.worker(me_id);
    let got: Value = app
        .get(&format!("/api/v1/workers/{me_id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        got["resident_id"],
        resident_id(1),
        "the worker sees their own number"
    );
    assert_problem(
        app.get(
            &format!("/api/v1/workers/{}", other["id"].as_str().unwrap()),
            &token,
        )
        .await,
        404,
        "not-found",
    )
    .await;
    let page: Value = app
        .get("/api/v1/workers", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_problem(
        app.post("/api/v1/workers", &token, &new_worker(3, "510104"))
            .await,
        403,
        "forbidden",
    )
    .await;
}

async fn api_keys_authenticate_until_revoked(b: Backend) {
    let app = spawn_app(b).await;
    let (id, key) = app
        .api_key(Role::Admin, RegionCode::parse("510000").unwrap(), "ci")
        .await;
    assert!(key.starts_with("rk_"));
    let resp = app
        .post("/api/v1/workers", &key, &new_worker(1, "510104"))
        .await;
    assert_eq!(resp.status(), 201);
    let listed = api_key::list(&app.state.db).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        !format!("{:?}", listed[0]).contains(&key[3..]),
        "the key is never listed"
    );
    assert!(api_key::revoke(&app.state.db, &id).await.unwrap());
    // The key was checked less than a second ago: the service may trust it until its cache
    // entry expires (README "Running the service": `REGISTRY_API_KEY_CACHE_MS`), not after.
    tokio::time::sleep(app.state.api_keys.ttl() + std::time::Duration::from_millis(50)).await;
    assert_problem(app.get("/api/v1/workers", &key).await, 401, "unauthorized").await;
}

async fn without_the_key_cache_a_revoked_key_is_refused_at_once(b: Backend) {
    let app = spawn_app_with(b, |c| c.api_key_cache = std::time::Duration::ZERO).await;
    let (id, key) = app
        .api_key(Role::Hr, RegionCode::parse("510000").unwrap(), "ci")
        .await;
    assert_eq!(app.get("/api/v1/workers", &key).await.status(), 200);
    assert!(api_key::revoke(&app.state.db, &id).await.unwrap());
    assert_problem(app.get("/api/v1/workers", &key).await, 401, "unauthorized").await;
}
