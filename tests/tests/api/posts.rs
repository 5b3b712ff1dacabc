//! Posts: create, read, update, list with paging and filters, idempotency, validation and
//! scoping through the unit's region.

use registry_api::db::entities::{audit_log, post};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, collect_pages, new_post, new_unit, spawn_app};

both_backends!(
    create_read_update,
    list_pages_and_filters,
    invalid_post_is_422_and_writes_nothing,
    idempotent_retry_creates_one_post,
    post_of_other_region_is_hidden,
);

async fn create_read_update(b: Backend) {
    let app = spawn_app(b).await;
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let admin = app.admin("510000");
    let resp = app
        .post(
            "/api/v1/posts",
            &admin,
            &new_post(&unit["id"], " 社区社会工作专业岗位 "),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/posts/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["title"], "社区社会工作专业岗位");
    assert_eq!(created["region_code"], "510104", "inherited from the unit");
    assert_eq!(created["unit_id"], unit["id"]);
    assert_eq!(created["min_level"], "assistant");
    assert_eq!(created["grade"], 11);
    assert_eq!(created["part_time_allowed"], false);

    let got = app.get(&location, &app.hr("510100")).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["etag"], "\"1\"");

    let update = json!({"title": "社工岗", "part_time_allowed": true});
    let updated = app
        .assert_update_once(&location, &admin, &etag, &update)
        .await;
    assert_eq!(updated["title"], "社工岗");
    assert!(updated.get("min_level").is_none());
    assert!(updated.get("grade").is_none());
    assert_eq!(updated["part_time_allowed"], true);
    // one unit, one post, one update
    assert_eq!(app.count::<audit_log::Entity>().await, 3);
}

async fn list_pages_and_filters(b: Backend) {
    let app = spawn_app(b).await;
    let unit_a = app.create_unit(&new_unit(1, "510104")).await;
    let unit_b = app.create_unit(&new_unit(2, "510104")).await;
    let unit_bj = app.create_unit(&new_unit(3, "110105")).await;
    for n in 0..4 {
        app.create_post(&new_post(&unit_a["id"], &format!("岗位{n}")))
            .await;
    }
    let mut senior = new_post(&unit_b["id"], "高级岗");
    senior["min_level"] = json!("senior");
    app.create_post(&senior).await;
    app.create_post(&new_post(&unit_bj["id"], "北京岗")).await;

    let admin = app.admin("510000");
    let (ids, pages) = collect_pages(&app, "/api/v1/posts?limit=2", &admin).await;
    assert_eq!((ids.len(), pages), (5, 3));
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids, "ascending, no duplicates");

    let by_unit = format!("/api/v1/posts?unit_id={}", unit_a["id"].as_str().unwrap());
    assert_eq!(collect_pages(&app, &by_unit, &admin).await.0.len(), 4);
    let (ids, _) = collect_pages(&app, "/api/v1/posts?min_level=senior", &admin).await;
    assert_eq!(ids.len(), 1);
    let other_unit = format!("/api/v1/posts?unit_id={}", unit_bj["id"].as_str().unwrap());
    assert!(collect_pages(&app, &other_unit, &admin).await.0.is_empty());
    assert_eq!(
        collect_pages(&app, &other_unit, &app.admin("000000"))
            .await
            .0
            .len(),
        1
    );
    let bad = app.get("/api/v1/posts?min_level=guru", &admin).await;
    let body = assert_problem(bad, 422, "validation").await;
    assert_eq!(body["errors"][0]["field"], "min_level");
}

async fn invalid_post_is_422_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let admin = app.admin("510000");
    let before = app.count::<audit_log::Entity>().await;
    let mut bad = new_post(&unit["id"], "社工岗");
    bad["grade"] = json!(14);
    let problem = assert_problem(
        app.post("/api/v1/posts", &admin, &bad).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "grade");
    assert_eq!(problem["errors"][0]["rule"], "post.grade_range");

    let blank = new_post(&unit["id"], "  ");
    let problem = assert_problem(
        app.post("/api/v1/posts", &admin, &blank).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["rule"], "post.title_empty");

    let missing = new_post(&json!("0190aaaa-0000-7000-8000-000000000000"), "社工岗");
    let problem = assert_problem(
        app.post("/api/v1/posts", &admin, &missing).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "unit_id");
    assert_eq!(problem["errors"][0]["rule"], "unit_id.not_found");

    let mut unknown = new_post(&unit["id"], "社工岗");
    unknown["salary"] = json!(1);
    let problem = assert_problem(
        app.post("/api/v1/posts", &admin, &unknown).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "salary");

    assert_eq!(app.count::<post::Entity>().await, 0);
    assert_eq!(app.count::<audit_log::Entity>().await, before);
}

async fn idempotent_retry_creates_one_post(b: Backend) {
    let app = spawn_app(b).await;
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let (first, other) = (
        new_post(&unit["id"], "社工岗"),
        new_post(&unit["id"], "别的岗"),
    );
    app.assert_idempotent_create(
        "/api/v1/posts",
        &app.admin("510104"),
        "post-1",
        &first,
        &other,
    )
    .await;
    assert_eq!(app.count::<post::Entity>().await, 1);
}

async fn post_of_other_region_is_hidden(b: Backend) {
    let app = spawn_app(b).await;
    let unit = app.create_unit(&new_unit(1, "110105")).await;
    let created = app.create_post(&new_post(&unit["id"], "北京岗")).await;
    let path = format!("/api/v1/posts/{}", created["id"].as_str().unwrap());
    let sichuan = app.admin("510000");
    app.assert_hidden(&path, &sichuan).await;
    assert_problem(app.get(&path, &app.hr("510000")).await, 404, "not-found").await;
    assert_problem(app.get(&path, &app.worker("w")).await, 404, "not-found").await;
    assert_eq!(app.get(&path, &app.hr("110000")).await.status(), 200);

    let update = json!({"title": "改", "part_time_allowed": true});
    assert_problem(
        app.put(&path, &sichuan, Some("\"1\""), &update).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.put(&path, &app.hr("000000"), Some("\"1\""), &update)
            .await,
        403,
        "forbidden",
    )
    .await;
    // a post for a unit of another region: the unit is unknown to this admin
    let problem = assert_problem(
        app.post("/api/v1/posts", &sichuan, &new_post(&unit["id"], "岗"))
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["rule"], "unit_id.not_found");
    assert_eq!(app.count::<post::Entity>().await, 1);
    assert_eq!(app.count::<audit_log::Entity>().await, 2);
}
