//! The audit log: reads of a worker's record by others are recorded in the read log (a
//! worker's own are not), writes in the register's chain, and `registry-api audit verify` /
//! `audit checkpoint` detect tampering, rewrites and truncation of either chain.

use registry_api::audit::entry_hash;
use registry_api::audit_verify;
use registry_api::cli::AuditCommand;
use registry_api::db::entities::audit_log;
use registry_api::db::wal_checkpointer::ENTRIES_PER_CHECKPOINT;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, new_worker, spawn_app};

both_backends!(
    reads_by_others_are_audited_own_reads_are_not,
    verify_names_the_tampered_entry,
    checkpoint_detects_rewrite_and_truncation,
    concurrent_reads_each_commit_their_own_entry,
    the_read_writer_checkpoints_off_its_commits,
    reads_and_writes_alternating_keep_each_chain_whole,
    the_read_log_is_verified_and_checkpointed_too,
    audited_reads_leave_the_register_unchanged,
    reads_are_recorded_while_a_write_holds_the_register,
    single_and_listed_reads_share_one_gapless_read_log,
);

/// The register's chain (writes), in order.
async fn entries(app: &TestApp) -> Vec<audit_log::Model> {
    chain(&app.state.db).await
}

/// The read log's chain (reads of personal records), in order.
async fn read_entries(app: &TestApp) -> Vec<audit_log::Model> {
    chain(&app.state.read_log).await
}

async fn chain(db: &DatabaseConnection) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Seq)
        .all(db)
        .await
        .unwrap()
}

async fn reads_by_others_are_audited_own_reads_are_not(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, c1) = app.worker_with_credential(1, "510104").await;
    let (w2, _) = app.worker_with_credential(2, "510105").await;
    let before = read_entries(&app).await.len();
    let writes = entries(&app).await.len();

    // an admin reads w1: one entry naming w1
    let resp = app
        .get(&format!("/api/v1/workers/{w1}"), &app.admin("510000"))
        .await;
    assert_eq!(resp.status(), 200);
    let log = read_entries(&app).await;
    assert_eq!(log.len(), before + 1);
    let e = log.last().unwrap();
    assert_eq!(
        (e.action.as_str(), e.role.as_str(), e.resource.as_str()),
        ("get_worker", "admin", "worker")
    );
    assert_eq!(e.worker_id.as_deref(), Some(w1.as_str()));
    assert_eq!(e.resource_id, w1);

    // the worker reads their own record, credentials and credential: nothing recorded
    let me = app.worker(&w1);
    for path in [
        format!("/api/v1/workers/{w1}"),
        format!("/api/v1/workers/{w1}/credentials"),
        format!("/api/v1/credentials/{c1}"),
        format!("/api/v1/credentials/{c1}/registrations"),
        format!("/api/v1/workers/{w1}/continuing-education"),
        "/api/v1/workers".to_owned(),
        "/api/v1/me".to_owned(),
    ] {
        assert_eq!(app.get(&path, &me).await.status(), 200, "{path}");
    }
    assert_eq!(read_entries(&app).await.len(), before + 1);

    // hr lists workers: one entry per worker returned, each naming its worker
    let resp = app.get("/api/v1/workers", &app.hr("510000")).await;
    assert_eq!(resp.status(), 200);
    let log = read_entries(&app).await;
    assert_eq!(log.len(), before + 3);
    let listed: Vec<_> = log[before + 1..]
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.role.as_str(),
                e.worker_id.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("list_workers", "hr", w1.clone()),
            ("list_workers", "hr", w2.clone())
        ]
    );

    // credential reads and lists by hr name the holder
    let hr = app.hr("510000");
    for (path, action) in [
        (format!("/api/v1/credentials/{c1}"), "get_credential"),
        (
            format!("/api/v1/workers/{w1}/credentials"),
            "list_credentials",
        ),
        (
            format!("/api/v1/credentials/{c1}/registrations"),
            "list_registrations",
        ),
        (
            format!("/api/v1/workers/{w1}/continuing-education"),
            "list_continuing_education",
        ),
    ] {
        assert_eq!(app.get(&path, &hr).await.status(), 200, "{path}");
        let e = read_entries(&app).await.pop().unwrap();
        assert_eq!(e.action, action);
        assert_eq!(e.worker_id.as_deref(), Some(w1.as_str()));
    }
    // a hidden record (out of region) is a 404 and records nothing
    let n = read_entries(&app).await.len();
    let resp = app
        .get(&format!("/api/v1/workers/{w1}"), &app.admin("110000"))
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(read_entries(&app).await.len(), n);
    // reads never touch the register's chain
    assert_eq!(entries(&app).await.len(), writes);
}

/// Lets the test rewrite the append-only table, as an attacker with database access could.
async fn disable_append_only(app: &TestApp, b: Backend) {
    disable_append_only_in(&app.state.db, b).await
}

async fn disable_append_only_in(db: &DatabaseConnection, b: Backend) {
    match b {
        Backend::Sqlite => {
            db.execute_unprepared("DROP TRIGGER audit_log_no_update")
                .await
                .unwrap();
            db.execute_unprepared("DROP TRIGGER audit_log_no_delete")
                .await
                .unwrap();
        }
        Backend::Postgres => {
            db.execute_unprepared("ALTER TABLE audit_log DISABLE TRIGGER ALL")
                .await
                .unwrap();
        }
    }
}

async fn run(app: &TestApp, cmd: AuditCommand) -> (bool, String) {
    let mut out = Vec::new();
    let ok = audit_verify::run(&app.config, &cmd, &mut out)
        .await
        .unwrap();
    (ok, String::from_utf8(out).unwrap())
}

fn verify(checkpoint: Option<&str>) -> AuditCommand {
    AuditCommand::Verify {
        checkpoint: checkpoint.map(str::to_owned),
    }
}

async fn seed(app: &TestApp, from: u32, n: u32) {
    for i in from..from + n {
        app.create_worker(&new_worker(i, "510104")).await;
    }
}

async fn verify_names_the_tampered_entry(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app, 0, 4).await;
    let (ok, out) = run(&app, verify(None)).await;
    assert!(ok, "{out}");
    let head = entries(&app).await.pop().unwrap();
    assert_eq!(
        out.trim(),
        format!(
            "OK: 4 entries, head seq 4 hash {}; read log: 0 entries, head seq 0 hash {}",
            head.hash,
            "0".repeat(64)
        )
    );

    disable_append_only(&app, b).await;
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::Actor, Expr::value("someone-else"))
        .filter(audit_log::Column::Seq.eq(2))
        .exec(&app.state.db)
        .await
        .unwrap();
    let (ok, out) = run(&app, verify(None)).await;
    assert!(!ok);
    assert!(
        out.starts_with("BROKEN at seq 2: hash does not match"),
        "{out}"
    );

    // a deleted entry in the middle is a gap named by its seq
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::Actor, Expr::value("jwt:tester"))
        .filter(audit_log::Column::Seq.eq(2))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert!(run(&app, verify(None)).await.0, "restored");
    audit_log::Entity::delete_many()
        .filter(audit_log::Column::Seq.eq(3))
        .exec(&app.state.db)
        .await
        .unwrap();
    let (ok, out) = run(&app, verify(None)).await;
    assert!(!ok);
    assert!(
        out.starts_with("BROKEN at seq 3: entry 3 is missing"),
        "{out}"
    );
}

/// Rewrites entry `seq`'s actor and recomputes every hash from there on, so the chain is
/// consistent again: only a checkpoint can tell.
async fn rewrite_and_rehash(db: &DatabaseConnection, seq: i64, actor: &str) {
    let mut prev: Option<String> = None;
    for mut e in chain(db).await {
        if e.seq < seq {
            prev = Some(e.hash);
            continue;
        }
        if e.seq == seq {
            e.actor = actor.to_owned();
        }
        let prev_hash = prev.clone().unwrap();
        let hash = entry_hash(
            &prev_hash,
            e.seq,
            &e.at,
            &e.actor,
            &e.role,
            &e.action,
            &e.resource,
            &e.resource_id,
            &e.request_id,
            e.worker_id.as_deref(),
        );
        audit_log::Entity::update_many()
            .col_expr(audit_log::Column::Actor, Expr::value(e.actor.clone()))
            .col_expr(audit_log::Column::PrevHash, Expr::value(prev_hash))
            .col_expr(audit_log::Column::Hash, Expr::value(hash.clone()))
            .filter(audit_log::Column::Seq.eq(e.seq))
            .exec(db)
            .await
            .unwrap();
        prev = Some(hash);
    }
}

async fn checkpoint_detects_rewrite_and_truncation(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app, 0, 3).await;
    let (ok, line) = run(&app, AuditCommand::Checkpoint).await;
    assert!(ok, "{line}");
    let line = line.trim().to_owned();
    let head = entries(&app).await.pop().unwrap();
    assert!(
        line.starts_with(&format!(
            "registry-audit-checkpoint v2 seq=3 head={} reads_seq=0 reads_head={} at=",
            head.hash,
            "0".repeat(64)
        )),
        "{line}"
    );
    assert!(line.contains(" sig="));

    // more entries after the checkpoint: still fine
    seed(&app, 3, 1).await;
    let (ok, out) = run(&app, verify(Some(&line))).await;
    assert!(ok, "{out}");
    assert!(out.contains("checkpoint at seq 3 matches"), "{out}");

    // a forged or altered checkpoint line is refused
    let forged = line.replace("seq=3", "seq=2");
    let mut sink = Vec::new();
    let err = audit_verify::run(&app.config, &verify(Some(&forged)), &mut sink)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("signature"), "{err:#}");

    disable_append_only(&app, b).await;
    rewrite_and_truncation_are_caught(&app.state.db, &app, &line, "BROKEN at seq 3: ").await;
}

/// With `line` taken when entry 3 was the head of the chain in `db` (and its append-only
/// triggers since disabled): a rewrite of entry 2 that recomputes every hash passes the
/// chain check but not the checkpoint (the report begins with `broken`), and neither does
/// cutting the chain's tail below the checkpoint.
async fn rewrite_and_truncation_are_caught(
    db: &DatabaseConnection,
    app: &TestApp,
    line: &str,
    broken: &str,
) {
    rewrite_and_rehash(db, 2, "someone-else").await;
    assert!(run(app, verify(None)).await.0, "chain alone cannot tell");
    let (ok, out) = run(app, verify(Some(line))).await;
    assert!(!ok);
    assert!(
        out.starts_with(&format!("{broken}entry 3 has hash")),
        "{out}"
    );
    assert!(out.contains("rewritten"), "{out}");

    rewrite_and_rehash(db, 2, "jwt:tester").await;
    assert!(run(app, verify(Some(line))).await.0, "restored");
    audit_log::Entity::delete_many()
        .filter(audit_log::Column::Seq.gte(3))
        .exec(db)
        .await
        .unwrap();
    assert!(
        run(app, verify(None)).await.0,
        "a shorter chain is consistent"
    );
    let (ok, out) = run(app, verify(Some(line))).await;
    assert!(!ok);
    assert!(
        out.starts_with(broken) && out.contains("truncated"),
        "{out}"
    );
}

/// Reads answered at the same time are recorded together (group commit), yet each response
/// leaves only after its own entry, with its own request id, and the chain stays valid.
async fn concurrent_reads_each_commit_their_own_entry(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    let before = read_entries(&app).await.len();
    let path = app.url(&format!("/api/v1/workers/{w1}/allowance?month=2026-03"));
    let mut requests = Vec::new();
    for i in 0..24 {
        let token = if i % 2 == 0 {
            app.admin("510000")
        } else {
            app.hr("510100")
        };
        let (client, path, db) = (app.client.clone(), path.clone(), app.state.read_log.clone());
        requests.push(tokio::spawn(async move {
            let resp = client.get(path).bearer_auth(token).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
            // The entry is committed by the time the response arrives.
            let logged = audit_log::Entity::find()
                .filter(audit_log::Column::RequestId.eq(id.as_str()))
                .all(&db)
                .await
                .unwrap();
            assert_eq!(logged.len(), 1, "request {id}");
            id
        }));
    }
    let mut ids = Vec::new();
    for r in requests {
        ids.push(r.await.unwrap());
    }
    let log = read_entries(&app).await;
    assert_eq!(log.len(), before + 24);
    let mut logged: Vec<String> = log[before..].iter().map(|e| e.request_id.clone()).collect();
    logged.sort();
    ids.sort();
    assert_eq!(logged, ids);
    for e in &log[before..] {
        assert_eq!(e.action, "get_worker_allowance");
        assert_eq!(e.worker_id.as_deref(), Some(w1.as_str()));
    }
    let admins = log[before..].iter().filter(|e| e.role == "admin").count();
    let hrs = log[before..].iter().filter(|e| e.role == "hr").count();
    assert_eq!((admins, hrs), (12, 12));
    let (ok, out) = run(&app, verify(None)).await;
    assert!(ok, "{out}");
}

/// On a SQLite file the read-audit writer's WAL is checkpointed by a connection of its own,
/// every `ENTRIES_PER_CHECKPOINT` entries, not inside the commits the readers wait for
/// (`db::wal_checkpointer`); PostgreSQL has nothing of the kind. Either way every read keeps
/// its own entry and the chain stays valid.
async fn the_read_writer_checkpoints_off_its_commits(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    let before = read_entries(&app).await.len();
    let path = app.url(&format!("/api/v1/workers/{w1}/allowance?month=2026-03"));
    const CLIENTS: usize = 8;
    let per_client = 2 * ENTRIES_PER_CHECKPOINT / CLIENTS + 10;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (client, path, token) = (app.client.clone(), path.clone(), app.admin("510000"));
        clients.push(tokio::spawn(async move {
            for _ in 0..per_client {
                let resp = client.get(&path).bearer_auth(&token).send().await.unwrap();
                assert_eq!(resp.status(), 200);
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    assert_eq!(
        read_entries(&app).await.len(),
        before + CLIENTS * per_client
    );
    match b {
        Backend::Sqlite => {
            // The checkpoints run beside the writer: wait for them, within reason.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while app.state.reads.checkpoints() < 2 && std::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert!(
                app.state.reads.checkpoints() >= 2,
                "{} checkpoints after {} entries",
                app.state.reads.checkpoints(),
                CLIENTS * per_client
            );
        }
        Backend::Postgres => assert_eq!(app.state.reads.checkpoints(), 0),
    }
    let (ok, out) = run(&app, verify(None)).await;
    assert!(ok, "{out}");
}

/// Audited reads (batched by the read-audit writer on a connection of its own, into the
/// read log) alternate with writes (whose entries the pool's connections append to the
/// register's chain): each entry is logged once, in order, in its own chain, and both
/// chains verify.
async fn reads_and_writes_alternating_keep_each_chain_whole(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    let path = format!("/api/v1/workers/{w1}/allowance?month=2026-03");
    let (writes_before, reads_before) = (entries(&app).await.len(), read_entries(&app).await.len());
    let mut created = Vec::new();
    for n in 2..8 {
        for _ in 0..2 {
            let resp = app.get(&path, &app.admin("510000")).await;
            assert_eq!(resp.status(), 200);
        }
        let worker = app
            .create_worker(&crate::helpers::new_worker(n, "510104"))
            .await;
        created.push(worker["id"].as_str().unwrap().to_owned());
    }
    let resp = app.get(&path, &app.admin("510000")).await;
    assert_eq!(resp.status(), 200);
    let writes = entries(&app).await;
    let made: Vec<(&str, &str)> = writes[writes_before..]
        .iter()
        .map(|e| (e.action.as_str(), e.resource_id.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = created
        .iter()
        .map(|id| ("create_worker", id.as_str()))
        .collect();
    assert_eq!(made, expected);
    let reads = read_entries(&app).await;
    assert_eq!(reads.len(), reads_before + 13);
    assert!(
        reads[reads_before..]
            .iter()
            .all(|e| e.action == "get_worker_allowance")
    );
    for log in [&writes, &reads] {
        let seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=log.len() as i64).collect::<Vec<_>>());
    }
    let (ok, out) = run(&app, verify(None)).await;
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("read log: {} entries", reads.len())),
        "{out}"
    );
}

/// The read log is a chain of its own: `audit verify` names a tampered read entry, and a
/// checkpoint names its head, so rewriting or truncating the read log is detected too.
async fn the_read_log_is_verified_and_checkpointed_too(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    for _ in 0..3 {
        let resp = app
            .get(&format!("/api/v1/workers/{w1}"), &app.admin("510000"))
            .await;
        assert_eq!(resp.status(), 200);
    }
    let head = read_entries(&app).await.pop().unwrap();
    assert_eq!(head.seq, 3);
    let (ok, line) = run(&app, AuditCommand::Checkpoint).await;
    assert!(ok, "{line}");
    let line = line.trim().to_owned();
    assert!(
        line.contains(&format!(" reads_seq=3 reads_head={} at=", head.hash)),
        "{line}"
    );

    let reads = &app.state.read_log;
    disable_append_only_in(reads, b).await;
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::Actor, Expr::value("someone-else"))
        .filter(audit_log::Column::Seq.eq(2))
        .exec(reads)
        .await
        .unwrap();
    let (ok, out) = run(&app, verify(None)).await;
    assert!(!ok);
    assert!(
        out.starts_with("BROKEN at seq 2 of the read log: hash does not match"),
        "{out}"
    );
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::Actor, Expr::value("jwt:tester"))
        .filter(audit_log::Column::Seq.eq(2))
        .exec(reads)
        .await
        .unwrap();
    rewrite_and_truncation_are_caught(reads, &app, &line, "BROKEN at seq 3 of the read log: ")
        .await;
}

/// An audited read commits its entry to the read log only: the register's database is not
/// written, so on SQLite its readers keep their page caches (SQLite's `data_version`, which
/// changes when another connection commits to the file, stays put), while a write moves it.
async fn audited_reads_leave_the_register_unchanged(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    let writes = entries(&app).await.len();
    let reader = sea_orm::Database::connect(
        sea_orm::ConnectOptions::new(app.config.database.as_str())
            .max_connections(1)
            .to_owned(),
    )
    .await
    .unwrap();
    let data_version = || async {
        if b == Backend::Postgres {
            return 0;
        }
        let row = reader
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA data_version",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    let before = data_version().await;
    for path in [
        format!("/api/v1/workers/{w1}"),
        format!("/api/v1/workers/{w1}/allowance?month=2026-03"),
        "/api/v1/workers".to_owned(),
    ] {
        assert_eq!(app.get(&path, &app.admin("510000")).await.status(), 200);
    }
    assert_eq!(
        data_version().await,
        before,
        "the register's file was written"
    );
    assert_eq!(entries(&app).await.len(), writes);
    assert_eq!(read_entries(&app).await.len(), 3);
    app.create_worker(&new_worker(2, "510104")).await;
    if b == Backend::Sqlite {
        assert_ne!(data_version().await, before, "a write is seen");
    }
    reader.close().await.unwrap();
}

/// A write of the register holding its lock (SQLite's write lock on the register's file,
/// PostgreSQL's advisory lock of the register's chain), as a long import or a run's
/// publication does, does not hold back audited reads: their entries go to the read log,
/// under locks of its own.
async fn reads_are_recorded_while_a_write_holds_the_register(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    let reads = read_entries(&app).await.len();
    let write = registry_api::db::begin_write(&app.state.db).await.unwrap();
    registry_api::audit::lock_appends(&write).await.unwrap();
    for path in [
        format!("/api/v1/workers/{w1}"),
        "/api/v1/workers".to_owned(),
    ] {
        let resp = app.get(&path, &app.admin("510000")).await;
        assert_eq!(resp.status(), 200, "{path}: {:?}", resp.text().await);
    }
    assert_eq!(read_entries(&app).await.len(), reads + 2);
    write.rollback().await.unwrap();
}

/// The read-audit writer's batches and a listed page's entries (appended through the pool)
/// alternate in one chain. Every read answers 200 and lands once, in order, in one gapless
/// chain that verifies: each batch is chained onto the head read under the write lock, so
/// onto the listed page's entries too.
async fn single_and_listed_reads_share_one_gapless_read_log(b: Backend) {
    let app = spawn_app(b).await;
    let (w1, _) = app.worker_with_credential(1, "510104").await;
    let (w2, _) = app.worker_with_credential(2, "510104").await;
    let single = format!("/api/v1/workers/{w1}/allowance?month=2026-03");
    let before = read_entries(&app).await.len();
    let mut expected = Vec::new();
    for _ in 0..3 {
        for path in [&single, &single] {
            let resp = app.get(path, &app.admin("510000")).await;
            assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
            expected.push(("get_worker_allowance", w1.clone()));
        }
        let resp = app.get("/api/v1/workers", &app.admin("510000")).await;
        assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
        let mut listed = vec![w1.clone(), w2.clone()];
        listed.sort();
        expected.extend(listed.into_iter().map(|id| ("list_workers", id)));
    }
    let reads = read_entries(&app).await;
    let made: Vec<(&str, String)> = reads[before..]
        .iter()
        .map(|e| (e.action.as_str(), e.resource_id.clone()))
        .collect();
    assert_eq!(made, expected);
    let seqs: Vec<i64> = reads.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=reads.len() as i64).collect::<Vec<_>>());
    let (ok, out) = run(&app, verify(None)).await;
    assert!(ok, "{out}");
}
