//! Prometheus metrics: request count and latency per route template (the operation id, or a
//! fixed name for the few plain routes), method and status. Never the raw path: ids in paths
//! would make unbounded label sets.
//!
//! The hot path takes a read lock and bumps atomics; the write lock is taken once per new
//! label combination.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
pub const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

type Key = (&'static str, &'static str, u16);

#[derive(Default)]
struct Series {
    count: AtomicU64,
    sum_micros: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

/// The registry of request series.
#[derive(Default)]
pub struct Metrics {
    series: RwLock<HashMap<Key, Arc<Series>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics(..)")
    }
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, route: &'static str, method: &'static str, status: u16, took: Duration) {
        let key = (route, method, status);
        let existing = self.series.read().ok().and_then(|m| m.get(&key).cloned());
        let series = match existing {
            Some(s) => s,
            None => match self.series.write() {
                Ok(mut m) => m.entry(key).or_default().clone(),
                Err(_) => return,
            },
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        series.count.fetch_add(1, Ordering::Relaxed);
        series.sum_micros.fetch_add(micros, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                series.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut entries: Vec<(Key, Arc<Series>)> = match self.series.read() {
            Ok(m) => m.iter().map(|(k, v)| (*k, v.clone())).collect(),
            Err(_) => Vec::new(),
        };
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::with_capacity(256 + entries.len() * 1024);
        out.push_str("# HELP registry_http_requests_total HTTP requests by route template, method and status.\n");
        out.push_str("# TYPE registry_http_requests_total counter\n");
        for ((route, method, status), s) in &entries {
            let _ = writeln!(
                out,
                "registry_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP registry_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE registry_http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in &entries {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "registry_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {}",
                    s.buckets[i].load(Ordering::Relaxed)
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "registry_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "registry_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "registry_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.observe("get_worker", "GET", 200, Duration::from_millis(3));
        m.observe("get_worker", "GET", 200, Duration::from_millis(30));
        let text = m.render();
        assert!(text.contains(
            "registry_http_requests_total{route=\"get_worker\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
    }
}
