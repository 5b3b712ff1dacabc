//! Per-client rate limits: an in-memory token bucket per key.
//!
//! - Public verification (`POST /api/v1/verifications`, no login) is limited per client IP
//!   address (the TCP peer: put a proxy that rewrites it in front and limit there instead) by
//!   the [`PublicClient`] extractor. Default: 10 per minute, burst 10.
//! - Token-authenticated operations are limited per principal subject (API key id or JWT
//!   `sub`) in the security scheme's checker, right after authentication. Default: 50 000 per
//!   second, burst 50 000 (payroll systems call in bulk with one key).
//! - `/livez`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` are never limited.
//!
//! A refused request is a 429 `application/problem+json` (`too-many-requests`) with
//! `Retry-After` in whole seconds until a token is back; [`ThrottledResponses`] renders it
//! (the `observe` middleware would otherwise send a generic 429 with `Retry-After: 1`).
//! Limits are set with `serve` flags / `REGISTRY_RATE_LIMIT_*` (see [`crate::cli::ServeArgs`]);
//! `off` disables one. Buckets live in this process only: with several instances, each
//! enforces its own limit.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, FromRequest, IntoResponse, Middleware, Request, RequestBody, Response};

use crate::problem::{ApiError, ProblemKind};
use crate::state::AppState;

/// Buckets kept before full (idle) ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// A sustained rate and a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size: requests allowed at once after idling.
    pub burst: u32,
}

/// A rate as written in configuration: `N/s`, `N/min`, `N/h`, or `off`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSpec(pub Option<f64>);

impl FromStr for RateSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(Self(None));
        }
        let err = || format!("expected N/s, N/min, N/h or off, got {s:?}");
        let (n, unit) = s.split_once('/').ok_or_else(err)?;
        let n: f64 = n.trim().parse().map_err(|_| err())?;
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            _ => return Err(err()),
        };
        if !(n.is_finite() && n > 0.0) {
            return Err(err());
        }
        Ok(Self(Some(n / secs)))
    }
}

impl fmt::Display for RateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(r) => write!(f, "{r}/s"),
        }
    }
}

/// The configured limits; `None` = unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// Public verification, per client IP.
    pub public: Option<Rate>,
    /// Token-authenticated operations, per principal subject.
    pub authenticated: Option<Rate>,
}

/// Default public limit: 10 per minute.
pub const DEFAULT_PUBLIC_RATE: &str = "10/min";
/// Default public burst.
pub const DEFAULT_PUBLIC_BURST: u32 = 10;
/// Default authenticated limit: 50 000 per second.
pub const DEFAULT_AUTHENTICATED_RATE: &str = "50000/s";
/// Default authenticated burst.
pub const DEFAULT_AUTHENTICATED_BURST: u32 = 50_000;

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            public: Some(Rate {
                per_second: 10.0 / 60.0,
                burst: DEFAULT_PUBLIC_BURST,
            }),
            authenticated: Some(Rate {
                per_second: 50_000.0,
                burst: DEFAULT_AUTHENTICATED_BURST,
            }),
        }
    }
}

impl RateLimits {
    /// Limits from a rate spec and a burst each (a burst of 0 means one second's worth,
    /// at least 1).
    pub fn from_specs(public: (RateSpec, u32), authenticated: (RateSpec, u32)) -> Self {
        let rate = |(spec, burst): (RateSpec, u32)| {
            spec.0.map(|per_second| Rate {
                per_second,
                burst: if burst == 0 {
                    (per_second.ceil() as u32).max(1)
                } else {
                    burst
                },
            })
        };
        Self {
            public: rate(public),
            authenticated: rate(authenticated),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Buckets {
    map: HashMap<String, Bucket>,
    /// Size at which full buckets are next pruned; doubles when pruning frees too little,
    /// so pruning costs amortised O(1) per new key.
    prune_at: usize,
}

/// One limit applied per key.
#[derive(Debug)]
pub struct Limiter {
    rate: Option<Rate>,
    buckets: Mutex<Buckets>,
}

/// A refused request: how long until the next token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Whole seconds to wait (at least 1).
    pub retry_after_secs: u64,
}

impl fmt::Display for Throttled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "too many requests; retry after {} s",
            self.retry_after_secs
        )
    }
}

impl std::error::Error for Throttled {}

impl poem::error::ResponseError for Throttled {
    fn status(&self) -> StatusCode {
        StatusCode::TOO_MANY_REQUESTS
    }

    fn as_response(&self) -> Response {
        let mut resp = ApiError::new(
            ProblemKind::TooManyRequests,
            format!(
                "rate limit exceeded for this client; retry after {} seconds",
                self.retry_after_secs
            ),
        )
        .to_response();
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(self.retry_after_secs),
        );
        resp
    }
}

impl Limiter {
    /// A limiter for `rate` (`None`: never refuses).
    pub fn new(rate: Option<Rate>) -> Self {
        Self {
            rate,
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                prune_at: PRUNE_ABOVE,
            }),
        }
    }

    /// Takes one token for `key` now.
    pub fn check(&self, key: &str) -> Result<(), Throttled> {
        self.check_at(key, Instant::now())
    }

    /// Takes one token for `key` at `now`.
    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), Throttled> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        let burst = f64::from(rate.burst.max(1));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let refill = |b: &Bucket| {
            let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
            (b.tokens + elapsed * rate.per_second).min(burst)
        };
        if buckets.map.len() >= buckets.prune_at && !buckets.map.contains_key(key) {
            // A full bucket is the same as no bucket: drop those.
            buckets.map.retain(|_, b| refill(b) < burst);
            buckets.prune_at = (buckets.map.len() * 2).max(PRUNE_ABOVE);
        }
        let bucket = buckets.map.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let tokens = refill(bucket);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            let wait = Duration::from_secs_f64((1.0 - tokens) / rate.per_second);
            Err(Throttled {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            })
        }
    }
}

/// The limiters of one process.
#[derive(Debug)]
pub struct Limiters {
    /// Public verification, per client IP.
    pub public: Limiter,
    /// Authenticated operations, per principal subject.
    pub authenticated: Limiter,
}

impl Limiters {
    /// Limiters for the configured limits.
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            public: Limiter::new(limits.public),
            authenticated: Limiter::new(limits.authenticated),
        }
    }
}

/// Extractor for public operations: takes a token from the client IP's bucket, or refuses
/// the request with 429 before the operation runs.
#[derive(Debug, Clone, Copy)]
pub struct PublicClient;

impl<'a> FromRequest<'a> for PublicClient {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| ApiError::internal("AppState missing from request data"))?;
        let ip = req
            .remote_addr()
            .as_socket_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
        state.limits.public.check(&ip)?;
        Ok(Self)
    }
}

/// Middleware that renders a [`Throttled`] error as its own response (with the exact
/// `Retry-After`), so it leaves the service as a ready problem+json 429.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThrottledResponses;

impl<E: Endpoint> Middleware<E> for ThrottledResponses {
    type Output = ThrottledResponsesEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ThrottledResponsesEndpoint(ep)
    }
}

/// The endpoint [`ThrottledResponses`] wraps.
#[derive(Debug)]
pub struct ThrottledResponsesEndpoint<E>(E);

impl<E: Endpoint> Endpoint for ThrottledResponsesEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        match self.0.call(req).await {
            Ok(out) => Ok(out.into_response()),
            Err(e) => match e.downcast_ref::<Throttled>() {
                Some(t) => Ok(poem::error::ResponseError::as_response(t)),
                None => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        assert_eq!("10/min".parse::<RateSpec>().unwrap().0, Some(10.0 / 60.0));
        assert_eq!("50000/s".parse::<RateSpec>().unwrap().0, Some(50_000.0));
        assert_eq!("off".parse::<RateSpec>().unwrap().0, None);
        assert!("10".parse::<RateSpec>().is_err());
        assert!("0/s".parse::<RateSpec>().is_err());
        assert!("5/day".parse::<RateSpec>().is_err());
    }

    #[test]
    fn bucket_refuses_after_burst_and_refills() {
        let l = Limiter::new(Some(Rate {
            per_second: 10.0 / 60.0,
            burst: 2,
        }));
        let t0 = Instant::now();
        assert!(l.check_at("a", t0).is_ok());
        assert!(l.check_at("a", t0).is_ok());
        let refused = l.check_at("a", t0).unwrap_err();
        assert_eq!(refused.retry_after_secs, 6);
        assert!(l.check_at("b", t0).is_ok(), "keys are independent");
        assert!(l.check_at("a", t0 + Duration::from_secs(3)).is_err());
        assert!(l.check_at("a", t0 + Duration::from_secs(6)).is_ok());
        assert!(Limiter::new(None).check_at("a", t0).is_ok());
    }

    #[test]
    fn idle_buckets_are_pruned() {
        let l = Limiter::new(Some(Rate {
            per_second: 1.0,
            burst: 1,
        }));
        let t0 = Instant::now();
        for i in 0..PRUNE_ABOVE {
            l.check_at(&i.to_string(), t0).unwrap();
        }
        // a second later every bucket is full again, so a new key prunes them all
        l.check_at("new", t0 + Duration::from_secs(1)).unwrap();
        let b = l.buckets.lock().unwrap();
        assert_eq!(b.map.len(), 1);
        assert_eq!(b.prune_at, PRUNE_ABOVE);
    }
}
