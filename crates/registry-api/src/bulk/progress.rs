//! Progress on stderr: an `indicatif` bar when stderr is a terminal, otherwise a plain line
//! every [`PLAIN_EVERY`] (and at the end), so logs of unattended runs stay readable.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the plain form prints a line.
pub const PLAIN_EVERY: Duration = Duration::from_secs(2);

/// One phase's progress (e.g. `validating workers`).
#[derive(Debug)]
pub struct Progress {
    phase: String,
    total: Option<u64>,
    done: u64,
    bar: Option<ProgressBar>,
    last: Instant,
    quiet: bool,
}

impl Progress {
    /// Starts a phase of `total` steps (`None`: unknown, e.g. an export).
    pub fn new(phase: &str, total: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match total {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
                None => ProgressBar::new_spinner(),
            };
            let template = if total.is_some() {
                "{msg:20} [{bar:40}] {pos}/{len} ({per_sec}, {eta})"
            } else {
                "{msg:20} {spinner} {pos} ({per_sec})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(phase.to_owned());
            bar
        });
        Self {
            phase: phase.to_owned(),
            total,
            done: 0,
            bar,
            last: Instant::now(),
            quiet: false,
        }
    }

    /// A progress that prints nothing (library callers, tests).
    pub fn quiet(phase: &str) -> Self {
        Self {
            quiet: true,
            bar: None,
            ..Self::new_plain(phase)
        }
    }

    fn new_plain(phase: &str) -> Self {
        Self {
            phase: phase.to_owned(),
            total: None,
            done: 0,
            bar: None,
            last: Instant::now(),
            quiet: false,
        }
    }

    /// Adds `n` steps.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        } else if !self.quiet && self.last.elapsed() >= PLAIN_EVERY {
            self.last = Instant::now();
            self.line();
        }
    }

    fn line(&self) {
        match self.total {
            Some(t) => eprintln!("{}: {}/{}", self.phase, self.done, t),
            None => eprintln!("{}: {}", self.phase, self.done),
        }
    }

    /// Ends the phase (clears the bar, prints the final plain line).
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if !self.quiet {
            self.line();
        }
    }
}
