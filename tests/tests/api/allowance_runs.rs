//! Allowance runs end to end: a run's lines and totals equal the single-worker decisions; a
//! signed-off run never changes while the register does; a re-run lists exactly the workers
//! who gained, lost or changed amount; CSV and XLSX exports round-trip every amount exactly
//! and defuse formula-looking names; scoping and sign-off preconditions.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Value, json};
use time::macros::date;

use crate::both_backends;
use crate::decisions_support::{
    Setup, add_credential, appraise, create_policy, get_ok, register, sample_policy,
    serious_listing, worker_in_post,
};
use crate::helpers::{Backend, TestApp, assert_problem, spawn_app};

both_backends!(
    run_equals_single_decisions,
    signed_off_run_is_frozen_and_rerun_lists_changes,
    exports_round_trip_amounts_and_defuse_formulas,
    scoping_and_validation,
    bulk_loader_equals_single_loader,
    one_worker_chunks_make_the_same_run,
    the_run_snapshot_ignores_later_commits,
    an_unpublished_run_is_unseen_refused_when_superseded_and_discarded,
    writes_go_on_while_a_run_is_computed,
    abandoned_runs_are_swept_after_a_day,
    a_second_run_of_a_month_being_computed_is_a_409,
);

const RUNS: &str = "/api/v1/allowance-runs";

/// Chengdu sample policy; in Jinjiang (510104): `paid` (社会工作师, 800.00), `assistant`
/// (助理, 400.00), `failed` (不合格 last year), `unregistered` (no registration), and a worker
/// of Lanzhou (620102) outside the run.
struct Register {
    paid: Setup,
    assistant: Setup,
    failed: Setup,
    unregistered: Setup,
    outside: Setup,
}

async fn setup(app: &TestApp) -> Register {
    create_policy(app, &sample_policy("chengdu-community-monthly.json")).await;
    let make = |n: u32, region: &'static str, level: &'static str| async move {
        worker_in_post(
            app,
            n,
            region,
            "urban_community",
            level,
            "2020-05-10",
            "full_time",
            "2023-01-01",
        )
        .await
    };
    let paid = make(1, "510104", "intermediate").await;
    register(app, &paid.credential, "2024-06-01").await;
    appraise(app, &paid, 2025, "pass").await;
    let assistant = make(2, "510104", "assistant").await;
    register(app, &assistant.credential, "2024-06-01").await;
    let failed = make(3, "510104", "intermediate").await;
    register(app, &failed.credential, "2024-06-01").await;
    appraise(app, &failed, 2025, "fail").await;
    let unregistered = make(4, "510104", "intermediate").await;
    let outside = make(5, "620102", "intermediate").await;
    register(app, &outside.credential, "2024-06-01").await;
    Register {
        paid,
        assistant,
        failed,
        unregistered,
        outside,
    }
}

async fn run(app: &TestApp, region: &str, month: &str) -> (Value, String) {
    let resp = app
        .post(
            RUNS,
            &app.admin("510000"),
            &json!({"region_code": region, "month": month}),
        )
        .await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    (resp.json().await.unwrap(), etag)
}

/// Every line of a run, following the cursor (pages of 2 to exercise paging).
async fn items(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("{RUNS}/{id}/items?limit=2");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = get_ok(app, &path, token).await;
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn fen(s: &str) -> i64 {
    let (y, f) = s.split_once('.').expect("two decimals");
    assert_eq!(f.len(), 2, "{s}");
    y.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()
}

fn reason_codes(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_str()
                .map_or_else(|| r["code"].as_str().unwrap().to_owned(), str::to_owned)
        })
        .collect()
}

/// Asserts each line equals `GET /workers/{id}/allowance` for `month`; returns the sum of
/// the amounts in fen, overall and by level.
async fn assert_lines_match_single(
    app: &TestApp,
    lines: &[Value],
    month: &str,
) -> (i64, BTreeMap<String, i64>) {
    let mut sum = 0;
    let mut by_level: BTreeMap<String, i64> = BTreeMap::new();
    for l in lines {
        let w = l["worker_id"].as_str().unwrap();
        let d = get_ok(
            app,
            &format!("/api/v1/workers/{w}/allowance?month={month}"),
            &app.admin("510000"),
        )
        .await;
        assert_eq!(l["eligible"], d["eligible"], "{w}");
        assert_eq!(l["amount"], d["amount"], "{w}");
        assert_eq!(l["level"], d["level"], "{w}");
        assert_eq!(l["policy_id"], d["policy"]["policy_id"], "{w}");
        assert_eq!(l["policy_version"], d["policy"]["version"], "{w}");
        assert_eq!(
            reason_codes(&l["reasons"]),
            reason_codes(&d["reasons"]),
            "{w}"
        );
        let a = fen(d["amount"].as_str().unwrap());
        sum += a;
        *by_level
            .entry(l["level"].as_str().unwrap_or("none").to_owned())
            .or_default() += a;
    }
    (sum, by_level)
}

async fn run_equals_single_decisions(b: Backend) {
    let app = spawn_app(b).await;
    let r = setup(&app).await;
    let (created, _) = run(&app, "510104", "2026-03").await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["status"], "open");
    assert_eq!(created["region_code"], "510104");
    assert_eq!(
        created["policies"],
        json!([{"policy_id": "cd-community-allowance", "version": 1}])
    );
    let lines = items(&app, id, &app.hr("510100")).await;
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["worker_id"].as_str().unwrap())
        .collect();
    let mut expected = vec![
        r.paid.worker.as_str(),
        r.assistant.worker.as_str(),
        r.failed.worker.as_str(),
        r.unregistered.worker.as_str(),
    ];
    expected.sort_unstable();
    assert_eq!(ids, expected, "exactly the region's workers, in id order");
    assert!(!ids.contains(&r.outside.worker.as_str()));

    let (sum, by_level) = assert_lines_match_single(&app, &lines, "2026-03").await;
    let line = |w: &str| lines.iter().find(|l| l["worker_id"] == w).unwrap().clone();
    assert_eq!(line(&r.paid.worker)["amount"], "800.00");
    assert_eq!(line(&r.paid.worker)["unit_id"], r.paid.unit.as_str());
    assert_eq!(line(&r.assistant.worker)["amount"], "400.00");
    assert_eq!(line(&r.failed.worker)["eligible"], false);
    assert_eq!(line(&r.unregistered.worker)["eligible"], false);

    let t = &created["totals"];
    assert_eq!(t["workers"], 4);
    assert_eq!(t["eligible"], 2);
    assert_eq!(fen(t["amount"].as_str().unwrap()), sum);
    assert_eq!(sum, 120_000);
    for l in t["by_level"].as_array().unwrap() {
        assert_eq!(
            fen(l["amount"].as_str().unwrap()),
            by_level[l["key"].as_str().unwrap()],
            "{l}"
        );
    }
    let unit_sum: i64 = t["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| fen(l["amount"].as_str().unwrap()))
        .sum();
    assert_eq!(unit_sum, sum);
    // The first run of a region and month has nothing to compare with.
    assert_eq!(created["changes"]["gained"], 0);
    assert!(created["changes"].get("previous_run_id").is_none());

    // GET answers the same summary; the list finds it by region and month.
    let got = get_ok(&app, &format!("{RUNS}/{id}"), &app.hr("510000")).await;
    assert_eq!(got, created);
    let list = get_ok(
        &app,
        &format!("{RUNS}?region=510100&month=2026-03"),
        &app.admin("510000"),
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id);
    let other_month = get_ok(&app, &format!("{RUNS}?month=2026-04"), &app.hr("510000")).await;
    assert_eq!(other_month["items"], json!([]));
}

async fn signed_off_run_is_frozen_and_rerun_lists_changes(b: Backend) {
    let app = spawn_app(b).await;
    let r = setup(&app).await;
    let (first, etag) = run(&app, "510104", "2026-03").await;
    let id = first["id"].as_str().unwrap().to_owned();
    let sign_off = |tag: Option<&'static str>, token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let mut req = app
                .client
                .post(app.url(&format!("{RUNS}/{id}/sign-off")))
                .bearer_auth(token);
            if let Some(t) = tag {
                req = req.header("If-Match", t);
            }
            req.send().await.unwrap()
        }
    };
    assert_problem(
        sign_off(None, app.admin("510000")).await,
        428,
        "precondition-required",
    )
    .await;
    assert_problem(
        sign_off(Some("\"7\""), app.admin("510000")).await,
        412,
        "precondition-failed",
    )
    .await;
    assert_problem(
        sign_off(Some("\"1\""), app.hr("510000")).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        sign_off(Some("\"1\""), app.admin("620000")).await,
        404,
        "not-found",
    )
    .await;
    assert_eq!(etag, "\"1\"");
    let resp = sign_off(Some("\"1\""), app.admin("510000")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    let signed: Value = resp.json().await.unwrap();
    assert_eq!(signed["status"], "signed_off");
    assert!(signed["signed_off_at"].is_string());
    // Signed off once: a second sign-off is stale.
    assert_problem(
        sign_off(Some("\"2\""), app.admin("510000")).await,
        412,
        "precondition-failed",
    )
    .await;
    let lines_before = items(&app, &id, &app.admin("510000")).await;

    // The register changes: `paid` is put on the serious list (lost), `unregistered` is
    // registered (gained), `assistant` becomes a registered 社会工作师 (400 → 800).
    serious_listing(&app, &r.paid, "510104", date!(2026 - 02 - 10)).await;
    register(&app, &r.unregistered.credential, "2024-06-01").await;
    let upgrade =
        add_credential(&app, &r.assistant.worker, "2", "intermediate", "2025-06-01").await;
    register(&app, &upgrade, "2025-07-01").await;

    // The signed-off run is unchanged.
    let again = get_ok(&app, &format!("{RUNS}/{id}"), &app.admin("510000")).await;
    assert_eq!(again, signed);
    assert_eq!(items(&app, &id, &app.admin("510000")).await, lines_before);
    // The database refuses to touch it too.
    let sql = format!("UPDATE allowance_run_items SET amount_fen = 1 WHERE run_id = '{id}'");
    assert!(
        sea_orm::ConnectionTrait::execute_unprepared(&app.state.db, &sql)
            .await
            .is_err()
    );
    let sql = format!("UPDATE allowance_runs SET amount_fen = 1 WHERE id = '{id}'");
    assert!(
        sea_orm::ConnectionTrait::execute_unprepared(&app.state.db, &sql)
            .await
            .is_err()
    );
    // Nor may its lines be deleted (only an unpublished run's may).
    refuses_deleting(&app, &id).await;

    // Re-running after sign-off makes a new run with exactly the three changes.
    let (second, _) = run(&app, "510104", "2026-03").await;
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["status"], "open");
    let c = &second["changes"];
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(c["previous_run_id"], id.as_str());
    refuses_deleting(&app, second_id).await;
    assert_eq!(
        (
            c["gained"].clone(),
            c["lost"].clone(),
            c["amount_changed"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(c["truncated"], false);
    let mut expected = vec![
        (r.paid.worker.clone(), "lost", Some("800.00"), Some("0.00")),
        (
            r.unregistered.worker.clone(),
            "gained",
            Some("0.00"),
            Some("800.00"),
        ),
        (
            r.assistant.worker.clone(),
            "amount_changed",
            Some("400.00"),
            Some("800.00"),
        ),
    ];
    expected.sort();
    let got: Vec<(String, &str, Option<&str>, Option<&str>)> = c["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["worker_id"].as_str().unwrap().to_owned(),
                w["kind"].as_str().unwrap(),
                w["before_amount"].as_str(),
                w["after_amount"].as_str(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    let lost = c["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "lost")
        .unwrap();
    assert!(reason_codes(&lost["after_reasons"]).contains(&"CREDIT_SERIOUS_LIST".to_owned()));
    let gained = c["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "gained")
        .unwrap();
    assert!(reason_codes(&gained["before_reasons"]).contains(&"REGISTRATION_MISSING".to_owned()));
    assert_eq!(second["totals"]["amount"], "1600.00");
    // The new run decides from the changed register exactly as the single-worker answers.
    let lines = items(&app, second_id, &app.admin("510000")).await;
    let (sum, _) = assert_lines_match_single(&app, &lines, "2026-03").await;
    assert_eq!(sum, 160_000);
    // The paged list gives the same three, one per page.
    let mut paged = Vec::new();
    let mut path = format!("{RUNS}/{second_id}/changes?limit=1");
    loop {
        let page = get_ok(&app, &path, &app.hr("510000")).await;
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("{RUNS}/{second_id}/changes?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(Value::Array(paged), c["workers"]);
    // The failed worker did not change and is not listed.
    assert!(!c.to_string().contains(&r.failed.worker));
}

/// The XLSX sheet's rows: cell reference → text (inline strings) or number.
fn sheet_cells(xlsx: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet1")
        .read_to_string(&mut xml)
        .unwrap();
    let mut cells = BTreeMap::new();
    for part in xml.split("<c r=\"").skip(1) {
        let (cell, rest) = part.split_once('"').unwrap();
        let end = rest.find("</c>").unwrap_or(rest.len());
        let body = &rest[..end];
        let value = if let Some(t) = body.split_once("<t").map(|(_, t)| t) {
            let t = &t[t.find('>').unwrap() + 1..];
            t[..t.find("</t>").unwrap()].to_owned()
        } else if let Some((_, v)) = body.split_once("<v>") {
            v[..v.find("</v>").unwrap()].to_owned()
        } else {
            String::new()
        };
        cells.insert(cell.to_owned(), value);
    }
    cells
}

fn unescape(s: &str) -> String {
    s.replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn exports_round_trip_amounts_and_defuse_formulas(b: Backend) {
    let app = spawn_app(b).await;
    let r = setup(&app).await;
    // A name that a spreadsheet would run as a formula.
    let resp = app
        .put(
            &format!("/api/v1/workers/{}", r.paid.worker),
            &app.admin("510000"),
            Some("\"1\""),
            &json!({
                "name": "=HYPERLINK(\"http://x\")",
                "education": {"level": "bachelor", "social_work_major": true},
                "experience_start": "2015-07-01",
                "region_code": "510104",
            }),
        )
        .await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let (created, _) = run(&app, "510104", "2026-03").await;
    let id = created["id"].as_str().unwrap();
    let lines = items(&app, id, &app.admin("510000")).await;

    // CSV: BOM, Chinese headers, one line per worker, exact amounts, defused name.
    let resp = app
        .get(&format!("{RUNS}/{id}/export.csv"), &app.hr("510000"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let text = resp.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("BOM");
    let mut rows = text.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(
        rows.next().unwrap(),
        "工作人员编号,姓名,等级,单位,是否符合,金额(元),政策,原因"
    );
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), lines.len());
    let mut csv_total = 0;
    for (row, line) in rows.iter().zip(&lines) {
        let w = line["worker_id"].as_str().unwrap();
        assert!(row.starts_with(&format!("{w},")), "{row}");
        if w == r.paid.worker {
            assert!(
                row.starts_with(&format!(
                    "{w},\"'=HYPERLINK(\"\"http://x\"\")\",社会工作师,"
                )),
                "{row}"
            );
        }
        assert!(!row.contains("110105"), "no resident ID numbers: {row}");
        // Amount: the sixth field counted from the end side (reasons and policy hold no comma).
        let fields: Vec<&str> = row.rsplitn(4, ',').collect();
        let amount = fields[2];
        assert_eq!(amount, line["amount"].as_str().unwrap(), "{row}");
        csv_total += fen(amount);
    }
    assert_eq!(
        csv_total,
        fen(created["totals"]["amount"].as_str().unwrap())
    );

    // XLSX: the same headers and rows; amounts are numbers equal to the fen / 100.
    let resp = app
        .get(&format!("{RUNS}/{id}/export.xlsx"), &app.admin("510000"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = resp.bytes().await.unwrap();
    let cells = sheet_cells(&bytes);
    assert_eq!(cells["A1"], "工作人员编号");
    assert_eq!(cells["F1"], "金额(元)");
    assert_eq!(cells["H1"], "原因");
    for (i, line) in lines.iter().enumerate() {
        let row = i + 2;
        assert_eq!(
            cells[&format!("A{row}")],
            line["worker_id"].as_str().unwrap()
        );
        let number = &cells[&format!("F{row}")];
        let expected = fen(line["amount"].as_str().unwrap());
        let got = (number.parse::<f64>().unwrap() * 100.0).round() as i64;
        assert_eq!(got, expected, "row {row}: {number}");
        if line["worker_id"] == r.paid.worker.as_str() {
            assert_eq!(
                unescape(&cells[&format!("B{row}")]),
                "'=HYPERLINK(\"http://x\")"
            );
        }
    }
    assert!(!cells.contains_key(&format!("A{}", lines.len() + 2)));
}

async fn scoping_and_validation(b: Backend) {
    let app = spawn_app(b).await;
    let r = setup(&app).await;
    let (created, _) = run(&app, "510104", "2026-03").await;
    let id = created["id"].as_str().unwrap();
    // Other regions, workers: the same 404 as a missing run.
    for token in [
        app.admin("620000"),
        app.hr("620102"),
        app.worker(&r.paid.worker),
    ] {
        for path in [
            format!("{RUNS}/{id}"),
            format!("{RUNS}/{id}/items"),
            format!("{RUNS}/{id}/export.csv"),
            format!("{RUNS}/{id}/export.xlsx"),
        ] {
            assert_problem(app.get(&path, &token).await, 404, "not-found").await;
        }
        let list = get_ok(&app, RUNS, &token).await;
        assert_eq!(list["items"], json!([]));
    }
    // hr may read but not run; admins only inside their region.
    let body = json!({"region_code": "510104", "month": "2026-03"});
    assert_problem(
        app.post(RUNS, &app.hr("510000"), &body).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(RUNS, &app.admin("620000"), &body).await,
        403,
        "forbidden",
    )
    .await;
    let bad = assert_problem(
        app.post(
            RUNS,
            &app.admin("510000"),
            &json!({"region_code": "510104", "month": "2026-13"}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "month");
    // Idempotent: the same key answers the same run and makes no second one.
    let key_run = |key: &'static str| {
        let app = &app;
        let body = body.clone();
        async move {
            app.client
                .post(app.url(RUNS))
                .bearer_auth(app.admin("510000"))
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let a: Value = key_run("k1").await.json().await.unwrap();
    let b2: Value = key_run("k1").await.json().await.unwrap();
    assert_eq!(a["id"], b2["id"]);
    let list = get_ok(&app, RUNS, &app.admin("510000")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let _ = r.outside;
}

/// The set-oriented loader gives every worker exactly the facts (and fact ids) of the
/// single-worker loader, across chunk boundaries (chunks of 2 here).
async fn bulk_loader_equals_single_loader(b: Backend) {
    use registry_api::decisions::{bulk, facts};
    use registry_core::ids::RegionCode;
    use sea_orm::EntityTrait;

    let app = spawn_app(b).await;
    let r = setup(&app).await;
    serious_listing(&app, &r.failed, "510104", date!(2026 - 02 - 10)).await;
    let more = add_credential(&app, &r.assistant.worker, "9", "intermediate", "2025-06-01").await;
    register(&app, &more, "2025-07-01").await;
    appraise(&app, &r.assistant, 2024, "pass").await;
    let db = &app.state.db;
    let region = RegionCode::parse("510000").unwrap();
    let mut after: Option<String> = None;
    let mut seen = 0;
    loop {
        let workers = bulk::next_workers(db, &region, after.as_deref(), 2)
            .await
            .unwrap();
        let Some(last) = workers.last().map(|w| w.id.clone()) else {
            break;
        };
        let loaded = bulk::load_chunk(db, &workers).await.unwrap();
        for (w, bulk_facts) in workers.iter().zip(&loaded) {
            let model = registry_api::db::entities::worker::Entity::find_by_id(w.id.clone())
                .one(db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(facts::WorkerHead::from(&model), *w);
            let single = facts::load(db, &model).await.unwrap();
            assert_eq!(format!("{bulk_facts:?}"), format!("{single:?}"), "{}", w.id);
            seen += 1;
        }
        after = Some(last);
    }
    // The four workers of Jinjiang; Lanzhou's is outside the region.
    assert_eq!(seen, 4);
}

/// A run made one worker per chunk (every worker crosses a chunk boundary: pipelined loading,
/// per-chunk inserts and the diff against the previous run's lines) equals the run made in one
/// chunk, line for line, with the same three changes.
async fn one_worker_chunks_make_the_same_run(b: Backend) {
    let app = spawn_app(b).await;
    let r = setup(&app).await;
    let (first, _) = run(&app, "510104", "2026-03").await;
    serious_listing(&app, &r.paid, "510104", date!(2026 - 02 - 10)).await;
    register(&app, &r.unregistered.credential, "2024-06-01").await;
    let upgrade =
        add_credential(&app, &r.assistant.worker, "2", "intermediate", "2025-06-01").await;
    register(&app, &upgrade, "2025-07-01").await;

    let computed = compute_march(&app.state.db, &uuid::Uuid::now_v7().to_string(), 1)
        .await
        .unwrap();
    let tiny = publish(&app, computed).await.unwrap();
    assert_eq!(tiny.previous_run_id.as_deref(), first["id"].as_str());
    assert_eq!((tiny.workers, tiny.eligible, tiny.changes), (4, 2, 3));
    assert_eq!(tiny.amount_fen, 160_000);

    // The same month in one chunk, compared with the one-worker-chunk run: nothing changed.
    let (whole, _) = run(&app, "510104", "2026-03").await;
    let c = &whole["changes"];
    assert_eq!(c["previous_run_id"], tiny.id.as_str());
    assert_eq!(
        (
            c["gained"].clone(),
            c["lost"].clone(),
            c["amount_changed"].clone()
        ),
        (json!(0), json!(0), json!(0))
    );
    assert_eq!(whole["totals"]["amount"], "1600.00");
    let admin = app.admin("510000");
    let whole_lines = items(&app, whole["id"].as_str().unwrap(), &admin).await;
    let tiny_lines = items(&app, &tiny.id, &admin).await;
    assert_eq!(whole_lines.len(), 4);
    assert_eq!(whole_lines, tiny_lines);
}

/// A run on PostgreSQL reads the register through `begin_snapshot` (on SQLite through its
/// write transaction, which keeps writers out): once the snapshot has read, a worker created
/// and committed afterwards stays out of its view, while a new statement outside sees it.
async fn the_run_snapshot_ignores_later_commits(b: Backend) {
    use registry_api::db::begin_snapshot;
    use registry_api::db::entities::worker;
    use sea_orm::{EntityTrait, PaginatorTrait};

    let app = spawn_app(b).await;
    app.worker_with_credential(1, "510104").await;
    let snapshot = begin_snapshot(&app.state.db).await.unwrap();
    assert_eq!(worker::Entity::find().count(&snapshot).await.unwrap(), 1);
    app.worker_with_credential(2, "510104").await;
    assert_eq!(app.count::<worker::Entity>().await, 2, "committed");
    assert_eq!(
        worker::Entity::find().count(&snapshot).await.unwrap(),
        1,
        "the snapshot still reads the register as it was"
    );
    snapshot.rollback().await.unwrap();
}

/// Computes, without publishing, run `id` of Jinjiang (510104) for 2026-03, `chunk` workers at
/// a time.
async fn compute_march(
    db: &sea_orm::DatabaseConnection,
    id: &str,
    chunk: u64,
) -> Result<registry_api::allowance_runs::compute::Computed, registry_api::problem::ApiError> {
    registry_api::allowance_runs::compute::compute(
        db,
        id.to_owned(),
        &registry_core::ids::RegionCode::parse("510104").unwrap(),
        registry_core::calendar::YearMonth::parse("2026-03").unwrap(),
        "test",
        chunk,
    )
    .await
}

/// Publishes `computed` in a write transaction of its own, committed if it was published.
async fn publish(
    app: &TestApp,
    computed: registry_api::allowance_runs::compute::Computed,
) -> Result<registry_api::db::entities::allowance_run::Model, registry_api::problem::ApiError> {
    let txn = registry_api::db::begin_write(&app.state.db).await.unwrap();
    let published = registry_api::allowance_runs::compute::publish(&txn, computed).await;
    match published {
        Ok(_) => txn.commit().await.unwrap(),
        Err(_) => txn.rollback().await.unwrap(),
    }
    published
}

/// The database refuses to delete the lines and changes of the published run `id`, and
/// `discard` (for unpublished runs) leaves them all.
async fn refuses_deleting(app: &TestApp, id: &str) {
    let before = (
        stored_rows(app, "allowance_run_items", id).await,
        stored_rows(app, "allowance_run_changes", id).await,
    );
    assert!(before.0 > 0);
    for table in ["allowance_run_items", "allowance_run_changes"] {
        let sql = format!("DELETE FROM {table} WHERE run_id = '{id}'");
        let deleted = sea_orm::ConnectionTrait::execute_unprepared(&app.state.db, &sql).await;
        match before {
            (_, 0) if table == "allowance_run_changes" => {}
            _ => assert!(deleted.is_err(), "{table}"),
        }
    }
    registry_api::allowance_runs::unpublished::discard(&app.state.db, id).await;
    let after = (
        stored_rows(app, "allowance_run_items", id).await,
        stored_rows(app, "allowance_run_changes", id).await,
    );
    assert_eq!(after, before);
}

/// Rows of run `id` in `table` (lines or changes), published or not.
async fn stored_rows(app: &TestApp, table: &str, id: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    let sql = format!("SELECT count(*) AS n FROM {table} WHERE run_id = '{id}'");
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// A run computed but not published stores its lines and changes, yet no query shows it;
/// publishing it after another run of the same region and month was published is a 409
/// (its differences are from the wrong run), and discarding it deletes its rows.
async fn an_unpublished_run_is_unseen_refused_when_superseded_and_discarded(b: Backend) {
    use registry_api::allowance_runs::unpublished;
    use registry_api::problem::ProblemKind;

    let app = spawn_app(b).await;
    let r = setup(&app).await;
    let (first, _) = run(&app, "510104", "2026-03").await;
    serious_listing(&app, &r.paid, "510104", date!(2026 - 02 - 10)).await;
    let id = uuid::Uuid::now_v7().to_string();
    let computed = compute_march(&app.state.db, &id, 2).await.unwrap();
    assert_eq!(stored_rows(&app, "allowance_run_items", &id).await, 4);
    assert_eq!(stored_rows(&app, "allowance_run_changes", &id).await, 1);
    let admin = app.admin("510000");
    let listed = get_ok(&app, &format!("{RUNS}?region=510104"), &admin).await;
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first["id"].as_str().unwrap()]);
    for path in [
        format!("{RUNS}/{id}"),
        format!("{RUNS}/{id}/items"),
        format!("{RUNS}/{id}/changes"),
        format!("{RUNS}/{id}/export.csv"),
    ] {
        assert_problem(app.get(&path, &admin).await, 404, "not-found").await;
    }

    // Another run of the month is published meanwhile: this one compared with `first`.
    let (second, _) = run(&app, "510104", "2026-03").await;
    assert_eq!(second["changes"]["previous_run_id"], first["id"]);
    let refused = publish(&app, computed).await.unwrap_err();
    assert_eq!(refused.kind, ProblemKind::Conflict);
    assert!(refused.detail.contains("510104"), "{}", refused.detail);

    unpublished::discard(&app.state.db, &id).await;
    assert_eq!(stored_rows(&app, "allowance_run_items", &id).await, 0);
    assert_eq!(stored_rows(&app, "allowance_run_changes", &id).await, 0);
    // The published runs keep every line.
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(stored_rows(&app, "allowance_run_items", second_id).await, 4);
    assert_eq!(items(&app, second_id, &admin).await.len(), 4);
}

/// A run holds no write transaction while it computes: a worker is created (a write, which
/// on SQLite needs the database's one write lock) while the run is still reading and
/// storing, and the run, reading its snapshot, does not count the new worker.
async fn writes_go_on_while_a_run_is_computed(b: Backend) {
    const WORKERS: u32 = 150;
    let app = spawn_app(b).await;
    for n in 1..=WORKERS {
        app.create_worker(&crate::helpers::new_worker(n, "510104"))
            .await;
    }
    let id = uuid::Uuid::now_v7().to_string();
    let running = tokio::spawn({
        let (db, id) = (app.state.db.clone(), id.clone());
        async move {
            // One worker per chunk: one exchange, and one commit of lines, per worker.
            compute_march(&db, &id, 1).await
        }
    });
    // Wait until the run has stored lines: it is past its first read, halfway through.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while stored_rows(&app, "allowance_run_items", &id).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the run stored nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    app.create_worker(&crate::helpers::new_worker(WORKERS + 1, "510104"))
        .await;
    assert!(
        !running.is_finished(),
        "the write waited for the whole run to finish"
    );
    let computed = running.await.unwrap().unwrap();
    let published = publish(&app, computed).await.unwrap();
    assert_eq!(
        published.workers,
        i64::from(WORKERS),
        "read from its snapshot"
    );
    assert_eq!(
        app.count::<registry_api::db::entities::worker::Entity>()
            .await,
        u64::from(WORKERS) + 1
    );
}

/// On an in-memory SQLite database (one connection, which the run's snapshot holds) the run
/// stores its lines through the snapshot's transaction: runs and re-runs work as on a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_a_one_connection_database() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, |c| {
        c.database = registry_api::config::DatabaseUrl::parse("sqlite::memory:").unwrap();
    })
    .await;
    let r = setup(&app).await;
    let (first, _) = run(&app, "510104", "2026-03").await;
    assert_eq!(first["totals"]["amount"], "1200.00");
    serious_listing(&app, &r.paid, "510104", date!(2026 - 02 - 10)).await;
    let (second, _) = run(&app, "510104", "2026-03").await;
    assert_eq!(second["changes"]["previous_run_id"], first["id"]);
    assert_eq!(second["changes"]["lost"], 1);
    assert_eq!(second["totals"]["amount"], "400.00");
    let lines = items(&app, second["id"].as_str().unwrap(), &app.admin("510000")).await;
    assert_eq!(lines.len(), 4);
}

/// The lines of a run its process never published (it stopped mid-run) are swept once the
/// run is a day old; a younger one (perhaps still computing elsewhere) and every published
/// run keep theirs.
async fn abandoned_runs_are_swept_after_a_day(b: Backend) {
    use registry_api::allowance_runs::unpublished::{self, ABANDONED_AFTER};

    let app = spawn_app(b).await;
    let r = setup(&app).await;
    let (published, _) = run(&app, "510104", "2026-03").await;
    let published = published["id"].as_str().unwrap().to_owned();
    serious_listing(&app, &r.paid, "510104", date!(2026 - 02 - 10)).await;
    let now = std::time::SystemTime::now();
    let since_epoch = now.duration_since(std::time::UNIX_EPOCH).unwrap();
    let started = |ago: u64| {
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, since_epoch.as_secs() - ago, 0);
        uuid::Uuid::new_v7(ts).to_string()
    };
    let (old, young) = (started(ABANDONED_AFTER.as_secs() + 60), started(60));
    for id in [&old, &young] {
        compute_march(&app.state.db, id, 2).await.unwrap();
        assert_eq!(stored_rows(&app, "allowance_run_items", id).await, 4);
        assert_eq!(stored_rows(&app, "allowance_run_changes", id).await, 1);
    }
    assert_eq!(
        unpublished::sweep(&app.state.db, now, ABANDONED_AFTER)
            .await
            .unwrap(),
        1
    );
    assert_eq!(stored_rows(&app, "allowance_run_items", &old).await, 0);
    assert_eq!(stored_rows(&app, "allowance_run_changes", &old).await, 0);
    assert_eq!(stored_rows(&app, "allowance_run_items", &young).await, 4);
    assert_eq!(stored_rows(&app, "allowance_run_changes", &young).await, 1);
    assert_eq!(
        stored_rows(&app, "allowance_run_items", &published).await,
        4
    );
    // A day later the young one goes too; the published run never does.
    let later = now + ABANDONED_AFTER + std::time::Duration::from_secs(3600);
    assert_eq!(
        unpublished::sweep(&app.state.db, later, ABANDONED_AFTER)
            .await
            .unwrap(),
        1
    );
    assert_eq!(stored_rows(&app, "allowance_run_items", &young).await, 0);
    assert_eq!(
        stored_rows(&app, "allowance_run_items", &published).await,
        4
    );
}

/// While this service computes a run of a region and month, another run of them is refused
/// at once (409, nothing written) instead of computing to be refused at publication; other
/// months go on, and once the first is done the region and month run again.
async fn a_second_run_of_a_month_being_computed_is_a_409(b: Backend) {
    let app = spawn_app(b).await;
    setup(&app).await;
    let computing = app
        .state
        .runs_in_progress
        .claim("510104", "2026-03")
        .unwrap();
    let body = json!({"region_code": "510104", "month": "2026-03"});
    let resp = app.post(RUNS, &app.admin("510000"), &body).await;
    let problem = assert_problem(resp, 409, "conflict").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("510104") && detail.contains("2026-03"),
        "{detail}"
    );
    assert!(detail.contains("being computed"), "{detail}");
    assert_eq!(
        app.count::<registry_api::db::entities::allowance_run::Entity>()
            .await,
        0
    );
    assert_eq!(
        app.count::<registry_api::db::entities::allowance_run_item::Entity>()
            .await,
        0
    );
    run(&app, "510104", "2026-04").await;
    drop(computing);
    let (made, _) = run(&app, "510104", "2026-03").await;
    assert_eq!(made["totals"]["amount"], "1200.00");
}
