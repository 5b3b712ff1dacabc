//! The real `registry-api` binary: `import` and `export` on SQLite and PostgreSQL.
//!
//! - an import with one bad row writes nothing and names the row (line, field, rule), without
//!   printing the resident ID or the name;
//! - `--skip-invalid --rejected FILE` writes the good rows and the rejected ones to FILE;
//! - re-importing the same file changes nothing; a changed row is a conflict;
//! - export from one backend → import into the other → export again gives identical files,
//!   in both directions, for every entity (records included: a corrected appraisal, credit
//!   entries pointing at earlier ones, an organisation's entry, a decided objection, a policy
//!   in two versions, a one-off payment, continuing education);
//! - a bad record row is named (line, field, rule) for each record kind, including references
//!   to an earlier row of the same file.
//!
//! PostgreSQL databases are created from `REGISTRY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use registry_api::bulk::bench_data::resident_id;
use registry_api::crypto::DataKey;
use sea_orm::{ConnectionTrait, Database};

/// Every entity, in import order (references first).
const ENTITIES: [&str; 12] = [
    "units",
    "posts",
    "workers",
    "credentials",
    "registrations",
    "assignments",
    "continuing_education",
    "appraisals",
    "credit_entries",
    "objections",
    "allowance_policies",
    "allowance_payments",
];

struct Db {
    url: String,
    data_key: String,
    pg_name: Option<String>,
    /// `TMPDIR` of the commands (where an import spools its new rows), when set.
    tmp: Option<PathBuf>,
}

fn admin_url() -> String {
    std::env::var("REGISTRY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn with_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl Db {
    fn sqlite(dir: &Path, name: &str) -> Self {
        Self {
            url: format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
            data_key: DataKey::generate().unwrap().to_base64(),
            pg_name: None,
            tmp: None,
        }
    }

    async fn postgres() -> Self {
        let name = format!("registry_bulk_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(&admin_url()).await.expect("PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.ok();
        Self {
            url: with_db_name(&admin_url(), &name),
            data_key: DataKey::generate().unwrap().to_base64(),
            pg_name: Some(name),
            tmp: None,
        }
    }

    async fn drop_pg(&self) {
        if let Some(name) = &self.pg_name {
            let admin = Database::connect(&admin_url()).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .ok();
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run registry-api")
    }

    /// `import ENTITY FILE --skip-invalid --rejected REJECTED`.
    fn import_skipping(&self, entity: &str, file: &Path, rejected: &Path) -> Output {
        let (file, rejected) = (file.to_str().unwrap(), rejected.to_str().unwrap());
        self.run(&[
            "import",
            entity,
            file,
            "--skip-invalid",
            "--rejected",
            rejected,
        ])
    }

    /// `import ENTITY -` with `file` as stdin.
    fn import_stdin(&self, entity: &str, file: &Path) -> Output {
        self.command(&["import", entity, "-"])
            .stdin(std::fs::File::open(file).unwrap())
            .output()
            .expect("run registry-api")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_registry-api"));
        if let Some(tmp) = &self.tmp {
            command.env("TMPDIR", tmp);
        }
        command
            .args(args)
            .env("REGISTRY_DATABASE_URL", &self.url)
            .env("REGISTRY_DATA_KEY", &self.data_key)
            .env(
                "REGISTRY_AUDIT_KEY",
                DataKey::generate().unwrap().to_base64(),
            )
            .env(
                "REGISTRY_JWT_SECRET",
                "cli-test-secret-cli-test-secret-cli!",
            )
            .env("REGISTRY_LOG", "error")
            .env("RUST_BACKTRACE", "0");
        command
    }

    fn import(&self, entity: &str, file: &Path) -> Output {
        self.run(&["import", entity, file.to_str().unwrap()])
    }

    fn export(&self, entity: &str) -> String {
        let out = self.run(&["export", entity]);
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("registry-bulk-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const UNIT: &str = "0190a000-0000-7000-8000-0000000000a1";
const POST: &str = "0190a000-0000-7000-8000-0000000000b1";
const W1: &str = "0190a000-0000-7000-8000-0000000000c1";
const W2: &str = "0190a000-0000-7000-8000-0000000000c2";

/// One CSV line of `cells` (quoted as needed).
fn csv_line(cells: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(cells).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

const APPRAISAL: &str = "0190a000-0000-7000-8000-0000000001a1";
const CORRECTION: &str = "0190a000-0000-7000-8000-0000000001a2";
const WARNING: &str = "0190a000-0000-7000-8000-0000000002c1";
const FILED: &str = "0190a000-0000-7000-8000-0000000002c2";
const REJECTED: &str = "0190a000-0000-7000-8000-0000000002c3";
const ORG_FINE: &str = "0190a000-0000-7000-8000-0000000002c4";
const LISTING: &str = "0190a000-0000-7000-8000-0000000002c5";
const REMOVAL: &str = "0190a000-0000-7000-8000-0000000002c6";
const ORG: &str = "91350200MA2YJ1XR9G";
const POLICY: &str = "bj-credential-bonus";

/// A policy version's definition (the core `PolicyInput` JSON).
fn policy(version: u32, from: &str, until: Option<&str>) -> String {
    let mut effective = serde_json::json!({ "from": from });
    if let Some(u) = until {
        effective["until"] = serde_json::json!(u);
    }
    serde_json::json!({
        "id": POLICY,
        "version": version,
        "region": "110000",
        "name": "北京市社会工作者取证一次性奖励（测试）",
        "effective": effective,
        "sample": true,
        "schedule": {
            "kind": "one_off_per_level",
            "amounts": { "assistant": "1000.00", "intermediate": "2000.00" }
        }
    })
    .to_string()
}

/// The record files: continuing education, a corrected appraisal, credit entries (a warning
/// with an objection filed against it and rejected, an abnormal listing lifted by a removal,
/// an organisation's fine), the decided objection, a policy in two versions (the first ended
/// by the second) and a one-off payment.
fn records(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let ce = format!(
        "id,worker_id,completed_on,hours_tenths,kind,created_at\n\
         0190a000-0000-7000-8000-0000000001b1,{W1},2023-05-01,125,course,2023-05-02T08:00:00Z\n\
         0190a000-0000-7000-8000-0000000001b2,{W2},2022-07-01,10,social_work_degree,\n"
    );
    let appraisals = format!(
        "id,worker_id,unit_id,year,grade,score_ethics,score_performance,score_satisfaction,\
         recorded_on,corrects_id,recorded_at\n\
         {APPRAISAL},{W1},{UNIT},2023,pass,80,75,,2024-01-10,,2024-01-10T08:00:00Z\n\
         {CORRECTION},{W1},{UNIT},2023,excellent,95,90,98,2024-02-01,{APPRAISAL},2024-02-01T09:00:00.123456Z\n"
    );
    let mut credit = String::from(
        "id,subject_kind,worker_id,organisation_credit_code,region_code,kind,fine_amount_fen,\
         abnormal_cause,serious_cause,list_kind,points_to_id,effective_on,legal_basis,\
         evidence_refs,note,recorded_at\n",
    );
    for row in [
        [
            WARNING,
            "worker",
            W1,
            "",
            "110101",
            "warning",
            "",
            "",
            "",
            "",
            "",
            "2024-03-01",
            "民政部令第60号",
            r#"["京民罚〔2024〕1号"]"#,
            "",
            "2024-03-02T10:00:00Z",
        ],
        [
            FILED,
            "worker",
            W1,
            "",
            "110101",
            "objection_filed",
            "",
            "",
            "",
            "",
            WARNING,
            "2024-03-10",
            "",
            "[]",
            "警告所依事实有误",
            "2024-03-10T10:00:00Z",
        ],
        [
            REJECTED,
            "worker",
            W1,
            "",
            "110101",
            "objection_rejected",
            "",
            "",
            "",
            "",
            FILED,
            "2024-04-01",
            "",
            "[]",
            "经复核，事实清楚",
            "2024-04-01T10:00:00Z",
        ],
        [
            ORG_FINE,
            "organisation",
            "",
            ORG,
            "110101",
            "fine",
            "200000",
            "",
            "",
            "",
            "",
            "2024-05-01",
            "民政部令第60号第二十条",
            "[]",
            "",
            "2024-05-02T10:00:00Z",
        ],
        [
            LISTING,
            "worker",
            W2,
            "",
            "110101",
            "abnormal_listing",
            "",
            "未按规定报送年度报告",
            "",
            "",
            "",
            "2024-06-01",
            "民政部令第60号",
            "[]",
            "",
            "2024-06-01T10:00:00Z",
        ],
        [
            REMOVAL,
            "worker",
            W2,
            "",
            "110101",
            "removal",
            "",
            "",
            "",
            "abnormal",
            LISTING,
            "2024-09-01",
            "",
            "[]",
            "",
            "2024-09-01T10:00:00Z",
        ],
    ] {
        credit.push_str(&csv_line(&row));
    }
    let objections = format!(
        "id,worker_id,credit_entry_id,objection_entry_id,statement,status,decision_reason,\
         outcome_entry_id,filed_at,decided_at,version\n\
         0190a000-0000-7000-8000-0000000003d1,{W1},{WARNING},{FILED},警告所依事实有误,rejected,\
         经复核，事实清楚,{REJECTED},2024-03-10T10:00:00Z,2024-04-01T10:00:00Z,2\n"
    );
    let mut policies = String::from(
        "id,policy_id,version,region_code,effective_from,effective_until,definition,\
         created_at,created_by\n",
    );
    let v1 = policy(1, "2019-01", Some("2023-12"));
    let v2 = policy(2, "2024-01", None);
    policies.push_str(&csv_line(&[
        "0190a000-0000-7000-8000-0000000004e1",
        POLICY,
        "1",
        "110000",
        "2019-01",
        "2023-12",
        &v1,
        "2019-01-05T00:00:00Z",
        "admin-key-1",
    ]));
    policies.push_str(&csv_line(&[
        "0190a000-0000-7000-8000-0000000004e2",
        "",
        "",
        "",
        "",
        "",
        &v2,
        "2024-01-05T00:00:00Z",
        "admin-key-1",
    ]));
    let payments = format!(
        "id,worker_id,policy_id,level,month,amount_fen,created_at,created_by\n\
         0190a000-0000-7000-8000-0000000005f1,{W1},{POLICY},assistant,2024-06,100000,\
         2024-06-05T00:00:00Z,admin-key-1\n"
    );
    vec![
        (
            "continuing_education",
            write(dir, "continuing_education.csv", &ce),
        ),
        ("appraisals", write(dir, "appraisals.csv", &appraisals)),
        ("credit_entries", write(dir, "credit_entries.csv", &credit)),
        ("objections", write(dir, "objections.csv", &objections)),
        (
            "allowance_policies",
            write(dir, "allowance_policies.csv", &policies),
        ),
        (
            "allowance_payments",
            write(dir, "allowance_payments.csv", &payments),
        ),
    ]
}

/// One small register, one file per entity, in import order.
fn register(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let units =
        format!("id,region_code,name,unit_type,credit_code\n{UNIT},110101,东城社工站,agency,\n");
    let posts = format!(
        "id,unit_id,title,min_level,grade,part_time_allowed\n\
         {POST},{UNIT},个案社工,assistant,8,true\n"
    );
    let workers = format!(
        "id,region_code,resident_id,name,education_level,social_work_major,experience_start\n\
         {W1},110101,{},张三,bachelor,true,2015-03-01\n\
         {W2},110101,{},\"李, 四\",college,false,2018-07-15\n",
        resident_id(1).unwrap(),
        resident_id(2).unwrap(),
    );
    let credentials = format!(
        "id,worker_id,scheme,level,certificate_number,issuing_authority,exam_year,issue_date,valid_region,status\n\
         0190a000-0000-7000-8000-0000000000d1,{W1},national_exam,assistant,A2016110101,北京市民政局,2016,2016-06-01,,valid\n\
         0190a000-0000-7000-8000-0000000000d2,{W2},local_recognition,aide,L2019-7,东城区民政局,,2019-01-10,110101,suspended\n"
    );
    let assignments = format!(
        "id,worker_id,post_id,start,end,basis\n\
         0190a000-0000-7000-8000-0000000000e1,{W1},{POST},2020-01-01,,part_time\n\
         0190a000-0000-7000-8000-0000000000e2,{W2},{POST},2019-02-01,2021-12-31,full_time\n"
    );
    let registrations = "id,credential_id,kind,registered_on\n\
         0190a000-0000-7000-8000-0000000000f1,0190a000-0000-7000-8000-0000000000d1,first,2016-07-01\n\
         0190a000-0000-7000-8000-0000000000f2,0190a000-0000-7000-8000-0000000000d1,renewal,2019-06-20\n";
    let mut files = vec![
        ("units", write(dir, "units.csv", &units)),
        ("posts", write(dir, "posts.csv", &posts)),
        ("workers", write(dir, "workers.csv", &workers)),
        ("credentials", write(dir, "credentials.csv", &credentials)),
        (
            "registrations",
            write(dir, "registrations.csv", registrations),
        ),
        ("assignments", write(dir, "assignments.csv", &assignments)),
    ];
    files.extend(records(dir));
    files
}

/// Runs `test` with a new temporary folder (removed afterwards) on a new SQLite database
/// `name` in it, then on a new PostgreSQL database (dropped afterwards).
async fn on_both_backends(name: &str, test: impl AsyncFn(&Db, &Path)) {
    let dir = temp_dir();
    test(&Db::sqlite(&dir, name), &dir).await;
    let pg = Db::postgres().await;
    test(&pg, &dir).await;
    pg.drop_pg().await;
    std::fs::remove_dir_all(&dir).ok();
}

async fn bad_rows_on(db: &Db, dir: &Path) {
    let good = resident_id(3).unwrap();
    let bad = format!("{}0", &good[..17]); // wrong check character (unless 0 is right)
    let bad = if bad == good {
        format!("{}1", &good[..17])
    } else {
        bad
    };
    let file = write(
        dir,
        "bad-workers.csv",
        &format!(
            "region_code,resident_id,name,education_level,social_work_major,experience_start\n\
             110101,{},王五,bachelor,true,2015-03-01\n\
             110101,{bad},赵六,bachelor,true,2015-03-01\n\
             110101,{},孙七,master,false,2016-03-01\n",
            resident_id(4).unwrap(),
            resident_id(5).unwrap(),
        ),
    );

    // one bad row: nothing written, the row named by line, field and rule
    let out = db.import("workers", &file);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("line 3: field resident_id: rule resident_id.check_char: "),
        "{err}"
    );
    assert!(err.contains("nothing written"), "{err}");
    assert!(!err.contains(&bad) && !err.contains("赵六"), "{err}");
    assert_eq!(db.export("workers").lines().count(), 1, "only the header");

    // --skip-invalid: the two good rows are written, the bad one goes to the rejected file
    let rejected = dir.join("rejected.csv");
    let out = db.import_skipping("workers", &file, &rejected);
    assert!(out.status.success(), "{out:?}");
    assert!(stderr(&out).contains("2 inserted"), "{out:?}");
    let rejected = std::fs::read_to_string(&rejected).unwrap();
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines.len(), 2, "{rejected}");
    assert!(
        lines[0].starts_with("line,errors,region_code,resident_id"),
        "{rejected}"
    );
    assert!(
        lines[1].starts_with("3,\"field resident_id: rule resident_id.check_char: "),
        "{rejected}"
    );
    assert_eq!(db.export("workers").lines().count(), 3);

    // a header without a required column is refused as a whole
    let file = write(dir, "no-name.csv", "region_code,resident_id\n110101,x\n");
    let out = db.import("workers", &file);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("line 1: field name: rule csv.missing_column: "),
        "{out:?}"
    );
}

#[tokio::test]
async fn a_bad_row_writes_nothing_unless_skipped_on_both_backends() {
    on_both_backends("bad", bad_rows_on).await;
}

/// The count before `what` in the summary line, e.g. `3` for `what` = ` inserted`.
fn summary_count(err: &str, what: &str) -> u64 {
    let at = err.find(what).unwrap_or_else(|| panic!("{what} in {err}"));
    let start = err[..at].rfind(' ').map_or(0, |i| i + 1);
    err[start..at].parse().unwrap()
}

/// The change-feed events an import of `inserted` new `entity` rows appends: one per row of
/// the kinds the API reports on creation, except the organisation's credit entry (one in
/// [`records`]).
fn expected_events(entity: &str, inserted: u64) -> u64 {
    match entity {
        "credentials" | "registrations" | "assignments" | "appraisals" | "allowance_policies"
        | "allowance_payments" => inserted,
        "credit_entries" => inserted - 1,
        _ => 0,
    }
}

fn import_all(db: &Db, files: &[(&str, PathBuf)]) {
    for (entity, file) in files {
        let out = db.import(entity, file);
        assert!(out.status.success(), "{entity}: {out:?}");
        let err = stderr(&out);
        let inserted = summary_count(&err, " inserted,");
        assert_eq!(
            summary_count(&err, " feed events"),
            expected_events(entity, inserted),
            "{entity}: {err}"
        );
        assert!(inserted > 0, "{entity}: {err}");
    }
}

fn export_all(db: &Db, dir: &Path, tag: &str) -> Vec<(&'static str, PathBuf)> {
    ENTITIES
        .iter()
        .map(|e| (*e, write(dir, &format!("{tag}-{e}.csv"), &db.export(e))))
        .collect()
}

fn read_all(files: &[(&str, PathBuf)]) -> Vec<String> {
    files
        .iter()
        .map(|(_, f)| std::fs::read_to_string(f).unwrap())
        .collect()
}

#[tokio::test]
async fn export_import_moves_a_register_between_backends_and_back() {
    let dir = temp_dir();
    let sqlite = Db::sqlite(&dir, "source");
    import_all(&sqlite, &register(&dir));
    let from_sqlite = export_all(&sqlite, &dir, "sqlite");
    let rows = |entity: &str| match entity {
        "units" | "posts" | "objections" | "allowance_payments" => 1,
        "credit_entries" => 6,
        _ => 2,
    };
    for (entity, text) in ENTITIES.iter().zip(read_all(&from_sqlite)) {
        assert_eq!(text.lines().count(), 1 + rows(entity), "{entity}: {text}");
    }
    // records keep their ids, timestamps (to the microsecond), decisions and versions
    let text = read_all(&from_sqlite);
    assert!(
        text[7].contains(&format!("{APPRAISAL},2024-02-01T09:00:00.123456Z")),
        "{}",
        text[7]
    );
    assert!(
        text[9].contains(&format!(
            "rejected,经复核，事实清楚,{REJECTED},2024-03-10T10:00:00Z,2024-04-01T10:00:00Z,2"
        )),
        "{}",
        text[9]
    );
    assert!(text[10].contains(",2019-01,2023-12,"), "{}", text[10]);
    assert!(
        text[8].contains(&format!(",{ORG},110101,fine,200000,")),
        "{}",
        text[8]
    );

    // SQLite → PostgreSQL (another data key: resident IDs are re-sealed) → identical export
    let pg = Db::postgres().await;
    import_all(&pg, &from_sqlite);
    let from_pg = export_all(&pg, &dir, "pg");
    assert_eq!(read_all(&from_sqlite), read_all(&from_pg));

    // re-importing the same files changes nothing
    for (entity, file) in &from_sqlite {
        let out = pg.import(entity, file);
        assert!(out.status.success(), "{out:?}");
        assert!(stderr(&out).contains(" 0 inserted, "), "{entity}: {out:?}");
        assert!(
            stderr(&out).contains(" 0 feed events "),
            "{entity}: {out:?}"
        );
    }
    assert_eq!(
        read_all(&from_pg),
        read_all(&export_all(&pg, &dir, "pg-again"))
    );

    // a changed row with the same key is a conflict, not an overwrite
    let workers = std::fs::read_to_string(&from_pg[2].1)
        .unwrap()
        .replace("张三", "张三丰");
    let changed = write(&dir, "changed-workers.csv", &workers);
    let out = pg.import("workers", &changed);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stderr(&out).contains("line 2: field resident_id: rule import.conflict: "),
        "{out:?}"
    );
    assert!(!stderr(&out).contains("张三"), "{out:?}");

    // and back: PostgreSQL → a fresh SQLite file → identical export
    let back = Db::sqlite(&dir, "back");
    import_all(&back, &from_pg);
    assert_eq!(
        read_all(&from_pg),
        read_all(&export_all(&back, &dir, "back"))
    );

    pg.drop_pg().await;
    std::fs::remove_dir_all(&dir).ok();
}

/// On both backends: imports the register files of `needs`, then `bad` as `entity`, which
/// must be refused as a whole (exit 1, nothing written) naming `expected`
/// (`line N: field F: rule R: `).
async fn refused(entity: &str, needs: &[&str], bad: &str, expected: &str) {
    let dir = temp_dir();
    let files: Vec<(&str, PathBuf)> = register(&dir)
        .into_iter()
        .filter(|(e, _)| needs.contains(e))
        .collect();
    let bad = write(&dir, "bad.csv", bad);
    for db in [Db::sqlite(&dir, "bad"), Db::postgres().await] {
        import_all(&db, &files);
        let before = db.export(entity);
        let out = db.import(entity, &bad);
        assert_eq!(out.status.code(), Some(1), "{entity}: {out:?}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{entity}: {err}");
        assert!(err.contains("nothing written"), "{entity}: {err}");
        assert_eq!(db.export(entity), before, "{entity}: nothing written");
        db.drop_pg().await;
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_bad_continuing_education_row_is_named_on_both_backends() {
    let bad = format!(
        "worker_id,completed_on,hours_tenths,kind\n\
         {W1},2023-05-01,125,course\n\
         {W2},2023-05-01,0,course\n"
    );
    let expected = "line 3: field hours_tenths: rule ce.hours_not_positive: ";
    refused("continuing_education", &["workers"], &bad, expected).await;
}

#[tokio::test]
async fn a_correction_before_the_appraisal_it_corrects_is_refused_on_both_backends() {
    // rows are in the order recorded: a correction may only name an EARLIER row
    let bad = format!(
        "id,worker_id,unit_id,year,grade,recorded_on,corrects_id\n\
         {CORRECTION},{W1},{UNIT},2023,excellent,2024-02-01,{APPRAISAL}\n\
         {APPRAISAL},{W1},{UNIT},2023,pass,2024-01-10,\n"
    );
    let expected = "line 2: field corrects_id: rule import.unknown_reference: ";
    refused("appraisals", &["units", "workers"], &bad, expected).await;
}

#[tokio::test]
async fn a_credit_entry_pointing_at_the_wrong_kind_is_refused_on_both_backends() {
    // the target is an earlier row of the same file; core's pointer rule refuses it
    let bad = format!(
        "id,subject_kind,worker_id,kind,list_kind,points_to_id,effective_on,recorded_at\n\
         {WARNING},worker,{W1},commendation,,,2024-03-01,2024-03-01T10:00:00Z\n\
         {FILED},worker,{W1},removal,abnormal,{WARNING},2024-04-01,2024-04-01T10:00:00Z\n"
    );
    let expected = "line 3: field points_to_id: rule credit.pointer_kind: ";
    refused("credit_entries", &["workers"], &bad, expected).await;
}

#[tokio::test]
async fn an_objection_with_the_wrong_outcome_entry_is_refused_on_both_backends() {
    // upheld, but the outcome entry stored is an objection_rejected one
    let bad = format!(
        "worker_id,credit_entry_id,objection_entry_id,statement,status,decision_reason,\
         outcome_entry_id\n\
         {W1},{WARNING},{FILED},有误,upheld,成立,{REJECTED}\n"
    );
    let expected = "line 2: field outcome_entry_id: rule import.objection_entry: ";
    refused("objections", &["workers", "credit_entries"], &bad, expected).await;
}

#[tokio::test]
async fn an_overlapping_policy_version_is_refused_on_both_backends() {
    let v3 = policy(3, "2023-06", None);
    let bad = format!("definition\n{}", csv_line(&[&v3]));
    let expected = "line 2: field effective_from: rule policy.overlapping_versions: ";
    refused(
        "allowance_policies",
        &["allowance_policies"],
        &bad,
        expected,
    )
    .await;
}

#[tokio::test]
async fn a_payment_under_an_unknown_policy_is_refused_on_both_backends() {
    let bad = format!(
        "worker_id,policy_id,level,month,amount_fen\n\
         {W1},{POLICY},assistant,2024-06,100000\n\
         {W2},no-such-policy,aide,2024-06,50000\n"
    );
    let expected = "line 3: field policy_id: rule payment.unknown_policy: ";
    refused(
        "allowance_payments",
        &["workers", "allowance_policies"],
        &bad,
        expected,
    )
    .await;
}

async fn records_reimport_on(db: &Db, dir: &Path) {
    let files: Vec<(&str, PathBuf)> = register(dir)
        .into_iter()
        .filter(|(e, _)| ["workers", "credit_entries"].contains(e))
        .collect();
    import_all(db, &files);
    let before = db.export("credit_entries");

    // the same file again: every row is stored with the same values; nothing is written
    let out = db.import("credit_entries", &files[1].1);
    assert!(out.status.success(), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("6 rows, 0 inserted, 6 unchanged, 0 rejected, 0 feed events"),
        "{err}"
    );
    assert_eq!(db.export("credit_entries"), before);

    // the export re-imported: the same
    let exported = write(dir, "exported-credit.csv", &before);
    let out = db.import("credit_entries", &exported);
    assert!(
        stderr(&out).contains(" 0 inserted, 6 unchanged, "),
        "{out:?}"
    );

    // a record changed in the file is a conflict, never an update of the append-only row
    let changed = write(
        dir,
        "changed-credit.csv",
        &before.replace("警告所依事实有误", "另一理由"),
    );
    let out = db.import("credit_entries", &changed);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stderr(&out).contains("line 3: field id: rule import.conflict: ")
            && stderr(&out).contains("(note)"),
        "{out:?}"
    );
    assert_eq!(db.export("credit_entries"), before);
}

#[tokio::test]
async fn re_importing_credit_entries_changes_nothing_on_both_backends() {
    on_both_backends("again", records_reimport_on).await;
}

/// `n` workers of region 110101 (resident IDs 10.. of the bench generator), as CSV.
fn many_workers(n: u64) -> String {
    let mut text =
        "id,region_code,resident_id,name,education_level,social_work_major,experience_start\n"
            .to_owned();
    for i in 0..n {
        let id = format!("0190a000-0000-7000-8000-{:012x}", 0x10_0000 + i);
        let rid = resident_id(10 + i).unwrap();
        text.push_str(&format!(
            "{id},110101,{rid},工作者{i},bachelor,true,2015-03-01\n"
        ));
    }
    text
}

async fn streamed_on(db: &Db, dir: &Path) {
    // 1,200 rows: three chunks of checks. Line 1,150 repeats the resident ID of line 10.
    let mut text = many_workers(1_200);
    let line10 = text
        .lines()
        .nth(9)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .to_owned();
    let line1150 = text.lines().nth(1_149).unwrap().to_owned();
    let mut cells: Vec<&str> = line1150.split(',').collect();
    cells[2] = &line10;
    text = text.replace(&line1150, &cells.join(","));
    let file = write(dir, "many-workers.csv", &text);

    let out = db.import("workers", &file);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stderr(&out).contains(
            "line 1150: field resident_id: rule import.duplicate_key: same key as line 10"
        ),
        "{out:?}"
    );
    assert!(stderr(&out).contains("1 of 1200 rows rejected; nothing written"));
    assert_eq!(db.export("workers").lines().count(), 1, "nothing written");

    let rejected = dir.join("many-rejected.csv");
    let out = db.import_skipping("workers", &file, &rejected);
    assert!(
        stderr(&out).contains("1200 rows, 1199 inserted, 0 unchanged, 1 rejected"),
        "{out:?}"
    );
    let rejected = std::fs::read_to_string(&rejected).unwrap();
    assert_eq!(rejected.lines().count(), 2, "{rejected}");
    assert!(rejected.lines().nth(1).unwrap().starts_with("1150,"));
    assert_eq!(db.export("workers").lines().count(), 1 + 1_199);

    // 700 appraisals of one worker: the correction on line 652 names the appraisal on line
    // 3, checked two chunks earlier
    let worker = "0190a000-0000-7000-8000-000000100000";
    let mut text =
        "id,worker_id,unit_id,year,grade,recorded_on,corrects_id,recorded_at\n".to_owned();
    for i in 0..700u64 {
        let corrects = if i == 650 {
            "0190a000-0000-7000-8000-000000200001"
        } else {
            ""
        };
        text.push_str(&format!(
            "0190a000-0000-7000-8000-{:012x},{worker},{UNIT},2023,pass,2024-01-10,{corrects},\
             2024-01-10T08:{:02}:{:02}Z\n",
            0x20_0000 + i,
            i / 60,
            i % 60
        ));
    }
    let units = write(
        dir,
        "one-unit.csv",
        &format!("id,region_code,name,unit_type\n{UNIT},110101,东城社工站,agency\n"),
    );
    // from stdin (copied to a temporary file first, removed afterwards)
    let out = db.import_stdin("units", &units);
    assert!(stderr(&out).contains("1 rows, 1 inserted, "), "{out:?}");
    let out = db.import("appraisals", &write(dir, "many-appraisals.csv", &text));
    assert!(
        stderr(&out).contains("700 rows, 700 inserted, 0 unchanged, 0 rejected, 700 feed events"),
        "{out:?}"
    );

    // the spool and the copy of stdin are gone
    let left: Vec<_> = std::fs::read_dir(db.tmp.as_ref().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("registry-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn an_import_streams_its_file_chunk_by_chunk_on_both_backends() {
    let dir = temp_dir();
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut sqlite = Db::sqlite(&dir, "streamed");
    sqlite.tmp = Some(tmp.clone());
    streamed_on(&sqlite, &dir).await;
    let mut pg = Db::postgres().await;
    pg.tmp = Some(tmp);
    streamed_on(&pg, &dir).await;
    pg.drop_pg().await;
    std::fs::remove_dir_all(&dir).ok();
}
