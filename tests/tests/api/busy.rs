//! A lock held by someone else answers 503 problem+json with `Retry-After` once the lock
//! timeout (`REGISTRY_DB_LOCK_TIMEOUT_MS`) runs out — never a 500, never an endless wait —
//! and writes nothing. SQLite: the database-wide write lock (busy timeout). PostgreSQL: a
//! table lock (`lock_timeout`, error 55P03, mapped by `db::is_transient`); that test needs
//! PostgreSQL and fails, not skips, when it is unreachable.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, TransactionTrait};

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
