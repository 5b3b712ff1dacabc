//! Staffing of a region: each unit's required vs actual professionals (Chengdu sample targets),
//! shortfalls with their codes, the roll-up, and who may ask.

use serde_json::json;

use crate::both_backends;
use crate::decisions_support::{get_ok, worker_in_post};
use crate::helpers::{Backend, assert_problem, new_unit, spawn_app};

both_backends!(
    region_report_with_shortfalls,
    only_admin_and_hr_of_the_region
);

async fn region_report_with_shortfalls(b: Backend) {
    let app = spawn_app(b).await;
    // A Jinjiang community with one certified full-time professional (target: 2).
    let s = worker_in_post(
        &app,
        1,
        "510104",
        "urban_community",
        "assistant",
        "2019-09-01",
        "full_time",
        "2023-01-01",
    )
    .await;
    // A village with nobody (target: 1), and a Beijing community outside the region.
    let mut village = new_unit(2, "510104");
    village["unit_type"] = json!("administrative_village");
    let village = app.create_unit(&village).await;
    app.create_unit(&new_unit(3, "110105")).await;

    let r = get_ok(
        &app,
        "/api/v1/regions/510100/staffing?date=2026-03-01",
        &app.hr("510000"),
    )
    .await;
    assert_eq!(r["region"], "510100");
    assert_eq!(r["date"], "2026-03-01");
    let units = r["units"].as_array().unwrap();
    assert_eq!(units.len(), 2);
    let community = units
        .iter()
        .find(|u| u["unit_id"] == s.unit.as_str())
        .unwrap();
    assert_eq!(community["unit_type"], "urban_community");
    assert_eq!(community["required_professionals"], 2);
    assert_eq!(community["actual_professionals"], 1);
    assert_eq!(community["professional_shortfall"], 1);
    assert_eq!(community["actual_certified"], 1);
    assert_eq!(community["certified_share"], "100");
    assert_eq!(community["compliant"], false);
    assert_eq!(community["gaps"][0]["code"], "STAFFING_PROFESSIONALS_SHORT");
    assert!(
        community["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "assignment" && e["id"] == s.assignment.as_str())
    );
    let v = units
        .iter()
        .find(|u| u["unit_id"] == village["id"])
        .unwrap();
    assert_eq!(v["required_professionals"], 1);
    assert_eq!(v["actual_professionals"], 0);
    assert_eq!(v["professional_shortfall"], 1);
    assert_eq!(r["rollup"]["units"], 2);
    assert_eq!(r["rollup"]["units_with_target"], 2);
    assert_eq!(r["rollup"]["compliant_units"], 0);
    assert_eq!(r["rollup"]["required_professionals"], 3);
    assert_eq!(r["rollup"]["actual_professionals"], 1);
    assert_eq!(r["rollup"]["professional_shortfall"], 2);
    // Before the assignment began, the community had nobody.
    let r = get_ok(
        &app,
        "/api/v1/regions/510104/staffing?date=2022-06-30",
        &app.admin("510104"),
    )
    .await;
    assert_eq!(r["rollup"]["actual_professionals"], 0);
    assert_eq!(r["rollup"]["professional_shortfall"], 3);
}

async fn only_admin_and_hr_of_the_region(b: Backend) {
    let app = spawn_app(b).await;
    let s = worker_in_post(
        &app,
        1,
        "510104",
        "urban_community",
        "assistant",
        "2019-09-01",
        "full_time",
        "2023-01-01",
    )
    .await;
    for token in [app.admin("110000"), app.hr("510104"), app.worker(&s.worker)] {
        assert_problem(
            app.get("/api/v1/regions/510100/staffing", &token).await,
            404,
            "not-found",
        )
        .await;
    }
    get_ok(
        &app,
        "/api/v1/regions/510100/staffing",
        &app.admin("000000"),
    )
    .await;
    let problem = assert_problem(
        app.get("/api/v1/regions/51010X/staffing", &app.admin("000000"))
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "code");
}
