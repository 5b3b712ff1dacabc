//! Compact fingerprints of keys: the first 128 bits of SHA-256, so an import remembers what it
//! has seen of a file (keys, ids later rows may reference) in 16 bytes a key, whatever the
//! key's length. Two different keys share a fingerprint with probability about 2⁻¹²⁸ a pair.
//! [`FpMap`] hashes them by taking 64 of their bits (they are uniformly random already).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use sha2::{Digest, Sha256};

/// A 128-bit fingerprint (bytes, so a map entry needs no alignment padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fp([u8; 16]);

impl Hash for Fp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // the bits are already uniformly random: eight of them are a good hash
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.0[..8]);
        state.write_u64(u64::from_le_bytes(word));
    }
}

/// The fingerprint of `parts` (separated, so `["ab", "c"]` and `["a", "bc"]` differ).
pub fn of(parts: &[&str]) -> Fp {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let mut fp = [0u8; 16];
    fp.copy_from_slice(&h.finalize()[..16]);
    Fp(fp)
}

/// A map keyed by fingerprints, hashed by taking one of their words.
pub type FpMap<V> = HashMap<Fp, V, BuildHasherDefault<WordHasher>>;

/// The hasher of [`FpMap`]: the last word written is the hash.
#[derive(Debug, Default, Clone, Copy)]
pub struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_separated_and_stable() {
        assert_ne!(of(&["ab", "c"]), of(&["a", "bc"]));
        assert_eq!(of(&["id", "x"]), of(&["id", "x"]));
        assert_ne!(of(&["id", "x"]), of(&["id", "y"]));
        let mut m: FpMap<u64> = FpMap::default();
        m.insert(of(&["id", "x"]), 2);
        assert_eq!(m.get(&of(&["id", "x"])), Some(&2));
        assert_eq!(m.get(&of(&["id", "y"])), None);
    }
}
