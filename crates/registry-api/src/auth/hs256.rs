//! Compact JWS with HS256 (RFC 7515 / RFC 7518 §3.2), the only signature the service accepts.
//!
//! Verification order: size and shape first, then the HMAC over `header.payload` compared in
//! constant time, and only then is anything decoded as JSON; the header must say
//! `"alg":"HS256"` and carry no `crit` extensions. Claims are the caller's business
//! ([`super::jwt`]). Written on the `hmac`/`sha2` already used for resident-ID lookups rather
//! than pulling a JWT crate whose crypto backend brings RSA, ECDSA and EdDSA stacks and a
//! second generation of the digest crates for one HMAC.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

/// Longest token accepted, in bytes; anything longer is refused before any work is done.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Why a compact JWS was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// Not three base64url parts, or too long.
    #[error("malformed token")]
    Malformed,
    /// The HMAC does not match.
    #[error("bad signature")]
    BadSignature,
    /// The header names another algorithm or critical extensions.
    #[error("unsupported header")]
    UnsupportedHeader,
    /// The payload is not the expected JSON.
    #[error("malformed claims")]
    MalformedClaims,
}

#[derive(serde::Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

/// Signs `claims` as a compact JWS with `{"alg":"HS256","typ":"JWT"}`.
pub fn sign<C: Serialize>(claims: &C, secret: &[u8]) -> Result<String, serde_json::Error> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?);
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(secret);
    m.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    Ok(format!("{signing_input}.{sig}"))
}

/// Verifies a compact JWS signed with `secret` and decodes its claims.
pub fn verify<C: DeserializeOwned>(token: &str, secret: &[u8]) -> Result<C, JwsError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JwsError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed);
    };
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| JwsError::Malformed)?;
    let mut m = mac(secret);
    m.update(header.as_bytes());
    m.update(b".");
    m.update(payload.as_bytes());
    m.verify_slice(&sig).map_err(|_| JwsError::BadSignature)?;
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(JwsError::Malformed)?;
    if header.alg != "HS256" || header.crit.is_some() {
        return Err(JwsError::UnsupportedHeader);
    }
    URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(JwsError::MalformedClaims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct C {
        sub: String,
    }

    fn claims() -> C {
        C { sub: "a".into() }
    }

    #[test]
    fn round_trip() {
        let t = sign(&claims(), b"k").unwrap();
        assert_eq!(verify::<C>(&t, b"k").unwrap(), claims());
    }

    /// RFC 7515 appendix A.1: a token signed by another implementation verifies.
    #[test]
    fn rfc7515_example_verifies() {
        let key = URL_SAFE_NO_PAD
            .decode(
                "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
            )
            .unwrap();
        let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\
                     eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
                     dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let v: serde_json::Value = verify(token, &key).unwrap();
        assert_eq!(v["iss"], "joe");
        assert!(matches!(
            verify::<serde_json::Value>(token, b"other"),
            Err(JwsError::BadSignature)
        ));
    }

    #[test]
    fn tampering_and_other_algorithms_are_refused() {
        let t = sign(&claims(), b"k").unwrap();
        let (head, rest) = t.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"b"}"#);
        assert_eq!(
            verify::<C>(&format!("{head}.{forged_payload}.{sig}"), b"k"),
            Err(JwsError::BadSignature)
        );
        // "alg":"none" with an empty signature never gets past the HMAC.
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"a"}"#);
        assert_eq!(
            verify::<C>(&format!("{none}.{payload}."), b"k"),
            Err(JwsError::BadSignature)
        );
        // A correctly keyed token whose header names another algorithm is refused.
        let hs512 = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512"}"#);
        let mut m = mac(b"k");
        m.update(format!("{hs512}.{payload}").as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
        assert_eq!(
            verify::<C>(&format!("{hs512}.{payload}.{sig}"), b"k"),
            Err(JwsError::UnsupportedHeader)
        );
        for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert_eq!(verify::<C>(bad, b"k"), Err(JwsError::Malformed), "{bad}");
        }
        assert_eq!(
            verify::<C>(&"a".repeat(MAX_TOKEN_BYTES + 1), b"k"),
            Err(JwsError::Malformed)
        );
    }
}
