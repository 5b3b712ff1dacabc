//! `spawn_app` and friends: a fresh database per test, the real service, an HTTP client.
//!
//! PostgreSQL tests create a database per test from `REGISTRY_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`) and drop it afterwards. If the
//! server is unreachable the test fails: it never skips.

use std::path::PathBuf;

use registry_api::auth::{Role, jwt};
use registry_api::config::{Config, JwtConfig};
use registry_api::crypto::DataKey;
use registry_api::{AppState, serve};
use registry_core::ids::RegionCode;
use sea_orm::{ConnectionTrait, Database, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Generates `<name>::sqlite` and `<name>::postgres` tests from an `async fn(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The other backend (where a region moves to).
    pub fn other(self) -> Self {
        match self {
            Backend::Sqlite => Backend::Postgres,
            Backend::Postgres => Backend::Sqlite,
        }
    }
}

/// The running service and what the test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub config: Config,
    pub state: AppState,
    server: Option<(oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)>,
    cleanup: Cleanup,
}

enum Cleanup {
    Files(PathBuf),
    Database { admin_url: String, name: String },
}

fn postgres_admin_url() -> String {
    std::env::var("REGISTRY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

async fn start(
    config: &Config,
) -> (
    String,
    AppState,
    oneshot::Sender<()>,
    JoinHandle<std::io::Result<()>>,
) {
    let state = AppState::connect_and_migrate(config)
        .await
        .expect("connect and migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(serve(listener, state.clone(), async move {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), state, tx, handle)
}

/// Starts the service on a fresh database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the service on a fresh database, after `configure` adjusted its configuration
/// (e.g. low rate limits).
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let (url, cleanup) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("registry-test-{unique}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let file = dir.join("registry.db");
            (format!("sqlite://{}", file.display()), Cleanup::Files(dir))
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is required for this test ({admin_url}): {e}")
            });
            let name = format!("registry_test_{unique}");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            (
                replace_db_name(&admin_url, &name),
                Cleanup::Database { admin_url, name },
            )
        }
    };
    let config = Config::new(
        &url,
        DataKey::generate().expect("key"),
        JwtConfig::with_secret(b"test-secret-test-secret-test-secret!".to_vec()),
    )
    .expect("config");
    let mut config = config;
    configure(&mut config);
    let (base, state, tx, handle) = start(&config).await;
    TestApp {
        base,
        client: reqwest::Client::new(),
        config,
        state,
        server: Some((tx, handle)),
        cleanup,
    }
}

impl TestApp {
    /// Stops the server and starts a new one on the same database and keys.
    pub async fn restart(&mut self) {
        self.stop().await;
        let (base, state, tx, handle) = start(&self.config).await;
        self.base = base;
        self.state = state;
        self.server = Some((tx, handle));
    }

    async fn stop(&mut self) {
        if let Some((tx, handle)) = self.server.take() {
            let _ = tx.send(());
            let _ = handle.await;
        }
        self.state.close().await.ok();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn token(&self, role: Role, region: Option<&str>, worker: Option<&str>) -> String {
        let region = region.map(|r| RegionCode::parse(r).expect("region"));
        jwt::mint(
            &self.config.jwt,
            "tester",
            role,
            region.as_ref(),
            worker,
            time::Duration::hours(1),
        )
        .expect("mint")
    }

    pub fn admin(&self, region: &str) -> String {
        self.token(Role::Admin, Some(region), None)
    }

    pub fn hr(&self, region: &str) -> String {
        self.token(Role::Hr, Some(region), None)
    }

    pub fn worker(&self, id: &str) -> String {
        self.token(Role::Worker, None, Some(id))
    }

    /// An API key for `role` in `region`, stored as `registry-api keys create` stores it:
    /// `(id, key)`.
    pub async fn api_key(&self, role: Role, region: RegionCode, name: &str) -> (String, String) {
        registry_api::auth::api_key::create(&self.state.db, role, region, name)
            .await
            .expect("create API key")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(
        &self,
        path: &str,
        token: &str,
        etag: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body);
        if let Some(etag) = etag {
            req = req.header("If-Match", etag);
        }
        req.send().await.expect("request")
    }

    /// Sends `body` to `path` twice with the `Idempotency-Key` `key` (both 201 with the same
    /// resource), then `other` with the same key (422 `idempotency-key-reused`); returns the
    /// first answer.
    pub async fn assert_idempotent_create(
        &self,
        path: &str,
        token: &str,
        key: &str,
        body: &Value,
        other: &Value,
    ) -> Value {
        let send = |b: &Value| {
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(b)
                .send()
        };
        let first = send(body).await.expect("request");
        assert_eq!(first.status(), 201, "first create");
        let first: Value = first.json().await.expect("json");
        let again = send(body).await.expect("request");
        assert_eq!(again.status(), 201, "retry");
        let again: Value = again.json().await.expect("json");
        assert_eq!(first["id"], again["id"], "a retry names the first resource");
        let reused = send(other).await.expect("request");
        assert_problem(reused, 422, "idempotency-key-reused").await;
        first
    }

    /// Updates the row at `path` (at version 1, ETag `etag`) with `body`: 428 without
    /// `If-Match`, 200 with the ETag and the new ETag `"2"`, then 412 for the same ETag
    /// again; returns the updated row.
    pub async fn assert_update_once(
        &self,
        path: &str,
        token: &str,
        etag: &str,
        body: &Value,
    ) -> Value {
        let missing = self.put(path, token, None, body).await;
        assert_problem(missing, 428, "precondition-required").await;
        let resp = self.put(path, token, Some(etag), body).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["etag"], "\"2\"");
        let updated: Value = resp.json().await.expect("json");
        let stale = self.put(path, token, Some(etag), body).await;
        assert_problem(stale, 412, "precondition-failed").await;
        updated
    }

    /// Asserts that `token` gets for `path` (`<collection>/<id>`) exactly the 404 it gets
    /// for an id of the collection that does not exist: hidden looks the same as missing.
    pub async fn assert_hidden(&self, path: &str, token: &str) {
        let (collection, _) = path.rsplit_once('/').expect("a path ending in an id");
        let missing = format!("{collection}/0190aaaa-0000-7000-8000-000000000000");
        let hidden = assert_problem(self.get(path, token).await, 404, "not-found").await;
        let missing = assert_problem(self.get(&missing, token).await, 404, "not-found").await;
        assert_eq!(hidden, missing, "{path}");
    }

    /// Creates a worker as a national admin and returns its JSON.
    pub async fn create_worker(&self, body: &Value) -> Value {
        let resp = self
            .post("/api/v1/workers", &self.admin("000000"), body)
            .await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        resp.json().await.expect("json")
    }

    /// Rows in the table of entity `E`.
    pub async fn count<E: EntityTrait>(&self) -> u64
    where
        E::Model: Sync,
    {
        E::find().count(&self.state.db).await.expect("count")
    }

    /// Creates a unit as a national admin and returns its JSON.
    pub async fn create_unit(&self, body: &Value) -> Value {
        let resp = self
            .post("/api/v1/units", &self.admin("000000"), body)
            .await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        resp.json().await.expect("json")
    }

    /// Creates a post of `unit_id` as a national admin and returns its JSON.
    pub async fn create_post(&self, body: &Value) -> Value {
        let resp = self
            .post("/api/v1/posts", &self.admin("000000"), body)
            .await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        resp.json().await.expect("json")
    }

    /// Creates a worker in `region` with one credential (as a national admin); returns
    /// (worker id, credential id).
    pub async fn worker_with_credential(&self, n: u32, region: &str) -> (String, String) {
        let worker = self.create_worker(&new_worker(n, region)).await;
        let wid = worker["id"].as_str().expect("id").to_owned();
        let resp = self
            .post(
                &format!("/api/v1/workers/{wid}/credentials"),
                &self.admin("000000"),
                &new_credential(&format!("CERT-{n}")),
            )
            .await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        let cred: Value = resp.json().await.expect("json");
        (wid, cred["id"].as_str().expect("id").to_owned())
    }

    /// Entries in the read log (the audit chain of reads of personal records).
    pub async fn reads_logged(&self) -> u64 {
        use registry_api::db::entities::audit_log;
        audit_log::Entity::find()
            .count(&self.state.read_log)
            .await
            .expect("count")
    }

    /// Rows in (workers, audit_log, idempotency_keys): to check that a rejected request wrote nothing.
    pub async fn row_counts(&self) -> (u64, u64, u64) {
        use registry_api::db::entities::{audit_log, idempotency_key, worker};
        let db = &self.state.db;
        (
            worker::Entity::find().count(db).await.expect("count"),
            audit_log::Entity::find().count(db).await.expect("count"),
            idempotency_key::Entity::find()
                .count(db)
                .await
                .expect("count"),
        )
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((tx, handle)) = self.server.take() {
            let _ = tx.send(());
            handle.abort();
        }
        match &self.cleanup {
            Cleanup::Files(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop the database from a separate runtime: Drop cannot await.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A valid resident ID number, distinct for each `n` below 1000.
pub fn resident_id(n: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let body = format!("11010519800101{:03}", n % 1000);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}

/// A valid create body.
pub fn new_worker(n: u32, region: &str) -> Value {
    json!({
        "resident_id": resident_id(n),
        "name": format!("张{n}"),
        "education": {"level": "bachelor", "social_work_major": true},
        "experience_start": "2015-07-01",
        "region_code": region,
    })
}

/// A valid unit create body.
pub fn new_unit(n: u32, region: &str) -> Value {
    json!({
        "name": format!("社区{n}"),
        "region_code": region,
        "unit_type": "urban_community",
    })
}

/// A valid post create body for `unit_id`.
pub fn new_post(unit_id: &Value, title: &str) -> Value {
    json!({
        "unit_id": unit_id,
        "title": title,
        "min_level": "assistant",
        "grade": 11,
        "part_time_allowed": false,
    })
}

/// A valid credential body.
pub fn new_credential(number: &str) -> Value {
    json!({
        "scheme": "national_exam",
        "level": "assistant",
        "certificate_number": number,
        "issuing_authority": "四川省人力资源和社会保障厅",
        "exam_year": 2019,
        "issue_date": "2019-09-01",
    })
}

/// Follows `next_cursor` from `path` (which must already hold a `?`) and returns every
/// item id, and the number of pages.
pub async fn collect_pages(app: &TestApp, path: &str, token: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let resp = app.get(&url, token).await;
        assert_eq!(resp.status(), 200, "{url}");
        let page: Value = resp.json().await.expect("json");
        pages += 1;
        for item in page["items"].as_array().expect("items") {
            ids.push(item["id"].as_str().expect("id").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (ids, pages),
        }
    }
}

/// Asserts a problem+json response with `status` and `type` slug; returns the body.
pub async fn assert_problem(resp: reqwest::Response, status: u16, slug: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status");
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json", "content type");
    let body: Value = resp.json().await.expect("problem json");
    assert_eq!(
        body["type"],
        format!("https://registry.example/problems/{slug}"),
        "{body}"
    );
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}
