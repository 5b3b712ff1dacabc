//! Restarting the service on the same database keeps the data (and the keys still open it)
//! and the read log.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, new_worker, resident_id, spawn_app};

both_backends!(restart_keeps_data);

async fn restart_keeps_data(b: Backend) {
    let mut app = spawn_app(b).await;
    let w = app.create_worker(&new_worker(9, "510104")).await;
    let path = format!("/api/v1/workers/{}", w["id"].as_str().unwrap());
    assert_eq!(app.get(&path, &app.admin("510000")).await.status(), 200);
    app.restart().await;
    let got: Value = app
        .get(&path, &app.admin("510000"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["resident_id"], resident_id(9));
    assert_eq!(got["name"], "张9");
    // the create, and in the read log the admin's reads before and after the restart
    assert_eq!(app.row_counts().await, (1, 1, 0));
    assert_eq!(app.reads_logged().await, 2);
}

both_backends!(audit_log_is_chained_and_append_only);

async fn audit_log_is_chained_and_append_only(b: Backend) {
    use registry_api::audit::{GENESIS_HASH, entry_hash};
    use registry_api::db::entities::audit_log;
    use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

    let app = spawn_app(b).await;
    for n in 0..3 {
        app.create_worker(&new_worker(n, "510104")).await;
    }
    let rows = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Seq)
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let mut prev = GENESIS_HASH.to_owned();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.seq, i as i64 + 1);
        assert_eq!(r.prev_hash, prev);
        let h = entry_hash(
            &r.prev_hash,
            r.seq,
            &r.at,
            &r.actor,
            &r.role,
            &r.action,
            &r.resource,
            &r.resource_id,
            &r.request_id,
            r.worker_id.as_deref(),
        );
        assert_eq!(h, r.hash);
        assert_eq!(r.action, "create_worker");
        prev = r.hash.clone();
    }
    let db = &app.state.db;
    assert!(
        db.execute_unprepared("UPDATE audit_log SET actor = 'x'")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("DELETE FROM audit_log")
            .await
            .is_err()
    );
    assert_eq!(app.row_counts().await.1, 3);
}
