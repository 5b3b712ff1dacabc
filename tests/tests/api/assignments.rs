//! Assignments: create, read, update the end date, list with paging and filters,
//! idempotency, the part-time rule, validation and scoping by worker and post.

use registry_api::db::entities::{assignment, audit_log};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, assert_problem, collect_pages, new_post, new_unit, new_worker, spawn_app,
};

both_backends!(
    create_read_update,
    list_pages_and_filters,
    part_time_on_full_time_post_is_422_and_writes_nothing,
    idempotent_retry_creates_one_assignment,
    scoped_by_worker_and_post,
);

/// A worker and a post (part-time allowed or not) in `region`; returns their ids.
async fn worker_and_post(app: &TestApp, n: u32, region: &str, part_time: bool) -> (Value, Value) {
    let worker = app.create_worker(&new_worker(n, region)).await;
    let unit = app.create_unit(&new_unit(n, region)).await;
    let mut post = new_post(&unit["id"], "社工岗");
    post["part_time_allowed"] = json!(part_time);
    let post = app.create_post(&post).await;
    (worker["id"].clone(), post["id"].clone())
}

fn body(worker: &Value, post: &Value, basis: &str) -> Value {
    json!({"worker_id": worker, "post_id": post, "start": "2024-01-15", "basis": basis})
}

async fn create_read_update(b: Backend) {
    let app = spawn_app(b).await;
    let (w, p) = worker_and_post(&app, 1, "510104", true).await;
    let admin = app.admin("510000");
    let resp = app
        .post("/api/v1/assignments", &admin, &body(&w, &p, "part_time"))
        .await;
    assert_eq!(resp.status(), 201);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/assignments/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["basis"], "part_time");
    assert_eq!(created["start"], "2024-01-15");
    assert!(created.get("end").is_none());
    assert_eq!(created["region_code"], "510104");

    let wid = w.as_str().unwrap();
    for token in [app.hr("510000"), app.worker(wid)] {
        assert_eq!(app.get(&location, &token).await.status(), 200);
    }
    let end = json!({"end": "2025-12-31"});
    let updated = app.assert_update_once(&location, &admin, &etag, &end).await;
    assert_eq!(updated["end"], "2025-12-31");
    let before_start = json!({"end": "2023-12-31"});
    let problem = assert_problem(
        app.put(&location, &admin, Some("\"2\""), &before_start)
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["rule"], "period.end_before_start");
    let reopened = app.put(&location, &admin, Some("\"2\""), &json!({})).await;
    assert_eq!(reopened.status(), 200);
    let reopened: Value = reopened.json().await.unwrap();
    assert!(reopened.get("end").is_none());
}

async fn list_pages_and_filters(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, p1) = worker_and_post(&app, 1, "510104", false).await;
    let (w2, p2) = worker_and_post(&app, 2, "510104", true).await;
    let (w3, p3) = worker_and_post(&app, 3, "110105", false).await;
    let national = app.admin("000000");
    let mut ended = body(&w1, &p1, "full_time");
    ended["end"] = json!("2024-06-30");
    for b in [
        ended,
        body(&w1, &p2, "part_time"),
        body(&w2, &p2, "full_time"),
        body(&w2, &p1, "full_time"),
        body(&w3, &p3, "full_time"),
    ] {
        let resp = app.post("/api/v1/assignments", &national, &b).await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    }
    let admin = app.admin("510000");
    let (ids, pages) = collect_pages(&app, "/api/v1/assignments?limit=3", &admin).await;
    assert_eq!((ids.len(), pages), (4, 2));
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids);

    let w1s = w1.as_str().unwrap();
    let by_worker = format!("/api/v1/assignments?worker_id={w1s}");
    assert_eq!(collect_pages(&app, &by_worker, &admin).await.0.len(), 2);
    let by_post = format!("/api/v1/assignments?post_id={}", p2.as_str().unwrap());
    assert_eq!(collect_pages(&app, &by_post, &admin).await.0.len(), 2);
    let (ids, _) = collect_pages(&app, "/api/v1/assignments?active_on=2024-12-01", &admin).await;
    assert_eq!(ids.len(), 3, "the ended one is not active");
    let (ids, _) = collect_pages(&app, "/api/v1/assignments?active_on=2024-03-01", &admin).await;
    assert_eq!(ids.len(), 4);
    let (ids, _) = collect_pages(&app, "/api/v1/assignments?active_on=2023-01-01", &admin).await;
    assert!(ids.is_empty());
    let (ids, _) = collect_pages(&app, "/api/v1/assignments?limit=9", &app.worker(w1s)).await;
    assert_eq!(ids.len(), 2, "a worker lists their own");
    assert_eq!(
        collect_pages(&app, "/api/v1/assignments?limit=9", &national)
            .await
            .0
            .len(),
        5
    );
    let bad = app
        .get("/api/v1/assignments?active_on=2024-02-30", &admin)
        .await;
    let problem = assert_problem(bad, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "active_on");
}

async fn part_time_on_full_time_post_is_422_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let (w, p) = worker_and_post(&app, 1, "510104", false).await;
    let admin = app.admin("510000");
    let before = app.count::<audit_log::Entity>().await;
    let problem = assert_problem(
        app.post("/api/v1/assignments", &admin, &body(&w, &p, "part_time"))
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "basis");
    assert_eq!(
        problem["errors"][0]["rule"],
        "assignment.part_time_not_allowed"
    );

    let mut both = body(&w, &p, "part_time");
    both["end"] = json!("2023-01-01");
    let problem = assert_problem(
        app.post("/api/v1/assignments", &admin, &both).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");

    let ghost = body(
        &json!("0190aaaa-0000-7000-8000-000000000000"),
        &p,
        "full_time",
    );
    let problem = assert_problem(
        app.post("/api/v1/assignments", &admin, &ghost).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["rule"], "worker_id.not_found");
    let mut unknown = body(&w, &p, "full_time");
    unknown["salary"] = json!(1);
    let problem = assert_problem(
        app.post("/api/v1/assignments", &admin, &unknown).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "salary");
    assert_eq!(app.count::<assignment::Entity>().await, 0);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}

async fn idempotent_retry_creates_one_assignment(b: Backend) {
    let app = spawn_app(b).await;
    let (w, p) = worker_and_post(&app, 1, "510104", true).await;
    let (first, other) = (body(&w, &p, "full_time"), body(&w, &p, "part_time"));
    let admin = app.admin("510000");
    app.assert_idempotent_create("/api/v1/assignments", &admin, "asg-1", &first, &other)
        .await;
    assert_eq!(app.count::<assignment::Entity>().await, 1);
}

async fn scoped_by_worker_and_post(b: Backend) {
    let app = spawn_app(b).await;
    let (w_sc, p_sc) = worker_and_post(&app, 1, "510104", true).await;
    let (w_bj, p_bj) = worker_and_post(&app, 2, "110105", true).await;
    let sichuan = app.admin("510000");
    let before = app.count::<audit_log::Entity>().await;
    // a post or a worker of another region cannot be used
    let problem = assert_problem(
        app.post(
            "/api/v1/assignments",
            &sichuan,
            &body(&w_sc, &p_bj, "full_time"),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["rule"], "post_id.not_found");
    let problem = assert_problem(
        app.post(
            "/api/v1/assignments",
            &sichuan,
            &body(&w_bj, &p_sc, "full_time"),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["rule"], "worker_id.not_found");
    assert_problem(
        app.post(
            "/api/v1/assignments",
            &app.hr("000000"),
            &body(&w_sc, &p_sc, "full_time"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.count::<audit_log::Entity>().await, before);

    // a cross-region assignment made nationally is hidden from both regions' staff
    let national = app.admin("000000");
    let resp = app
        .post(
            "/api/v1/assignments",
            &national,
            &body(&w_sc, &p_bj, "full_time"),
        )
        .await;
    let created: Value = resp.json().await.unwrap();
    let path = format!("/api/v1/assignments/{}", created["id"].as_str().unwrap());
    app.assert_hidden(&path, &sichuan).await;
    assert_problem(app.get(&path, &app.admin("110000")).await, 404, "not-found").await;
    assert_problem(
        app.get(&path, &app.worker(w_bj.as_str().unwrap())).await,
        404,
        "not-found",
    )
    .await;
    assert_eq!(
        app.get(&path, &app.worker(w_sc.as_str().unwrap()))
            .await
            .status(),
        200,
        "the worker sees their own"
    );
    assert!(
        collect_pages(&app, "/api/v1/assignments?limit=9", &sichuan)
            .await
            .0
            .is_empty()
    );
    assert_problem(
        app.put(
            &path,
            &sichuan,
            Some("\"1\""),
            &json!({"end": "2025-01-01"}),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    assert_eq!(app.count::<assignment::Entity>().await, 1);
}
