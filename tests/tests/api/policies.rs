//! Allowance policies as data: create versions from the core's sample JSON, refuse overlaps
//! and repeats (field and rule named, nothing written), a new version ends the open-ended one,
//! old versions stay readable, lists filter by region and month, scoping of writes.

use registry_api::db::entities::{allowance_policy, audit_log};
use serde_json::json;

use crate::both_backends;
use crate::decisions_support::{create_policy, get_ok, sample_policy};
use crate::helpers::{Backend, assert_problem, spawn_app};

both_backends!(
    create_and_read_a_version,
    overlapping_or_repeated_version_is_422_and_writes_nothing,
    new_version_ends_the_open_ended_one,
    list_filters_by_region_and_month,
    only_admins_of_the_region_create,
    invalid_policy_names_field_and_rule,
);

async fn create_and_read_a_version(b: Backend) {
    let app = spawn_app(b).await;
    let resp = app
        .post(
            "/api/v1/allowance-policies",
            &app.admin("510000"),
            &sample_policy("chengdu-community-monthly.json"),
        )
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["location"],
        "/api/v1/allowance-policies/cd-community-allowance/versions/1"
    );
    let p: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(p["policy_id"], "cd-community-allowance");
    assert_eq!(p["version"], 1);
    assert_eq!(p["region"], "510100");
    assert_eq!(p["effective_from"], "2019-01");
    assert!(p.get("effective_until").is_none());
    assert_eq!(p["schedule_kind"], "monthly_per_level");
    assert_eq!(
        p["definition"]["schedule"]["amounts"]["intermediate"],
        "800.00"
    );
    assert_eq!(p["definition"]["conditions"]["part_time_max_months"], 24);
    assert_eq!(p["created_by"], "jwt:tester");
    for token in [app.admin("110000"), app.hr("440000"), app.worker("w")] {
        let read = get_ok(
            &app,
            "/api/v1/allowance-policies/cd-community-allowance/versions/1",
            &token,
        )
        .await;
        assert_eq!(read["definition"], p["definition"]);
    }
    assert_problem(
        app.get(
            "/api/v1/allowance-policies/cd-community-allowance/versions/2",
            &app.admin("510000"),
        )
        .await,
        404,
        "not-found",
    )
    .await;
}

async fn overlapping_or_repeated_version_is_422_and_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let cd = sample_policy("chengdu-community-monthly.json");
    create_policy(&app, &cd).await;
    let before = (
        app.count::<allowance_policy::Entity>().await,
        app.count::<audit_log::Entity>().await,
    );
    let admin = app.admin("510000");
    let problem = assert_problem(
        app.post("/api/v1/allowance-policies", &admin, &cd).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "version");
    assert_eq!(problem["errors"][0]["rule"], "policy.duplicate_version");
    // Another policy for the same region over the same months.
    let mut other = cd.clone();
    other["id"] = json!("cd-other-allowance");
    other["effective"] = json!({"from": "2025-01", "until": "2025-12"});
    let problem = assert_problem(
        app.post("/api/v1/allowance-policies", &admin, &other).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "effective");
    assert_eq!(problem["errors"][0]["rule"], "policy.overlapping_versions");
    // A version of the same policy starting before the open-ended one overlaps too.
    let mut earlier = cd.clone();
    earlier["version"] = json!(2);
    earlier["effective"] = json!({"from": "2018-01"});
    let problem = assert_problem(
        app.post("/api/v1/allowance-policies", &admin, &earlier)
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["rule"], "policy.overlapping_versions");
    assert_eq!(
        (
            app.count::<allowance_policy::Entity>().await,
            app.count::<audit_log::Entity>().await
        ),
        before
    );
    // Another region may have its own policy for the same months.
    let mut deyang = other.clone();
    deyang["region"] = json!("510600");
    create_policy(&app, &deyang).await;
}

async fn new_version_ends_the_open_ended_one(b: Backend) {
    let app = spawn_app(b).await;
    let cd = sample_policy("chengdu-community-monthly.json");
    create_policy(&app, &cd).await;
    let mut v2 = cd.clone();
    v2["version"] = json!(2);
    v2["effective"] = json!({"from": "2027-01"});
    v2["schedule"]["amounts"]["intermediate"] = json!("900.00");
    let created = create_policy(&app, &v2).await;
    assert_eq!(created["version"], 2);
    let admin = app.admin("510000");
    let v1 = get_ok(
        &app,
        "/api/v1/allowance-policies/cd-community-allowance/versions/1",
        &admin,
    )
    .await;
    assert_eq!(v1["effective_until"], "2026-12");
    assert_eq!(
        v1["definition"]["effective"],
        json!({"from": "2019-01", "until": "2026-12"})
    );
    assert_eq!(
        v1["definition"]["schedule"]["amounts"]["intermediate"],
        "800.00"
    );
    let at_2026 = get_ok(&app, "/api/v1/allowance-policies?at=2026-12", &admin).await;
    assert_eq!(at_2026["items"][0]["version"], 1);
    let at_2027 = get_ok(&app, "/api/v1/allowance-policies?at=2027-01", &admin).await;
    assert_eq!(at_2027["items"].as_array().unwrap().len(), 1);
    assert_eq!(at_2027["items"][0]["version"], 2);
    // Both the create and the ending of v1 are in the audit log.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ended = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("end_allowance_policy"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(ended.len(), 1);
}

async fn list_filters_by_region_and_month(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    create_policy(&app, &sample_policy("weihai-one-off.json")).await;
    create_policy(&app, &sample_policy("pingnan-time-limited.json")).await;
    let hr = app.hr("440000");
    let all = get_ok(&app, "/api/v1/allowance-policies", &hr).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let jinjiang = get_ok(&app, "/api/v1/allowance-policies?region=510104", &hr).await;
    let ids: Vec<&str> = jinjiang["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["policy_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cd-community-allowance"]);
    let before = get_ok(
        &app,
        "/api/v1/allowance-policies?region=510104&at=2018-12",
        &hr,
    )
    .await;
    assert_eq!(before["items"], json!([]));
    let page = get_ok(&app, "/api/v1/allowance-policies?limit=2", &hr).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = get_ok(
        &app,
        &format!("/api/v1/allowance-policies?limit=2&cursor={next}"),
        &hr,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_cursor").is_none());
    let problem = assert_problem(
        app.get("/api/v1/allowance-policies?at=2026-13", &hr).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "at");
}

async fn only_admins_of_the_region_create(b: Backend) {
    let app = spawn_app(b).await;
    let cd = sample_policy("chengdu-community-monthly.json");
    assert_problem(
        app.post("/api/v1/allowance-policies", &app.admin("110000"), &cd)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post("/api/v1/allowance-policies", &app.hr("510000"), &cd)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post("/api/v1/allowance-policies", &app.worker("w"), &cd)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.count::<allowance_policy::Entity>().await, 0);
    create_policy(&app, &cd).await;
}

async fn invalid_policy_names_field_and_rule(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    let mut bad = sample_policy("chengdu-community-monthly.json");
    bad["version"] = json!(0);
    let problem = assert_problem(
        app.post("/api/v1/allowance-policies", &admin, &bad).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "version");
    assert_eq!(problem["errors"][0]["rule"], "policy.version");
    let mut bad = sample_policy("chengdu-community-monthly.json");
    bad["schedule"]["amounts"]["senior"] = json!("12.345");
    let problem = assert_problem(
        app.post("/api/v1/allowance-policies", &admin, &bad).await,
        422,
        "validation",
    )
    .await;
    // The schedule is a tagged union: serde names the union, the message names the rule.
    assert_eq!(problem["errors"][0]["field"], "schedule", "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("two decimal"),
        "{problem}"
    );
    let mut bad = sample_policy("chengdu-community-monthly.json");
    bad["effective"] = json!({"from": "2026-01", "until": "2025-12"});
    let problem = assert_problem(
        app.post("/api/v1/allowance-policies", &admin, &bad).await,
        422,
        "validation",
    )
    .await;
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("effective"),
        "{problem}"
    );
    assert_eq!(app.count::<allowance_policy::Entity>().await, 0);
}
