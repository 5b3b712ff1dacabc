//! Bulk import and export (`registry_api::bulk`), in-process on both backends: records made
//! through the API, exported, imported into a deployment on the OTHER backend (with another
//! data key), read back through the API there: the same JSON, and the same export.
//! Imports are in the change feed: one `.created` event per imported credential,
//! registration and assignment, as the API's create would append; none for skipped rows or a
//! refused import. (The real binary is exercised in `crates/registry-api/tests/cli_bulk.rs`.)

use registry_api::bulk::{self, Entity, ImportOptions};
use registry_api::db::begin_write;
use registry_api::db::entities::{audit_log, event, worker};
use registry_api::events::{CreatedRow, record_created_batch};
use sea_orm::DbErr;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, new_post, new_unit, new_worker, resident_id, spawn_app};

/// The events with `seq` above `after` (0: all), as the national admin follows the feed.
async fn feed(app: &TestApp, after: i64) -> Vec<Value> {
    let admin = app.admin("000000");
    let mut all = Vec::new();
    let mut url = "/api/v1/events?limit=200".to_owned();
    loop {
        let resp = app.get(&url, &admin).await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        let items = body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            return all;
        }
        let cursor = body["next_cursor"].as_str().unwrap();
        url = format!("/api/v1/events?limit=200&after={cursor}");
        all.extend(
            items
                .into_iter()
                .filter(|e| e["seq"].as_i64().unwrap() > after),
        );
    }
}

/// What an event says about a change, without its position and time.
fn what(e: &Value) -> (String, String, String, String, String) {
    let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
    (
        text("kind"),
        text("resource"),
        text("resource_id"),
        text("worker_id"),
        text("region_code"),
    )
}

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
    let target = spawn_app(b.other()).await;
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
    // the target's feed tells what the source's told of the same records (other order)
    let sorted = |events: Vec<Value>| {
        let mut v: Vec<_> = events.iter().map(what).collect();
        v.sort();
        v
    };
    let source_feed = sorted(feed(&source, 0).await);
    assert_eq!(
        source_feed.len(),
        5,
        "2 credentials, 2 registrations, 1 assignment"
    );
    assert_eq!(sorted(feed(&target, 0).await), source_feed);
    let events = target.count::<event::Entity>().await;

    // importing the same files again changes nothing, not even the audit log
    let audit = target.count::<audit_log::Entity>().await;
    for entity in ORDER {
        let csv = export(&source, entity).await;
        let report = import(&target, entity, &csv).await;
        assert_eq!((report.inserted, report.rejected), (0, 0), "{entity:?}");
        assert!(report.unchanged > 0);
    }
    assert_eq!(target.count::<audit_log::Entity>().await, audit);
    assert_eq!(target.count::<event::Entity>().await, events);
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
    // creating workers is not in the feed (as through the API)
    assert_eq!(report.events, 0);
    assert_eq!(app.count::<event::Entity>().await, 0);

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

async fn imports_are_in_the_feed(b: Backend) {
    let app = spawn_app(b).await;
    // one credential through the API first: the import's events follow its event
    let (chengdu, _) = app.worker_with_credential(1, "510104").await;
    let beijing = app.create_worker(&new_worker(2, "110105")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = feed(&app, 0).await;
    assert_eq!(api.len(), 1);
    let last = api[0]["seq"].as_i64().unwrap();

    // N credentials → exactly N credential.created events, in file order, consecutive seq
    const HEADER: &str =
        "id,worker_id,scheme,level,certificate_number,issuing_authority,issue_date\n";
    let workers = [&chengdu, &beijing, &chengdu, &beijing, &beijing];
    let ids: Vec<String> = (1..=workers.len())
        .map(|n| format!("0190a000-0000-7000-8000-{n:012}"))
        .collect();
    let row = |n: usize, worker: &str, level: &str| {
        format!(
            "{},{worker},national_exam,{level},IMP-{n},某厅,2019-09-01\n",
            ids[n]
        )
    };
    let csv: String = workers
        .iter()
        .enumerate()
        .map(|(n, w)| row(n, w, "assistant"))
        .collect();
    let report = import(&app, Entity::Credentials, &format!("{HEADER}{csv}")).await;
    assert_eq!(
        (report.inserted, report.events),
        (5, 5),
        "{:?}",
        report.errors
    );
    let new = feed(&app, last).await;
    assert_eq!(new.len(), 5, "{new:?}");
    for (n, e) in new.iter().enumerate() {
        let region = if *workers[n] == chengdu {
            "510104"
        } else {
            "110105"
        };
        assert_eq!(
            what(e),
            (
                "credential.created".to_owned(),
                "credential".to_owned(),
                ids[n].clone(),
                workers[n].clone(),
                region.to_owned()
            )
        );
        assert_eq!(e["seq"].as_i64().unwrap(), last + 1 + n as i64);
    }
    // the same fields as the API's own event
    let keys = |e: &Value| e.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&new[0]), keys(&api[0]));
    // scoped like any event: Beijing's hr sees Beijing's three
    let resp = app.get("/api/v1/events", &app.hr("110000")).await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 3);

    // re-importing the same file appends nothing
    let events = app.count::<event::Entity>().await;
    let report = import(&app, Entity::Credentials, &format!("{HEADER}{csv}")).await;
    assert_eq!(
        (report.inserted, report.unchanged, report.events),
        (0, 5, 0)
    );
    assert_eq!(app.count::<event::Entity>().await, events);

    // an import refused for one bad row appends nothing either (the others were new)
    let more: Vec<String> = (6..=8)
        .map(|n| format!("0190a000-0000-7000-8000-{n:012}"))
        .collect();
    let bad = format!(
        "{HEADER}{},{chengdu},national_exam,assistant,IMP-6,某厅,2019-09-01\n\
         {},{chengdu},national_exam,wizard,IMP-7,某厅,2019-09-01\n\
         {},{beijing},national_exam,assistant,IMP-8,某厅,2019-09-01\n",
        more[0], more[1], more[2]
    );
    let report = import(&app, Entity::Credentials, &bad).await;
    assert!(!report.written);
    assert_eq!((report.rejected, report.events), (1, 0));
    assert_eq!(app.count::<event::Entity>().await, events);
    assert!(feed(&app, last + 5).await.is_empty());

    // registrations and assignments: registration.created / assignment.created with the worker
    let csv = format!(
        "id,credential_id,kind,registered_on\n\
         0190a000-0000-7000-8000-000000000101,{},first,2019-10-01\n\
         0190a000-0000-7000-8000-000000000102,{},first,2019-10-01\n",
        ids[0], ids[1]
    );
    let report = import(&app, Entity::Registrations, &csv).await;
    assert_eq!(
        (report.inserted, report.events),
        (2, 2),
        "{:?}",
        report.errors
    );
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let post = app.create_post(&new_post(&unit["id"], "个案社工")).await;
    let csv = format!(
        "id,worker_id,post_id,start,basis\n\
         0190a000-0000-7000-8000-000000000201,{chengdu},{},2024-01-15,full_time\n",
        post["id"].as_str().unwrap()
    );
    let report = import(&app, Entity::Assignments, &csv).await;
    assert_eq!(
        (report.inserted, report.events),
        (1, 1),
        "{:?}",
        report.errors
    );
    let new: Vec<_> = feed(&app, last + 5).await.iter().map(what).collect();
    let expect = |kind: &str, resource: &str, id: &str, worker: &str, region: &str| {
        (
            kind.to_owned(),
            resource.to_owned(),
            id.to_owned(),
            worker.to_owned(),
            region.to_owned(),
        )
    };
    assert_eq!(
        new,
        [
            expect(
                "registration.created",
                "registration",
                "0190a000-0000-7000-8000-000000000101",
                &chengdu,
                "510104"
            ),
            expect(
                "registration.created",
                "registration",
                "0190a000-0000-7000-8000-000000000102",
                &beijing,
                "110105"
            ),
            expect(
                "assignment.created",
                "assignment",
                "0190a000-0000-7000-8000-000000000201",
                &chengdu,
                "510104"
            ),
        ]
    );
    let seqs: Vec<i64> = feed(&app, 0)
        .await
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=9).collect::<Vec<_>>(), "gap-free");
}

/// The batch writer on its own: a row whose worker is not stored fails the whole batch
/// (nothing is appended once the caller rolls back); resources the feed does not report and
/// empty batches append nothing.
async fn a_batch_naming_an_unknown_worker_fails(b: Backend) {
    let app = spawn_app(b).await;
    let (w, _) = app.worker_with_credential(1, "510104").await;
    let row = |id: &str, worker: &str| CreatedRow {
        id: id.to_owned(),
        worker_id: worker.to_owned(),
    };
    let txn = begin_write(&app.state.db).await.unwrap();
    let rows = [
        row("0190a000-0000-7000-8000-000000000301", &w),
        row(
            "0190a000-0000-7000-8000-000000000302",
            "0190a000-0000-7000-8000-000000000999",
        ),
    ];
    let err = record_created_batch(&txn, "credential", &rows)
        .await
        .unwrap_err();
    assert!(matches!(err, DbErr::RecordNotFound(_)), "{err:?}");
    txn.rollback().await.unwrap();
    assert_eq!(app.count::<event::Entity>().await, 1, "the API's own event");

    let txn = begin_write(&app.state.db).await.unwrap();
    assert_eq!(
        record_created_batch(&txn, "worker", &rows[..1])
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        record_created_batch(&txn, "credential", &[]).await.unwrap(),
        0
    );
    assert_eq!(
        record_created_batch(&txn, "credential", &rows[..1])
            .await
            .unwrap(),
        1
    );
    txn.commit().await.unwrap();
    let all = feed(&app, 0).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["seq"], 2);
    assert_eq!(all[1]["region_code"], "510104");
}

/// Appraisals recorded at three instants, more than two export pages of them (1,000 rows a
/// page), in scrambled id order: the export lists every one exactly once, in `(recorded_at,
/// id)` order, across the pages' cursors (the index ranges of `Layout::ranges`).
async fn exports_records_in_order_across_pages(b: Backend) {
    let app = spawn_app(b).await;
    let unit = app.create_unit(&new_unit(1, "510104")).await;
    let worker = app.create_worker(&new_worker(1, "510104")).await;
    let (unit, worker) = (unit["id"].as_str().unwrap(), worker["id"].as_str().unwrap());
    const N: u64 = 2_500;
    let mut csv = "id,worker_id,unit_id,year,grade,recorded_on,recorded_at\n".to_owned();
    let mut expected = Vec::new();
    for n in 0..N {
        // 7919 is prime to 2,500: every id once, out of order.
        let id = format!("00000005-0000-7000-8000-{:012x}", n * 7919 % N);
        let at = format!("2026-01-15T00:00:0{}Z", n % 3);
        csv.push_str(&format!("{id},{worker},{unit},2025,pass,2026-01-10,{at}\n"));
        expected.push((at, id));
    }
    let report = import(&app, Entity::Appraisals, &csv).await;
    assert_eq!(report.inserted, N);
    expected.sort();
    let exported = export(&app, Entity::Appraisals).await;
    let mut lines = exported.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, at) = (col("id"), col("recorded_at"));
    let got: Vec<(String, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[at].to_owned(), cells[id].to_owned())
        })
        .collect();
    assert_eq!(got, expected);
}

/// An appraisal and its correction recorded in the same second, the original at a time whose
/// fraction ends in zeros (`.4413`, stored on SQLite as `…:43.4413Z`, which sorts after
/// `…:43.441301Z` as text): the export lists the original first, and the file moves to the
/// other backend and back unchanged.
async fn a_correction_in_the_same_second_moves(b: Backend) {
    let source = spawn_app(b).await;
    let unit = source.create_unit(&new_unit(1, "510104")).await;
    let worker = source.create_worker(&new_worker(1, "510104")).await;
    let (unit, worker) = (unit["id"].as_str().unwrap(), worker["id"].as_str().unwrap());
    let original = "00000005-0000-7000-8000-0000000000a1";
    let correction = "00000005-0000-7000-8000-0000000000a2";
    let whole = "00000005-0000-7000-8000-0000000000a3";
    let csv = format!(
        "id,worker_id,unit_id,year,grade,recorded_on,corrects_id,recorded_at\n\
         {whole},{worker},{unit},2024,pass,2025-01-10,,2026-01-15T08:30:43Z\n\
         {original},{worker},{unit},2025,pass,2026-01-10,,2026-01-15T08:30:43.4413Z\n\
         {correction},{worker},{unit},2025,excellent,2026-01-10,{original},2026-01-15T08:30:43.441301Z\n"
    );
    let report = import(&source, Entity::Appraisals, &csv).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let exported = export(&source, Entity::Appraisals).await;
    let ids: Vec<&str> = exported
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, [whole, original, correction]);

    let target = spawn_app(b.other()).await;
    for entity in [Entity::Units, Entity::Workers] {
        let report = import(&target, entity, &export(&source, entity).await).await;
        assert!(report.errors.is_empty(), "{entity:?}: {:?}", report.errors);
    }
    let report = import(&target, Entity::Appraisals, &exported).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.inserted, 3);
    assert_eq!(export(&target, Entity::Appraisals).await, exported);
}

/// `url` read by an admin of Sichuan: 200 and its JSON.
async fn read(app: &TestApp, url: String) -> Value {
    let resp = app.get(&url, &app.admin("510000")).await;
    assert_eq!(resp.status(), 200, "{url}");
    resp.json().await.unwrap()
}

/// A credit listing and its removal recorded in the same second, the listing at a time whose
/// fraction ends in zeros (on SQLite `…:43.4413Z`, after `…:43.441301Z` as text): the
/// worker's record still replays in time order (the removal points at an EARLIER entry), so
/// the credit status and the allowance decision answer as for the same records made apart.
async fn a_credit_removal_in_the_same_second_replays(b: Backend) {
    let source = spawn_app(b).await;
    let worker = source.create_worker(&new_worker(1, "510104")).await;
    let wid = worker["id"].as_str().unwrap();
    let admin = source.admin("510000");
    let listing = source
        .post(
            "/api/v1/credit-entries",
            &admin,
            &crate::credit::listing(wid, "2026-01-10"),
        )
        .await;
    assert_eq!(listing.status(), 201);
    let listing: Value = listing.json().await.unwrap();
    let removal = source
        .post(
            "/api/v1/credit-entries",
            &admin,
            &json!({"worker_id": wid, "type": "removal", "list": "abnormal",
                    "refers_to": listing["id"], "effective_on": "2026-03-01"}),
        )
        .await;
    assert_eq!(removal.status(), 201, "{:?}", removal.text().await);
    let status_url = format!("/api/v1/workers/{wid}/credit-status?date=2026-04-01");
    let expected = read(&source, status_url.clone()).await;

    // The same records, recorded 1 µs apart in one second.
    let csv = export(&source, Entity::CreditEntries).await;
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let at = lines[0]
        .split(',')
        .position(|h| h == "recorded_at")
        .unwrap();
    for (line, time) in lines[1..]
        .iter_mut()
        .zip(["2026-01-15T08:30:43.4413Z", "2026-01-15T08:30:43.441301Z"])
    {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[at] = time;
        *line = cells.join(",");
    }
    let target = spawn_app(b).await;
    for entity in [Entity::Workers] {
        let report = import(&target, entity, &export(&source, entity).await).await;
        assert!(report.errors.is_empty(), "{entity:?}: {:?}", report.errors);
    }
    let report = import(&target, Entity::CreditEntries, &(lines.join("\n") + "\n")).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.inserted, 2);
    assert_eq!(read(&target, status_url).await, expected);
    read(
        &target,
        format!("/api/v1/workers/{wid}/allowance?month=2026-04"),
    )
    .await;
}

both_backends!(
    moves_to_the_other_backend,
    one_bad_row_writes_nothing,
    imports_are_in_the_feed,
    a_batch_naming_an_unknown_worker_fails,
    exports_records_in_order_across_pages,
    a_correction_in_the_same_second_moves,
    a_credit_removal_in_the_same_second_replays
);
