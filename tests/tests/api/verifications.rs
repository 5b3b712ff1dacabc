//! `POST /api/v1/verifications`: public, answers valid / level / region and nothing more,
//! the same `{"valid": false}` for an unknown number and a wrong name, audited as `public`.

use registry_api::db::entities::audit_log;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_problem, new_credential, spawn_app};

both_backends!(verification_answers_only_validity, invalid_requests_are_422);

async fn verify(app: &TestApp, number: &str, name: &str) -> Value {
    let resp = app
        .client
        .post(app.url("/api/v1/verifications"))
        .json(&json!({"certificate_number": number, "name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn verification_answers_only_validity(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, c1) = app.worker_with_credential(1, "510104").await;
    let admin = app.admin("510000");
    // a restricted credential of the same worker
    let mut restricted = new_credential("CERT-R");
    restricted["valid_region"] = json!("510100");
    restricted["level"] = json!("intermediate");
    let resp = app
        .post(
            &format!("/api/v1/workers/{w1}/credentials"),
            &admin,
            &restricted,
        )
        .await;
    assert_eq!(resp.status(), 201);

    assert_eq!(
        verify(&app, "CERT-1", "张1").await,
        json!({"valid": true, "level": "assistant", "region_of_validity": "000000"})
    );
    assert_eq!(
        verify(&app, "CERT-R", " 张1 ").await,
        json!({"valid": true, "level": "intermediate", "region_of_validity": "510100"})
    );
    let not_valid = json!({"valid": false});
    assert_eq!(verify(&app, "CERT-1", "李四").await, not_valid);
    assert_eq!(verify(&app, "NO-SUCH-CERT", "张1").await, not_valid);

    // revoked is not valid
    let resp = app.get(&format!("/api/v1/credentials/{c1}"), &admin).await;
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let mut revoked = new_credential("CERT-1");
    revoked["status"] = json!("revoked");
    let resp = app
        .put(
            &format!("/api/v1/credentials/{c1}"),
            &admin,
            Some(&etag),
            &revoked,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(verify(&app, "CERT-1", "张1").await, not_valid);

    // every verification is audited as public, without number or name
    let log = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Seq)
        .all(&app.state.db)
        .await
        .unwrap();
    let public: Vec<_> = log.iter().filter(|e| e.actor == "public").collect();
    assert_eq!(public.len(), 5);
    assert!(
        public
            .iter()
            .all(|e| e.role == "public" && e.action == "verify_credential")
    );
    assert_eq!(public[0].resource_id, c1);
    assert_eq!(public[0].worker_id.as_deref(), Some(w1.as_str()));
    assert_eq!(public[3].resource_id, "", "unknown number");
    assert_eq!(public[3].worker_id, None);
    for e in &log {
        let text = format!("{e:?}");
        assert!(!text.contains("CERT-") && !text.contains("张1"), "{text}");
    }
    // the worker sees the public verifications of their certificates
    let page: Value = app
        .get("/api/v1/me/access-log", &app.worker(&w1))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["actor"], "public");
    assert_eq!(page["items"][0]["role"], "public");
}

async fn invalid_requests_are_422(b: Backend) {
    let app = spawn_app(b).await;
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/verifications"))
            .json(&body)
            .send()
    };
    let p = assert_problem(
        post(json!({"certificate_number": "CERT-1"})).await.unwrap(),
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "name");
    let p = assert_problem(
        post(json!({"certificate_number": "CERT-1", "name": "x", "id": 1}))
            .await
            .unwrap(),
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "id");
    let p = assert_problem(
        post(json!({"certificate_number": "has space", "name": "x"}))
            .await
            .unwrap(),
        422,
        "validation",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "certificate_number");
    assert_eq!(app.count::<audit_log::Entity>().await, 0, "nothing written");
}
