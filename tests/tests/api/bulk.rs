//! Bulk import and export (`registry_api::bulk`), in-process on both backends: records made
//! through the API, exported, imported into a deployment on the OTHER backend (with another
//! data key), read back through the API there: the same JSON, and the same export.
//! (The real binary is exercised in `crates/registry-api/tests/cli_bulk.rs`.)

use registry_api::bulk::{self, Entity, ImportOptions};
use registry_api::db::entities::{audit_log, worker};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, new_post, new_unit, new_worker, resident_id, spawn_app};

const ORDER: [Entity; 6] = [
    Entity::Units,
    Entity::Posts,
    Entity::Workers,
    Entity::Credentials,
    Entity::Assignments,
    Entity::Registrations,
];

async fn export(app: &TestApp, entity: Entity) -> String {
    let mut out = Vec::new();
    bulk::export(&app.state, entity, None, &mut out, false)
        .await
        .unwrap();
    String::from_utf8(out).unwrap()
}

async fn import(app: &TestApp, entity: Entity, csv: &str) -> bulk::ImportReport {
    bulk::import(
        &app.state,
        entity,
        csv.as_bytes(),
        &ImportOptions::default(),
    )
    .await
    .unwrap()
}

/// A unit, a post, two workers with a registered credential each, one assignment; returns
/// the paths of every record.
async fn seed(app: &TestApp) -> Vec<String> {
    let admin = app.admin("000000");
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let post = app.create_post(&new_post(&unit["id"], "个案社工")).await;
    let mut paths = vec![
        format!("/api/v1/units/{}", unit["id"].as_str().unwrap()),
        format!("/api/v1/posts/{}", post["id"].as_str().unwrap()),
    ];
    for n in 1..=2 {
        let (w, c) = app.worker_with_credential(n, "510104").await;
        paths.push(format!("/api/v1/workers/{w}"));
        paths.push(format!("/api/v1/credentials/{c}"));
        let resp = app
            .post(
                &format!("/api/v1/credentials/{c}/registrations"),
                &admin,
                &json!({"kind": "first", "registered_on": "2019-10-01"}),
            )
            .await;
        assert_eq!(resp.status(), 201);
        let r: Value = resp.json().await.unwrap();
        paths.push(format!(
            "/api/v1/registrations/{}",
            r["id"].as_str().unwrap()
        ));
        if n == 1 {
            let resp = app
                .post(
                    "/api/v1/assignments",
                    &admin,
                    &json!({"worker_id": w, "post_id": post["id"], "start": "2024-01-15", "basis": "full_time"}),
                )
                .await;
            assert_eq!(resp.status(), 201);
            let a: Value = resp.json().await.unwrap();
            paths.push(format!("/api/v1/assignments/{}", a["id"].as_str().unwrap()));
        }
    }
    paths
}

async fn read_all(app: &TestApp, paths: &[String]) -> Vec<Value> {
    let admin = app.admin("000000");
    let mut out = Vec::new();
    for p in paths {
        let resp = app.get(p, &admin).await;
        assert_eq!(resp.status(), 200, "{p}");
        out.push(resp.json().await.unwrap());
    }
    out
}

async fn moves_to_the_other_backend(b: Backend) {
    let source = spawn_app(b).await;
    let paths = seed(&source).await;
    let other = match b {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let target = spawn_app(other).await;
    for entity in ORDER {
        let csv = export(&source, entity).await;
        let report = import(&target, entity, &csv).await;
        assert!(report.errors.is_empty(), "{entity:?}: {:?}", report.errors);
        assert!(report.written);
        assert_eq!(export(&target, entity).await, csv, "{entity:?}");
    }
    let before = read_all(&source, &paths).await;
    let after = read_all(&target, &paths).await;
    assert_eq!(before, after);
    // the resident ID was re-sealed with the target's key and reads back in clear
    assert_eq!(after[2]["resident_id"], json!(resident_id(1)));

    // importing the same files again changes nothing, not even the audit log
    let audit = target.count::<audit_log::Entity>().await;
    for entity in ORDER {
        let csv = export(&source, entity).await;
        let report = import(&target, entity, &csv).await;
        assert_eq!((report.inserted, report.rejected), (0, 0), "{entity:?}");
        assert!(report.unchanged > 0);
    }
    assert_eq!(target.count::<audit_log::Entity>().await, audit);
}

async fn one_bad_row_writes_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let row = |n: u32, region: &str| {
        let w = new_worker(n, region);
        format!(
            "{},{},{},bachelor,true,2015-07-01\n",
            w["region_code"].as_str().unwrap(),
            w["resident_id"].as_str().unwrap(),
            w["name"].as_str().unwrap()
        )
    };
    let csv = format!(
        "region_code,resident_id,name,education_level,social_work_major,experience_start\n{}{}{}",
        row(1, "510104"),
        row(2, "51010"),
        row(3, "510104"),
    );
    let audit = app.count::<audit_log::Entity>().await;
    let report = import(&app, Entity::Workers, &csv).await;
    assert!(!report.written);
    assert_eq!(report.rejected, 1);
    assert_eq!(
        report
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["line 3: field region_code: rule region_code.shape: must be exactly 6 digits"]
    );
    assert_eq!(app.count::<worker::Entity>().await, 0);
    assert_eq!(app.count::<audit_log::Entity>().await, audit);

    // two rows with the same resident ID in one file: the second is refused
    let csv = format!(
        "region_code,resident_id,name,education_level,social_work_major,experience_start\n{}{}",
        row(1, "510104"),
        row(1, "510105"),
    );
    let report = import(&app, Entity::Workers, &csv).await;
    assert_eq!(
        report
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["line 3: field resident_id: rule import.duplicate_key: same key as line 2"]
    );
    assert_eq!(app.count::<worker::Entity>().await, 0);

    // --skip-invalid writes the valid rows with ONE audit entry for the batch
    let csv = format!(
        "region_code,resident_id,name,education_level,social_work_major,experience_start\n{}{}{}",
        row(1, "510104"),
        row(2, "51010"),
        row(3, "510104"),
    );
    let opts = ImportOptions {
        skip_invalid: true,
        ..ImportOptions::default()
    };
    let report = bulk::import(&app.state, Entity::Workers, csv.as_bytes(), &opts)
        .await
        .unwrap();
    assert_eq!((report.inserted, report.rejected), (2, 1));
    assert_eq!(app.count::<worker::Entity>().await, 2);
    assert_eq!(app.count::<audit_log::Entity>().await, audit + 1);

    // a credential for an unknown worker names the reference
    let csv = "worker_id,scheme,level,certificate_number,issuing_authority,issue_date\n\
               0190a000-0000-7000-8000-000000000009,national_exam,assistant,X-1,某厅,2019-09-01\n";
    let report = import(&app, Entity::Credentials, csv).await;
    assert_eq!(
        report
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["line 2: field worker_id: rule import.unknown_reference: no stored worker has this id"]
    );
}

both_backends!(moves_to_the_other_backend, one_bad_row_writes_nothing);
