//! Organisation units: create, read, update, list with paging and filters, idempotency,
//! validation and region scoping.

use registry_api::db::entities::{audit_log, unit};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, collect_pages, new_post, new_unit, spawn_app};

both_backends!(
    create_read_update,
    list_pages_and_filters,
    invalid_unit_is_422_and_writes_nothing,
    idempotent_retry_creates_one_unit,
    other_region_is_hidden,
    moving_a_unit_moves_its_posts,
);

/// An agency whose (valid) credit code is not a 民办非企业 code.
const COMPANY_CODE: &str = "91350200MA2YJ1XR9G";

async fn create_read_update(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("510000");
    let body = json!({
        "name": " 锦江区社工服务中心 ",
        "region_code": "510104",
        "unit_type": "agency",
        "credit_code": COMPANY_CODE,
    });
    let resp = app.post("/api/v1/units", &admin, &body).await;
    assert_eq!(resp.status(), 201);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/units/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(etag, "\"1\"");
    assert_eq!(created["name"], "锦江区社工服务中心");
    assert_eq!(created["unit_type"], "agency");
    assert_eq!(created["credit_code"], COMPANY_CODE);
    assert_eq!(
        created["warnings"],
        json!(["credit_code.not_private_non_enterprise"])
    );

    let got = app.get(&location, &app.hr("510500")).await;
    assert_eq!(
        got.status(),
        404,
        "hr of a sibling region does not see the unit"
    );
    let got = app.get(&location, &app.hr("510000")).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["etag"], "\"1\"");

    let update = json!({
        "name": "锦江区社区",
        "region_code": "510104",
        "unit_type": "urban_community",
    });
    let updated = app
        .assert_update_once(&location, &admin, &etag, &update)
        .await;
    assert_eq!(updated["unit_type"], "urban_community");
    assert!(updated.get("credit_code").is_none());
    assert_eq!(updated["warnings"], json!([]));
    assert_eq!(app.count::<audit_log::Entity>().await, 2);
}

async fn list_pages_and_filters(b: Backend) {
    let app = spawn_app(b).await;
    for n in 0..5 {
        app.create_unit(&new_unit(n, "510104")).await;
    }
    let mut village = new_unit(9, "510104");
    village["unit_type"] = json!("administrative_village");
    app.create_unit(&village).await;
    app.create_unit(&new_unit(10, "110105")).await;

    let admin = app.admin("510000");
    let (ids, pages) = collect_pages(&app, "/api/v1/units?limit=2", &admin).await;
    assert_eq!((ids.len(), pages), (6, 3));
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids, "ascending, no duplicates");

    let national = app.admin("000000");
    let (ids, _) = collect_pages(&app, "/api/v1/units?region=110000", &national).await;
    assert_eq!(ids.len(), 1);
    let (ids, _) = collect_pages(&app, "/api/v1/units?region=110000", &admin).await;
    assert!(ids.is_empty(), "a filter outside the caller's region");
    let (ids, _) = collect_pages(
        &app,
        "/api/v1/units?unit_type=administrative_village",
        &national,
    )
    .await;
    assert_eq!(ids.len(), 1);
    let (ids, _) = collect_pages(&app, "/api/v1/units?limit=50", &app.worker("w")).await;
    assert!(ids.is_empty(), "workers see no units");

    let bad = app.get("/api/v1/units?unit_type=castle", &admin).await;
    let body = assert_problem(bad, 422, "validation").await;
    assert_eq!(body["errors"][0]["field"], "unit_type");
    let bad = app.get("/api/v1/units?cursor=zzz", &admin).await;
    let body = assert_problem(bad, 422, "validation").await;
    assert_eq!(body["errors"][0]["rule"], "cursor.invalid");
}

async fn invalid_unit_is_422_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    let body = json!({
        "name": "   ",
        "region_code": "510104",
        "unit_type": "agency",
        "credit_code": "91350200MA2YJ1XR9H",
    });
    let resp = app.post("/api/v1/units", &admin, &body).await;
    let problem = assert_problem(resp, 422, "validation").await;
    let rules: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["rule"].as_str().unwrap()))
        .collect();
    assert!(
        rules.contains(&("credit_code", "credit_code.check_char")),
        "{rules:?}"
    );
    assert!(rules.contains(&("name", "unit.name_empty")), "{rules:?}");

    let mut unknown = new_unit(1, "510104");
    unknown["colour"] = json!("red");
    let problem = assert_problem(
        app.post("/api/v1/units", &admin, &unknown).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "colour");
    let mut bad_type = new_unit(1, "510104");
    bad_type["unit_type"] = json!("castle");
    let problem = assert_problem(
        app.post("/api/v1/units", &admin, &bad_type).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "unit_type");

    assert_eq!(app.count::<unit::Entity>().await, 0);
    assert_eq!(app.count::<audit_log::Entity>().await, 0);
}

async fn idempotent_retry_creates_one_unit(b: Backend) {
    let app = spawn_app(b).await;
    let (first, other) = (new_unit(1, "510104"), new_unit(2, "510104"));
    app.assert_idempotent_create(
        "/api/v1/units",
        &app.admin("510000"),
        "unit-1",
        &first,
        &other,
    )
    .await;
    assert_eq!(app.count::<unit::Entity>().await, 1);
    assert_eq!(app.count::<audit_log::Entity>().await, 1);
}

async fn other_region_is_hidden(b: Backend) {
    let app = spawn_app(b).await;
    let created = app.create_unit(&new_unit(1, "110105")).await;
    let path = format!("/api/v1/units/{}", created["id"].as_str().unwrap());
    let sichuan = app.admin("510000");
    app.assert_hidden(&path, &sichuan).await;
    assert_problem(app.get(&path, &app.hr("510000")).await, 404, "not-found").await;
    assert_problem(app.get(&path, &app.worker("w")).await, 404, "not-found").await;

    let update = new_unit(2, "110105");
    assert_problem(
        app.put(&path, &sichuan, Some("\"1\""), &update).await,
        404,
        "not-found",
    )
    .await;
    // writing into another region, or as hr, is refused and writes nothing
    assert_problem(
        app.post("/api/v1/units", &sichuan, &new_unit(3, "110105"))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post("/api/v1/units", &app.hr("000000"), &new_unit(3, "110105"))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.count::<unit::Entity>().await, 1);
    assert_eq!(app.count::<audit_log::Entity>().await, 1);
}

async fn moving_a_unit_moves_its_posts(b: Backend) {
    let app = spawn_app(b).await;
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let post = app.create_post(&new_post(&unit["id"], "社工岗")).await;
    let post_path = format!("/api/v1/posts/{}", post["id"].as_str().unwrap());
    let unit_path = format!("/api/v1/units/{}", unit["id"].as_str().unwrap());
    let national = app.admin("000000");
    let resp = app
        .put(&unit_path, &national, Some("\"1\""), &new_unit(1, "110105"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_problem(
        app.get(&post_path, &app.admin("510000")).await,
        404,
        "not-found",
    )
    .await;
    let moved: Value = app
        .get(&post_path, &app.admin("110000"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["region_code"], "110105");
}
