//! HS256 bearer tokens for people.
//!
//! Claims: `sub`, `role` (`admin` | `hr` | `worker`), `region` (admin and hr),
//! `worker_id` (worker), `iss`, `aud`, `iat`, `exp`. Issuer, audience and expiry are always
//! checked. `registry-api token` mints development tokens with the same secret.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
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
    /// Audience.
    pub aud: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// Why a token was refused (never shown to the client beyond "invalid token").
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Signature, expiry, issuer or audience failed.
    #[error("token rejected: {0}")]
    Rejected(#[from] jsonwebtoken::errors::Error),
    /// The claims do not describe a valid principal.
    #[error("token claims invalid: {0}")]
    Claims(&'static str),
}

/// Verifies tokens; built once at start.
#[derive(Clone)]
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtVerifier(..)")
    }
}

impl JwtVerifier {
    /// A verifier for `config`.
    pub fn new(config: &JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self {
            key: DecodingKey::from_secret(&config.secret),
            validation,
        }
    }

    /// The principal a token stands for.
    pub fn verify(&self, token: &str) -> Result<Principal, JwtError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)?.claims;
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
) -> Result<String, jsonwebtoken::errors::Error> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims {
        sub: sub.to_owned(),
        role: role.code().to_owned(),
        region: region.map(|r| r.as_str().to_owned()),
        worker_id: worker_id.map(str::to_owned),
        iss: config.issuer.clone(),
        aud: config.audience.clone(),
        iat: now,
        exp: now + ttl.whole_seconds(),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&config.secret),
    )
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
    }
}
