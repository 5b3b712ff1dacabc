//! Allowance decisions end to end, written from the seed policies: the Chengdu-style sample
//! policy pays a full-time, registered, appraised 社会工作师 in a community post its configured
//! amount; 不合格, the serious list, a lapsed registration and part-time month 25 each block
//! with their reason code; a one-off policy pays the difference on upgrade exactly once; the
//! most specific region's policy wins; scoping, hr redaction of credit details and audit.

use registry_api::db::entities::audit_log;
use serde_json::{Value, json};
use time::macros::date;

use crate::both_backends;
use crate::decisions_support::{
    Setup, add_credential, appraise, codes, create_policy, get_ok, reason, register, sample_policy,
    serious_listing, worker_in_post,
};
use crate::helpers::{Backend, TestApp, assert_problem, new_worker, spawn_app};
use registry_api::decisions::facts::{self, WorkerHead};
use registry_api::decisions::{single, worker_reads};
use sea_orm::{ConnectionTrait, Database};

both_backends!(
    chengdu_worker_gets_the_configured_amount,
    previous_year_fail_blocks,
    serious_list_blocks_and_hr_sees_no_credit_details,
    lapsed_registration_blocks,
    part_time_month_25_blocks,
    one_off_pays_the_difference_on_upgrade_exactly_once,
    most_specific_region_wins,
    scoping_and_me,
    bad_month_is_422,
    policy_writes_elsewhere_are_seen_at_once,
    one_trip_loader_equals_per_table_loader,
    coalesced_reads_that_fail_answer_each_request,
);

/// A 社会工作师 (intermediate) of Jinjiang, Chengdu: certificate 2020-05-10, registered
/// 2024-06-01 (valid to 2027-05-31), in a community post from 2023-01-01 on `basis`.
async fn chengdu_worker(app: &TestApp, n: u32, basis: &str, start: &str) -> (Setup, String) {
    let s = worker_in_post(
        app,
        n,
        "510104",
        "urban_community",
        "intermediate",
        "2020-05-10",
        basis,
        start,
    )
    .await;
    let reg = register(app, &s.credential, "2024-06-01").await;
    (s, reg)
}

fn allowance(worker: &str, month: &str) -> String {
    format!("/api/v1/workers/{worker}/allowance?month={month}")
}

async fn chengdu_worker_gets_the_configured_amount(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, reg) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let appraisal = appraise(&app, &s, 2025, "pass").await;
    let d = get_ok(&app, &allowance(&s.worker, "2026-03"), &app.admin("510000")).await;
    assert_eq!(d["eligible"], true, "{d}");
    assert_eq!(d["amount"], "800.00");
    assert_eq!(d["level"], "intermediate");
    assert_eq!(d["month"], "2026-03");
    assert_eq!(d["reference_date"], "2026-03-31");
    assert_eq!(d["policy"]["policy_id"], "cd-community-allowance");
    assert_eq!(d["policy"]["version"], 1);
    assert_eq!(d["policy"]["sample"], true);
    assert_eq!(
        codes(&d, "supports"),
        [
            "POLICY_APPLIED",
            "CREDENTIAL_USED",
            "REGISTRATION_VALID",
            "POST_COVERED",
            "APPRAISAL_MET",
            "CREDIT_CLEAR",
            "AMOUNT_MONTHLY"
        ]
    );
    let used = reason(&d, "CREDENTIAL_USED");
    assert_eq!(
        used["evidence"],
        json!([{"kind": "credential", "id": s.credential}])
    );
    assert_eq!(used["zh"], "按该证书等级计发");
    let facts: Vec<(String, String)> = d["facts_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["id"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        facts,
        [
            ("credential".to_owned(), s.credential.clone()),
            ("registration".to_owned(), reg.clone()),
            ("assignment".to_owned(), s.assignment.clone()),
            ("appraisal".to_owned(), appraisal),
        ]
    );
    let registration = &d["facts_used"][1];
    assert_eq!(registration["effective_from"], "2024-06-01");
    assert_eq!(registration["effective_until"], "2027-05-31");
    assert!(registration["recorded_at"].is_string());
    // Before the first registration month the Chengdu start rule is not met.
    let early = get_ok(&app, &allowance(&s.worker, "2024-05"), &app.admin("510000")).await;
    assert_eq!(early["eligible"], false);
    assert_eq!(early["amount"], "0.00");
    assert_eq!(codes(&early, "blocks"), ["REGISTRATION_MISSING"]);
}

async fn previous_year_fail_blocks(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let fail = appraise(&app, &s, 2025, "fail").await;
    let d = get_ok(&app, &allowance(&s.worker, "2026-03"), &app.admin("510000")).await;
    assert_eq!(d["eligible"], false);
    assert_eq!(d["amount"], "0.00");
    assert_eq!(codes(&d, "blocks"), ["APPRAISAL_BELOW_MINIMUM"]);
    assert_eq!(
        reason(&d, "APPRAISAL_BELOW_MINIMUM")["evidence"],
        json!([{"kind": "appraisal", "id": fail}])
    );
    // 2025 is judged on the 2024 appraisal, which is missing: noted, not blocking.
    let d = get_ok(&app, &allowance(&s.worker, "2025-03"), &app.admin("510000")).await;
    assert_eq!(d["eligible"], true, "{d}");
    assert_eq!(codes(&d, "notes"), ["APPRAISAL_MISSING"]);
}

async fn serious_list_blocks_and_hr_sees_no_credit_details(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    appraise(&app, &s, 2025, "pass").await;
    let entry = serious_listing(&app, &s, "510104", date!(2026 - 02 - 10)).await;
    let d = get_ok(&app, &allowance(&s.worker, "2026-03"), &app.admin("510000")).await;
    assert_eq!(d["eligible"], false);
    assert_eq!(codes(&d, "blocks"), ["CREDIT_SERIOUS_LIST"]);
    assert_eq!(
        reason(&d, "CREDIT_SERIOUS_LIST")["evidence"],
        json!([{"kind": "credit_entry", "id": entry}])
    );
    assert!(
        d["facts_used"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == entry)
    );
    // The month before the listing is unaffected.
    let jan = get_ok(&app, &allowance(&s.worker, "2026-01"), &app.admin("510000")).await;
    assert_eq!(jan["eligible"], true);
    assert_eq!(jan["amount"], "800.00");

    // hr: the same answer and code, no credit entry id anywhere.
    let resp = app
        .get(&allowance(&s.worker, "2026-03"), &app.hr("510100"))
        .await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(!text.contains(&entry), "hr must not see credit entry ids");
    let hr: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(hr["eligible"], false);
    let listed = reason(&hr, "CREDIT_SERIOUS_LIST");
    assert_eq!(listed["evidence"], json!([]));
    assert_eq!(listed["evidence_redacted"], true);
    assert!(
        !hr["facts_used"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "credit_entry")
    );
    // The worker sees their own record in full.
    let own = get_ok(
        &app,
        "/api/v1/me/allowance?month=2026-03",
        &app.worker(&s.worker),
    )
    .await;
    assert_eq!(
        reason(&own, "CREDIT_SERIOUS_LIST")["evidence"],
        json!([{"kind": "credit_entry", "id": entry}])
    );
}

async fn lapsed_registration_blocks(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, reg) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let may = get_ok(&app, &allowance(&s.worker, "2027-05"), &app.admin("510000")).await;
    assert_eq!(may["eligible"], true);
    assert_eq!(
        codes(&may, "notes"),
        ["REGISTRATION_RENEWAL_DUE", "APPRAISAL_MISSING"]
    );
    let june = get_ok(&app, &allowance(&s.worker, "2027-06"), &app.admin("510000")).await;
    assert_eq!(june["eligible"], false);
    assert_eq!(codes(&june, "blocks"), ["REGISTRATION_LAPSED"]);
    assert_eq!(
        reason(&june, "REGISTRATION_LAPSED")["evidence"],
        json!([{"kind": "registration", "id": reg}])
    );
}

async fn part_time_month_25_blocks(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, _) = chengdu_worker(&app, 1, "part_time", "2024-01-15").await;
    // December 2025 ends in part-time month 24: paid.
    let dec = get_ok(&app, &allowance(&s.worker, "2025-12"), &app.admin("510000")).await;
    assert_eq!(dec["eligible"], true, "{dec}");
    assert_eq!(dec["amount"], "800.00");
    // 31 January 2026 is in month 25: over the Chengdu limit of 24.
    let jan = get_ok(&app, &allowance(&s.worker, "2026-01"), &app.admin("510000")).await;
    assert_eq!(jan["eligible"], false);
    assert_eq!(codes(&jan, "blocks"), ["PART_TIME_LIMIT_EXCEEDED"]);
    assert_eq!(
        reason(&jan, "PART_TIME_LIMIT_EXCEEDED")["evidence"],
        json!([{"kind": "assignment", "id": s.assignment}])
    );
}

async fn pay(app: &TestApp, worker: &str, level: &str, month: &str, amount: &str) {
    let resp = app
        .post(
            &format!("/api/v1/workers/{worker}/allowance-payments"),
            &app.admin("370000"),
            &json!({"policy_id": "wh-credential-bonus", "level": level, "month": month, "amount": amount}),
        )
        .await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["amount"], amount);
}

async fn one_off_pays_the_difference_on_upgrade_exactly_once(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("weihai-one-off.json")).await;
    // A 助理社会工作师 of Weihai (Huancui) in an agency post.
    let s = worker_in_post(
        &app,
        1,
        "371002",
        "agency",
        "assistant",
        "2019-09-01",
        "full_time",
        "2019-01-01",
    )
    .await;
    let admin = app.admin("370000");
    let first = get_ok(&app, &allowance(&s.worker, "2019-10"), &admin).await;
    assert_eq!(first["eligible"], true, "{first}");
    assert_eq!(first["amount"], "1000.00");
    assert_eq!(first["policy"]["policy_id"], "wh-credential-bonus");
    assert_eq!(first["policy"]["schedule_kind"], "one_off_per_level");
    assert!(codes(&first, "supports").contains(&"AMOUNT_ONE_OFF".to_owned()));

    // An unknown policy is refused, and nothing is recorded.
    let resp = app
        .post(
            &format!("/api/v1/workers/{}/allowance-payments", s.worker),
            &admin,
            &json!({"policy_id": "nope", "level": "assistant", "month": "2019-10", "amount": "1000.00"}),
        )
        .await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(problem["errors"][0]["rule"], "payment.unknown_policy");

    pay(&app, &s.worker, "assistant", "2019-10", "1000.00").await;
    let after = get_ok(&app, &allowance(&s.worker, "2019-11"), &admin).await;
    assert_eq!(after["eligible"], false);
    assert_eq!(after["amount"], "0.00");
    assert_eq!(codes(&after, "blocks"), ["ONE_OFF_ALREADY_PAID"]);

    // Upgrade to 社会工作师 in 2023: only the difference (2000 - 1000) is due, once.
    let upgraded = add_credential(&app, &s.worker, "1b", "intermediate", "2023-06-01").await;
    let diff = get_ok(&app, &allowance(&s.worker, "2023-07"), &admin).await;
    assert_eq!(diff["eligible"], true, "{diff}");
    assert_eq!(diff["level"], "intermediate");
    assert_eq!(diff["amount"], "1000.00");
    let r = reason(&diff, "AMOUNT_ONE_OFF_DIFFERENCE");
    assert!(
        r["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == upgraded.as_str())
    );
    assert!(
        r["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "payment")
    );
    pay(&app, &s.worker, "intermediate", "2023-07", "1000.00").await;
    let again = get_ok(&app, &allowance(&s.worker, "2023-08"), &admin).await;
    assert_eq!(again["eligible"], false);
    assert_eq!(codes(&again, "blocks"), ["ONE_OFF_ALREADY_PAID"]);
    // Payments are listed for whoever may read the worker.
    let list = get_ok(
        &app,
        &format!("/api/v1/workers/{}/allowance-payments", s.worker),
        &app.worker(&s.worker),
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

async fn most_specific_region_wins(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let mut sichuan = sample_policy("chengdu-community-monthly.json");
    sichuan["id"] = json!("sc-community-allowance");
    sichuan["region"] = json!("510000");
    sichuan["name"] = json!("四川省社区专职工作者津贴（样例）");
    sichuan["schedule"]["amounts"]["intermediate"] = json!("500.00");
    create_policy(&app, &sichuan).await;
    let (chengdu, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let d = get_ok(
        &app,
        &allowance(&chengdu.worker, "2026-03"),
        &app.admin("510000"),
    )
    .await;
    assert_eq!(d["policy"]["policy_id"], "cd-community-allowance");
    assert_eq!(d["amount"], "800.00");
    // A worker of Mianyang (510700) is covered by the province's policy only.
    let s = worker_in_post(
        &app,
        2,
        "510703",
        "urban_community",
        "intermediate",
        "2020-05-10",
        "full_time",
        "2023-01-01",
    )
    .await;
    register(&app, &s.credential, "2024-06-01").await;
    let d = get_ok(&app, &allowance(&s.worker, "2026-03"), &app.admin("510000")).await;
    assert_eq!(d["policy"]["policy_id"], "sc-community-allowance");
    assert_eq!(d["policy"]["region"], "510000");
    assert_eq!(d["amount"], "500.00");
    // Outside every policy's region.
    let beijing = worker_in_post(
        &app,
        3,
        "110105",
        "urban_community",
        "intermediate",
        "2020-05-10",
        "full_time",
        "2023-01-01",
    )
    .await;
    let d = get_ok(
        &app,
        &allowance(&beijing.worker, "2026-03"),
        &app.admin("110000"),
    )
    .await;
    assert_eq!(d["eligible"], false);
    assert_eq!(codes(&d, "blocks"), ["NO_POLICY"]);
    assert!(d.get("policy").is_none());
}

async fn scoping_and_me(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let (other, _) = chengdu_worker(&app, 2, "full_time", "2023-01-01").await;
    let audit_before = app.count::<audit_log::Entity>().await;
    // The worker reads their own decision: not recorded in the audit log.
    let own = get_ok(
        &app,
        "/api/v1/me/allowance?month=2026-03",
        &app.worker(&s.worker),
    )
    .await;
    assert_eq!(own["worker_id"], s.worker.as_str());
    assert_eq!(own["amount"], "800.00");
    let own = get_ok(
        &app,
        &allowance(&s.worker, "2026-03"),
        &app.worker(&s.worker),
    )
    .await;
    assert_eq!(own["eligible"], true);
    assert_eq!(app.count::<audit_log::Entity>().await, audit_before);
    // Another worker's decision is a 404 for a worker, as is an admin of another region.
    assert_problem(
        app.get(&allowance(&other.worker, "2026-03"), &app.worker(&s.worker))
            .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.get(&allowance(&s.worker, "2026-03"), &app.admin("110000"))
            .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.get(&allowance(&s.worker, "2026-03"), &app.hr("440000"))
            .await,
        404,
        "not-found",
    )
    .await;
    // /me is for workers only.
    assert_problem(
        app.get("/api/v1/me/allowance?month=2026-03", &app.admin("510000"))
            .await,
        403,
        "forbidden",
    )
    .await;
    // A read by the admin is recorded, naming the worker.
    let reads_before = app.reads_logged().await;
    get_ok(&app, &allowance(&s.worker, "2026-03"), &app.admin("510000")).await;
    assert_eq!(app.count::<audit_log::Entity>().await, audit_before);
    assert_eq!(app.reads_logged().await, reads_before + 1);
    use sea_orm::{EntityTrait, QueryOrder};
    let last = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Seq)
        .one(&app.state.read_log)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.action, "get_worker_allowance");
    assert_eq!(last.worker_id.as_deref(), Some(s.worker.as_str()));
}

async fn bad_month_is_422(b: Backend) {
    let app = spawn_app(b).await;
    let (s, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let problem = assert_problem(
        app.get(&allowance(&s.worker, "2026-13"), &app.admin("510000"))
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "month");
    assert_problem(
        app.get(
            &format!("/api/v1/workers/{}/allowance", s.worker),
            &app.admin("510000"),
        )
        .await,
        422,
        "validation",
    )
    .await;
}

/// The service keeps the parsed policy set in memory; a policy written by a second service
/// on the same database, or by plain SQL from another connection (as a CLI import would),
/// is used by the very next decision of the first one.
async fn policy_writes_elsewhere_are_seen_at_once(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let path = allowance(&s.worker, "2026-03");
    let admin = app.admin("510000");
    let d = get_ok(&app, &path, &admin).await;
    assert_eq!(
        (d["amount"].as_str(), d["policy"]["version"].as_i64()),
        (Some("800.00"), Some(1))
    );

    // A second service on the same database stores version 2 (and ends version 1).
    let other = registry_api::AppState::connect_and_migrate(&app.config)
        .await
        .expect("second service");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(registry_api::serve(listener, other.clone(), async move {
        let _ = stopped.await;
    }));
    let mut v2 = sample_policy("chengdu-community-monthly.json");
    v2["version"] = json!(2);
    v2["effective"] = json!({"from": "2026-03"});
    v2["schedule"]["amounts"]["intermediate"] = json!("900.00");
    let resp = app
        .client
        .post(format!("{other_base}/api/v1/allowance-policies"))
        .bearer_auth(app.admin("000000"))
        .json(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let d = get_ok(&app, &path, &admin).await;
    assert_eq!(
        (d["amount"].as_str(), d["policy"]["version"].as_i64()),
        (Some("900.00"), Some(2))
    );
    // Version 1 was ended by that write: February is still decided by it.
    let feb = get_ok(&app, &allowance(&s.worker, "2026-02"), &admin).await;
    assert_eq!(
        (feb["amount"].as_str(), feb["policy"]["version"].as_i64()),
        (Some("800.00"), Some(1))
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    other.db.close().await.unwrap();

    // Plain SQL from another connection changes the stored definition of version 2.
    let url = match &app.config.database {
        registry_api::config::DatabaseUrl::Sqlite { url, .. } => url.clone(),
        registry_api::config::DatabaseUrl::Postgres(url) => url.clone(),
    };
    let conn = Database::connect(url.as_str()).await.unwrap();
    let changed = conn
        .execute_unprepared(
            "UPDATE allowance_policies SET definition = replace(definition, '900.00', '950.00') \
             WHERE version = 2",
        )
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    conn.close().await.unwrap();
    let d = get_ok(&app, &path, &admin).await;
    assert_eq!(d["amount"], "950.00", "{d}");
}

/// The single-worker loader that reads everything in one round trip gives exactly the facts
/// (and fact ids) of one query per table, for a worker with records of every kind, one of
/// them stored with a whole-second timestamp (decoded like any other).
async fn one_trip_loader_equals_per_table_loader(b: Backend) {
    let app = spawn_app(b).await;
    create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let (s, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    appraise(&app, &s, 2024, "pass").await;
    appraise(&app, &s, 2025, "fail").await;
    serious_listing(&app, &s, "510104", date!(2026 - 02 - 10)).await;
    let more = add_credential(&app, &s.worker, "7", "senior", "2025-06-01").await;
    register(&app, &more, "2025-07-01").await;
    let (other, _) = chengdu_worker(&app, 2, "part_time", "2025-01-01").await;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE credentials SET updated_at = '2026-01-01 00:00:00+00:00' WHERE id = '{more}'"
        ))
        .await
        .unwrap();
    let db = &app.state.db;
    let reads = &app.state.worker_reads;
    for id in [&s.worker, &other.worker] {
        let w = registry_api::workers::store::find(db, id)
            .await
            .unwrap()
            .unwrap();
        let one_trip = worker_reads::load_visible(reads, id, |_| true)
            .await
            .unwrap()
            .unwrap();
        let per_table = facts::load(db, &w).await.unwrap();
        assert_eq!(one_trip.worker, WorkerHead::from(&w));
        assert_eq!(
            format!("{:?}", one_trip.facts),
            format!("{per_table:?}"),
            "{id}"
        );
        assert!(one_trip.policy_generation.is_some());
        // Hidden is answered like missing.
        assert!(
            worker_reads::load_visible(reads, id, |_| false)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        worker_reads::load_visible(reads, "no-such-worker", |_| true)
            .await
            .unwrap()
            .is_none()
    );
    // A worker with no records at all (no id in any list) loads as an empty worker.
    let bare = app.create_worker(&new_worker(77, "510104")).await;
    let bare_id = bare["id"].as_str().unwrap();
    let empty = worker_reads::load_visible(reads, bare_id, |_| true)
        .await
        .unwrap()
        .unwrap();
    let bare_model = registry_api::workers::store::find(db, bare_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        format!("{:?}", empty.facts),
        format!("{:?}", facts::load(db, &bare_model).await.unwrap())
    );
    assert!(empty.policy_generation.is_some());

    // Several workers in one statement (as coalesced requests are read): each exactly as
    // read alone; a missing id is absent.
    let ids = [
        s.worker.as_str(),
        other.worker.as_str(),
        bare_id,
        "no-such-worker",
    ];
    let set = single::read(db, &ids).await.unwrap();
    assert!(set.get("no-such-worker").is_none());
    for id in &ids[..3] {
        let w = registry_api::workers::store::find(db, id)
            .await
            .unwrap()
            .unwrap();
        let found = set.get(id).unwrap();
        let together = facts::assemble(&found.head, &found.rows, &found.places).unwrap();
        assert_eq!(
            format!("{together:?}"),
            format!("{:?}", facts::load(db, &w).await.unwrap()),
            "{id}"
        );
    }

    // Many concurrent requests (some for the same worker, some hidden, some missing), as
    // the coalescing reader batches them: each gets its own worker's facts.
    let expected: Vec<String> = {
        let mut v = Vec::new();
        for id in &ids[..3] {
            let w = registry_api::workers::store::find(db, id)
                .await
                .unwrap()
                .unwrap();
            v.push(format!("{:?}", facts::load(db, &w).await.unwrap()));
        }
        v
    };
    let mut asks = tokio::task::JoinSet::new();
    for n in 0..60 {
        let id = ids[n % ids.len()].to_owned();
        let hidden = n % 7 == 0;
        let reads = std::sync::Arc::clone(reads);
        asks.spawn(async move {
            let v = worker_reads::load_visible(&reads, &id, |w| {
                assert_eq!(w.id, id);
                !hidden
            })
            .await
            .unwrap();
            (n, v)
        });
    }
    for (n, v) in asks.join_all().await {
        let i = n % ids.len();
        match v {
            Some(v) => {
                assert!(i < 3 && n % 7 != 0, "request {n}");
                assert_eq!(v.worker.id, ids[i]);
                assert_eq!(format!("{:?}", v.facts), expected[i], "request {n}");
            }
            None => assert!(i == 3 || n % 7 == 0, "request {n}"),
        }
    }
}

/// When the statement of a batch fails, every waiting request gets an error of its own (the
/// batch is read again one worker at a time): none hangs, none gets another's answer. The
/// generation table is dropped so that every statement fails.
async fn coalesced_reads_that_fail_answer_each_request(b: Backend) {
    let app = spawn_app(b).await;
    let (s, _) = chengdu_worker(&app, 1, "full_time", "2023-01-01").await;
    let reads = &app.state.worker_reads;
    assert!(
        worker_reads::load_visible(reads, &s.worker, |_| true)
            .await
            .unwrap()
            .is_some()
    );
    app.state
        .db
        .execute_unprepared("DROP TABLE allowance_policy_generation")
        .await
        .unwrap();
    let mut asks = tokio::task::JoinSet::new();
    for n in 0..20 {
        let id = if n % 2 == 0 {
            s.worker.clone()
        } else {
            format!("missing-{n}")
        };
        let reads = std::sync::Arc::clone(reads);
        asks.spawn(async move { worker_reads::load_visible(&reads, &id, |_| true).await });
    }
    let answers = tokio::time::timeout(std::time::Duration::from_secs(30), asks.join_all())
        .await
        .expect("every request is answered");
    assert_eq!(answers.len(), 20);
    assert!(answers.iter().all(Result::is_err));
}
