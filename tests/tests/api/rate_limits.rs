//! Rate limits: public verification per client IP, authenticated calls per principal;
//! 429 problem+json with `Retry-After`; ops endpoints never limited.

use registry_api::rate_limit::{Rate, RateLimits};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, assert_problem, spawn_app_with};

both_backends!(public_and_authenticated_limits);

async fn public_and_authenticated_limits(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.rate_limits = RateLimits {
            public: Some(Rate {
                per_second: 10.0 / 60.0,
                burst: 3,
            }),
            authenticated: Some(Rate {
                per_second: 1.0,
                burst: 5,
            }),
        };
    })
    .await;
    let verify = || {
        app.client
            .post(app.url("/api/v1/verifications"))
            .json(&json!({"certificate_number": "CERT-1", "name": "张三"}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(verify().await.unwrap().status(), 200);
    }
    let resp = verify().await.unwrap();
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // the time until the next token (6 s at 10/min), not a fixed value
    assert!((5..=6).contains(&retry), "retry after {retry}");
    let p = assert_problem(resp, 429, "too-many-requests").await;
    assert!(p["detail"].as_str().unwrap().contains("retry after"));

    // authenticated: per principal; another principal is not affected
    let admin = app.admin("000000");
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/workers", &admin).await.status(), 200);
    }
    let resp = app.get("/api/v1/workers", &admin).await;
    assert_eq!(resp.headers()["retry-after"], "1");
    assert_problem(resp, 429, "too-many-requests").await;
    let (_, key) = app
        .api_key(
            registry_api::auth::Role::Hr,
            registry_core::ids::RegionCode::NATIONAL,
            "payroll",
        )
        .await;
    assert_eq!(app.get("/api/v1/workers", &key).await.status(), 200);

    // ops endpoints are never limited
    for _ in 0..20 {
        for path in ["/livez", "/readyz", "/metrics"] {
            let resp = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
        }
    }
}
