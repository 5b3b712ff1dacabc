//! The credential ladder: the next level, whether the worker may sit it and from when, and
//! what each national route lacks; the worker's own `/me/ladder`; scoping.

use serde_json::json;

use crate::both_backends;
use crate::decisions_support::{add_credential, get_ok};
use crate::helpers::{Backend, assert_problem, new_worker, spawn_app};

both_backends!(
    high_school_worker_waits_for_experience,
    assistant_holder_next_level,
    me_ladder_and_scoping,
);

async fn high_school_worker_waits_for_experience(b: Backend) {
    let app = spawn_app(b).await;
    // A high-school graduate in social work since 1 March 2023.
    let mut body = new_worker(1, "510104");
    body["education"] = json!({"level": "high_school", "social_work_major": false});
    body["experience_start"] = json!("2023-03-01");
    let w = app.create_worker(&body).await;
    let id = w["id"].as_str().unwrap();
    let l = get_ok(
        &app,
        &format!("/api/v1/workers/{id}/ladder?date=2026-04-01"),
        &app.admin("510000"),
    )
    .await;
    assert!(l.get("current").is_none());
    assert_eq!(l["next"], "assistant");
    assert_eq!(l["exam_year"], 2026);
    assert_eq!(l["may_sit_now"], false);
    assert_eq!(l["earliest_exam_year"], 2027);
    assert_eq!(l["best_route"], "assistant.high_school");
    let route = &l["routes"][0];
    assert_eq!(route["route_id"], "assistant.high_school");
    assert_eq!(route["satisfied"], false);
    assert_eq!(route["missing"][0]["code"], "LADDER_EXPERIENCE_SHORT");
    assert_eq!(route["missing"][0]["required_years"], 4);
    assert_eq!(route["missing"][0]["counted_months"], 46);
    // The next year the route is met.
    let l = get_ok(
        &app,
        &format!("/api/v1/workers/{id}/ladder?date=2027-01-15"),
        &app.hr("510000"),
    )
    .await;
    assert_eq!(l["may_sit_now"], true);
    assert_eq!(l["best_route"], "assistant.high_school");
}

async fn assistant_holder_next_level(b: Backend) {
    let app = spawn_app(b).await;
    // Bachelor in social work, experience since 2015-07-01.
    let w = app.create_worker(&new_worker(1, "510104")).await;
    let id = w["id"].as_str().unwrap();
    let cred = add_credential(&app, id, "1", "assistant", "2019-09-01").await;
    let l = get_ok(
        &app,
        &format!("/api/v1/workers/{id}/ladder?date=2026-04-01"),
        &app.admin("510000"),
    )
    .await;
    assert_eq!(l["current"], "assistant");
    assert_eq!(l["next"], "intermediate");
    assert_eq!(l["may_sit_now"], true);
    assert_eq!(l["earliest_exam_year"], 2026);
    assert!(
        l["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "credential" && e["id"] == cred.as_str())
    );
    let problem = assert_problem(
        app.get(
            &format!("/api/v1/workers/{id}/ladder?date=2026-02-30"),
            &app.admin("510000"),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "date");
}

async fn me_ladder_and_scoping(b: Backend) {
    let app = spawn_app(b).await;
    let w = app.create_worker(&new_worker(1, "510104")).await;
    let other = app.create_worker(&new_worker(2, "510104")).await;
    let id = w["id"].as_str().unwrap();
    let me = get_ok(&app, "/api/v1/me/ladder?date=2026-04-01", &app.worker(id)).await;
    assert_eq!(me["worker_id"], id);
    assert_eq!(me["next"], "assistant");
    assert_eq!(me["may_sit_now"], true);
    let other_id = other["id"].as_str().unwrap();
    for (path, token) in [
        (format!("/api/v1/workers/{other_id}/ladder"), app.worker(id)),
        (format!("/api/v1/workers/{id}/ladder"), app.admin("110000")),
        (format!("/api/v1/workers/{id}/ladder"), app.hr("440000")),
    ] {
        assert_problem(app.get(&path, &token).await, 404, "not-found").await;
    }
    assert_problem(
        app.get("/api/v1/me/ladder", &app.hr("510000")).await,
        403,
        "forbidden",
    )
    .await;
}
