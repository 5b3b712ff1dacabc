//! Compact fingerprints of keys: the first 128 bits of SHA-256, so an import remembers what it
//! has seen of a file (keys, ids later rows may reference) in 16 bytes a key, whatever the
//! key's length. Two different keys share a fingerprint with probability about 2⁻¹²⁸ a pair.

use sha2::{Digest, Sha256};

/// A 128-bit fingerprint.
pub type Fp = u128;

/// The fingerprint of `parts` (separated, so `["ab", "c"]` and `["a", "bc"]` differ).
pub fn of(parts: &[&str]) -> Fp {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let digest = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_separated_and_stable() {
        assert_ne!(of(&["ab", "c"]), of(&["a", "bc"]));
        assert_eq!(of(&["id", "x"]), of(&["id", "x"]));
        assert_ne!(of(&["id", "x"]), of(&["id", "y"]));
    }
}
