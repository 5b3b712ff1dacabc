//! The change feed (`GET /api/v1/events`): every eligibility-relevant write appends exactly
//! one event of the right kind in its own transaction (rejected writes and replays none,
//! unrelated writes none); paging with `after` returns every event once, in order, also
//! while writes commit concurrently; region scoping; workers 403; the table is append-only.

use registry_api::db::entities::event;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::both_backends;
use crate::decisions_support::{create_policy, created_id, sample_policy, worker_in_post};
use crate::helpers::{
    Backend, TestApp, assert_problem, new_credential, new_unit, new_worker, spawn_app,
};

both_backends!(
    each_relevant_write_appends_one_event,
    rejected_replayed_and_unrelated_writes_append_none,
    paging_returns_every_event_once_in_order,
    a_follower_misses_nothing_while_writes_commit,
    events_are_scoped_by_region,
    policies_and_payments_are_reported,
    events_are_append_only_in_the_database,
    a_write_failing_after_its_event_leaves_no_event,
);

/// One page after `after`: (items, next_cursor).
async fn page(app: &TestApp, token: &str, after: Option<&str>, limit: u32) -> (Vec<Value>, String) {
    let url = match after {
        Some(c) => format!("/api/v1/events?after={c}&limit={limit}"),
        None => format!("/api/v1/events?limit={limit}"),
    };
    let resp = app.get(&url, token).await;
    assert_eq!(resp.status(), 200, "{url}");
    let body: Value = resp.json().await.unwrap();
    let cursor = body["next_cursor"]
        .as_str()
        .expect("next_cursor")
        .to_owned();
    (body["items"].as_array().unwrap().clone(), cursor)
}

/// Follows the feed to its end from `after`; returns every event and the final cursor.
async fn follow(app: &TestApp, token: &str, after: Option<&str>) -> (Vec<Value>, String) {
    let mut all = Vec::new();
    let mut cursor = after.map(str::to_owned);
    loop {
        let (items, next) = page(app, token, cursor.as_deref(), 200).await;
        let done = items.is_empty();
        all.extend(items);
        cursor = Some(next);
        if done {
            return (all, cursor.unwrap());
        }
    }
}

/// Reads what happened since `cursor` (as a national admin), advances it, and returns the
/// new events.
async fn since(app: &TestApp, cursor: &mut String) -> Vec<Value> {
    let (items, next) = follow(app, &app.admin("000000"), Some(cursor)).await;
    *cursor = next;
    items
}

/// Asserts exactly one new event of `kind` about `resource_id`; returns it.
async fn one(app: &TestApp, cursor: &mut String, kind: &str, resource_id: &str) -> Value {
    let new = since(app, cursor).await;
    assert_eq!(new.len(), 1, "{kind}: {new:?}");
    assert_eq!(new[0]["kind"], kind, "{new:?}");
    assert_eq!(new[0]["resource_id"], resource_id, "{new:?}");
    new[0].clone()
}

async fn none(app: &TestApp, cursor: &mut String, what: &str) {
    let new = since(app, cursor).await;
    assert!(new.is_empty(), "{what}: {new:?}");
}

async fn created(app: &TestApp, path: &str, token: &str, body: &Value) -> (Value, String) {
    let resp = app.post(path, token, body).await;
    assert_eq!(resp.status(), 201, "{path}: {:?}", resp.text().await);
    let etag = resp
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (resp.json().await.unwrap(), etag)
}

async fn updated(app: &TestApp, path: &str, etag: &str, body: &Value) -> String {
    let resp = app.put(path, &app.admin("000000"), Some(etag), body).await;
    assert_eq!(resp.status(), 200, "{path}: {:?}", resp.text().await);
    resp.headers()["etag"].to_str().unwrap().to_owned()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn worker_update(name: &str, region: &str) -> Value {
    json!({
        "name": name,
        "education": {"level": "bachelor", "social_work_major": true},
        "experience_start": "2015-07-01",
        "region_code": region,
    })
}

async fn each_relevant_write_appends_one_event(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    let (_, mut cursor) = page(&app, &admin, None, 50).await;

    // Workers, units and posts are not reported when created: nobody's facts changed yet.
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let wid = id(&worker);
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let uid = id(&unit);
    let post = app
        .create_post(&json!({"unit_id": uid, "title": "岗位", "part_time_allowed": false}))
        .await;
    let pid = id(&post);
    none(&app, &mut cursor, "worker, unit, post created").await;

    let path = format!("/api/v1/workers/{wid}/credentials");
    let (cred, etag) = created(&app, &path, &admin, &new_credential("C-1")).await;
    let cid = id(&cred);
    let e = one(&app, &mut cursor, "credential.created", &cid).await;
    assert_eq!(e["resource"], "credential");
    assert_eq!(e["worker_id"], wid.as_str());
    assert_eq!(e["region_code"], "510104");
    assert!(e.get("previous_region_code").is_none());
    assert!(e["seq"].as_i64().unwrap() >= 1);
    assert!(e["occurred_at"].as_str().unwrap().ends_with('Z'), "{e}");
    // Ids only: nothing of the credential's content.
    assert_eq!(
        e.as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
        [
            "kind",
            "occurred_at",
            "region_code",
            "resource",
            "resource_id",
            "seq",
            "worker_id"
        ]
    );

    let mut revoked = new_credential("C-1");
    revoked["status"] = json!("revoked");
    updated(&app, &format!("/api/v1/credentials/{cid}"), &etag, &revoked).await;
    one(&app, &mut cursor, "credential.updated", &cid).await;

    let (cred2, _) = created(&app, &path, &admin, &new_credential("C-2")).await;
    one(&app, &mut cursor, "credential.created", &id(&cred2)).await;
    let (reg, _) = created(
        &app,
        &format!("/api/v1/credentials/{}/registrations", id(&cred2)),
        &admin,
        &json!({"kind": "first", "registered_on": "2020-01-01"}),
    )
    .await;
    let e = one(&app, &mut cursor, "registration.created", &id(&reg)).await;
    assert_eq!(e["worker_id"], wid.as_str());

    let (asg, etag) = created(
        &app,
        "/api/v1/assignments",
        &admin,
        &json!({"worker_id": wid, "post_id": pid, "start": "2024-01-15", "basis": "full_time"}),
    )
    .await;
    let aid = id(&asg);
    one(&app, &mut cursor, "assignment.created", &aid).await;
    updated(
        &app,
        &format!("/api/v1/assignments/{aid}"),
        &etag,
        &json!({"end": "2025-12-31"}),
    )
    .await;
    one(&app, &mut cursor, "assignment.updated", &aid).await;

    // A post: a new title is no event, a new minimum level is.
    let post_path = format!("/api/v1/posts/{pid}");
    let etag = updated(
        &app,
        &post_path,
        "\"1\"",
        &json!({"title": "新岗位", "part_time_allowed": false}),
    )
    .await;
    none(&app, &mut cursor, "post retitled").await;
    updated(
        &app,
        &post_path,
        &etag,
        &json!({"title": "新岗位", "min_level": "assistant", "part_time_allowed": false}),
    )
    .await;
    let e = one(&app, &mut cursor, "post.updated", &pid).await;
    assert!(e.get("worker_id").is_none());
    assert_eq!(e["region_code"], "510104");

    // A unit: a rename is no event, a new unit type is.
    let unit_path = format!("/api/v1/units/{uid}");
    let mut renamed = new_unit(1, "510104");
    renamed["name"] = json!("改名社区");
    let etag = updated(&app, &unit_path, "\"1\"", &renamed).await;
    none(&app, &mut cursor, "unit renamed").await;
    renamed["unit_type"] = json!("agency");
    updated(&app, &unit_path, &etag, &renamed).await;
    one(&app, &mut cursor, "unit.updated", &uid).await;

    let (appraisal, _) = created(
        &app,
        &format!("/api/v1/workers/{wid}/appraisals"),
        &admin,
        &json!({
            "year": 2025,
            "unit_id": uid,
            "grade": "pass",
            "scores": {"ethics": 90, "performance": 85, "satisfaction": 95},
            "recorded_on": "2026-01-10",
        }),
    )
    .await;
    one(&app, &mut cursor, "appraisal.created", &id(&appraisal)).await;

    // Credit: an entry, a worker's objection to it and its outcome are each one entry.
    let (warning, _) = created(
        &app,
        "/api/v1/credit-entries",
        &admin,
        &json!({"worker_id": wid, "type": "warning", "effective_on": "2025-01-10",
                "legal_basis": "民政部令第60号"}),
    )
    .await;
    let e = one(&app, &mut cursor, "credit_entry.created", &id(&warning)).await;
    assert_eq!(e["worker_id"], wid.as_str());
    let (objection, _) = created(
        &app,
        "/api/v1/me/objections",
        &app.worker(&wid),
        &json!({"entry_id": warning["id"], "statement": "该警告针对的是另一名同名社工"}),
    )
    .await;
    let filed = objection["objection_entry_id"].as_str().unwrap();
    one(&app, &mut cursor, "credit_entry.created", filed).await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/objections/{}/decision", id(&objection))))
        .bearer_auth(&admin)
        .header("If-Match", "\"1\"")
        .json(&json!({"outcome": "upheld", "reason": "经核查，记录有误"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let decided: Value = resp.json().await.unwrap();
    let outcome = decided["outcome_entry_id"].as_str().unwrap();
    let e = one(&app, &mut cursor, "credit_entry.created", outcome).await;
    assert_eq!(e["worker_id"], wid.as_str());

    // Continuing education is the ladder's, not the allowance's: no event.
    created(
        &app,
        &format!("/api/v1/workers/{wid}/continuing-education"),
        &admin,
        &json!({"completed_on": "2025-06-30", "hours": "12.5", "kind": "course"}),
    )
    .await;
    none(&app, &mut cursor, "continuing education").await;

    // A worker: a new name is no event; a move is, seen from the new region and the old.
    let worker_path = format!("/api/v1/workers/{wid}");
    let etag = updated(
        &app,
        &worker_path,
        "\"1\"",
        &worker_update("李四", "510104"),
    )
    .await;
    none(&app, &mut cursor, "worker renamed").await;
    updated(&app, &worker_path, &etag, &worker_update("李四", "510105")).await;
    let e = one(&app, &mut cursor, "worker.region_changed", &wid).await;
    assert_eq!(e["worker_id"], wid.as_str());
    assert_eq!(e["region_code"], "510105");
    assert_eq!(e["previous_region_code"], "510104");
    // Later events of the worker carry the new region.
    let (cred3, _) = created(&app, &path, &admin, &new_credential("C-3")).await;
    let e = one(&app, &mut cursor, "credential.created", &id(&cred3)).await;
    assert_eq!(e["region_code"], "510105");
}

async fn rejected_replayed_and_unrelated_writes_append_none(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    let (wid, cid) = app.worker_with_credential(1, "510104").await;
    assert_eq!(app.count::<event::Entity>().await, 1);
    let path = format!("/api/v1/workers/{wid}/credentials");

    // Refused by a unique index at insert time (409), by core inside the transaction (422),
    // by role (403), by a stale or missing If-Match (412, 428): no event.
    let resp = app.post(&path, &admin, &new_credential("CERT-1")).await;
    assert_eq!(resp.status(), 409);
    let reg = format!("/api/v1/credentials/{cid}/registrations");
    let early = json!({"kind": "first", "registered_on": "2019-08-31"});
    let p = assert_problem(app.post(&reg, &admin, &early).await, 422, "validation").await;
    assert_eq!(p["errors"][0]["rule"], "registration.before_issue");
    let resp = app
        .post(&path, &app.hr("510104"), &new_credential("C-9"))
        .await;
    assert_eq!(resp.status(), 403);
    let cred = format!("/api/v1/credentials/{cid}");
    let body = new_credential("CERT-1");
    assert_problem(
        app.put(&cred, &admin, Some("\"7\""), &body).await,
        412,
        "precondition-failed",
    )
    .await;
    assert_problem(
        app.put(&cred, &admin, None, &body).await,
        428,
        "precondition-required",
    )
    .await;
    assert_eq!(app.count::<event::Entity>().await, 1);

    // A retry with the same Idempotency-Key replays the first response: one event in all.
    for _ in 0..2 {
        let resp = app
            .client
            .post(app.url(&path))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "cred-2")
            .json(&new_credential("C-2"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    assert_eq!(app.count::<event::Entity>().await, 2);

    // Unrelated writes: a unit (created, renamed), a post (created, retitled), a worker
    // (created, renamed), continuing education.
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let mut renamed = new_unit(1, "510104");
    renamed["name"] = json!("改名");
    updated(
        &app,
        &format!("/api/v1/units/{}", id(&unit)),
        "\"1\"",
        &renamed,
    )
    .await;
    let post = app
        .create_post(&json!({"unit_id": unit["id"], "title": "甲", "part_time_allowed": true}))
        .await;
    updated(
        &app,
        &format!("/api/v1/posts/{}", id(&post)),
        "\"1\"",
        &json!({"title": "乙", "part_time_allowed": true}),
    )
    .await;
    let other = app.create_worker(&new_worker(2, "510104")).await;
    updated(
        &app,
        &format!("/api/v1/workers/{}", id(&other)),
        "\"1\"",
        &worker_update("王五", "510104"),
    )
    .await;
    created(
        &app,
        &format!("/api/v1/workers/{wid}/continuing-education"),
        &admin,
        &json!({"completed_on": "2025-06-30", "hours": "12.5", "kind": "course"}),
    )
    .await;
    assert_eq!(app.count::<event::Entity>().await, 2);
}

async fn paging_returns_every_event_once_in_order(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("510000");
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!("/api/v1/workers/{}/credentials", id(&worker));
    let mut expected = Vec::new();
    for n in 0..7 {
        let (c, _) = created(&app, &path, &admin, &new_credential(&format!("C-{n}"))).await;
        expected.push(id(&c));
    }
    // Pages of 3: 3, 3, 1, then an empty page whose cursor is the last one.
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let mut seqs = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/events?limit=3&after={c}"),
            None => "/api/v1/events?limit=3".to_owned(),
        };
        let body: Value = app.get(&url, &admin).await.json().await.unwrap();
        let items = body["items"].as_array().unwrap();
        sizes.push((items.len(), body["has_more"].as_bool().unwrap()));
        let next = body["next_cursor"].as_str().unwrap().to_owned();
        if items.is_empty() {
            assert_eq!(
                Some(&next),
                cursor.as_ref(),
                "an empty page keeps the cursor"
            );
            break;
        }
        for e in items {
            seen.push(e["resource_id"].as_str().unwrap().to_owned());
            seqs.push(e["seq"].as_i64().unwrap());
        }
        cursor = Some(next);
    }
    assert_eq!(sizes, [(3, true), (3, true), (1, false), (0, false)]);
    assert_eq!(seen, expected, "every event once, in order");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");

    // Polling with the last cursor yields exactly what was written since.
    let (c, _) = created(&app, &path, &admin, &new_credential("C-new")).await;
    let (items, next) = page(&app, &admin, cursor.as_deref(), 50).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["resource_id"], id(&c).as_str());
    let (items, again) = page(&app, &admin, Some(&next), 50).await;
    assert!(items.is_empty());
    assert_eq!(again, next);
    // An empty feed still hands out a cursor to poll with.
    let (items, first) = page(&app, &app.admin("110000"), None, 50).await;
    assert!(items.is_empty());
    assert!(!first.is_empty());
}

async fn a_follower_misses_nothing_while_writes_commit(b: Backend) {
    const WRITES: usize = 24;
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    let mut paths = Vec::new();
    for n in 0..4 {
        let w = app.create_worker(&new_worker(n, "510104")).await;
        paths.push(app.url(&format!("/api/v1/workers/{}/credentials", id(&w))));
    }
    let writers: Vec<_> = (0..WRITES)
        .map(|n| {
            let client = app.client.clone();
            let url = paths[n % paths.len()].clone();
            let token = admin.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&new_credential(&format!("C-{n}")))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    // Follow the feed while the writes commit, in small pages.
    let mut cursor: Option<String> = None;
    let mut seqs = Vec::new();
    loop {
        let writing = writers.iter().any(|h| !h.is_finished());
        let (items, next) = page(&app, &admin, cursor.as_deref(), 5).await;
        seqs.extend(items.iter().map(|e| e["seq"].as_i64().unwrap()));
        cursor = Some(next);
        if items.is_empty() && !writing {
            break;
        }
    }
    for h in writers {
        assert_eq!(h.await.unwrap(), 201);
    }
    let all: Vec<i64> = (1..=WRITES as i64).collect();
    assert_eq!(seqs, all, "each event once, in order, none missed");
}

async fn events_are_scoped_by_region(b: Backend) {
    let app = spawn_app(b).await;
    let (chengdu, _) = app.worker_with_credential(1, "510104").await;
    let (beijing, _) = app.worker_with_credential(2, "110105").await;
    let workers = |token: String| {
        let app = &app;
        async move {
            let (items, _) = follow(app, &token, None).await;
            items
                .iter()
                .map(|e| e["worker_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(workers(app.admin("510000")).await, [chengdu.as_str()]);
    assert_eq!(workers(app.hr("510104")).await, [chengdu.as_str()]);
    assert_eq!(workers(app.admin("110000")).await, [beijing.as_str()]);
    assert!(workers(app.admin("510105")).await.is_empty());
    assert_eq!(
        workers(app.admin("000000")).await,
        [chengdu.clone(), beijing.clone()]
    );
    assert_problem(
        app.get("/api/v1/events", &app.worker(&chengdu)).await,
        403,
        "forbidden",
    )
    .await;

    // A move is seen by the region left and the region entered, not by others.
    let (_, c_104) = page(&app, &app.admin("510104"), None, 50).await;
    let (_, c_105) = page(&app, &app.admin("510105"), None, 50).await;
    let (_, c_110) = page(&app, &app.admin("110000"), None, 50).await;
    updated(
        &app,
        &format!("/api/v1/workers/{chengdu}"),
        "\"1\"",
        &worker_update("张1", "510105"),
    )
    .await;
    for (region, c) in [("510104", &c_104), ("510105", &c_105)] {
        let (items, _) = page(&app, &app.admin(region), Some(c), 50).await;
        assert_eq!(items.len(), 1, "{region}");
        assert_eq!(items[0]["kind"], "worker.region_changed");
    }
    let (items, _) = page(&app, &app.admin("110000"), Some(&c_110), 50).await;
    assert!(items.is_empty());

    // A cursor this feed did not issue is a 422 naming `after`.
    let workers_cursor = "d29yaw"; // base64url of "work"
    for bad in [workers_cursor, "!!"] {
        let p = assert_problem(
            app.get(&format!("/api/v1/events?after={bad}"), &app.admin("000000"))
                .await,
            422,
            "validation",
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "after");
        assert_eq!(p["errors"][0]["rule"], "cursor.invalid");
    }
}

async fn policies_and_payments_are_reported(b: Backend) {
    let app = spawn_app(b).await;
    let policy = create_policy(&app, &sample_policy("chengdu-community-monthly.json")).await;
    let kinds = |token: String| {
        let app = &app;
        async move {
            let (items, _) = follow(app, &token, None).await;
            items
                .iter()
                .map(|e| e["kind"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // A policy of 510100 concerns the regions inside it and the regions enclosing it.
    for region in ["000000", "510000", "510100", "510104"] {
        assert_eq!(
            kinds(app.admin(region)).await,
            ["policy.created"],
            "{region}"
        );
    }
    for region in ["110000", "510200"] {
        assert!(kinds(app.admin(region)).await.is_empty(), "{region}");
    }
    let (items, mut cursor) = follow(&app, &app.admin("000000"), None).await;
    assert_eq!(items[0]["resource"], "allowance_policy");
    let key = format!(
        "{}/versions/{}",
        policy["policy_id"].as_str().unwrap(),
        policy["version"]
    );
    assert_eq!(items[0]["resource_id"], key.as_str());
    let path = format!("/api/v1/allowance-policies/{key}");
    assert_eq!(app.get(&path, &app.hr("510104")).await.status(), 200);
    assert_eq!(items[0]["region_code"], "510100");
    assert!(items[0].get("worker_id").is_none());

    // A one-off payment is a fact of the worker's next decision.
    create_policy(&app, &sample_policy("weihai-one-off.json")).await;
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
    let kinds_since: Vec<String> = since(&app, &mut cursor)
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds_since,
        ["policy.created", "credential.created", "assignment.created"]
    );
    let payment = created_id(
        &app,
        &format!("/api/v1/workers/{}/allowance-payments", s.worker),
        &json!({"policy_id": "wh-credential-bonus", "level": "assistant",
                "month": "2019-10", "amount": "1000.00"}),
    )
    .await;
    let e = one(&app, &mut cursor, "allowance_payment.created", &payment).await;
    assert_eq!(e["worker_id"], s.worker.as_str());
    assert_eq!(e["region_code"], "371002");
}

async fn events_are_append_only_in_the_database(b: Backend) {
    let app = spawn_app(b).await;
    app.worker_with_credential(1, "510104").await;
    let db = &app.state.db;
    assert!(
        db.execute_unprepared("UPDATE events SET kind = 'credential.updated'")
            .await
            .is_err()
    );
    assert!(db.execute_unprepared("DELETE FROM events").await.is_err());
    if b == Backend::Postgres {
        assert!(db.execute_unprepared("TRUNCATE events").await.is_err());
    }
    assert_eq!(app.count::<event::Entity>().await, 1);
}

async fn a_write_failing_after_its_event_leaves_no_event(b: Backend) {
    use registry_api::db::entities::credential;
    let app = spawn_app(b).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let path = app.url(&format!("/api/v1/workers/{}/credentials", id(&worker)));
    // Make the last step of a keyed create (recording its Idempotency-Key, after the row, the
    // audit entry and the event) fail.
    let db = &app.state.db;
    let inject: &[&str] = match b {
        Backend::Sqlite => &[
            "CREATE TRIGGER fail_keys BEFORE INSERT ON idempotency_keys \
             BEGIN SELECT RAISE(ABORT, 'injected'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION fail_keys() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'injected'; END $$",
            "CREATE TRIGGER fail_keys BEFORE INSERT ON idempotency_keys \
             FOR EACH ROW EXECUTE FUNCTION fail_keys()",
        ],
    };
    for sql in inject {
        db.execute_unprepared(sql).await.unwrap();
    }
    let send = || {
        app.client
            .post(&path)
            .bearer_auth(app.admin("000000"))
            .header("Idempotency-Key", "k-1")
            .json(&new_credential("C-1"))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 500);
    assert_eq!(app.count::<credential::Entity>().await, 0);
    assert_eq!(
        app.count::<event::Entity>().await,
        0,
        "rolled back with the write"
    );
    let drop = match b {
        Backend::Sqlite => "DROP TRIGGER fail_keys",
        Backend::Postgres => "DROP TRIGGER fail_keys ON idempotency_keys",
    };
    db.execute_unprepared(drop).await.unwrap();
    assert_eq!(send().await.unwrap().status(), 201);
    assert_eq!(app.count::<event::Entity>().await, 1);
}
