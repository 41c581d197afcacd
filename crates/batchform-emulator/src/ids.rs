//! Object ids in the real API's formats: `file-` + 22 base62 characters, `batch_` + 32 hex,
//! `batch_req_` + 32 hex, `req_` + 32 hex. Random ids come from a per-thread PRNG seeded by
//! the OS; derived ids (output files, per-line ids) are hashes of what they belong to, so
//! producing a batch's results twice (after a crash) yields the same objects.

use sha2::{Digest, Sha256};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn new_file_id() -> String {
    let mut s = String::from("file-");
    for _ in 0..22 {
        s.push(BASE62[fastrand::usize(..62)] as char);
    }
    s
}

pub fn new_batch_id() -> String {
    format!("batch_{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

pub fn new_request_id() -> String {
    format!("req_{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// A `file-` id derived from `parts` (for a batch's output and error files).
pub fn derived_file_id(parts: &[&str]) -> String {
    let digest = hash(parts);
    let mut s = String::from("file-");
    for b in digest.iter().take(22) {
        s.push(BASE62[(*b as usize) % 62] as char);
    }
    s
}

/// `prefix` + 32 hex characters derived from `parts`.
pub fn derived_hex_id(prefix: &str, parts: &[&str]) -> String {
    let digest = hash(parts);
    let mut s = String::with_capacity(prefix.len() + 32);
    s.push_str(prefix);
    for b in digest.iter().take(16) {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// SHA-256 over length-prefixed parts (so `["ab","c"]` and `["a","bc"]` differ).
pub fn hash(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_real_shapes() {
        let f = new_file_id();
        assert_eq!(f.len(), 5 + 22);
        assert!(f[5..].bytes().all(|b| b.is_ascii_alphanumeric()));
        let b = new_batch_id();
        assert_eq!(b.len(), 6 + 32);
        assert!(b[6..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(new_batch_id(), new_batch_id());
        let r = derived_hex_id("batch_req_", &["batch_x", "r1"]);
        assert_eq!(r, derived_hex_id("batch_req_", &["batch_x", "r1"]));
        assert_ne!(r, derived_hex_id("batch_req_", &["batch_x", "r2"]));
        assert_eq!(r.len(), 10 + 32);
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
    }
}
