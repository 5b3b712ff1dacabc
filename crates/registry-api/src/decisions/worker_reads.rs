//! Coalesced single-worker reads ([`WorkerReads`]): the requests for single-worker answers
//! (`GET /workers/{id}/allowance`, `/ladder`, `/me/allowance`, `/me/ladder`) that arrive
//! while earlier ones are being read are read together, by one statement
//! ([`super::single::read`]) for all of their workers.
//!
//! [`READERS`] reader tasks take turns at the queue: a reader takes every request waiting
//! (up to [`MAX_BATCH`]), reads their workers (each once) in one statement on one pooled
//! connection and answers each request with its own worker. On an idle service that is one
//! request per statement, as before; under load the per-statement costs (the hand-off to
//! sqlx's SQLite connection thread and back, a PostgreSQL round trip, preparing the
//! snapshot) are shared by the requests of a batch instead of paid by each.
//!
//! Nothing gets staler: a request's statement starts after the request was queued, so it
//! sees every write committed before the request arrived, in one snapshot, exactly as a
//! statement of its own would. Each request still checks visibility itself (a hidden worker
//! is answered like a missing one) and assembles its own facts. Should a batch's statement
//! fail, its workers are read again one by one, so each request gets its own answer or its
//! own error; should the readers be gone (their runtime shut down), a request reads alone.

use std::sync::{Arc, OnceLock};

use sea_orm::DatabaseConnection;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::facts::{LoadedFacts, WorkerHead, assemble};
use super::single::{self, Found};
use crate::problem::ApiError;

/// Reader tasks: statements of single-worker reads in flight at once. Two keep both cores
/// of the benchmark machine busy; one did as well, three to six did worse (BENCHMARKS.md).
pub const READERS: usize = 2;
/// Most requests answered by one statement (their ids are one bound JSON list).
pub const MAX_BATCH: usize = 64;

/// A request waiting for its worker.
struct Want {
    id: String,
    answer: oneshot::Sender<Result<Option<Found>, ApiError>>,
}

type Queue = Arc<Mutex<mpsc::UnboundedReceiver<Want>>>;

/// The coalescing reader of one pool (see the module docs); its tasks start with the first
/// read and end when it is dropped.
#[derive(Debug)]
pub struct WorkerReads {
    db: DatabaseConnection,
    queue: OnceLock<mpsc::UnboundedSender<Want>>,
}

impl WorkerReads {
    /// A reader over `db` (`crate::db::connect_readers`).
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            queue: OnceLock::new(),
        }
    }

    /// The pool it reads through.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The worker `id` with its rows, read with the other requests waiting meanwhile;
    /// `None` if it does not exist.
    pub async fn read(&self, id: &str) -> Result<Option<Found>, ApiError> {
        let queue = self.queue.get_or_init(|| start(&self.db));
        let (answer, answered) = oneshot::channel();
        let want = Want {
            id: id.to_owned(),
            answer,
        };
        if queue.send(want).is_ok()
            && let Ok(found) = answered.await
        {
            return found;
        }
        read_one(&self.db, id).await
    }
}

/// Starts the [`READERS`] reader tasks on the current runtime; the queue they serve.
fn start(db: &DatabaseConnection) -> mpsc::UnboundedSender<Want> {
    let (queue, waiting) = mpsc::unbounded_channel();
    let waiting: Queue = Arc::new(Mutex::new(waiting));
    for _ in 0..READERS {
        tokio::spawn(reader(db.clone(), Arc::clone(&waiting)));
    }
    queue
}

/// One reader: takes every request waiting (at least one), answers them, again, until the
/// queue is closed.
async fn reader(db: DatabaseConnection, waiting: Queue) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let taken = waiting.lock().await.recv_many(&mut batch, MAX_BATCH).await;
        if taken == 0 {
            return;
        }
        answer(&db, std::mem::take(&mut batch)).await;
    }
}

/// Reads the workers of `batch` in one statement and answers each request; if that fails,
/// reads them one by one.
async fn answer(db: &DatabaseConnection, batch: Vec<Want>) {
    let mut ids: Vec<&str> = batch.iter().map(|w| w.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    match single::read(db, &ids).await {
        Ok(set) => {
            for want in batch {
                // A request that gave up (its client went away) needs no answer.
                let _ = want.answer.send(Ok(set.get(&want.id)));
            }
        }
        Err(e) if batch.len() == 1 => {
            if let Some(want) = batch.into_iter().next() {
                let _ = want.answer.send(Err(e));
            }
        }
        Err(_) => {
            for want in batch {
                let found = read_one(db, &want.id).await;
                let _ = want.answer.send(found);
            }
        }
    }
}

/// The worker `id` read by a statement of its own.
async fn read_one(db: &DatabaseConnection, id: &str) -> Result<Option<Found>, ApiError> {
    Ok(single::read(db, &[id]).await?.get(id))
}

/// What [`load_visible`] read: the worker, its facts and the policy generation.
#[derive(Debug, Clone)]
pub struct Visible {
    /// The worker's row.
    pub worker: WorkerHead,
    /// Its facts.
    pub facts: LoadedFacts,
    /// The policy generation read with them.
    pub policy_generation: Option<i64>,
}

/// The worker `id` and its facts, if `visible` says the caller may read it (see the module
/// docs); a hidden worker is answered like a missing one (`None`).
pub async fn load_visible(
    reads: &WorkerReads,
    id: &str,
    visible: impl FnOnce(&WorkerHead) -> bool,
) -> Result<Option<Visible>, ApiError> {
    let Some(found) = reads.read(id).await? else {
        return Ok(None);
    };
    if !visible(&found.head) {
        return Ok(None);
    }
    let facts = assemble(&found.head, &found.rows, &found.places)?;
    Ok(Some(Visible {
        worker: found.head,
        facts,
        policy_generation: found.policy_generation,
    }))
}
