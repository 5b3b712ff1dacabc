//! Signed audit checkpoints: one line naming the heads of the audit chains at a moment, to
//! keep outside the database (a ticket, a printed log, another system).
//!
//! ```text
//! registry-audit-checkpoint v2 seq=1234 head=<64 hex> reads_seq=98765 reads_head=<64 hex> at=2026-11-23T14:00:00Z sig=<64 hex>
//! ```
//!
//! `seq`/`head` name the register's chain, `reads_seq`/`reads_head` the read log's
//! ([`crate::db::read_log`]). Lines of version 1, taken before the read log existed, name
//! the register's chain only and are still accepted.
//!
//! `sig` is `HMAC-SHA256(audit key, everything before " sig=")`, hex. The audit key is
//! `REGISTRY_AUDIT_KEY` (see [`crate::config`]). A later `registry-api audit verify
//! --checkpoint LINE` checks the signature and that entry `seq` still has hash `head`: since
//! each hash covers its predecessor, that proves entries `1..=seq` are unchanged, which a
//! chain check alone cannot when someone rewrote the log and recomputed every hash, or cut its
//! tail off.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::crypto::DataKey;

const PREFIX: &str = "registry-audit-checkpoint";
const AUDIT_KEY_LABEL: &[u8] = b"registry/audit/checkpoint/v1";

/// The audit key for a configuration without `REGISTRY_AUDIT_KEY` built in code
/// ([`crate::config::Config::new`]): derived from the data key.
pub fn derive_audit_key(data_key: &DataKey) -> DataKey {
    data_key.derive(AUDIT_KEY_LABEL)
}

/// The heads of the chains at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Sequence number of the register chain's head entry (0 for an empty log).
    pub seq: i64,
    /// Hash of that entry (the genesis hash for an empty log).
    pub head: String,
    /// The read log's head (`None` in a version 1 line, which predates it).
    pub reads: Option<ChainHead>,
    /// When the checkpoint was taken (UTC, whole seconds).
    pub at: OffsetDateTime,
}

/// The head of one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// Sequence number of the head entry (0 for an empty log).
    pub seq: i64,
    /// Hash of the head entry (the genesis hash for an empty log).
    pub head: String,
}

/// Why a checkpoint line is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint line of this format.
    #[error(
        "not a checkpoint line: expected `{PREFIX} v2 seq=N head=HEX reads_seq=N reads_head=HEX at=TIME sig=HEX`"
    )]
    Format,
    /// The signature does not match (another key, or the line was altered).
    #[error("checkpoint signature does not match the configured REGISTRY_AUDIT_KEY")]
    Signature,
}

impl Checkpoint {
    fn body(&self) -> Result<String, CheckpointError> {
        let at = self
            .at
            .format(&Rfc3339)
            .map_err(|_| CheckpointError::Format)?;
        Ok(match &self.reads {
            Some(r) => format!(
                "{PREFIX} v2 seq={} head={} reads_seq={} reads_head={} at={at}",
                self.seq, self.head, r.seq, r.head
            ),
            None => format!("{PREFIX} v1 seq={} head={} at={at}", self.seq, self.head),
        })
    }

    /// The signed line.
    pub fn sign(&self, key: &DataKey) -> Result<String, CheckpointError> {
        let body = self.body()?;
        let sig = key.mac_hex(body.as_bytes());
        Ok(format!("{body} sig={sig}"))
    }

    /// Parses a signed line and checks its signature.
    pub fn parse_signed(line: &str, key: &DataKey) -> Result<Self, CheckpointError> {
        let line = line.trim();
        let (body, sig) = line.rsplit_once(" sig=").ok_or(CheckpointError::Format)?;
        let rest = body
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(CheckpointError::Format)?;
        let (version, rest) = rest.split_once(' ').ok_or(CheckpointError::Format)?;
        let mut parts = rest.split(' ');
        let mut field = |name: &str| {
            parts
                .next()
                .and_then(|p| p.strip_prefix(name))
                .and_then(|p| p.strip_prefix('='))
                .ok_or(CheckpointError::Format)
        };
        let mut head_of = |seq: &str, head: &str| -> Result<ChainHead, CheckpointError> {
            let seq = field(seq)?
                .parse::<i64>()
                .map_err(|_| CheckpointError::Format)?;
            let head = field(head)?.to_owned();
            if seq < 0 || head.len() != 64 || !head.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(CheckpointError::Format);
            }
            Ok(ChainHead { seq, head })
        };
        let register = head_of("seq", "head")?;
        let reads = match version {
            "v1" => None,
            "v2" => Some(head_of("reads_seq", "reads_head")?),
            _ => return Err(CheckpointError::Format),
        };
        let at =
            OffsetDateTime::parse(field("at")?, &Rfc3339).map_err(|_| CheckpointError::Format)?;
        if parts.next().is_some() {
            return Err(CheckpointError::Format);
        }
        let expected = key.mac_hex(body.as_bytes());
        if !constant_time_eq(expected.as_bytes(), sig.as_bytes()) {
            return Err(CheckpointError::Signature);
        }
        let cp = Self {
            seq: register.seq,
            head: register.head,
            reads,
            at,
        };
        // The body must be exactly what `sign` produces (no alternative spellings).
        if cp.body()? != body {
            return Err(CheckpointError::Format);
        }
        Ok(cp)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp() -> Checkpoint {
        Checkpoint {
            seq: 42,
            head: "ab".repeat(32),
            reads: Some(ChainHead {
                seq: 7,
                head: "cd".repeat(32),
            }),
            at: OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap(),
        }
    }

    #[test]
    fn a_version_1_line_names_the_register_chain_only() {
        let key = DataKey::generate().unwrap();
        let v1 = Checkpoint {
            reads: None,
            ..cp()
        };
        let line = v1.sign(&key).unwrap();
        assert!(line.starts_with("registry-audit-checkpoint v1 seq=42 head=abab"));
        assert_eq!(Checkpoint::parse_signed(&line, &key).unwrap(), v1);
        // A version 1 body with the fields of version 2 is not a line `sign` makes.
        let line = cp().sign(&key).unwrap().replacen(" v2 ", " v1 ", 1);
        assert!(Checkpoint::parse_signed(&line, &key).is_err());
    }

    #[test]
    fn sign_and_parse() {
        let key = DataKey::generate().unwrap();
        let line = cp().sign(&key).unwrap();
        assert!(line.starts_with(&format!(
            "registry-audit-checkpoint v2 seq=42 head={} reads_seq=7 reads_head=cdcd",
            "ab".repeat(32)
        )));
        assert_eq!(Checkpoint::parse_signed(&line, &key).unwrap(), cp());
        let other = DataKey::generate().unwrap();
        assert_eq!(
            Checkpoint::parse_signed(&line, &other),
            Err(CheckpointError::Signature)
        );
        let altered = line.replace("seq=42", "seq=41");
        assert_eq!(
            Checkpoint::parse_signed(&altered, &key),
            Err(CheckpointError::Signature)
        );
        assert_eq!(
            Checkpoint::parse_signed("hello", &key),
            Err(CheckpointError::Format)
        );
    }
}
