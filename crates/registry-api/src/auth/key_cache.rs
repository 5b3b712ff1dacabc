//! [`KeyCache`]: the principals of recently checked API keys, so a system calling many
//! times a second costs one key lookup per [`KeyCache::ttl`] instead of one per request.
//!
//! Keys are created and revoked by the CLI, another process, so the service cannot be told
//! of a revocation: a cached key is trusted for at most the time to live after its lookup
//! (`REGISTRY_API_KEY_CACHE_MS`, default [`DEFAULT_TTL`]; 0 turns the cache off and every
//! request looks its key up). That window is the documented bound on how long a revoked key
//! still works (README "Running the service").
//!
//! Only keys that were found are cached, keyed by the key's SHA-256 (never the key itself):
//! an unknown or revoked key is looked up every time, so guessing cannot fill the cache,
//! which holds at most [`MAX_ENTRIES`] keys (expired ones are dropped first; when all are
//! live the cache starts over).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Principal;

/// Default time to live of a cached key.
pub const DEFAULT_TTL: Duration = Duration::from_secs(1);
/// Longest time to live that can be configured (one minute).
pub const MAX_TTL: Duration = Duration::from_secs(60);
/// Most keys held at once.
pub const MAX_ENTRIES: usize = 1024;

/// A key's principal and until when it may be used without a lookup.
#[derive(Debug)]
struct Cached {
    principal: Principal,
    until: Instant,
}

/// The principals of recently checked API keys (see the module docs).
#[derive(Debug)]
pub struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Cached>>,
}

impl KeyCache {
    /// A cache whose entries live for `ttl` (zero: nothing is cached).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long an entry lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The principal of the key whose SHA-256 is `key_hash`, if it was found by a lookup
    /// less than the time to live before `now`.
    pub fn get(&self, key_hash: &str, now: Instant) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key_hash)
            .filter(|c| now < c.until)
            .map(|c| c.principal.clone())
    }

    /// Remembers that a lookup at `now` found the key `key_hash` for `principal`.
    pub fn put(&self, key_hash: String, principal: Principal, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key_hash) {
            entries.retain(|_, c| now < c.until);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key_hash,
            Cached {
                principal,
                until: now + self.ttl,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use registry_core::ids::RegionCode;

    use super::*;
    use crate::auth::{Role, Scope, Via};

    fn admin(n: usize) -> Principal {
        Principal {
            subject: format!("key:{n}"),
            role: Role::Admin,
            scope: Scope::Region(RegionCode::parse("510000").unwrap()),
            via: Via::ApiKey,
        }
    }

    #[test]
    fn a_key_is_trusted_for_the_time_to_live_and_not_after() {
        let cache = KeyCache::new(Duration::from_millis(1000));
        let t0 = Instant::now();
        assert_eq!(cache.get("h", t0), None);
        cache.put("h".into(), admin(1), t0);
        assert_eq!(cache.get("h", t0), Some(admin(1)));
        assert_eq!(
            cache.get("h", t0 + Duration::from_millis(999)),
            Some(admin(1))
        );
        assert_eq!(cache.get("h", t0 + Duration::from_millis(1000)), None);
        assert_eq!(cache.get("other", t0), None);
    }

    #[test]
    fn a_zero_time_to_live_caches_nothing() {
        let cache = KeyCache::new(Duration::ZERO);
        let t0 = Instant::now();
        cache.put("h".into(), admin(1), t0);
        assert_eq!(cache.get("h", t0), None);
    }

    #[test]
    fn the_cache_stays_bounded_dropping_expired_keys_first() {
        let ttl = Duration::from_secs(1);
        let cache = KeyCache::new(ttl);
        let t0 = Instant::now();
        cache.put("old".into(), admin(0), t0);
        let t1 = t0 + Duration::from_millis(600);
        for n in 1..MAX_ENTRIES {
            cache.put(format!("k{n}"), admin(n), t1);
        }
        // Full: the next key drops the expired one and keeps the live ones.
        let t2 = t0 + ttl;
        cache.put("new".into(), admin(9999), t2);
        assert_eq!(cache.get("old", t0), None);
        assert_eq!(cache.get("k1", t2), Some(admin(1)));
        assert_eq!(cache.get("new", t2), Some(admin(9999)));
        // Full of live keys: it starts over, still bounded.
        cache.put("newer".into(), admin(10_000), t2);
        assert_eq!(cache.entries.lock().unwrap().len(), 1);
        assert_eq!(cache.get("newer", t2), Some(admin(10_000)));
    }
}
