//! Generation of identifiers and credentials in AWS's formats: access key
//! ids (`AKIA` + 16 base32 characters), 40-character secret keys, 12-digit
//! account ids, and internal ids.

use rand::Rng;

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn pick(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| {
            let i = rng.gen_range(0..alphabet.len());
            char::from(alphabet.get(i).copied().unwrap_or(b'A'))
        })
        .collect()
}

/// A new access key id, `AKIA` followed by 16 base32 characters.
pub fn access_key_id() -> String {
    format!("AKIA{}", pick(BASE32, 16))
}

/// A new 40-character secret access key.
pub fn secret_access_key() -> String {
    pick(SECRET_CHARS, 40)
}

/// A new 12-digit account id (never starting with 0).
pub fn account_id() -> String {
    let mut rng = rand::thread_rng();
    format!("{}", rng.gen_range(100_000_000_000u64..1_000_000_000_000u64))
}

/// A new internal id: 32 lowercase hex digits.
pub fn internal_id() -> String {
    pick(b"0123456789abcdef", 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let id = access_key_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"));
        assert_eq!(secret_access_key().len(), 40);
        let acct = account_id();
        assert_eq!(acct.len(), 12);
        assert!(acct.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(internal_id(), internal_id());
    }
}
