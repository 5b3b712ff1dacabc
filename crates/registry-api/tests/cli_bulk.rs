//! The real `registry-api` binary: `import` and `export` on SQLite and PostgreSQL.
//!
//! - an import with one bad row writes nothing and names the row (line, field, rule), without
//!   printing the resident ID or the name;
//! - `--skip-invalid --rejected FILE` writes the good rows and the rejected ones to FILE;
//! - re-importing the same file changes nothing; a changed row is a conflict;
//! - export from one backend → import into the other → export again gives identical files,
//!   in both directions.
//!
//! PostgreSQL databases are created from `REGISTRY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use registry_api::bulk::bench_data::resident_id;
use registry_api::crypto::DataKey;
use sea_orm::{ConnectionTrait, Database};

const ENTITIES: [&str; 6] = [
    "units",
    "posts",
    "workers",
    "credentials",
    "assignments",
    "registrations",
];

struct Db {
    url: String,
    data_key: String,
    pg_name: Option<String>,
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
        Command::new(env!("CARGO_BIN_EXE_registry-api"))
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
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("run registry-api")
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

/// One small register, one file per entity.
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
    vec![
        ("units", write(dir, "units.csv", &units)),
        ("posts", write(dir, "posts.csv", &posts)),
        ("workers", write(dir, "workers.csv", &workers)),
        ("credentials", write(dir, "credentials.csv", &credentials)),
        ("assignments", write(dir, "assignments.csv", &assignments)),
        (
            "registrations",
            write(dir, "registrations.csv", registrations),
        ),
    ]
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
    let out = db.run(&[
        "import",
        "workers",
        file.to_str().unwrap(),
        "--skip-invalid",
        "--rejected",
        rejected.to_str().unwrap(),
    ]);
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
    let dir = temp_dir();
    bad_rows_on(&Db::sqlite(&dir, "bad"), &dir).await;
    let pg = Db::postgres().await;
    bad_rows_on(&pg, &dir).await;
    pg.drop_pg().await;
    std::fs::remove_dir_all(&dir).ok();
}

/// The count before `what` in the summary line, e.g. `3` for `what` = ` inserted`.
fn summary_count(err: &str, what: &str) -> u64 {
    let at = err.find(what).unwrap_or_else(|| panic!("{what} in {err}"));
    let start = err[..at].rfind(' ').map_or(0, |i| i + 1);
    err[start..at].parse().unwrap()
}

fn import_all(db: &Db, files: &[(&str, PathBuf)]) {
    for (entity, file) in files {
        let out = db.import(entity, file);
        assert!(out.status.success(), "{entity}: {out:?}");
        // one change-feed event per inserted credential, assignment, registration
        let err = stderr(&out);
        let inserted = summary_count(&err, " inserted,");
        let reported = ["credentials", "assignments", "registrations"].contains(entity);
        assert_eq!(
            summary_count(&err, " feed events"),
            if reported { inserted } else { 0 },
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
    for (entity, text) in ENTITIES.iter().zip(read_all(&from_sqlite)) {
        assert_eq!(
            text.lines().count(),
            1 + if *entity == "units" || *entity == "posts" {
                1
            } else {
                2
            },
            "{entity}: {text}"
        );
    }

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
