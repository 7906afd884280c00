//! Hash maps for the counter's fixed tables (TLDs, emoji ZWJ sequences), looked up for every
//! candidate in every text.
//!
//! The standard `HashMap` hashes with SipHash, whose resistance to chosen keys guards maps that
//! untrusted input inserts into. These maps are built once from our own data and only read:
//! a key from a text can miss or hit, never lengthen a bucket, so a plain multiplicative hash
//! (FxHash, as rustc uses) is as safe and several times cheaper on these short keys.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map built once from the counter's data and only read afterwards.
pub(super) type FixedTable<K, V> = HashMap<K, V, BuildHasherDefault<FixedTableHasher>>;

/// FxHash: rotate, xor in the next word, multiply.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FixedTableHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FixedTableHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FixedTableHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}
