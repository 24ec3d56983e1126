//! Durable ClientRequestTokens of TransactWriteItems: a successful
//! transaction's token is written in the same atomic batch as its items
//! (`MultiDecision::extra`), so a retry after a restart is still
//! recognised for the 10 minutes DynamoDB keeps a token. Frozen format:
//! stored keys and values depend on it.
//!
//! ```text
//! key   = "k" token                 (the token as sent: 1–36 characters, UTF-8)
//!                                   (outside the home region: token NUL region)
//! value = version:u8 (1) | completed_millis:u64be | fingerprint:[u8; 16]
//!       | version:u8 (2) | completed_millis:u64be | fingerprint:[u8; 16]
//!         | count:u16be | size:u32be * count
//! ```
//! `completed_millis` is when the transaction was decided (Unix time in
//! milliseconds); `fingerprint` identifies the request (a replay must be
//! the same request). Version 2 adds, per action in request order, the
//! item size a replay's read capacity is measured on (the larger of the
//! item before and after the action); records without sizes are written
//! as version 1. Records older than [`WINDOW`] are ignored by
//! [`read`]; the data plane deletes them every minute ([`expired`], then
//! [`trim`]).

use std::time::Duration;

use storage::{Direction, Engine};

/// Version of the record format written without sizes.
pub const FORMAT_VERSION: u8 = 1;
/// Version of the record format written with sizes.
const SIZED_VERSION: u8 = 2;
/// Prefix of every token key.
pub const PREFIX: &[u8] = b"k";
/// The first key after every token key.
const END: &[u8] = b"l";
/// How long a completed transaction's token counts.
pub const WINDOW: Duration = Duration::from_secs(600);
/// Most records one [`trim`] call deletes (the rest waits for the next).
const TRIM_BATCH: usize = 10_000;

/// A stored token: when its transaction completed, which request it was,
/// and the sizes its replay is measured on (empty when not recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub completed_millis: u64,
    pub fingerprint: u128,
    pub sizes: Vec<u32>,
}

impl StoredToken {
    /// True while the token counts at `now_millis`.
    pub fn live_at(&self, now_millis: u64) -> bool {
        now_millis < self.expires_millis()
    }

    /// When the token stops counting.
    pub fn expires_millis(&self) -> u64 {
        self.completed_millis.saturating_add(window_millis())
    }
}

fn window_millis() -> u64 {
    u64::try_from(WINDOW.as_millis()).unwrap_or(u64::MAX)
}

/// The key of `token`.
pub fn key(token: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(PREFIX.len() + token.len());
    k.extend_from_slice(PREFIX);
    k.extend_from_slice(token.as_bytes());
    k
}

/// The token of a key, when it is one.
fn token_of(key: &[u8]) -> Option<&str> {
    std::str::from_utf8(key.strip_prefix(PREFIX)?).ok()
}

/// Encodes a record.
pub fn record(t: &StoredToken) -> Vec<u8> {
    let count = u16::try_from(t.sizes.len()).ok().filter(|n| *n > 0);
    let mut out = Vec::with_capacity(27 + 4 * t.sizes.len());
    out.push(if count.is_some() { SIZED_VERSION } else { FORMAT_VERSION });
    out.extend_from_slice(&t.completed_millis.to_be_bytes());
    out.extend_from_slice(&t.fingerprint.to_be_bytes());
    if let Some(count) = count {
        out.extend_from_slice(&count.to_be_bytes());
        for size in &t.sizes {
            out.extend_from_slice(&size.to_be_bytes());
        }
    }
    out
}

/// Decodes a record; `None` when it is not one this version knows.
pub fn decode(value: &[u8]) -> Option<StoredToken> {
    let (&version, rest) = value.split_first()?;
    let head = rest.get(..24)?;
    let (millis, fingerprint) = head.split_at(8);
    let mut token = StoredToken {
        completed_millis: u64::from_be_bytes(millis.try_into().ok()?),
        fingerprint: u128::from_be_bytes(fingerprint.try_into().ok()?),
        sizes: Vec::new(),
    };
    let tail = rest.get(24..)?;
    match version {
        FORMAT_VERSION if tail.is_empty() => Some(token),
        SIZED_VERSION => {
            let count = usize::from(u16::from_be_bytes(tail.get(..2)?.try_into().ok()?));
            let sizes = tail.get(2..)?;
            if sizes.len() != 4 * count {
                return None;
            }
            token.sizes = sizes
                .chunks_exact(4)
                .map(|c| <[u8; 4]>::try_from(c).map(u32::from_be_bytes))
                .collect::<Result<_, _>>()
                .ok()?;
            Some(token)
        }
        _ => None,
    }
}

/// The live record of `token` at `now_millis`, if any (an unreadable
/// record counts as none: it can only be from a newer format).
pub fn read(engine: &dyn Engine, token: &str, now_millis: u64) -> Result<Option<StoredToken>, storage::Error> {
    Ok(engine
        .get(&key(token))?
        .and_then(|v| decode(&v))
        .filter(|t| t.live_at(now_millis)))
}

/// The records that are no longer live at `now_millis`, oldest key first,
/// up to a batch of them, with their tokens.
pub fn expired(engine: &dyn Engine, now_millis: u64) -> Result<Vec<(Vec<u8>, String)>, storage::Error> {
    let snap = engine.snapshot()?;
    let mut out = Vec::new();
    for kv in snap.range(
        std::ops::Bound::Included(PREFIX),
        std::ops::Bound::Excluded(END),
        Direction::Forward,
    )? {
        let (k, v) = kv?;
        if decode(&v).is_some_and(|t| t.live_at(now_millis)) {
            continue;
        }
        if let Some(token) = token_of(&k) {
            out.push((k.to_vec(), token.to_owned()));
        }
        if out.len() >= TRIM_BATCH {
            break;
        }
    }
    Ok(out)
}

/// Deletes the `candidates` (from [`expired`]) whose token `in_use` does
/// not claim: a transaction of this process that is running, or completed
/// within the window, may have rewritten the record since it was read, so
/// the caller holds what `in_use` consults until this returns. Returns how
/// many were deleted.
pub fn trim(
    engine: &dyn Engine,
    candidates: Vec<(Vec<u8>, String)>,
    in_use: impl Fn(&str) -> bool,
) -> Result<usize, storage::Error> {
    let mut batch = storage::WriteBatch::new();
    for (k, token) in candidates {
        if !in_use(&token) {
            batch.delete(k);
        }
    }
    let n = batch.len();
    if n > 0 {
        engine.write(batch)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(e: &dyn Engine, token: &str, t: StoredToken) {
        let mut b = storage::WriteBatch::new();
        b.put(key(token), record(&t));
        e.write(b).unwrap();
    }

    fn token(completed_millis: u64, fingerprint: u128) -> StoredToken {
        StoredToken { completed_millis, fingerprint, sizes: Vec::new() }
    }

    #[test]
    fn records_round_trip_and_expire_after_ten_minutes() {
        let t = token(1_000, u128::MAX - 7);
        assert_eq!(decode(&record(&t)), Some(t.clone()));
        assert_eq!(record(&t).len(), 25);
        assert_eq!(decode(&[3; 25]), None, "unknown version");
        assert_eq!(decode(&record(&t)[..24]), None, "truncated");
        let sized = StoredToken { sizes: vec![9_017, 0, u32::MAX], ..t.clone() };
        assert_eq!(record(&sized).len(), 25 + 2 + 12);
        assert_eq!(decode(&record(&sized)), Some(sized.clone()));
        assert_eq!(decode(&record(&sized)[..30]), None, "truncated sizes");
        let e = storage::MemoryEngine::new();
        put(&e, "tok-1", t.clone());
        assert_eq!(read(&e, "tok-1", 1_000 + 599_999).unwrap(), Some(t));
        assert_eq!(read(&e, "tok-1", 1_000 + 600_000).unwrap(), None, "expired");
        assert_eq!(read(&e, "tok-2", 1_000).unwrap(), None);
        assert!(key("a").starts_with(PREFIX) && key("\u{ff}") < END.to_vec());
    }

    #[test]
    fn trim_deletes_expired_records_not_claimed() {
        let e = storage::MemoryEngine::new();
        put(&e, "old", token(0, 1));
        put(&e, "claimed", token(0, 2));
        put(&e, "fresh", token(500_000, 3));
        let mut b = storage::WriteBatch::new();
        b.put(b"j-neighbour".to_vec(), bytes::Bytes::from_static(b"x"));
        b.put(b"l-neighbour".to_vec(), bytes::Bytes::from_static(b"x"));
        e.write(b).unwrap();
        assert_eq!(trim(&e, expired(&e, 700_000).unwrap(), |t| t == "claimed").unwrap(), 1);
        assert!(e.get(&key("old")).unwrap().is_none());
        assert!(e.get(&key("claimed")).unwrap().is_some());
        assert!(e.get(&key("fresh")).unwrap().is_some());
        assert!(e.get(b"j-neighbour").unwrap().is_some() && e.get(b"l-neighbour").unwrap().is_some());
        assert_eq!(trim(&e, expired(&e, 700_000).unwrap(), |_| false).unwrap(), 1);
        assert_eq!(trim(&e, expired(&e, 1_200_000).unwrap(), |_| false).unwrap(), 1, "fresh expires in its turn");
    }
}
