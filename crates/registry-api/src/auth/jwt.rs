//! HS256 bearer tokens for people.
//!
//! Claims: `sub`, `role` (`admin` | `hr` | `worker`), `region` (admin and hr),
//! `worker_id` (worker), `iss`, `aud`, `iat`, `exp`. Issuer, audience and expiry are always
//! checked (30 s leeway on `exp` and `nbf`). `registry-api token` mints development tokens
//! with the same secret. The signature itself is [`super::hs256`].

use registry_core::ids::RegionCode;
use serde::{Deserialize, Serialize};

use super::{Principal, Role, Scope, Via};
use crate::config::JwtConfig;

/// The token payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the person's id in the issuing system.
    pub sub: String,
    /// Role code.
    pub role: String,
    /// Region code (admin, hr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Worker id (worker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience: one, or a list (RFC 7519 §4.1.3).
    pub aud: Audience,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// The `aud` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    fn includes(&self, aud: &str) -> bool {
        match self {
            Self::One(a) => a == aud,
            Self::Many(all) => all.iter().any(|a| a == aud),
        }
    }
}

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: i64 = 30;

/// Why a token was refused (never shown to the client beyond "invalid token").
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Shape, signature or header failed.
    #[error("token rejected: {0}")]
    Rejected(#[from] super::hs256::JwsError),
    /// Expired, not yet valid, or for another issuer or audience.
    #[error("token not acceptable: {0}")]
    NotAcceptable(&'static str),
    /// The claims do not describe a valid principal.
    #[error("token claims invalid: {0}")]
    Claims(&'static str),
}

/// Verifies tokens; built once at start.
#[derive(Clone)]
pub struct JwtVerifier {
    secret: Vec<u8>,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtVerifier(..)")
    }
}

impl JwtVerifier {
    /// A verifier for `config`.
    pub fn new(config: &JwtConfig) -> Self {
        Self {
            secret: config.secret.clone(),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        }
    }

    /// The principal a token stands for.
    pub fn verify(&self, token: &str) -> Result<Principal, JwtError> {
        let claims: Claims = super::hs256::verify(token, &self.secret)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if claims.exp + LEEWAY_SECONDS <= now {
            return Err(JwtError::NotAcceptable("expired"));
        }
        if claims.nbf.is_some_and(|nbf| nbf - LEEWAY_SECONDS > now) {
            return Err(JwtError::NotAcceptable("not yet valid"));
        }
        if claims.iss != self.issuer {
            return Err(JwtError::NotAcceptable("issuer"));
        }
        if !claims.aud.includes(&self.audience) {
            return Err(JwtError::NotAcceptable("audience"));
        }
        principal_of(claims)
    }
}

fn principal_of(claims: Claims) -> Result<Principal, JwtError> {
    let role = Role::parse(&claims.role).ok_or(JwtError::Claims("unknown role"))?;
    let scope = match role {
        Role::Admin | Role::Hr => {
            let region = claims
                .region
                .as_deref()
                .ok_or(JwtError::Claims("region is required"))?;
            Scope::Region(
                RegionCode::parse(region).map_err(|_| JwtError::Claims("region is invalid"))?,
            )
        }
        Role::Worker => Scope::Worker(
            claims
                .worker_id
                .filter(|w| !w.is_empty())
                .ok_or(JwtError::Claims("worker_id is required"))?,
        ),
    };
    if claims.sub.is_empty() {
        return Err(JwtError::Claims("sub is empty"));
    }
    Ok(Principal {
        subject: format!("jwt:{}", claims.sub),
        role,
        scope,
        via: Via::Jwt,
    })
}

/// Mints a token for `role` (with `region` or `worker_id`), valid for `ttl`.
pub fn mint(
    config: &JwtConfig,
    sub: &str,
    role: Role,
    region: Option<&RegionCode>,
    worker_id: Option<&str>,
    ttl: time::Duration,
) -> Result<String, serde_json::Error> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims {
        sub: sub.to_owned(),
        role: role.code().to_owned(),
        region: region.map(|r| r.as_str().to_owned()),
        worker_id: worker_id.map(str::to_owned),
        iss: config.issuer.clone(),
        aud: Audience::One(config.audience.clone()),
        iat: now,
        exp: now + ttl.whole_seconds(),
        nbf: None,
    };
    super::hs256::sign(&claims, &config.secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let cfg = JwtConfig::with_secret(vec![7u8; 32]);
        let region = RegionCode::parse("510100").unwrap();
        let t = mint(
            &cfg,
            "alice",
            Role::Admin,
            Some(&region),
            None,
            time::Duration::hours(1),
        )
        .unwrap();
        let p = JwtVerifier::new(&cfg).verify(&t).unwrap();
        assert_eq!(p.role, Role::Admin);
        assert_eq!(p.region(), Some(&region));

        let other = JwtConfig {
            audience: "someone-else".into(),
            ..cfg.clone()
        };
        assert!(JwtVerifier::new(&other).verify(&t).is_err());
        let expired = mint(
            &cfg,
            "a",
            Role::Hr,
            Some(&region),
            None,
            time::Duration::hours(-2),
        )
        .unwrap();
        assert!(JwtVerifier::new(&cfg).verify(&expired).is_err());
        let no_region = mint(&cfg, "a", Role::Hr, None, None, time::Duration::hours(1)).unwrap();
        assert!(JwtVerifier::new(&cfg).verify(&no_region).is_err());
        let other_issuer = JwtConfig {
            issuer: "elsewhere".into(),
            ..cfg.clone()
        };
        assert!(matches!(
            JwtVerifier::new(&other_issuer).verify(&t),
            Err(JwtError::NotAcceptable("issuer"))
        ));
        let other_secret = JwtConfig::with_secret(vec![8u8; 32]);
        assert!(matches!(
            JwtVerifier::new(&other_secret).verify(&t),
            Err(JwtError::Rejected(_))
        ));
    }
}
