//! [`BatchedLog`]: the service's log lines, written out in batches by a thread of its own.
//!
//! A request handler only appends its access-log line to a shared buffer (one short lock, no
//! system call); the `log-writer` thread writes whatever has gathered, every
//! [`GATHER`] at most, in one write. Until session 15 the lines went through
//! tracing-appender's queue, whose writer thread wakes for every line: a futex wake on the
//! handler's side, a context switch and a `write` per line on the other, 3–5 % of the
//! server's CPU at ~14k requests/s (BENCHMARKS.md, session 15). Here the thread is woken at
//! most once per batch.
//!
//! Nothing is dropped and the order is kept: a line is in the buffer when the handler's
//! `write` returns; when the buffer passes [`FULL`] (the thread fell behind) the handler that
//! passed it writes the buffer out itself, under the same output lock as the thread, so
//! lines never overtake each other. Dropping the [`LogGuard`] writes out everything
//! gathered; lines logged after that are written directly.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the thread lets lines gather once the first of a batch arrived.
pub const GATHER: Duration = Duration::from_millis(20);
/// Bytes gathered beyond which the handler that passed the mark writes them out itself.
pub const FULL: usize = 1 << 20;

/// Where the lines go, with what was gathered for it.
struct Shared {
    /// Lines gathered since the last write.
    pending: Mutex<Vec<u8>>,
    /// Wakes the thread when the first line of a batch arrives, or on close.
    wake: Condvar,
    /// The output; held while a batch is written, so batches go out in order.
    out: Mutex<Box<dyn Write + Send>>,
    /// Set by the guard's drop: the thread writes what is left and ends.
    closed: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves bytes, not broken invariants: keep going.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Writes out everything gathered, after the batches before it. `spare` is an empty
    /// buffer swapped in for the gathered one, so both keep their capacity; it comes back
    /// empty.
    fn write_out(&self, spare: &mut Vec<u8>) {
        let mut out = lock(&self.out);
        std::mem::swap(&mut *lock(&self.pending), spare);
        if !spare.is_empty() {
            // Nowhere to report a failed write of the log itself.
            let _ = out.write_all(spare).and_then(|()| out.flush());
            spare.clear();
        }
    }

    /// The thread: waits for a first line, lets the batch gather, writes it; after close,
    /// writes what is left and ends.
    fn run(&self) {
        let mut spare = Vec::new();
        loop {
            {
                let mut pending = lock(&self.pending);
                while pending.is_empty() && !self.closed.load(Ordering::Acquire) {
                    pending = self
                        .wake
                        .wait(pending)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            if self.closed.load(Ordering::Acquire) {
                self.write_out(&mut spare);
                return;
            }
            std::thread::sleep(GATHER);
            self.write_out(&mut spare);
        }
    }
}

/// The writer of the service's log (see the module docs): a `MakeWriter` for
/// tracing-subscriber, each line appended to the batch being gathered.
#[derive(Clone)]
pub struct BatchedLog {
    shared: Arc<Shared>,
}

/// Ends the `log-writer` thread when dropped, after it wrote out every line gathered.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl BatchedLog {
    /// Starts the `log-writer` thread writing to `out`.
    pub fn start(out: impl Write + Send + 'static) -> std::io::Result<(Self, LogGuard)> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Vec::new()),
            wake: Condvar::new(),
            out: Mutex::new(Box::new(out)),
            closed: AtomicBool::new(false),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("log-writer".into())
                .spawn(move || shared.run())?
        };
        Ok((
            Self {
                shared: Arc::clone(&shared),
            },
            LogGuard {
                shared,
                thread: Some(thread),
            },
        ))
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        // Under the lock, so the thread is either waiting (and woken) or sees `closed`.
        drop(lock(&self.shared.pending));
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Anything appended meanwhile.
        self.shared.write_out(&mut Vec::new());
    }
}

/// One event's writer: appends to the batch being gathered.
pub struct Line<'a> {
    shared: &'a Shared,
}

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let shared = self.shared;
        let (first, full) = {
            let mut pending = lock(&shared.pending);
            let first = pending.is_empty();
            pending.extend_from_slice(buf);
            (first, pending.len() >= FULL)
        };
        if full || shared.closed.load(Ordering::Acquire) {
            shared.write_out(&mut Vec::new());
        } else if first {
            shared.wake.notify_one();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Lines are written in batches; the guard writes out the last one.
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedLog {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).clone()).unwrap()
        }
    }

    fn line(log: &BatchedLog, text: &str) {
        log.make_writer().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn every_line_is_written_in_order_and_the_guard_writes_the_last_batch() {
        let out = Captured::default();
        let (log, guard) = BatchedLog::start(out.clone()).unwrap();
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for n in 0..2_000 {
                        line(&log, &format!("thread {t} line {n}\n"));
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        line(&log, "last\n");
        drop(guard);

        let text = out.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8_001);
        assert_eq!(lines.last(), Some(&"last"));
        // Each thread's lines in the order it logged them.
        for t in 0..4 {
            let prefix = format!("thread {t} line ");
            let ns: Vec<usize> = lines
                .iter()
                .filter_map(|l| l.strip_prefix(&prefix))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(ns, (0..2_000).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_batch_is_written_without_the_guard_being_dropped() {
        let out = Captured::default();
        let (log, _guard) = BatchedLog::start(out.clone()).unwrap();
        line(&log, "one\n");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while out.text().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(out.text(), "one\n");
    }

    #[test]
    fn a_full_buffer_is_written_by_the_line_that_filled_it() {
        let out = Captured::default();
        let (log, guard) = BatchedLog::start(out.clone()).unwrap();
        let big = "x".repeat(FULL);
        line(&log, &big);
        // Written before `write` returned, not by the thread.
        assert_eq!(out.text().len(), FULL);
        line(&log, "after\n");
        drop(guard);
        assert_eq!(out.text().len(), FULL + "after\n".len());
        assert!(out.text().ends_with("xafter\n"));
    }

    #[test]
    fn lines_after_the_guard_are_written_directly() {
        let out = Captured::default();
        let (log, guard) = BatchedLog::start(out.clone()).unwrap();
        drop(guard);
        line(&log, "late\n");
        assert_eq!(out.text(), "late\n");
    }
}
