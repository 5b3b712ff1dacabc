//! Workers: create, read, update, list with paging, concurrency, idempotency.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, new_worker, resident_id, spawn_app};

both_backends!(
    create_read_update,
    list_pages_through_more_than_one_page,
    same_etag_twice_one_wins,
    update_requires_if_match,
    idempotent_retry_creates_one_record,
    idempotency_key_reuse_with_other_body_is_422,
    duplicate_resident_id_is_409,
);

async fn create_read_update(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("510000");
    let resp = app
        .post("/api/v1/workers", &admin, &new_worker(1, "510104"))
        .await;
    assert_eq!(resp.status(), 201);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/workers/{id}"));
    assert_eq!(etag, "\"1\"");
    assert_eq!(created["resident_id"], resident_id(1));
    assert_eq!(
        created["resident_id_masked"],
        "1101**********0015".replace("0015", &resident_id(1)[14..])
    );
    assert_eq!(created["education"]["level"], "bachelor");
    assert_eq!(created["experience_start"], "2015-07-01");
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    let got = app.get(&location, &admin).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["etag"], "\"1\"");
    let got: Value = got.json().await.unwrap();
    assert_eq!(got["name"], "张1");

    let update = json!({
        "name": "李四",
        "education": {"level": "master", "social_work_major": false},
        "experience_start": "2016-01-01",
        "region_code": "510100",
    });
    let resp = app.put(&location, &admin, Some(&etag), &update).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["name"], "李四");
    assert_eq!(updated["region_code"], "510100");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["resident_id"], resident_id(1));

    let again: Value = app.get(&location, &admin).await.json().await.unwrap();
    assert_eq!(again["education"]["level"], "master");
    // one audit entry per write, and one per admin read (two) in the read log
    assert_eq!(app.row_counts().await, (1, 2, 0));
    assert_eq!(app.reads_logged().await, 2);
}

async fn list_pages_through_more_than_one_page(b: Backend) {
    let app = spawn_app(b).await;
    for n in 0..7 {
        app.create_worker(&new_worker(n, "510104")).await;
    }
    app.create_worker(&new_worker(100, "110105")).await;
    let admin = app.admin("510000");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/workers?limit=3&cursor={c}"),
            None => "/api/v1/workers?limit=3".to_owned(),
        };
        let page: Value = app.get(&path, &admin).await.json().await.unwrap();
        pages += 1;
        for w in page["items"].as_array().unwrap() {
            seen.push(w["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7, "only the admin's region");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "ascending, no duplicates");

    // default page size and filters
    let page: Value = app
        .get("/api/v1/workers", &app.admin("000000"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 8);
    assert!(page.get("next_cursor").is_none());
    let page: Value = app
        .get("/api/v1/workers?region=110000", &app.admin("000000"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let page: Value = app
        .get("/api/v1/workers?region=110000", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        0,
        "outside the caller's region"
    );
    let page: Value = app
        .get("/api/v1/workers?name=%E5%BC%A03", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        1,
        "name prefix 张3"
    );

    let too_big = app.get("/api/v1/workers?limit=201", &admin).await;
    let body = assert_problem(too_big, 422, "validation").await;
    assert_eq!(body["errors"][0]["field"], "limit");
    let bad_cursor = app.get("/api/v1/workers?cursor=zzz", &admin).await;
    let body = assert_problem(bad_cursor, 422, "validation").await;
    assert_eq!(body["errors"][0]["field"], "cursor");
}

async fn same_etag_twice_one_wins(b: Backend) {
    let app = spawn_app(b).await;
    let created = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!("/api/v1/workers/{}", created["id"].as_str().unwrap());
    let admin = app.admin("510000");
    let body = |name: &str| {
        json!({
            "name": name,
            "education": {"level": "bachelor", "social_work_major": true},
            "experience_start": "2015-07-01",
            "region_code": "510104",
        })
    };
    let (body_a, body_b) = (body("A"), body("B"));
    let (a, b2) = tokio::join!(
        app.put(&path, &admin, Some("\"1\""), &body_a),
        app.put(&path, &admin, Some("\"1\""), &body_b),
    );
    let mut statuses = vec![a.status().as_u16(), b2.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412]);
    let loser = if a.status() == 412 { a } else { b2 };
    assert_problem(loser, 412, "precondition-failed").await;
    let now: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(now["version"], 2);
}

async fn update_requires_if_match(b: Backend) {
    let app = spawn_app(b).await;
    let created = app.create_worker(&new_worker(1, "510104")).await;
    let path = format!("/api/v1/workers/{}", created["id"].as_str().unwrap());
    let admin = app.admin("510000");
    let body = json!({
        "name": "王五",
        "education": {"level": "college", "social_work_major": false},
        "experience_start": "2015-07-01",
        "region_code": "510104",
    });
    assert_problem(
        app.put(&path, &admin, None, &body).await,
        428,
        "precondition-required",
    )
    .await;
    assert_problem(
        app.put(&path, &admin, Some("\"7\""), &body).await,
        412,
        "precondition-failed",
    )
    .await;
    let before = app.row_counts().await;
    assert_eq!(
        app.put(&path, &admin, Some("\"1\""), &body).await.status(),
        200
    );
    assert_problem(
        app.put(&path, &admin, Some("\"1\""), &body).await,
        412,
        "precondition-failed",
    )
    .await;
    assert_eq!(
        app.row_counts().await.1,
        before.1 + 1,
        "one audit entry for one write"
    );
}

async fn idempotent_retry_creates_one_record(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    let send = || {
        app.client
            .post(app.url("/api/v1/workers"))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "create-1")
            .json(&new_worker(5, "510104"))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.status(), 201);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    // key order and spacing do not matter
    let reordered = r#"{"region_code":"510104","experience_start":"2015-07-01","name":"张5",
        "education":{"social_work_major":true,"level":"bachelor"},"resident_id":"RID"}"#
        .replace("RID", &resident_id(5));
    let third = app
        .client
        .post(app.url("/api/v1/workers"))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "create-1")
        .header("content-type", "application/json")
        .body(reordered)
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), 201);
    assert_eq!(app.row_counts().await, (1, 1, 1));
}

async fn idempotency_key_reuse_with_other_body_is_422(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.admin("000000");
    let send = |n: u32| {
        app.client
            .post(app.url("/api/v1/workers"))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "k")
            .json(&new_worker(n, "510104"))
            .send()
    };
    assert_eq!(send(1).await.unwrap().status(), 201);
    assert_problem(send(2).await.unwrap(), 422, "idempotency-key-reused").await;
    assert_eq!(app.row_counts().await, (1, 1, 1));
}

async fn duplicate_resident_id_is_409(b: Backend) {
    let app = spawn_app(b).await;
    app.create_worker(&new_worker(1, "510104")).await;
    let mut again = new_worker(1, "110105");
    again["name"] = json!("someone else");
    let resp = app
        .post("/api/v1/workers", &app.admin("000000"), &again)
        .await;
    assert_problem(resp, 409, "conflict").await;
    assert_eq!(app.row_counts().await, (1, 1, 0));
}
