//! [`WalCheckpointer`]: SQLite WAL checkpoints of the read-audit writer, run on a
//! connection of their own instead of inside the writer's commits.
//!
//! SQLite checkpoints a WAL database from the connection whose commit pushed the log past
//! `wal_autocheckpoint` pages, inside that commit: the frames are copied into the database
//! file and both files are synced before `COMMIT` returns. For the read-audit writer
//! (`crate::audit::reads`), whose commits every reader of the batch waits for, that copy and
//! its two `fsync`s (up to 20 ms each under audited load) landed on the answers: they made
//! the slowest one per cent of responses (BENCHMARKS.md, session 7).
//!
//! So the writer's connection turns automatic checkpoints off ([`NO_AUTOCHECKPOINT`]) and
//! tells this checkpointer how many entries it committed ([`WalCheckpointer::wrote`]);
//! every [`ENTRIES_PER_CHECKPOINT`] entries a task runs `PRAGMA wal_checkpoint(PASSIVE)` on
//! a connection of its own. A passive checkpoint runs beside readers and the writer and
//! never waits for a lock; what it could not copy (frames a reader still needs) the next
//! one copies.
//!
//! A passive checkpoint never moves the log back to its start: only a writer that begins
//! when every frame is copied does that, and under load the writer commits again before a
//! checkpoint from another connection has finished. So once the log holds
//! [`RESTART_FRAMES`] pages, the writer itself runs a `RESTART` checkpoint between two
//! batches ([`WalCheckpointer::between_batches`]), waiting at most [`RESTART_WAIT_MS`] for
//! the reads in flight (and trying again a second later if they kept it waiting), after
//! which its next commit writes the log from the beginning: the log file stays under about
//! `RESTART_FRAMES` pages (256 MiB). Every other connection keeps SQLite's automatic
//! checkpoints. Durability does not change: the same frames are copied and synced, by
//! another connection, a moment later.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, Row};
use tokio::sync::mpsc;

/// Entries committed between two checkpoints. An audit entry dirties about one page of
/// the worker index plus its share of a table page, so this is a few hundred log frames.
pub const ENTRIES_PER_CHECKPOINT: usize = 500;

/// Log size (frames, i.e. pages) at which the writer restarts the log: 256 MiB of 4 KiB
/// pages. Smaller logs restart more often, and each restart holds one batch back for its
/// final `fsync` (12–48 ms measured at 11,000 audited reads/s; 64 MiB put p99 at 14–26 ms).
pub const RESTART_FRAMES: i64 = 65_536;

/// Longest wait of a restart for the reads in flight, in milliseconds (SQLite's busy
/// timeout while it runs), so a long read (an allowance run) never holds the writer back.
pub const RESTART_WAIT_MS: u64 = 100;

/// How long after a restart that had to give up the writer tries again.
pub const RESTART_RETRY: Duration = Duration::from_secs(1);

/// The statement that turns a connection's automatic checkpoints off.
pub const NO_AUTOCHECKPOINT: &str = "PRAGMA wal_autocheckpoint=0";

/// The passive checkpoints of one writer (see the module docs); the task ends, closing its
/// connection, when this is dropped.
#[derive(Debug)]
pub struct WalCheckpointer {
    wake: mpsc::Sender<()>,
    pending: usize,
    /// Frames in the log at the last passive checkpoint.
    log_frames: Arc<AtomicI64>,
    restart_frames: i64,
    retry_at: Option<Instant>,
}

impl WalCheckpointer {
    /// Opens the checkpoint connection with `opts` and starts its task on the current
    /// runtime, counting completed checkpoints in `done`; the log is restarted once it
    /// holds `restart_frames` pages ([`RESTART_FRAMES`] in the service). The caller then
    /// turns off its own connection's automatic checkpoints ([`NO_AUTOCHECKPOINT`]).
    pub async fn start(
        opts: &SqliteConnectOptions,
        done: Arc<AtomicU64>,
        restart_frames: i64,
    ) -> Result<Self, sqlx::Error> {
        let conn = SqliteConnection::connect_with(opts).await?;
        let (wake, woken) = mpsc::channel(1);
        let log_frames = Arc::new(AtomicI64::new(0));
        tokio::spawn(run(conn, woken, done, Arc::clone(&log_frames)));
        Ok(Self {
            wake,
            pending: 0,
            log_frames,
            restart_frames,
            retry_at: None,
        })
    }

    /// Counts `entries` committed; wakes the task once [`ENTRIES_PER_CHECKPOINT`] have been
    /// since it was last woken (a wake-up while it is still busy is merged into the next).
    pub fn wrote(&mut self, entries: usize) {
        self.pending += entries;
        if self.pending >= ENTRIES_PER_CHECKPOINT {
            self.pending = 0;
            // Full means a wake-up is already waiting: that checkpoint covers these frames.
            let _ = self.wake.try_send(());
        }
    }

    /// Run by the writer on its connection `writer` after answering a batch: restarts the
    /// log if the last passive checkpoint found it at the restart size (see the module
    /// docs). A restart that could not finish within [`RESTART_WAIT_MS`] is tried again
    /// [`RESTART_RETRY`] later.
    pub async fn between_batches(&mut self, writer: &mut SqliteConnection) {
        if self.log_frames.load(Ordering::Relaxed) < self.restart_frames
            || self.retry_at.is_some_and(|at| Instant::now() < at)
        {
            return;
        }
        match restart(writer).await {
            Ok(true) => {
                self.log_frames.store(0, Ordering::Relaxed);
                self.retry_at = None;
            }
            Ok(false) => self.retry_at = Some(Instant::now() + RESTART_RETRY),
            Err(e) => {
                tracing::warn!(error = %e, "WAL restart failed");
                self.retry_at = Some(Instant::now() + RESTART_RETRY);
            }
        }
    }
}

/// The task: one passive checkpoint per wake-up, until the [`WalCheckpointer`] is dropped.
async fn run(
    mut conn: SqliteConnection,
    mut woken: mpsc::Receiver<()>,
    done: Arc<AtomicU64>,
    log_frames: Arc<AtomicI64>,
) {
    while woken.recv().await.is_some() {
        match passive(&mut conn).await {
            Ok(frames) => {
                log_frames.store(frames, Ordering::Relaxed);
                done.fetch_add(1, Ordering::Relaxed);
            }
            // The next wake-up tries again.
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
    let _ = conn.close().await;
}

/// A passive checkpoint; the frames in the log.
async fn passive(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *conn)
        .await?;
    // Columns: busy, frames in the log, frames copied.
    row.try_get(1)
}

/// A `RESTART` checkpoint on `writer` that waits at most [`RESTART_WAIT_MS`] for locks
/// (the connection's own busy timeout is put back afterwards); whether it finished.
async fn restart(writer: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let timeout: i64 = sqlx::query("PRAGMA busy_timeout")
        .fetch_one(&mut *writer)
        .await?
        .try_get(0)?;
    let set = |ms: i64| sqlx::query(AssertSqlSafe(format!("PRAGMA busy_timeout = {ms}")));
    set(RESTART_WAIT_MS as i64).execute(&mut *writer).await?;
    let result = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
        .fetch_one(&mut *writer)
        .await;
    set(timeout).execute(&mut *writer).await?;
    // Columns: busy (1 when it gave up waiting), frames in the log, frames copied.
    Ok(result?.try_get::<i64, _>(0)? == 0)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

    use super::*;

    fn options(file: &std::path::Path) -> SqliteConnectOptions {
        SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
    }

    /// A writer without automatic checkpoints keeps its log near the restart size when it
    /// reports its commits and gives the checkpointer its turns; without them the log only
    /// grows. Either way no row is lost.
    #[tokio::test]
    async fn the_log_stays_bounded_and_every_row_is_kept() {
        const RESTART: i64 = 64;
        let dir = std::env::temp_dir().join(format!("wal-ckpt-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let wal_pages = |name: &str| {
            let len = std::fs::metadata(dir.join(format!("{name}-wal")))
                .map(|m| m.len())
                .unwrap_or(0);
            len / 4096
        };
        for (name, checkpointed) in [("with.db", true), ("without.db", false)] {
            let opts = options(&dir.join(name));
            let mut writer = SqliteConnection::connect_with(&opts).await.unwrap();
            sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
                .execute(&mut writer)
                .await
                .unwrap();
            let done = Arc::new(AtomicU64::new(0));
            let mut checkpointer = WalCheckpointer::start(&opts, Arc::clone(&done), RESTART)
                .await
                .unwrap();
            sqlx::query(NO_AUTOCHECKPOINT)
                .execute(&mut writer)
                .await
                .unwrap();
            let mut wake_ups = 0;
            for n in 0..4_000 {
                // About one page of rows per commit.
                sqlx::query("INSERT INTO t (v) VALUES (?)")
                    .bind(format!("{n:04000}"))
                    .execute(&mut writer)
                    .await
                    .unwrap();
                if checkpointed {
                    checkpointer.wrote(ENTRIES_PER_CHECKPOINT / 10);
                    if (n + 1) % 10 == 0 {
                        // Wait for the passive checkpoint this woke: a restart that met it
                        // still running would give up and retry only a second later, so a
                        // busy machine (CI) made the log grow past the bound.
                        wake_ups += 1;
                        let deadline = Instant::now() + Duration::from_secs(30);
                        while done.load(Ordering::Relaxed) < wake_ups {
                            assert!(Instant::now() < deadline, "no checkpoint in 30 s");
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                    checkpointer.between_batches(&mut writer).await;
                }
            }
            let rows: i64 = sqlx::query("SELECT count(*) FROM t")
                .fetch_one(&mut writer)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            assert_eq!(rows, 4_000);
            let pages = wal_pages(name);
            if checkpointed {
                assert!(done.load(Ordering::Relaxed) > 0);
                assert!(pages < 4 * RESTART as u64, "{pages} pages in the log");
            } else {
                assert_eq!(done.load(Ordering::Relaxed), 0);
                assert!(pages > 4 * RESTART as u64, "{pages} pages in the log");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
