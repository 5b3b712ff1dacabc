//! Every rejected request is problem+json naming the field, and writes nothing.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, new_worker, spawn_app};

both_backends!(
    bad_resident_id_names_the_field,
    unknown_field_names_the_field,
    malformed_json_is_400,
    wrong_content_type_is_415,
    unknown_route_and_method_are_problems,
);

async fn bad_resident_id_names_the_field(b: Backend) {
    let app = spawn_app(b).await;
    let mut body = new_worker(1, "510104");
    body["resident_id"] = json!("110101202311012171");
    body["region_code"] = json!("510004");
    let resp = app
        .post("/api/v1/workers", &app.admin("000000"), &body)
        .await;
    let p = assert_problem(resp, 422, "validation").await;
    let errors = p["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{p}");
    assert_eq!(errors[0]["field"], "resident_id");
    assert_eq!(errors[0]["rule"], "resident_id.check_char");
    assert_eq!(errors[1]["field"], "region_code");
    assert_eq!(errors[1]["rule"], "region_code.hierarchy");
    assert!(!p.to_string().contains("20231101"), "no echo of the number");
    assert_eq!(app.row_counts().await, (0, 0, 0));
}

async fn unknown_field_names_the_field(b: Backend) {
    let app = spawn_app(b).await;
    let mut body = new_worker(1, "510104");
    body["education"]["gpa"] = json!(4);
    let resp = app
        .post("/api/v1/workers", &app.admin("000000"), &body)
        .await;
    let p = assert_problem(resp, 422, "validation").await;
    assert_eq!(p["errors"][0]["field"], "education.gpa");
    assert_eq!(p["errors"][0]["rule"], "body.unknown_field");

    let mut body = new_worker(1, "510104");
    body.as_object_mut().unwrap().remove("name");
    let resp = app
        .post("/api/v1/workers", &app.admin("000000"), &body)
        .await;
    let p = assert_problem(resp, 422, "validation").await;
    assert_eq!(p["errors"][0]["field"], "name");
    assert_eq!(p["errors"][0]["rule"], "body.missing_field");

    let mut body = new_worker(1, "510104");
    body["education"]["level"] = json!("kindergarten");
    let resp = app
        .post("/api/v1/workers", &app.admin("000000"), &body)
        .await;
    let p = assert_problem(resp, 422, "validation").await;
    assert_eq!(p["errors"][0]["field"], "education.level");
    assert_eq!(app.row_counts().await, (0, 0, 0));
}

async fn malformed_json_is_400(b: Backend) {
    let app = spawn_app(b).await;
    let resp = app
        .client
        .post(app.url("/api/v1/workers"))
        .bearer_auth(app.admin("000000"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 400, "malformed-body").await;
    assert_eq!(app.row_counts().await, (0, 0, 0));
}

async fn wrong_content_type_is_415(b: Backend) {
    let app = spawn_app(b).await;
    let resp = app
        .client
        .post(app.url("/api/v1/workers"))
        .bearer_auth(app.admin("000000"))
        .header("content-type", "text/plain")
        .body(new_worker(1, "510104").to_string())
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported-media-type").await;
    assert_eq!(app.row_counts().await, (0, 0, 0));
}

async fn unknown_route_and_method_are_problems(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    assert_problem(
        app.get("/api/v1/nothing-here", &admin).await,
        404,
        "not-found",
    )
    .await;
    let resp = app
        .client
        .delete(app.url("/api/v1/workers"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 405, "method-not-allowed").await;
    assert_problem(
        app.get("/api/v1/workers/does-not-exist", &admin).await,
        404,
        "not-found",
    )
    .await;
}
