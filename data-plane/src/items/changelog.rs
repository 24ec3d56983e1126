//! The change log: one record per item change, written in the same atomic
//! batch as the item, under a per-tenant sequence number. DynamoDB Streams
//! and point-in-time recovery read it.
//!
//! ```text
//! key   = "c" seq:u64be
//! value = version:u8 (1 or 2) | millis:u64be | table_id_len:u16be table_id
//!         | old_len:u32be old | new_len:u32be new
//! ```
//! `old`/`new` are binary item encodings; length `u32::MAX` means absent.
//! Version 2 adds one more length, `u32::MAX - 1` for `old`: the item
//! existed but its old image was not kept (only tables whose stream wants
//! old images keep them; the rest need to know an item was replaced, not
//! what it was). Version 3 is version 2 followed by one `flags:u8` byte;
//! bit 0 says the service made the change (a Time to Live deletion, which
//! a stream record attributes to `dynamodb.amazonaws.com`). Changes
//! without flags are still written as version 2. Frozen format: versions
//! never change meaning.

use bytes::Bytes;
use ddb_core::value::binary;
use ddb_core::Item;
use storage::{Direction, Engine};

/// Version of the record format written for a change without flags.
pub const FORMAT_VERSION: u8 = 2;
/// Version of the record format written for a change with flags.
const FLAGGED_VERSION: u8 = 3;
/// Flag bit: the service made the change (Time to Live).
const BY_SERVICE: u8 = 1;
/// Prefix of every change-log key.
pub const PREFIX: &[u8] = b"c";
/// The first key after every change-log key.
const END: &[u8] = b"d";
const ABSENT: u32 = u32::MAX;
/// Version 2: the old item existed, its image was not kept.
const OMITTED: u32 = u32::MAX - 1;

/// The key of change `seq`.
pub fn key(seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.extend_from_slice(PREFIX);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn put_encoded(out: &mut Vec<u8>, encoded: Option<&[u8]>) {
    match encoded {
        Some(enc) => {
            let len = u32::try_from(enc.len()).unwrap_or(OMITTED - 1);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(enc);
        }
        None => out.extend_from_slice(&ABSENT.to_be_bytes()),
    }
}

/// Encodes one change record; `keep_old` false records only that an old
/// item existed.
pub fn record(millis: u64, table_id: &str, old: Option<&Item>, new: Option<&Item>, keep_old: bool) -> Bytes {
    let new = new.map(binary::encode_item);
    record_encoded(millis, table_id, old, new.as_deref(), keep_old, false)
}

/// [`record`] with the new item already encoded (the writer stores the
/// same bytes as the item, so it encodes them once); `by_service` marks a
/// change the service made (a Time to Live deletion).
pub fn record_encoded(
    millis: u64,
    table_id: &str,
    old: Option<&Item>,
    new: Option<&[u8]>,
    keep_old: bool,
    by_service: bool,
) -> Bytes {
    let old_existed = old.is_some();
    let old = old.filter(|_| keep_old).map(binary::encode_item);
    let id = table_id.as_bytes();
    let id_len = u16::try_from(id.len()).unwrap_or(u16::MAX);
    let images = old.as_ref().map_or(0, Vec::len) + new.map_or(0, <[u8]>::len);
    let mut out = Vec::with_capacity(1 + 8 + 2 + usize::from(id_len) + 8 + images + 1);
    out.push(if by_service { FLAGGED_VERSION } else { FORMAT_VERSION });
    out.extend_from_slice(&millis.to_be_bytes());
    out.extend_from_slice(&id_len.to_be_bytes());
    out.extend_from_slice(id.get(..usize::from(id_len)).unwrap_or(id));
    match &old {
        Some(enc) => put_encoded(&mut out, Some(enc)),
        None if old_existed => out.extend_from_slice(&OMITTED.to_be_bytes()),
        None => put_encoded(&mut out, None),
    }
    put_encoded(&mut out, new);
    if by_service {
        out.push(BY_SERVICE);
    }
    Bytes::from(out)
}

/// A decoded change record.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub millis: u64,
    pub table_id: String,
    /// The old image, when kept.
    pub old: Option<Item>,
    /// Whether an old item existed (also when its image was not kept).
    pub old_existed: bool,
    pub new: Option<Item>,
    /// The service made the change (a Time to Live deletion).
    pub by_service: bool,
}

/// Why a record could not be read.
#[derive(Debug, thiserror::Error)]
#[error("corrupt change record: {0}")]
pub struct CorruptRecord(&'static str);

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], CorruptRecord> {
    if input.len() < n {
        return Err(CorruptRecord("truncated"));
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

/// An image: `None` when absent; `Some(None)` when omitted (version 2).
fn image(input: &mut &[u8], version: u8) -> Result<Option<Option<Item>>, CorruptRecord> {
    let len = u32::from_be_bytes(take(input, 4)?.try_into().map_err(|_| CorruptRecord("length"))?);
    if len == ABSENT {
        return Ok(None);
    }
    if len == OMITTED && version >= 2 {
        return Ok(Some(None));
    }
    let bytes = take(input, len as usize)?;
    binary::decode_item(bytes)
        .map(|i| Some(Some(i)))
        .map_err(|_| CorruptRecord("item"))
}

/// Decodes one change record.
pub fn decode(mut input: &[u8]) -> Result<Change, CorruptRecord> {
    let input = &mut input;
    let version = match take(input, 1)? {
        [v @ (1..=3)] => *v,
        _ => return Err(CorruptRecord("unknown version")),
    };
    let millis = u64::from_be_bytes(take(input, 8)?.try_into().map_err(|_| CorruptRecord("time"))?);
    let id_len = u16::from_be_bytes(take(input, 2)?.try_into().map_err(|_| CorruptRecord("id"))?);
    let table_id = std::str::from_utf8(take(input, usize::from(id_len))?)
        .map_err(|_| CorruptRecord("id"))?
        .to_owned();
    let old = image(input, version)?;
    let new = match image(input, version)? {
        Some(None) => return Err(CorruptRecord("new image omitted")),
        other => other.flatten(),
    };
    let flags = if version >= FLAGGED_VERSION { take(input, 1)?.first().copied().unwrap_or(0) } else { 0 };
    if !input.is_empty() {
        return Err(CorruptRecord("trailing bytes"));
    }
    Ok(Change {
        millis,
        table_id,
        old_existed: old.is_some(),
        old: old.flatten(),
        new,
        by_service: flags & BY_SERVICE != 0,
    })
}

/// The sequence number of change-log key `key` (0 for a malformed key).
fn seq_of_key(key: &[u8]) -> u64 {
    key.get(1..9).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes)
}

/// The records of a snapshot's change log with their sequence numbers:
/// from `from` upwards (`Forward`), or from the newest down (`Reverse`,
/// `from` ignored).
pub fn records<'s>(
    snapshot: &'s dyn storage::Snapshot,
    from: u64,
    direction: Direction,
) -> Result<impl Iterator<Item = Result<(u64, Change), crate::error::ApiError>> + 's, storage::Error> {
    let start = key(from);
    let start = match direction {
        Direction::Forward => std::ops::Bound::Included(start.as_slice()),
        Direction::Reverse => std::ops::Bound::Included(PREFIX),
    };
    let iter = snapshot.range(start, std::ops::Bound::Excluded(END), direction)?;
    Ok(iter.map(|kv| {
        let (k, v) = kv.map_err(super::store::storage_error)?;
        let change = decode(&v).map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
        Ok((seq_of_key(&k), change))
    }))
}

/// The last sequence number used in a tenant's log (0 when empty).
pub fn last_seq(engine: &dyn Engine) -> Result<u64, storage::Error> {
    let snap = engine.snapshot()?;
    let mut it = snap.range(
        std::ops::Bound::Included(PREFIX),
        std::ops::Bound::Excluded(END),
        Direction::Reverse,
    )?;
    match it.next() {
        Some(Ok((k, _))) => Ok(seq_of_key(&k)),
        Some(Err(e)) => Err(e),
        None => Ok(0),
    }
}

/// How long change records are kept: DynamoDB Streams' 24 hours.
pub const RETENTION: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// Most records one [`trim`] call deletes (the rest waits for the next).
const TRIM_BATCH: usize = 10_000;

/// Deletes the records written before `cutoff_millis`, oldest first, up to
/// a batch of them, always keeping the newest record (the writer continues
/// the sequence from it). Returns how many were deleted. Runs beside the
/// writer: it only removes keys far below the ones the writer appends.
pub fn trim(engine: &dyn Engine, cutoff_millis: u64) -> Result<usize, storage::Error> {
    let snap = engine.snapshot()?;
    let mut batch = storage::WriteBatch::new();
    let mut pending: Option<Bytes> = None;
    for kv in snap.range(
        std::ops::Bound::Included(PREFIX),
        std::ops::Bound::Excluded(END),
        Direction::Forward,
    )? {
        let (k, v) = kv?;
        // The previous old record is not the newest: delete it.
        if let Some(prev) = pending.take() {
            batch.delete(prev);
        }
        let millis = v.get(1..9).and_then(|b| b.try_into().ok()).map_or(u64::MAX, u64::from_be_bytes);
        if millis >= cutoff_millis || batch.len() >= TRIM_BATCH {
            break;
        }
        pending = Some(k);
    }
    let n = batch.len();
    engine.write(batch)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ddb_core::AttributeValue;

    #[test]
    fn round_trip_and_corruption() {
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("a".into()));
        let r = record(7, "tbl", None, Some(&item), true);
        let c = decode(&r).unwrap();
        assert_eq!(c, Change { millis: 7, table_id: "tbl".into(), old: None, old_existed: false, new: Some(item.clone()), by_service: false });
        let kept = decode(&record(8, "tbl", Some(&item), None, true)).unwrap();
        assert_eq!((kept.old.as_ref(), kept.old_existed, kept.new.as_ref()), (Some(&item), true, None));
        let omitted = decode(&record(9, "tbl", Some(&item), Some(&item), false)).unwrap();
        assert_eq!((omitted.old.as_ref(), omitted.old_existed), (None, true), "replaced, image not kept");
        let mut v1 = record(7, "tbl", None, Some(&item), true).to_vec();
        v1[0] = 1;
        assert_eq!(decode(&v1).unwrap().new, Some(item.clone()), "version 1 records still read");
        assert!(!c.by_service && r[0] == 2, "a change without flags is written as version 2");
        let ttl = record_encoded(10, "tbl", Some(&item), None, false, true);
        assert_eq!(ttl[0], 3);
        let d = decode(&ttl).unwrap();
        assert_eq!((d.by_service, d.old_existed, d.new.as_ref()), (true, true, None), "a TTL deletion says so");
        assert!(decode(&ttl[..ttl.len() - 1]).is_err(), "version 3 without its flags byte");
        for n in 0..r.len() {
            assert!(decode(r.get(..n).unwrap()).is_err(), "truncated at {n}");
        }
        assert!(key(1) < key(2) && key(255) < key(256));
    }

    #[test]
    fn trim_drops_old_records_but_keeps_the_newest() {
        let e = storage::MemoryEngine::new();
        let mut b = storage::WriteBatch::new();
        for (seq, millis) in [(1, 10), (2, 20), (3, 30), (4, 40)] {
            b.put(key(seq), record(millis, "t", None, None, true));
        }
        e.write(b).unwrap();
        assert_eq!(trim(&e, 25).unwrap(), 2);
        assert!(e.get(&key(2)).unwrap().is_none() && e.get(&key(3)).unwrap().is_some());
        assert_eq!(trim(&e, 1000).unwrap(), 1, "the newest record stays");
        assert_eq!(last_seq(&e).unwrap(), 4, "so the sequence continues");
        assert_eq!(trim(&e, 1000).unwrap(), 0);
    }

    #[test]
    fn last_seq_reads_the_tail() {
        let e = storage::MemoryEngine::new();
        assert_eq!(last_seq(&e).unwrap(), 0);
        let mut b = storage::WriteBatch::new();
        b.put(key(41), record(0, "t", None, None, true));
        b.put(key(42), record(0, "t", None, None, true));
        b.put(b"t-other".to_vec(), Bytes::from_static(b"x"));
        e.write(b).unwrap();
        assert_eq!(last_seq(&e).unwrap(), 42);
    }
}
