//! A SQLite database whose write lock is held by someone else answers 503 problem+json with
//! `Retry-After` once the busy timeout runs out — never a 500 — and writes nothing.
//! SQLite only: PostgreSQL has no database-wide write lock; its lock and serialisation
//! failures go through the same mapping (`db::is_transient`).

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
