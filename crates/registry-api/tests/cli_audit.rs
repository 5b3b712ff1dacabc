//! The real `registry-api` binary: `audit verify` and `audit checkpoint` on a SQLite file,
//! before and after one audit row is tampered with directly in the database. (The same
//! checks run on both backends in-process in `tests/tests/api/audit.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use registry_api::audit::{self, AuditEvent};
use registry_api::auth::{Principal, Role, Scope, Via};
use registry_api::config::{Config, JwtConfig};
use registry_api::crypto::DataKey;
use registry_core::ids::RegionCode;
use sea_orm::ConnectionTrait;

fn cli(db_url: &str, audit_key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_registry-api"))
        .args(args)
        .env("REGISTRY_DATABASE_URL", db_url)
        .env(
            "REGISTRY_DATA_KEY",
            DataKey::generate().unwrap().to_base64(),
        )
        .env(
            "REGISTRY_JWT_SECRET",
            "cli-test-secret-cli-test-secret-cli!",
        )
        .env("REGISTRY_AUDIT_KEY", audit_key)
        .env("REGISTRY_LOG", "error")
        .output()
        .expect("run registry-api")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn verify_and_checkpoint_detect_a_tampered_row() {
    let dir = std::env::temp_dir().join(format!("registry-cli-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("registry.db");
    let url = format!("sqlite://{}", file.display());
    let audit_key = DataKey::generate().unwrap().to_base64();

    let migrate = cli(&url, &audit_key, &["migrate"]);
    assert!(migrate.status.success(), "{migrate:?}");

    // three entries, written as the service writes them
    let config = Config::new(
        &url,
        DataKey::generate().unwrap(),
        JwtConfig::with_secret(b"unused-unused-unused-unused-unused".to_vec()),
    )
    .unwrap();
    let db = registry_api::db::connect(&config).await.unwrap();
    let admin = Principal {
        subject: "key:test".into(),
        role: Role::Admin,
        scope: Scope::Region(RegionCode::NATIONAL),
        via: Via::ApiKey,
    };
    for i in 1..=3 {
        let txn = registry_api::db::begin_write(&db).await.unwrap();
        let id = format!("w{i}");
        audit::append(
            &txn,
            AuditEvent {
                principal: &admin,
                action: "create_worker",
                resource: "worker",
                resource_id: &id,
                request_id: "cli-test",
                worker_id: Some(&id),
            },
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
    }

    let ok = cli(&url, &audit_key, &["audit", "verify"]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(
        stdout(&ok).starts_with("OK: 3 entries, head seq 3 hash "),
        "{ok:?}"
    );

    let cp = cli(&url, &audit_key, &["audit", "checkpoint"]);
    assert!(cp.status.success(), "{cp:?}");
    let line = stdout(&cp).trim().to_owned();
    assert!(
        line.starts_with("registry-audit-checkpoint v2 seq=3 ")
            && line.contains(&format!(" reads_seq=0 reads_head={} ", "0".repeat(64))),
        "{line}"
    );
    let ok = cli(
        &url,
        &audit_key,
        &["audit", "verify", "--checkpoint", &line],
    );
    assert!(ok.status.success(), "{ok:?}");
    // a checkpoint signed with another key is refused
    let other = DataKey::generate().unwrap().to_base64();
    let bad = cli(&url, &other, &["audit", "verify", "--checkpoint", &line]);
    assert!(!bad.status.success());

    // tamper with entry 2 directly in the database
    db.execute_unprepared("DROP TRIGGER audit_log_no_update")
        .await
        .unwrap();
    db.execute_unprepared("UPDATE audit_log SET resource_id = 'w9' WHERE seq = 2")
        .await
        .unwrap();
    db.close().await.unwrap();

    let broken = cli(&url, &audit_key, &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(
        stdout(&broken).starts_with("BROKEN at seq 2: "),
        "{broken:?}"
    );
    let broken = cli(
        &url,
        &audit_key,
        &["audit", "verify", "--checkpoint", &line],
    );
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let refused = cli(&url, &audit_key, &["audit", "checkpoint"]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "no checkpoint of a broken chain"
    );

    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
