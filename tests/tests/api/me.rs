//! `/api/v1/me`, `/me/credentials`, `/me/access-log`: a worker's own views, worker role only,
//! never anyone else's data.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, new_credential, resident_id, spawn_app};

both_backends!(
    me_shows_own_record_in_clear,
    me_credentials_with_registrations,
    access_log_lists_others_accesses_only,
);

async fn me_shows_own_record_in_clear(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    app.worker_with_credential(2, "510104").await;
    let resp = app.get("/api/v1/me", &app.worker(&w1)).await;
    assert_eq!(resp.status(), 200);
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["id"], w1);
    assert_eq!(me["name"], "张1");
    assert_eq!(me["resident_id"], resident_id(1));
    for token in [app.admin("000000"), app.hr("510000")] {
        for path in [
            "/api/v1/me",
            "/api/v1/me/credentials",
            "/api/v1/me/access-log",
        ] {
            assert_problem(app.get(path, &token).await, 403, "forbidden").await;
        }
    }
    assert_problem(
        app.client.get(app.url("/api/v1/me")).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    // a worker whose record does not exist (stale token)
    assert_problem(
        app.get("/api/v1/me", &app.worker("no-such-worker")).await,
        404,
        "not-found",
    )
    .await;
}

async fn me_credentials_with_registrations(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, c1) = app.worker_with_credential(1, "510104").await;
    let (w2, _) = app.worker_with_credential(2, "510104").await;
    let admin = app.admin("510000");
    let resp = app
        .post(
            &format!("/api/v1/workers/{w1}/credentials"),
            &admin,
            &new_credential("CERT-1B"),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let c1b: Value = resp.json().await.unwrap();
    for day in ["2020-01-01", "2023-01-01"] {
        let resp = app
            .post(
                &format!("/api/v1/credentials/{c1}/registrations"),
                &admin,
                &json!({"kind": "first", "registered_on": day}),
            )
            .await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    }
    let resp = app.get("/api/v1/me/credentials", &app.worker(&w1)).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["credential"]["id"], c1);
    assert_eq!(items[0]["credential"]["certificate_number"], "CERT-1");
    let regs = items[0]["registrations"].as_array().unwrap();
    assert_eq!(regs.len(), 2);
    assert_eq!(regs[0]["registered_on"], "2020-01-01");
    assert_eq!(regs[1]["registered_on"], "2023-01-01");
    assert_eq!(items[1]["credential"]["id"], c1b["id"]);
    assert_eq!(items[1]["registrations"], json!([]));

    let resp = app.get("/api/v1/me/credentials", &app.worker(&w2)).await;
    let body: Value = resp.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["credential"]["certificate_number"], "CERT-2");
    assert_eq!(items[0]["registrations"], json!([]));
}

async fn access_log_lists_others_accesses_only(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, c1) = app.worker_with_credential(1, "510104").await;
    let (w2, _) = app.worker_with_credential(2, "510104").await;
    let me = app.worker(&w1);
    // my own reads are not listed
    assert_eq!(
        app.get(&format!("/api/v1/workers/{w1}"), &me)
            .await
            .status(),
        200
    );
    // others' reads of me and of w2
    assert_eq!(
        app.get(&format!("/api/v1/workers/{w1}"), &app.hr("510000"))
            .await
            .status(),
        200
    );
    // a write of my record between two reads: the two chains interleave by time
    let resp = app
        .post(
            &format!("/api/v1/workers/{w1}/credentials"),
            &app.admin("510000"),
            &new_credential("CERT-1-B"),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let c1b: Value = resp.json().await.unwrap();
    let c1b = c1b["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/api/v1/credentials/{c1}"), &app.admin("510100"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/workers/{w2}"), &app.hr("510000"))
            .await
            .status(),
        200
    );

    let resp = app.get("/api/v1/me/access-log", &me).await;
    assert_eq!(resp.status(), 200);
    let page: Value = resp.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|e| {
            (
                e["chain"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["role"].as_str().unwrap(),
                e["resource"].as_str().unwrap(),
            )
        })
        .collect();
    // newest first, reads from the read log and writes from the register's chain: admin
    // read the credential, admin added a credential, hr read the worker, admin created both
    assert_eq!(
        seen,
        [
            ("reads", "get_credential", "admin", "credential"),
            ("register", "create_credential", "admin", "credential"),
            ("reads", "get_worker", "hr", "worker"),
            ("register", "create_credential", "admin", "credential"),
            ("register", "create_worker", "admin", "worker"),
        ]
    );
    assert!(
        items
            .iter()
            .all(|e| e["at"].is_string() && e["actor"] == "jwt:tester")
    );
    assert!(
        items.iter().all(|e| [&w1, &c1, &c1b]
            .iter()
            .any(|id| e["resource_id"] == id.as_str())),
        "never another worker's entries: {items:?}"
    );
    assert!(page.get("next_cursor").is_none());

    // paging: one at a time, same entries in the same order
    let mut seqs = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/me/access-log?limit=1&cursor={c}"),
            None => "/api/v1/me/access-log?limit=1".to_owned(),
        };
        let page: Value = app.get(&path, &me).await.json().await.unwrap();
        seqs.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["chain"].clone(), e["seq"].as_i64().unwrap())),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let expected: Vec<(Value, i64)> = items
        .iter()
        .map(|e| (e["chain"].clone(), e["seq"].as_i64().unwrap()))
        .collect();
    assert_eq!(seqs, expected);
    assert_problem(
        app.get("/api/v1/me/access-log?cursor=bogus", &me).await,
        422,
        "validation",
    )
    .await;

    // w2 sees only the read of w2
    let page: Value = app
        .get("/api/v1/me/access-log", &app.worker(&w2))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["get_worker", "create_credential", "create_worker"]
    );
}
