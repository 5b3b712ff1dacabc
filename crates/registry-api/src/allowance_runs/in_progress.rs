//! [`RunsInProgress`]: the region and month of every run this process is computing, so a
//! second run of the same region and month is refused at once (409) instead of computing for
//! as long as the first and then being refused at publication (`compute::publish`), which
//! still guards runs made by other processes.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// The runs being computed, by region code and month (see the module docs); clones share
/// them.
#[derive(Debug, Default, Clone)]
pub struct RunsInProgress(Arc<Mutex<HashSet<(String, String)>>>);

/// A claimed region and month, given back when dropped (the run published, failed or its
/// request gone).
#[derive(Debug)]
pub struct Claim {
    runs: Arc<Mutex<HashSet<(String, String)>>>,
    key: (String, String),
}

impl RunsInProgress {
    /// Claims `region` and `month` for a run; `None` if a run of them is being computed.
    pub fn claim(&self, region: &str, month: &str) -> Option<Claim> {
        let key = (region.to_owned(), month.to_owned());
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        runs.insert(key.clone()).then(|| Claim {
            runs: Arc::clone(&self.0),
            key,
        })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_excludes_its_region_and_month_until_dropped() {
        let runs = RunsInProgress::default();
        let first = runs.claim("510104", "2026-03").expect("free");
        assert!(runs.claim("510104", "2026-03").is_none());
        let other_month = runs.claim("510104", "2026-04").expect("another month");
        let other_region = runs.claim("510100", "2026-03").expect("another region");
        drop(first);
        assert!(runs.claim("510104", "2026-03").is_some());
        drop((other_month, other_region));
    }
}
