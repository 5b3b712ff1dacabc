//! A lock held by someone else answers 503 problem+json with `Retry-After` once the lock
//! timeout (`REGISTRY_DB_LOCK_TIMEOUT_MS`) runs out — never a 500, never an endless wait —
//! and writes nothing. SQLite: the database-wide write lock (busy timeout). PostgreSQL: a
//! table lock (`lock_timeout`, error 55P03, mapped by `db::is_transient`); that test needs
//! PostgreSQL and fails, not skips, when it is unreachable.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, EntityTrait, QueryOrder, TransactionTrait};

use crate::helpers::{Backend, assert_problem, new_worker, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_write_lock_is_a_503_with_retry_after() {
    let app = spawn_app(Backend::Sqlite).await;
    let registry_api::config::DatabaseUrl::Sqlite { url, .. } = &app.config.database else {
        unreachable!("spawned on SQLite")
    };
    let other = Database::connect(url.as_str())
        .await
        .expect("second connection");
    let holder = other.begin().await.expect("begin");
    // Any write takes SQLite's write lock until the transaction ends.
    holder
        .execute_unprepared("UPDATE workers SET version = version WHERE 1 = 0")
        .await
        .expect("take the write lock");

    let resp = app
        .post(
            "/api/v1/workers",
            &app.admin("510000"),
            &new_worker(1, "510104"),
        )
        .await;
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_problem(resp, 503, "unavailable").await;
    assert!(
        retry_after
            .as_deref()
            .is_some_and(|s| s.parse::<u32>().is_ok_and(|n| n >= 1)),
        "Retry-After: {retry_after:?}"
    );

    holder.rollback().await.expect("release");
    other.close().await.ok();
    assert_eq!(app.row_counts().await.0, 0, "nothing was written");
    // With the lock released the same request succeeds.
    let resp = app
        .post(
            "/api/v1/workers",
            &app.admin("510000"),
            &new_worker(1, "510104"),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_postgres_table_lock_is_a_503_with_retry_after() {
    let app = spawn_app(Backend::Postgres).await;
    let registry_api::config::DatabaseUrl::Postgres(url) = &app.config.database else {
        unreachable!("spawned on PostgreSQL")
    };
    let other = Database::connect(url.as_str())
        .await
        .expect("second connection");
    let holder = other.begin().await.expect("begin");
    holder
        .execute_unprepared("LOCK TABLE workers IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("take the table lock");

    let started = Instant::now();
    // Without a lock timeout the request would wait for the lock forever.
    let resp = tokio::time::timeout(
        app.config.lock_timeout + Duration::from_secs(20),
        app.post(
            "/api/v1/workers",
            &app.admin("510000"),
            &new_worker(1, "510104"),
        ),
    )
    .await
    .expect("the write fails fast instead of waiting for the lock");
    assert!(
        started.elapsed() >= app.config.lock_timeout,
        "it waited for the lock first"
    );
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_problem(resp, 503, "unavailable").await;
    assert!(
        retry_after
            .as_deref()
            .is_some_and(|s| s.parse::<u32>().is_ok_and(|n| n >= 1)),
        "Retry-After: {retry_after:?}"
    );

    holder.rollback().await.expect("release");
    other.close().await.ok();
    assert_eq!(app.row_counts().await, (0, 0, 0), "nothing was written");
    let resp = app
        .post(
            "/api/v1/workers",
            &app.admin("510000"),
            &new_worker(1, "510104"),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(app.row_counts().await.0, 1);
}

/// The read-audit writer appends on the runtime's own threads (`audit/reads/direct.rs`), so
/// it must never wait for a lock there: while another connection holds the read log's write
/// lock, an audited read waits (its batch goes to the writer's sqlx connection, which waits
/// on its own thread) and the runtime goes on answering; once the lock is released the read
/// is answered and its entry is chained after the others. One runtime thread, so a writer
/// waiting on it would stall everything else, the test's own steps included.
#[tokio::test(flavor = "current_thread")]
async fn a_held_read_log_lock_holds_back_the_audited_read_not_the_runtime() {
    let app = spawn_app(Backend::Sqlite).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    let path = format!("/api/v1/workers/{w1}/allowance?month=2026-03");
    let admin = app.admin("510000");
    // The writer is started (and its direct appender opened) by the first audited read.
    assert_eq!(app.get(&path, &admin).await.status(), 200);
    assert_eq!(app.state.reads.direct_batches(), 1, "appended directly");

    let holder = app.state.read_log.begin().await.expect("begin");
    holder
        .execute_unprepared("UPDATE audit_log SET seq = seq WHERE 1 = 0")
        .await
        .expect("take the read log's write lock");
    let started = Instant::now();
    let read = {
        let (client, url, admin) = (app.client.clone(), app.url(&path), admin.clone());
        tokio::spawn(async move { client.get(url).bearer_auth(admin).send().await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.get("/livez", &admin).await.status(), 200);
    // Not a speed check: anything waiting for the lock on the one runtime thread would
    // hold it for the whole busy timeout (5 s), far past this bound.
    let held = started.elapsed();
    assert!(
        held < Duration::from_secs(3),
        "the runtime stood still for {held:?} while the read log was locked"
    );
    assert!(!read.is_finished(), "the audited read waits for its entry");

    holder.rollback().await.expect("release");
    let resp = read.await.expect("task").expect("response");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.state.reads.direct_batches(),
        1,
        "the held-up batch went through the sqlx connection"
    );
    let log = registry_api::db::entities::audit_log::Entity::find()
        .order_by_asc(registry_api::db::entities::audit_log::Column::Seq)
        .all(&app.state.read_log)
        .await
        .expect("read log");
    let seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=log.len() as i64).collect::<Vec<_>>());
    let last = log.last().expect("entries");
    assert_eq!(
        (last.action.as_str(), last.worker_id.as_deref()),
        ("get_worker_allowance", Some(w1.as_str()))
    );
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "get_worker_allowance")
            .count(),
        2
    );
    for pair in log.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
}
