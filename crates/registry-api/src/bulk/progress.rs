//! Progress on stderr: an `indicatif` bar when stderr is a terminal, otherwise a plain line
//! every [`PLAIN_EVERY`] (and at the end), so logs of unattended runs stay readable.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar for `phase` drawn to `target`.
fn bar(phase: &str, total: Option<u64>, target: ProgressDrawTarget) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, target);
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
}

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
    /// Whether the plain form prints lines before the final one.
    interim: bool,
}

impl Progress {
    /// Starts a phase of `total` steps (`None`: unknown, e.g. an export).
    pub fn new(phase: &str, total: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let target = ProgressDrawTarget::stderr();
            bar(phase, total, target)
        });
        Self::with_bar(phase, total, bar)
    }

    /// Starts two phases that advance together (e.g. rows read and rows checked while a file
    /// streams): two bars on a terminal, each phase's own plain lines otherwise.
    pub fn pair(first: (&str, Option<u64>), second: (&str, Option<u64>)) -> (Self, Self) {
        if !std::io::stderr().is_terminal() {
            // one interim line every PLAIN_EVERY is enough: the second phase's
            let first = Self {
                interim: false,
                ..Self::new(first.0, first.1)
            };
            return (first, Self::new(second.0, second.1));
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let [a, b] = [first, second].map(|(phase, total)| {
            let bar = multi.add(bar(phase, total, ProgressDrawTarget::hidden()));
            Self::with_bar(phase, total, Some(bar))
        });
        (a, b)
    }

    fn with_bar(phase: &str, total: Option<u64>, bar: Option<ProgressBar>) -> Self {
        Self {
            phase: phase.to_owned(),
            total,
            done: 0,
            bar,
            last: Instant::now(),
            quiet: false,
            interim: true,
        }
    }

    /// A progress that prints nothing (library callers, tests).
    pub fn quiet(phase: &str) -> Self {
        Self {
            quiet: true,
            ..Self::with_bar(phase, None, None)
        }
    }

    /// Adds `n` steps.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        } else if !self.quiet && self.interim && self.last.elapsed() >= PLAIN_EVERY {
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
