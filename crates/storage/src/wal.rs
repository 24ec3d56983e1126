//! The write-ahead log that makes a fjall database's batches durable under
//! [`crate::SyncPolicy::Always`], in place of fsyncing fjall's own journal.
//!
//! # Why
//!
//! fjall's journal grows a sparse file, so every `fdatasync` of it writes
//! the data and then the inode (two device round trips, and on a VM two
//! exits). This log is two segment files that are zero-filled once and then
//! overwritten in place, opened `O_DIRECT | O_DSYNC`: a commit is one
//! aligned `pwrite` that returns when the block is on stable storage, at
//! half the latency and CPU of the journal's fsync on the machines measured
//! (see `dynastore bench`). fjall still journals every batch, left in its
//! journal's buffer, so its own recovery is unchanged.
//!
//! # Records
//!
//! A record starts on a 4 KiB boundary and is padded to one: a 32-byte
//! header — magic, kind (batch or barrier), log sequence number (lsn),
//! payload length, xxh3 of header and payload — then the batch's operations.
//! A segment is read from its start while records are intact and their lsns
//! consecutive; zeroes, a torn record or an older round's record end it.
//!
//! # Reuse and checkpoints
//!
//! Records go into one segment until it is full, then into the other from
//! its start. Before a segment is reused, every batch it holds must be
//! durable in fjall: each time a quarter of a segment has been written, a
//! short-lived thread fsyncs fjall's journal files (opened read-only, so
//! fjall's journal lock is not held while the disk works; fjall's journal
//! buffer is handed to the OS first), and the switch back to a segment a
//! whole segment later waits for the checkpoint that covers it (it rarely
//! has to). If that cannot be done, fjall's `persist` is called instead.
//!
//! A *barrier* record says "every batch before me is durable in fjall".
//! A batch too large for a segment is committed with fjall's own fsync and
//! followed by a barrier; a clean close persists fjall, writes a barrier and
//! deletes the segments (a tenant that is not open keeps no log on disk).
//!
//! Records are reserved (lsn and position) in order under the engine's log
//! lock but written outside it, so a later record can reach the disk before
//! an earlier one; none of them is acknowledged until every record before
//! it is written. A segment that is reused has its first block zeroed
//! before any record is placed in it: until its first new record is on
//! disk, the segment shows nothing rather than its older round.
//!
//! # Recovery
//!
//! On open, the records of both segments are ordered by lsn and cut at the
//! first missing lsn (a record written while an earlier one was not: not
//! acknowledged); those after the last barrier are applied to fjall again,
//! in order. Replaying a batch
//! that fjall already holds is harmless: every batch is a list of absolute
//! puts and deletes, fjall holds a prefix of the logged batches, and the
//! replay ends with the last acknowledged one, so every key ends at its
//! last logged value. fjall is then persisted, a barrier written and the
//! segments deleted.

use crate::engine::BatchOp;
use crate::{Error, Result};
use bytes::Bytes;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

/// Records start and end on this boundary (the `O_DIRECT` alignment).
pub(crate) const BLOCK: usize = 4096;
/// The default size of each of the two segments.
pub const DEFAULT_SEGMENT_BYTES: u64 = 4 * 1024 * 1024;
/// A checkpoint starts each time a segment fills by this fraction, so
/// each fsync of fjall's journal is small (one large one would hold up the
/// log's own writes behind it on the device).
const CHECKPOINTS_PER_SEGMENT: u64 = 4;
/// The smallest segment accepted (smaller sizes are raised to it).
pub(crate) const MIN_SEGMENT_BYTES: u64 = 16 * BLOCK as u64;

const MAGIC: u32 = 0x4C41_5744; // "DWAL" little-endian
const HEADER: usize = 32;
const KIND_BATCH: u32 = 1;
const KIND_BARRIER: u32 = 2;
const OP_PUT: u8 = 0;
const OP_DELETE: u8 = 1;

const SEGMENT_NAMES: [&str; 2] = ["dynastore-wal.0", "dynastore-wal.1"];

/// The segment files of the log in `dir`.
fn segment_paths(dir: &Path) -> [PathBuf; 2] {
    SEGMENT_NAMES.map(|name| dir.join(name))
}

/// True when `dir` holds a log (a crash left it, or the database is open).
pub(crate) fn exists(dir: &Path) -> bool {
    segment_paths(dir).iter().any(|p| p.exists())
}

/// One decoded record.
#[derive(Debug, PartialEq)]
struct Record {
    lsn: u64,
    /// `None` for a barrier.
    ops: Option<Vec<BatchOp>>,
}

fn round_up(n: usize) -> usize {
    n.div_ceil(BLOCK) * BLOCK
}

/// Encodes a record into `out` (cleared first), padded to whole blocks.
fn encode(out: &mut Vec<u8>, lsn: u64, ops: Option<&[BatchOp]>) {
    out.clear();
    append_record(out, lsn, ops);
}

/// Appends a record to `out`, padded to whole blocks.
fn append_record(out: &mut Vec<u8>, lsn: u64, ops: Option<&[BatchOp]>) {
    let start = out.len();
    out.resize(start + HEADER, 0);
    let kind = if let Some(ops) = ops {
        for op in ops {
            match op {
                BatchOp::Put(k, v) => {
                    out.push(OP_PUT);
                    put_bytes(out, k);
                    put_bytes(out, v);
                }
                BatchOp::Delete(k) => {
                    out.push(OP_DELETE);
                    put_bytes(out, k);
                }
            }
        }
        KIND_BATCH
    } else {
        KIND_BARRIER
    };
    let len = u32::try_from(out.len() - start - HEADER).unwrap_or(u32::MAX);
    let mut header = [0u8; 24];
    header[0..4].copy_from_slice(&MAGIC.to_le_bytes());
    header[4..8].copy_from_slice(&kind.to_le_bytes());
    header[8..16].copy_from_slice(&lsn.to_le_bytes());
    header[16..20].copy_from_slice(&len.to_le_bytes());
    if let Some(h) = out.get_mut(start..start + 24) {
        h.copy_from_slice(&header);
    }
    let sum = checksum(out.get(start..).unwrap_or_default());
    if let Some(h) = out.get_mut(start + 24..start + HEADER) {
        h.copy_from_slice(&sum.to_le_bytes());
    }
    let padded = start + round_up(out.len() - start);
    out.resize(padded, 0);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(b);
}

/// xxh3 of the header's first 24 bytes and the payload.
fn checksum(record: &[u8]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(record.get(..24).unwrap_or_default());
    hasher.update(record.get(HEADER..).unwrap_or_default());
    hasher.digest()
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Decodes the record at the start of `b`, with its padded length, or
/// `None` when there is no intact record there.
fn decode(b: &[u8]) -> Option<(Record, usize)> {
    if le_u32(b, 0)? != MAGIC {
        return None;
    }
    let kind = le_u32(b, 4)?;
    let lsn = le_u64(b, 8)?;
    let len = usize::try_from(le_u32(b, 16)?).ok()?;
    let record = b.get(..HEADER + len)?;
    if le_u64(b, 24)? != checksum(record) {
        return None;
    }
    let ops = match kind {
        KIND_BARRIER => None,
        KIND_BATCH => Some(decode_ops(record.get(HEADER..)?)?),
        _ => return None,
    };
    Some((Record { lsn, ops }, round_up(HEADER + len)))
}

fn decode_ops(mut p: &[u8]) -> Option<Vec<BatchOp>> {
    fn take(p: &mut &[u8]) -> Option<Bytes> {
        let len = usize::try_from(le_u32(p, 0)?).ok()?;
        let bytes = Bytes::copy_from_slice(p.get(4..4 + len)?);
        *p = p.get(4 + len..)?;
        Some(bytes)
    }
    let mut ops = Vec::new();
    while let Some((&tag, rest)) = p.split_first() {
        p = rest;
        ops.push(match tag {
            OP_PUT => {
                let k = take(&mut p)?;
                BatchOp::Put(k, take(&mut p)?)
            }
            OP_DELETE => BatchOp::Delete(take(&mut p)?),
            _ => return None,
        });
    }
    Some(ops)
}

/// The intact records at the start of a segment's bytes, with consecutive
/// lsns.
fn scan(bytes: &[u8]) -> Vec<Record> {
    let mut records: Vec<Record> = Vec::new();
    let mut pos = 0;
    while let Some((record, len)) = bytes.get(pos..).and_then(decode) {
        if records.last().is_some_and(|last| last.lsn + 1 != record.lsn) {
            break;
        }
        records.push(record);
        pos += len;
    }
    records
}

/// What a log left behind: the batches to apply again, in order, and the
/// highest lsn seen.
pub(crate) struct Recovered {
    pub batches: Vec<Vec<BatchOp>>,
    pub last_lsn: u64,
}

/// Reads the log in `dir` (absent segments are empty).
pub(crate) fn recover(dir: &Path) -> Result<Recovered> {
    let mut records = Vec::new();
    for path in segment_paths(dir) {
        match std::fs::read(&path) {
            Ok(bytes) => records.extend(scan(&bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    records.sort_by_key(|r| r.lsn);
    records.dedup_by_key(|r| r.lsn);
    // Records are written concurrently: one can be on disk while an earlier
    // one is not (neither was acknowledged). Nothing after a gap counts.
    if let Some(gap) = records.windows(2).position(|w| matches!(w, [a, b] if a.lsn + 1 != b.lsn)) {
        records.truncate(gap + 1);
    }
    let last_lsn = records.last().map_or(0, |r| r.lsn);
    let after_barrier = records.iter().rposition(|r| r.ops.is_none()).map_or(0, |i| i + 1);
    let batches = records.into_iter().skip(after_barrier).filter_map(|r| r.ops).collect();
    Ok(Recovered { batches, last_lsn })
}

/// Ends a log whose every batch is durable elsewhere: a barrier first (so
/// a crash halfway through leaves nothing to replay), then the files.
pub(crate) fn retire(dir: &Path, last_lsn: u64) -> Result<()> {
    let [first, second] = segment_paths(dir);
    if first.exists() {
        let mut buf = Vec::new();
        encode(&mut buf, last_lsn + 1, None);
        let file = OpenOptions::new().write(true).open(&first).map_err(|e| Error::io(&first, e))?;
        file.write_at(&buf, 0).map_err(|e| Error::io(&first, e))?;
        file.sync_data().map_err(|e| Error::io(&first, e))?;
    }
    for path in [second, first] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))
}

/// fsyncs fjall's journal files in `dir` through descriptors of our own;
/// the number synced (a journal deleted meanwhile was flushed to tables).
fn sync_journals(dir: &Path) -> std::io::Result<usize> {
    let mut synced = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|ext| ext != "jnl") {
            continue;
        }
        match File::open(&path) {
            Ok(file) => {
                file.sync_data()?;
                synced += 1;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(synced)
}

/// `len` bytes of `buf` starting at a [`BLOCK`]-aligned address, as
/// `O_DIRECT` wants its buffers (`buf` grows, zero-filled, to make room).
fn aligned(buf: &mut Vec<u8>, len: usize) -> Option<&mut [u8]> {
    if buf.len() < len + BLOCK {
        *buf = vec![0u8; len + BLOCK];
    }
    let skip = buf.as_ptr().align_offset(BLOCK).min(BLOCK);
    buf.get_mut(skip..skip + len)
}

/// What the log needs of the fjall database behind it.
pub(crate) trait Fjall {
    /// Hands fjall's buffered journal writes to the OS.
    fn flush(&self) -> Result<()>;
    /// Makes every batch fjall holds durable (fsyncs its journal).
    fn persist(&self) -> Result<()>;
    /// The lsn of the last batch committed to fjall (batches are committed
    /// in lsn order, each after its record is written).
    fn applied(&self) -> u64;
    /// Waits until the batch `lsn` (and every one before it) is committed
    /// to fjall, or has failed.
    fn wait_applied(&self, lsn: u64);
}

/// How far fjall's journal is known to be durable, as the checkpoint
/// threads report it.
#[derive(Default)]
struct Checkpoints {
    state: Mutex<CheckpointState>,
    done: Condvar,
}

#[derive(Default)]
struct CheckpointState {
    /// Every batch up to this lsn is durable in fjall.
    durable: u64,
    /// A checkpoint thread runs.
    running: bool,
}

/// A segment file of the running log.
struct Segment {
    file: Arc<SegmentFile>,
    /// The highest lsn placed in it since it was last started over.
    last_lsn: u64,
}

/// An open segment file, shared with the records being written into it.
struct SegmentFile {
    file: File,
    path: PathBuf,
}

/// The running log of one database: written only under the engine's
/// commit lock.
pub(crate) struct Wal {
    dir: PathBuf,
    segment_bytes: u64,
    segments: [Option<Segment>; 2],
    current: usize,
    pos: u64,
    /// Where in the current segment the last checkpoint started.
    checkpoint_pos: u64,
    next_lsn: u64,
    /// Files opened without `O_DIRECT` (a file system that refuses it).
    buffered: bool,
    checkpoints: Arc<Checkpoints>,
    thread: Option<JoinHandle<()>>,
}

/// What [`Wal::reserve`] did.
pub(crate) enum Reserved {
    /// The batch has its lsn and its place in the log; [`Slot::write`]
    /// puts it there.
    Logged(Slot),
    /// Nothing was reserved: the batch is larger than a segment. Wait until
    /// every earlier batch is committed, persist fjall, write a
    /// [`Wal::barrier`], then commit it with fjall's fsync.
    TooLarge,
}

/// A batch's place in the log: written (outside the log's lock, so
/// several records can be on their way to the disk at once) by
/// [`Slot::write`].
pub(crate) struct Slot {
    lsn: u64,
    pos: u64,
    len: usize,
    segment: Arc<SegmentFile>,
    buffered: bool,
}

impl Slot {
    /// The batch's log sequence number.
    pub(crate) fn lsn(&self) -> u64 {
        self.lsn
    }

    /// Writes the batch's record (`ops`, as reserved) and returns once it
    /// is on stable storage.
    pub(crate) fn write(&self, ops: &[BatchOp]) -> Result<()> {
        // Encoded straight to an aligned address: one allocation, no copy.
        let mut buf: Vec<u8> = Vec::with_capacity(self.len + BLOCK);
        let skip = buf.as_ptr().align_offset(BLOCK).min(BLOCK);
        buf.resize(skip, 0);
        append_record(&mut buf, self.lsn, Some(ops));
        match buf.get(skip..) {
            Some(record) if record.len() == self.len => self.segment.write_durably(record, self.pos, self.buffered),
            _ => Err(Error::io(&self.segment.path, std::io::Error::other("record size"))),
        }
    }
}

impl SegmentFile {
    /// Writes whole blocks at `pos` and returns once they are on stable
    /// storage (copied to an aligned address first unless they are at one).
    fn write_durably(&self, blocks: &[u8], pos: u64, buffered: bool) -> Result<()> {
        let mut io = Vec::new();
        let window = if blocks.as_ptr().align_offset(BLOCK) == 0 {
            blocks
        } else {
            let Some(window) = aligned(&mut io, blocks.len()) else {
                return Err(Error::io(&self.path, std::io::Error::other("alignment")));
            };
            window.copy_from_slice(blocks);
            window
        };
        self.file.write_all_at(window, pos).map_err(|e| Error::io(&self.path, e))?;
        if buffered {
            self.file.sync_data().map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }
}

/// The padded length of a batch record of `ops` (what [`encode`] makes).
fn record_len(ops: &[BatchOp]) -> usize {
    let payload: usize = ops
        .iter()
        .map(|op| match op {
            BatchOp::Put(k, v) => 1 + 4 + k.len() + 4 + v.len(),
            BatchOp::Delete(k) => 1 + 4 + k.len(),
        })
        .sum();
    round_up(HEADER + payload)
}

impl Wal {
    /// A log in `dir` whose records continue after `last_lsn`; its
    /// segment files are made on first use.
    pub(crate) fn new(dir: &Path, segment_bytes: u64, last_lsn: u64) -> Wal {
        let segment_bytes = (segment_bytes.max(MIN_SEGMENT_BYTES) / BLOCK as u64) * BLOCK as u64;
        Wal {
            dir: dir.to_path_buf(),
            segment_bytes,
            segments: [None, None],
            current: 0,
            pos: 0,
            checkpoint_pos: 0,
            next_lsn: last_lsn + 1,
            buffered: false,
            checkpoints: Arc::new(Checkpoints {
                state: Mutex::new(CheckpointState { durable: last_lsn, ..Default::default() }),
                done: Condvar::new(),
            }),
            thread: None,
        }
    }

    /// The highest lsn written.
    pub(crate) fn last_lsn(&self) -> u64 {
        self.next_lsn - 1
    }

    /// Gives the batch the next lsn and a place in the log. The caller
    /// writes it there ([`Slot::write`]) and commits it to fjall in lsn
    /// order.
    pub(crate) fn reserve(&mut self, ops: &[BatchOp], db: &dyn Fjall) -> Result<Reserved> {
        let len = record_len(ops);
        if len as u64 > self.segment_bytes {
            return Ok(Reserved::TooLarge);
        }
        let (segment, pos) = self.place(len as u64, db)?;
        Ok(Reserved::Logged(Slot {
            lsn: self.last_lsn(),
            pos,
            len,
            segment,
            buffered: self.buffered,
        }))
    }

    /// Records that every batch so far is durable in fjall (the caller has
    /// waited for every reserved batch to be committed and persisted fjall).
    pub(crate) fn barrier(&mut self, db: &dyn Fjall) -> Result<()> {
        let mut buf = Vec::new();
        encode(&mut buf, self.next_lsn, None);
        let (segment, pos) = self.place(buf.len() as u64, db)?;
        segment.write_durably(&buf, pos, self.buffered)
    }

    /// Takes the next lsn and `len` bytes of the log for it: in the
    /// current segment, or from the start of the other one.
    fn place(&mut self, len: u64, db: &dyn Fjall) -> Result<(Arc<SegmentFile>, u64)> {
        if self.pos >= self.checkpoint_pos + self.segment_bytes / CHECKPOINTS_PER_SEGMENT {
            self.checkpoint(db)?;
        }
        if self.slot(self.current).is_none() {
            let created = self.create_segment(self.current)?;
            *self.slot_mut(self.current) = Some(created);
        } else if self.pos + len > self.segment_bytes {
            self.switch(db)?;
        }
        let current = self.current;
        let lsn = self.next_lsn;
        let Some(segment) = self.segments.get_mut(current).and_then(Option::as_mut) else {
            return Err(Error::io(&self.dir, std::io::Error::other("log segment missing")));
        };
        segment.last_lsn = lsn;
        let placed = (Arc::clone(&segment.file), self.pos);
        self.pos += len;
        self.next_lsn += 1;
        Ok(placed)
    }

    /// Starts making fjall's journal durable up to the last batch
    /// committed to it, unless a checkpoint is still running (the next
    /// quarter tries again). Batches still being written are not covered.
    fn checkpoint(&mut self, db: &dyn Fjall) -> Result<()> {
        if self.checkpoints.state.lock().unwrap_or_else(PoisonError::into_inner).running {
            return Ok(());
        }
        let upto = db.applied();
        db.flush()?;
        self.start_checkpoint(upto);
        self.checkpoint_pos = self.pos;
        Ok(())
    }

    fn slot(&self, n: usize) -> Option<&Segment> {
        self.segments.get(n).and_then(Option::as_ref)
    }

    fn slot_mut(&mut self, n: usize) -> &mut Option<Segment> {
        let [first, second] = &mut self.segments;
        if n == 0 {
            first
        } else {
            second
        }
    }

    /// Moves on to the other segment once what it holds is durable in
    /// fjall (the checkpoints of this segment's first quarter cover all of
    /// it, a whole segment earlier, so this rarely waits).
    fn switch(&mut self, db: &dyn Fjall) -> Result<()> {
        let other = 1 - self.current;
        let needed = self.slot(other).map_or(0, |s| s.last_lsn);
        self.wait_durable(needed, db)?;
        let buffered = self.buffered;
        match self.slot_mut(other) {
            Some(s) => {
                // Its first record goes first: until it is on disk, a
                // later record that gets there before it must not make the
                // older round's records look current (recovery would take
                // them, stop at the gap, and miss the other segment's).
                s.file.write_durably(&[0u8; BLOCK], 0, buffered)?;
                s.last_lsn = 0;
            }
            None => {
                let created = self.create_segment(other)?;
                *self.slot_mut(other) = Some(created);
            }
        }
        self.current = other;
        self.pos = 0;
        self.checkpoint_pos = 0;
        Ok(())
    }

    fn wait_durable(&mut self, lsn: u64, db: &dyn Fjall) -> Result<()> {
        let cp = Arc::clone(&self.checkpoints);
        let mut st = cp.state.lock().unwrap_or_else(PoisonError::into_inner);
        while st.durable < lsn && st.running {
            st = cp.done.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
        if st.durable >= lsn {
            return Ok(());
        }
        drop(st);
        // No checkpoint covers it (one failed): make fjall durable here,
        // once the batch is committed to it.
        db.wait_applied(lsn);
        let upto = db.applied();
        db.persist()?;
        let mut st = cp.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.durable = st.durable.max(upto);
        Ok(())
    }

    /// Spawns the thread that fsyncs fjall's journal files; the one before
    /// it has finished.
    fn start_checkpoint(&mut self, upto: u64) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let cp = Arc::clone(&self.checkpoints);
        cp.state.lock().unwrap_or_else(PoisonError::into_inner).running = true;
        let dir = self.dir.clone();
        let spawned = std::thread::Builder::new().name("wal-checkpoint".into()).spawn({
            let cp = Arc::clone(&cp);
            move || {
                let synced = sync_journals(&dir);
                let mut st = cp.state.lock().unwrap_or_else(PoisonError::into_inner);
                // A failed one leaves `durable` behind: the switch persists
                // fjall itself.
                if synced.is_ok_and(|n| n > 0) {
                    st.durable = st.durable.max(upto);
                }
                st.running = false;
                cp.done.notify_all();
            }
        });
        match spawned {
            Ok(handle) => self.thread = Some(handle),
            Err(_) => {
                cp.state.lock().unwrap_or_else(PoisonError::into_inner).running = false;
            }
        }
    }

    /// Creates a zero-filled segment file and opens it for direct,
    /// synchronous writes.
    fn create_segment(&mut self, n: usize) -> Result<Segment> {
        let [first, second] = segment_paths(&self.dir);
        let path = if n == 0 { first } else { second };
        let open = |direct: bool| {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true).truncate(true);
            options.custom_flags(if direct { libc::O_DIRECT | libc::O_DSYNC } else { 0 });
            options.open(&path)
        };
        let mut zeros = Vec::new();
        let chunk: &[u8] = aligned(&mut zeros, 64 * BLOCK).unwrap_or_default();
        let fill = |file: &File| -> std::io::Result<()> {
            let mut at = 0;
            while at < self.segment_bytes {
                let n = (self.segment_bytes - at).min(chunk.len() as u64) as usize;
                file.write_all_at(chunk.get(..n).unwrap_or_default(), at)?;
                at += n as u64;
            }
            file.sync_all()
        };
        let file = match open(!self.buffered).and_then(|f| fill(&f).map(|()| f)) {
            Ok(file) => file,
            Err(e) if !self.buffered && e.raw_os_error() == Some(libc::EINVAL) => {
                // tmpfs and some others refuse O_DIRECT: write through the
                // page cache and fdatasync each record instead.
                self.buffered = true;
                let file = open(false).map_err(|e| Error::io(&path, e))?;
                fill(&file).map_err(|e| Error::io(&path, e))?;
                file
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        sync_dir(&self.dir)?;
        Ok(Segment { file: Arc::new(SegmentFile { file, path }), last_lsn: 0 })
    }

    /// Waits for a running checkpoint thread.
    pub(crate) fn join_checkpoint(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        self.join_checkpoint();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn put(k: &str, v: &str) -> BatchOp {
        BatchOp::Put(Bytes::copy_from_slice(k.as_bytes()), Bytes::copy_from_slice(v.as_bytes()))
    }

    fn del(k: &str) -> BatchOp {
        BatchOp::Delete(Bytes::copy_from_slice(k.as_bytes()))
    }

    #[test]
    fn records_round_trip_padded_to_blocks() {
        let ops = vec![put("a", "1"), del("b"), put("c", "")];
        let mut buf = Vec::new();
        encode(&mut buf, 7, Some(&ops));
        assert_eq!(buf.len(), BLOCK);
        let (rec, len) = decode(&buf).unwrap();
        assert_eq!(len, BLOCK);
        assert_eq!(rec, Record { lsn: 7, ops: Some(ops) });
        encode(&mut buf, 8, None);
        assert_eq!(decode(&buf).unwrap().0, Record { lsn: 8, ops: None });
        let big = vec![put("k", &"x".repeat(5000))];
        encode(&mut buf, 9, Some(&big));
        assert_eq!(buf.len(), 2 * BLOCK);
    }

    #[test]
    fn reserved_lengths_are_encoded_lengths() {
        let mut buf = Vec::new();
        for ops in [vec![], vec![put("a", "1"), del("b")], vec![put("k", &"x".repeat(4063))], vec![put("k", &"x".repeat(4064))]] {
            encode(&mut buf, 1, Some(&ops));
            assert_eq!(record_len(&ops), buf.len(), "{ops:?}");
        }
    }

    #[test]
    fn a_damaged_or_zero_block_is_no_record() {
        let mut buf = Vec::new();
        encode(&mut buf, 1, Some(&[put("a", "1")]));
        for at in [0, 9, 17, 25, HEADER + 3] {
            let mut bad = buf.clone();
            bad[at] ^= 0x40;
            assert!(decode(&bad).is_none(), "flipped byte {at}");
        }
        assert!(decode(&vec![0u8; BLOCK]).is_none());
        assert!(decode(&buf[..20]).is_none());
    }

    #[test]
    fn a_scan_stops_at_an_older_rounds_record() {
        let mut seg = Vec::new();
        let mut buf = Vec::new();
        for lsn in [10, 11, 12, 5, 6] {
            encode(&mut buf, lsn, Some(&[put("k", &lsn.to_string())]));
            seg.extend_from_slice(&buf);
        }
        let lsns: Vec<u64> = scan(&seg).iter().map(|r| r.lsn).collect();
        assert_eq!(lsns, [10, 11, 12]);
    }

    fn write_segment(dir: &Path, n: usize, records: &[(u64, Option<Vec<BatchOp>>)]) {
        let mut seg = Vec::new();
        let mut buf = Vec::new();
        for (lsn, ops) in records {
            encode(&mut buf, *lsn, ops.as_deref());
            seg.extend_from_slice(&buf);
        }
        seg.resize(seg.len() + BLOCK, 0);
        std::fs::write(segment_paths(dir)[n].clone(), seg).unwrap();
    }

    #[test]
    fn recovery_orders_both_segments_and_starts_after_the_last_barrier() {
        let dir = tempfile::tempdir().unwrap();
        write_segment(dir.path(), 1, &[(3, Some(vec![put("a", "3")])), (4, None), (5, Some(vec![put("a", "5")]))]);
        write_segment(dir.path(), 0, &[(6, Some(vec![del("a")])), (7, Some(vec![put("b", "7")]))]);
        let r = recover(dir.path()).unwrap();
        assert_eq!(r.last_lsn, 7);
        assert_eq!(r.batches, vec![vec![put("a", "5")], vec![del("a")], vec![put("b", "7")]]);
        retire(dir.path(), r.last_lsn).unwrap();
        assert!(!exists(dir.path()));
        let none = recover(dir.path()).unwrap();
        assert!(none.batches.is_empty());
    }

    #[test]
    fn nothing_after_a_missing_record_is_recovered() {
        // Record 6 was still on its way to the disk when 7, at the start of
        // the other segment, got there: neither was acknowledged.
        let dir = tempfile::tempdir().unwrap();
        write_segment(dir.path(), 0, &[(4, Some(vec![put("a", "4")])), (5, Some(vec![put("a", "5")]))]);
        write_segment(dir.path(), 1, &[(7, Some(vec![put("a", "7")]))]);
        let r = recover(dir.path()).unwrap();
        assert_eq!(r.batches, vec![vec![put("a", "4")], vec![put("a", "5")]]);
        assert_eq!(r.last_lsn, 5);
    }

    /// Counts what the log asks of fjall, and what fjall had been given
    /// (`committed`, as the test says) when its buffer was last flushed.
    #[derive(Default)]
    struct Fake {
        flushes: std::sync::atomic::AtomicUsize,
        persists: std::sync::atomic::AtomicUsize,
        committed: std::sync::atomic::AtomicU64,
        flushed: std::sync::atomic::AtomicU64,
    }

    impl Fjall for Fake {
        fn flush(&self) -> Result<()> {
            self.flushes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let committed = self.committed.load(std::sync::atomic::Ordering::SeqCst);
            self.flushed.store(committed, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
        fn persist(&self) -> Result<()> {
            self.persists.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
        fn applied(&self) -> u64 {
            self.committed.load(std::sync::atomic::Ordering::SeqCst)
        }
        fn wait_applied(&self, _lsn: u64) {}
    }

    /// Reserves and writes one batch, as the engine does.
    fn append(wal: &mut Wal, ops: &[BatchOp], db: &Fake) -> bool {
        match wal.reserve(ops, db).unwrap() {
            Reserved::Logged(slot) => {
                slot.write(ops).unwrap();
                // fjall takes the batch once it is logged.
                db.committed.store(slot.lsn(), std::sync::atomic::Ordering::SeqCst);
                true
            }
            Reserved::TooLarge => false,
        }
    }

    fn count(n: &std::sync::atomic::AtomicUsize) -> usize {
        n.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[test]
    fn appends_wrap_around_and_recover_in_order() {
        let dir = tempfile::tempdir().unwrap();
        // fjall's journal stands in as one .jnl file for the checkpoints.
        std::fs::write(dir.path().join("0.jnl"), b"journal").unwrap();
        let mut wal = Wal::new(dir.path(), MIN_SEGMENT_BYTES, 0);
        let persist = Fake::default();
        // 40 one-block records over two 16-block segments: two switches.
        for i in 0..40u32 {
            assert!(append(&mut wal, &[put("k", &i.to_string())], &persist));
        }
        wal.join_checkpoint();
        let durable = wal.checkpoints.state.lock().unwrap().durable;
        assert!(durable > 0, "a checkpoint completed");
        assert!(
            durable <= persist.flushed.load(std::sync::atomic::Ordering::SeqCst),
            "a checkpoint claims only batches fjall had been given before its flush"
        );
        let huge = vec![put("k", &"x".repeat(MIN_SEGMENT_BYTES as usize))];
        assert!(!append(&mut wal, &huge, &persist));
        wal.join_checkpoint();
        assert!(count(&persist.flushes) >= 2, "checkpoints ran, fjall's buffer flushed first");
        drop(wal);
        let r = recover(dir.path()).unwrap();
        assert_eq!(r.last_lsn, 40);
        // Segment 0 was overwritten from its start (records 33..40); the
        // rest of it and all of segment 1 hold 17..32.
        let values: Vec<String> = r
            .batches
            .iter()
            .map(|ops| match &ops[..] {
                [BatchOp::Put(_, v)] => String::from_utf8(v.to_vec()).unwrap(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        let expected: Vec<String> = (16..40).map(|i: u32| i.to_string()).collect();
        assert_eq!(values, expected);
    }

    #[test]
    fn a_reused_segment_shows_no_older_round_while_its_first_record_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0.jnl"), b"journal").unwrap();
        let mut wal = Wal::new(dir.path(), MIN_SEGMENT_BYTES, 0);
        let db = Fake::default();
        // Records 1..=16 fill segment 0, 17..=32 segment 1.
        for i in 1..=32u32 {
            assert!(append(&mut wal, &[put("k", &i.to_string())], &db));
        }
        // 33 goes to the start of segment 0 but has not reached the disk
        // when 34, right after it, has.
        let ops = |i: u32| vec![put("k", &i.to_string())];
        let Reserved::Logged(first) = wal.reserve(&ops(33), &db).unwrap() else { panic!() };
        let Reserved::Logged(second) = wal.reserve(&ops(34), &db).unwrap() else { panic!() };
        assert_eq!((first.lsn(), first.pos, second.lsn()), (33, 0, 34));
        second.write(&ops(34)).unwrap();
        drop(wal);
        let r = recover(dir.path()).unwrap();
        let expected: Vec<Vec<BatchOp>> = (17..=32).map(ops).collect();
        assert_eq!(r.batches, expected, "segment 1's records, not segment 0's older round");
        assert_eq!(r.last_lsn, 32);
    }

    #[test]
    fn a_failed_checkpoint_falls_back_to_persisting_fjall() {
        let dir = tempfile::tempdir().unwrap();
        // No .jnl file: the checkpoint thread cannot sync anything.
        let mut wal = Wal::new(dir.path(), MIN_SEGMENT_BYTES, 0);
        let persist = Fake::default();
        for i in 0..40u32 {
            append(&mut wal, &[put("k", &i.to_string())], &persist);
        }
        assert_eq!(count(&persist.persists), 1, "the second switch persisted fjall");
    }
}
