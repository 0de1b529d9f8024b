//! Fingerprints of values: what lets an incremental build tell what changed without comparing it all.

use std::hash::Hash;

/// A 64-bit fingerprint of a value. The seeds are fixed, so it is the same throughout one
/// run of brief (fingerprints are never stored on disk); aHash because the fingerprints of
/// a large site hash hundreds of megabytes of text.
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    const SEEDS: (u64, u64, u64, u64) = (
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    );
    ahash::RandomState::with_seeds(SEEDS.0, SEEDS.1, SEEDS.2, SEEDS.3).hash_one(value)
}
