//! Protection of resident ID numbers (PIPL): encryption at rest and keyed lookup.
//!
//! - At rest a number is sealed with ChaCha20-Poly1305 under the data key
//!   (`REGISTRY_DATA_KEY`): `version (1 byte) || nonce (12) || ciphertext+tag`, with a fixed
//!   associated-data label so a blob cannot be replayed into another column.
//! - Lookups and the uniqueness constraint use `HMAC-SHA256(lookup_key, number)`, where the
//!   lookup key is derived from the data key; the clear number is never stored or logged.
//! - Other stored bytes that can hold a clear number (the first response kept for an
//!   `Idempotency-Key`) are sealed the same way with their own associated data
//!   ([`PiiCipher::seal_bytes`]).
//!
//! Architecture invariant: nothing outside this module sees key bytes, and nothing here
//! logs or formats a clear number.

use std::fmt;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use registry_core::ids::ResidentId;
use sha2::Sha256;

const SEAL_VERSION: u8 = 1;
const AAD_RESIDENT_ID: &[u8] = b"registry/workers/resident_id/v1";
const LOOKUP_LABEL: &[u8] = b"registry/resident_id/lookup/v1";

/// Why a key or a sealed value is unusable.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key is not 32 bytes of base64 or hex.
    #[error("data key must be 32 bytes, given as 64 hex digits or base64")]
    KeyFormat,
    /// A stored blob does not open with this key (wrong key or tampered data).
    #[error("sealed value does not open with the configured data key")]
    Open,
    /// The operating system's random source failed.
    #[error("random source failed")]
    Random,
}

/// The 32-byte data key. `Debug` never shows the bytes.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// Parses 64 hex digits or base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| CryptoError::KeyFormat)?
        } else {
            let engines = [
                base64::engine::general_purpose::STANDARD.decode(text),
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text),
                base64::engine::general_purpose::STANDARD_NO_PAD.decode(text),
                base64::engine::general_purpose::URL_SAFE.decode(text),
            ];
            engines
                .into_iter()
                .find_map(Result::ok)
                .ok_or(CryptoError::KeyFormat)?
        };
        let arr: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::KeyFormat)?;
        Ok(Self(arr))
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|_| CryptoError::Random)?;
        Ok(Self(k))
    }

    /// A key derived from this one for another purpose, named by `label`.
    pub fn derive(&self, label: &[u8]) -> Self {
        Self(hmac_sha256(&self.0, label))
    }

    /// `HMAC-SHA256` of `msg` under this key, as lower-case hex.
    pub fn mac_hex(&self, msg: &[u8]) -> String {
        hex(&hmac_sha256(&self.0, msg))
    }

    /// The key as standard base64, for writing a development key file.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// Seals, opens and hashes resident ID numbers.
#[derive(Clone)]
pub struct PiiCipher {
    aead: ChaCha20Poly1305,
    lookup_key: [u8; 32],
}

impl fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

impl PiiCipher {
    /// Builds the cipher and derives the lookup key from `key`.
    pub fn new(key: &DataKey) -> Self {
        let aead = <ChaCha20Poly1305 as KeyInit>::new_from_slice(&key.0)
            .unwrap_or_else(|_| unreachable!("the key is 32 bytes"));
        Self {
            aead,
            lookup_key: hmac_sha256(&key.0, LOOKUP_LABEL),
        }
    }

    /// Encrypts a resident ID number for storage.
    pub fn seal(&self, id: &ResidentId) -> Result<Vec<u8>, CryptoError> {
        self.seal_bytes(AAD_RESIDENT_ID, id.expose().as_bytes())
    }

    /// Decrypts a stored resident ID number.
    pub fn open(&self, blob: &[u8]) -> Result<ResidentId, CryptoError> {
        let clear = self.open_bytes(AAD_RESIDENT_ID, blob)?;
        let text = std::str::from_utf8(&clear).map_err(|_| CryptoError::Open)?;
        ResidentId::parse(text).map_err(|_| CryptoError::Open)
    }

    /// Encrypts any bytes that may hold personal data (e.g. a stored response body) in the
    /// same format as a resident ID. `aad` binds the blob to where it is stored: a blob
    /// sealed for one place does not open in another.
    pub fn seal_bytes(&self, aad: &[u8], msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let ct = self
            .aead
            .encrypt(&Nonce::from(nonce), Payload { msg, aad })
            .map_err(|_| CryptoError::Open)?;
        let mut out = Vec::with_capacity(1 + 12 + ct.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts a blob from [`PiiCipher::seal_bytes`] sealed with the same `aad`.
    pub fn open_bytes(&self, aad: &[u8], blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if blob.len() < 1 + 12 + 16 || blob[0] != SEAL_VERSION {
            return Err(CryptoError::Open);
        }
        let nonce: [u8; 12] = blob[1..13].try_into().map_err(|_| CryptoError::Open)?;
        self.aead
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &blob[13..],
                    aad,
                },
            )
            .map_err(|_| CryptoError::Open)
    }

    /// The keyed lookup hash (hex) that identifies a number without revealing it.
    pub fn lookup_hash(&self, id: &ResidentId) -> String {
        hex(&hmac_sha256(&self.lookup_key, id.expose().as_bytes()))
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// SHA-256 of `bytes`, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&Sha256::digest(bytes))
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| CryptoError::Random)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_hash() {
        let key = DataKey::generate().unwrap();
        let c = PiiCipher::new(&key);
        let id = ResidentId::parse("11010519491231002X").unwrap();
        let blob = c.seal(&id).unwrap();
        assert!(!String::from_utf8_lossy(&blob).contains("19491231"));
        assert_eq!(c.open(&blob).unwrap(), id);
        assert_eq!(c.lookup_hash(&id), c.lookup_hash(&id));
        assert_ne!(c.seal(&id).unwrap(), blob, "fresh nonce each time");
        let other = PiiCipher::new(&DataKey::generate().unwrap());
        assert!(other.open(&blob).is_err());
        let sealed = c.seal_bytes(b"here", b"{\"a\":1}").unwrap();
        assert_eq!(c.open_bytes(b"here", &sealed).unwrap(), b"{\"a\":1}");
        assert!(c.open_bytes(b"elsewhere", &sealed).is_err());
        assert!(c.open(&sealed).is_err(), "another label does not open");
        assert_ne!(other.lookup_hash(&id), c.lookup_hash(&id));
    }

    #[test]
    fn key_formats() {
        let k = DataKey::generate().unwrap();
        assert_eq!(DataKey::parse(&k.to_base64()).unwrap().0, k.0);
        assert_eq!(DataKey::parse(&hex(&k.0)).unwrap().0, k.0);
        assert!(DataKey::parse("short").is_err());
    }
}
