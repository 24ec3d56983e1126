//! A tenant's writer: group commit, pipelined.
//!
//! A request is *prepared* by the task that submits it, under the writer's
//! lock: it reads each key's current state (the newest prepared write not
//! yet on disk, else the engine), lets the request decide, checks the
//! limits, and appends the outcome (item, index entries, change-log
//! record, count and size deltas) to the open group. A committer (on the
//! blocking pool) seals the open group, writes it as one atomic batch,
//! fsynced under the default sync policy, and only then answers its
//! requests. While one group is written and synced the next
//! fills up and is prepared, so CPU work and the disk overlap, and a group
//! is as large as the load makes it, without timers.
//!
//! Up to [`MAX_COMMITTERS`] committers run, each with one group on its way
//! to the disk (a disk completes concurrent synchronous writes almost as
//! fast as one); a second group is sealed while one is in flight only once
//! [`OVERLAP_AT`] requests wait in it. Groups are sealed, numbered and
//! handed to the engine ([`Engine::begin_write`]) in order, and it applies them in that
//! order, so a group is acknowledged only after every group before it.
//! A group's stats start from what earlier unapplied groups wrote
//! ([`stats::Unapplied`]).
//!
//! Readers never see a write before it is durable: prepared writes live in
//! the writer's pending map, which only the writer consults, until the
//! engine publishes their group. When a group fails to commit, every group
//! prepared after it (which may have read its writes) fails as well and
//! the writer starts again from what the engine holds.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ddb_core::size::item_size;
use ddb_core::value::binary;
use ddb_core::Item;
use serde_json::Value;
use storage::{Engine, TenantStore, WriteBatch};
use tokio::sync::oneshot;

use super::changelog;
use super::index::signed;
use super::stats::{self, Deltas};
use super::store::{decode, storage_error, ChangeLog, DecideMany, MultiDecision, Quotas, WriteKey};
use crate::error::{ApiError, CancellationReason};
use crate::metrics::WriteGroupMeters;

/// One submitted write: its keys and how it decides.
pub(super) struct Request {
    pub keys: Vec<WriteKey>,
    pub decide: DecideMany,
    /// A transaction: a limit one of its actions breaks is reported as a
    /// cancellation reason at that action.
    pub transaction: bool,
}

type Answer = (oneshot::Sender<Result<Value, ApiError>>, Result<Value, ApiError>);

/// How long an idle committer waits for more work before leaving the
/// blocking pool.
const COMMITTER_LINGER: Duration = Duration::from_millis(2);

/// Committers of one tenant, hence groups on their way to the disk at once.
const MAX_COMMITTERS: usize = 2;

/// While a group is on its way to the disk, the next one is sealed early
/// (by a second committer) only once this many requests wait in it: the
/// disk, not the CPU, is then what holds writes back. Below it they wait
/// for the group in flight, and groups stay large (each group's
/// synchronous write costs CPU, which a busy node has none of to spare).
const OVERLAP_AT: usize = 8;

/// After this long without a commit, the next request reloads the cached
/// sequence number and usage from the engine.
const STATE_TTL: Duration = Duration::from_secs(30);

/// The writer of one tenant.
pub(super) struct Writer {
    tenant: String,
    tenants: Arc<TenantStore>,
    collection_limit: u64,
    quotas: Quotas,
    state: Mutex<State>,
    /// Signalled when work arrives for a waiting committer.
    wake: Condvar,
    /// Signalled when a sealed group has been handed to the engine.
    turns: Condvar,
    /// A task of the runtime that answers a group's requests: waking them
    /// from inside the runtime queues them on that worker, where waking
    /// each from the committer's thread could unpark a worker for each.
    answerer: OnceLock<tokio::sync::mpsc::UnboundedSender<Vec<Answer>>>,
    /// Where committed groups are reported.
    meters: Option<WriteGroupMeters>,
}

/// What a submitted request leaves to do once the writer's lock is released.
enum Next {
    Nothing,
    /// Signal a committer waiting for work.
    Signal,
    StartCommitter,
}

/// Changes and answers of the requests prepared into one group.
#[derive(Default)]
struct Group {
    batch: WriteBatch,
    deltas: Deltas,
    answers: Vec<Answer>,
}

struct State {
    open: Group,
    /// The number of the open group; pending writes carry it.
    open_no: u64,
    /// Committers running (or about to).
    committers: usize,
    /// Committers waiting on `wake` for work and not yet signalled: a
    /// request that signals one moves it from this count to `wakeups`, so
    /// the requests arriving before it runs do not signal again (each
    /// signal is a system call).
    waiting: usize,
    /// Signals sent and not yet taken by a waking committer.
    wakeups: usize,
    /// Committers waiting on `turns` for their group's turn.
    turn_waiters: usize,
    /// Sealed groups not yet written (or failed).
    in_flight: usize,
    /// Groups sealed so far; a sealed group's turn is their number then.
    sealed: u64,
    /// The turn of the next sealed group to be handed to the engine.
    next_turn: u64,
    /// Bumped whenever what was prepared is forgotten (a group failed):
    /// a group sealed in an earlier epoch is not written.
    epoch: u64,
    /// Stats written by groups the engine has not applied.
    unapplied: stats::Unapplied,
    /// Each key's state after prepared writes the engine has not
    /// published yet, with the group that wrote it last.
    pending: HashMap<Vec<u8>, (u64, Option<Item>)>,
    /// The next change-log sequence number.
    next_seq: Option<u64>,
    /// The tenant's table and index bytes with every prepared write, once
    /// a storage quota made them needed.
    tenant_bytes: Option<u64>,
    /// Item collection sizes with every prepared write, by stats key.
    /// Entries are only dropped while nothing is in flight, so an absent
    /// one is exactly what the engine holds.
    collections: HashMap<Vec<u8>, u64>,
    last_commit: Instant,
}

impl State {
    fn idle(&self) -> bool {
        self.committers == 0 && self.open.answers.is_empty() && self.pending.is_empty()
    }

    /// The open group should be sealed now.
    fn ready(&self) -> bool {
        let waiting = self.open.answers.len();
        waiting > 0 && (self.in_flight == 0 || waiting >= OVERLAP_AT)
    }

    /// Forgets what was cached from the engine.
    fn forget(&mut self) {
        self.pending.clear();
        self.unapplied.clear();
        self.epoch += 1;
        self.next_seq = None;
        self.tenant_bytes = None;
        self.collections.clear();
    }

    /// Fails the open group (prepared on top of what was forgotten).
    fn drop_open(&mut self) -> Vec<Answer> {
        self.open_no += 1;
        std::mem::take(&mut self.open).answers
    }
}

/// A group taken from the open slot, with its stats resolved.
struct Sealed {
    /// Its batch, or why it could not be completed.
    batch: Result<WriteBatch, String>,
    answers: Vec<Answer>,
    no: u64,
    turn: u64,
    epoch: u64,
    /// When it was taken from the open slot.
    at: Instant,
}

impl Writer {
    pub(super) fn new(
        tenant: String,
        tenants: Arc<TenantStore>,
        collection_limit: u64,
        quotas: Quotas,
        meters: Option<WriteGroupMeters>,
    ) -> Writer {
        Writer {
            tenant,
            tenants,
            collection_limit,
            quotas,
            state: Mutex::new(State {
                open: Group::default(),
                open_no: 0,
                committers: 0,
                waiting: 0,
                wakeups: 0,
                turn_waiters: 0,
                in_flight: 0,
                sealed: 0,
                next_turn: 0,
                epoch: 0,
                unapplied: stats::Unapplied::default(),
                pending: HashMap::new(),
                next_seq: None,
                tenant_bytes: None,
                collections: HashMap::new(),
                last_commit: Instant::now(),
            }),
            wake: Condvar::new(),
            turns: Condvar::new(),
            answerer: OnceLock::new(),
            meters,
        }
    }

    /// Starts the answering task once (from within the runtime).
    fn ensure_answerer(&self) {
        self.answerer.get_or_init(|| {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<Answer>>();
            tokio::spawn(async move {
                while let Some(answers) = rx.recv().await {
                    send_all(answers);
                }
            });
            tx
        });
    }

    /// Answers a committed group: through the answering task when there
    /// are several requests, directly otherwise (or if it is gone).
    fn answer(&self, answers: Vec<Answer>) {
        match self.answerer.get().filter(|_| answers.len() > 1) {
            Some(tx) => {
                if let Err(back) = tx.send(answers) {
                    send_all(back.0);
                }
            }
            None => send_all(answers),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Prepares `req` into the open group (reading `engine`, the tenant's
    /// open storage) and makes sure a committer runs. The answer arrives
    /// on the returned channel once the group is durable. Must be called
    /// from within the Tokio runtime.
    pub(super) fn submit(self: &Arc<Self>, engine: &dyn Engine, req: Request) -> oneshot::Receiver<Result<Value, ApiError>> {
        let (reply, answer) = oneshot::channel();
        self.ensure_answerer();
        let next = {
            let mut st = self.lock();
            if st.idle() && st.last_commit.elapsed() > STATE_TTL {
                st.forget();
            }
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.prepare(&mut st, engine, req)))
                .unwrap_or_else(|_| Err(ApiError::Internal("a write panicked while being prepared".into())));
            st.open.answers.push((reply, outcome));
            // Otherwise the committer of the group in flight seals it next.
            if !st.ready() {
                Next::Nothing
            } else if st.waiting > 0 {
                st.waiting -= 1;
                st.wakeups += 1;
                Next::Signal
            } else if st.wakeups > 0 {
                // A signalled committer is on its way and seals it.
                Next::Nothing
            } else if st.committers < MAX_COMMITTERS {
                st.committers += 1;
                Next::StartCommitter
            } else {
                Next::Nothing
            }
        };
        // Done once the lock is released, so a signalled committer does not
        // wake only to block on it.
        match next {
            Next::Nothing => {}
            // The waiter counted in `waiting` is asleep in `wait_timeout` (it
            // held the lock until then); one that timed out meanwhile takes
            // the wakeup itself, and this signal is then spurious.
            Next::Signal => self.wake.notify_one(),
            Next::StartCommitter => {
                let writer = Arc::clone(self);
                tokio::task::spawn_blocking(move || writer.run_committer());
            }
        }
        answer
    }

    /// The tenant's table bytes dropped by `bytes` (a table was deleted).
    pub(super) fn release_bytes(&self, bytes: u64) {
        let mut st = self.lock();
        if let Some(used) = st.tenant_bytes.as_mut() {
            *used = used.saturating_sub(bytes);
        }
    }

    fn prepare(&self, st: &mut State, engine: &dyn Engine, req: Request) -> Result<Value, ApiError> {
        let Request { keys, decide, transaction } = req;
        let mut seq = match st.next_seq {
            Some(s) => s,
            None => changelog::last_seq(engine).map_err(storage_error)? + 1,
        };
        st.next_seq = Some(seq);
        let quota = self
            .quotas
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&self.tenant)
            .copied();
        if quota.is_some() && st.tenant_bytes.is_none() {
            st.tenant_bytes = stats::tenant_bytes(engine).ok();
        }
        let mut current = Vec::with_capacity(keys.len());
        for k in &keys {
            current.push(match st.pending.get(&k.key) {
                Some((_, item)) => item.clone(),
                None => match engine.get(&k.key).map_err(storage_error)? {
                    Some(bytes) => Some(decode(&bytes)?),
                    None => None,
                },
            });
        }
        // Index maintenance and the change log need the old items; the
        // table's counters only their sizes.
        let olds: Vec<Old> = keys.iter().zip(&current).map(|(k, cur)| Old::of(k, cur.as_ref(), quota.is_some())).collect();
        let decision = decide(current)?;
        if decision.writes.len() != keys.len() {
            return Err(ApiError::Internal("a write decided for the wrong number of keys".into()));
        }
        // Index key types are checked on every item written.
        for (k, w) in keys.iter().zip(&decision.writes) {
            if let (Some(ix), Some(Some(item))) = (&k.indexes, w) {
                ix.validate(item)?;
            }
        }
        self.check_limits(st, engine, &keys, &decision.writes, &olds, quota)
            .map_err(|(at, e)| if transaction { cancelled_by_limit(keys.len(), at, e) } else { e })?;
        let MultiDecision { writes, output, extra } = decision;
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        // The tenant's bytes are kept only under a storage quota.
        let bytes_before = st.tenant_bytes.map(|_| st.open.deltas.storage_bytes());
        let group_no = st.open_no;
        for (i, (wk, write)) in keys.into_iter().zip(writes).enumerate() {
            let Some(before) = olds.get(i) else { continue };
            let old = before.item.as_ref();
            if wk.reindex_only {
                // A pending write of the item maintains every index already
                // (a reindexing request writes none of its keys itself).
                let pending = st.pending.contains_key(&wk.key);
                let group = &mut st.open;
                if let (Some(ix), Some(cur), false) = (&wk.indexes, old, pending) {
                    let exists = |k: &[u8]| engine.get(k).is_ok_and(|v| v.is_some());
                    ix.reindex(cur, &exists, &mut group.batch, &mut group.deltas);
                }
                continue;
            }
            let Some(new) = write else { continue };
            if !before.existed && new.is_none() {
                continue;
            }
            let group = &mut st.open;
            if let Some(ix) = &wk.indexes {
                ix.apply(old, new.as_ref(), &mut group.batch, &mut group.deltas);
            }
            group.deltas.add(
                stats::table_key(&wk.table_id),
                i64::from(new.is_some()) - i64::from(before.existed),
                new.as_ref().map_or(0, |i| billed_size(&wk, i)) - before.billed,
            );
            // The item is encoded once, for itself and its change record.
            let encoded = new.as_ref().map(|item| Bytes::from(binary::encode_item(item)));
            // A write that leaves the item as it was is no change: DynamoDB
            // Streams writes no record for it (nor does the recovery log).
            if wk.log != ChangeLog::Off && old != new.as_ref() {
                // A deletion keeps its old image whatever the stream shows:
                // its record's Keys come from it.
                let keep_old = wk.log == ChangeLog::Images || encoded.is_none();
                group.batch.put(
                    changelog::key(seq),
                    changelog::record_encoded(millis, &wk.table_id, old, encoded.as_deref(), keep_old, wk.by_service),
                );
                seq += 1;
            }
            match encoded {
                Some(bytes) => group.batch.put(wk.key.clone(), bytes),
                None => group.batch.delete(wk.key.clone()),
            };
            st.pending.insert(wk.key, (group_no, new));
        }
        for (key, value) in extra {
            st.open.batch.put(key, value);
        }
        st.next_seq = Some(seq);
        if let Some(before) = bytes_before {
            let grown = st.open.deltas.storage_bytes() - before;
            if let Some(used) = st.tenant_bytes.as_mut() {
                *used = used.saturating_add_signed(grown);
            }
        }
        Ok(output)
    }

    /// Checks one request's writes against the item collection limit and
    /// the tenant's storage quota, and on success records the collection
    /// size changes. A breach names the key (by position) that caused it.
    fn check_limits(
        &self,
        st: &mut State,
        engine: &dyn Engine,
        keys: &[WriteKey],
        writes: &[Option<Option<Item>>],
        olds: &[Old],
        quota: Option<u64>,
    ) -> Result<(), (usize, ApiError)> {
        let mut collections: Vec<(Vec<u8>, i64)> = Vec::new();
        let mut growth = 0i64;
        for (i, (wk, write)) in keys.iter().zip(writes).enumerate() {
            let Some(new) = write.as_ref().filter(|_| !wk.reindex_only) else {
                continue;
            };
            let before = olds.get(i);
            let old = before.and_then(|o| o.item.as_ref());
            if quota.is_some() {
                growth += new.as_ref().map_or(0, |i| signed(item_size(i))) - before.map_or(0, |o| o.plain);
            }
            let Some(ix) = wk.indexes.as_ref().filter(|ix| ix.has_local()) else {
                continue;
            };
            let Some(pk) = new.as_ref().or(old).and_then(|item| ix.encoded_partition(item)) else {
                continue;
            };
            let size = |i: Option<&Item>| i.map_or(0, |i| signed(ix.collection_size(i) as usize));
            let key = stats::collection_key(&wk.table_id, &pk);
            let delta = size(new.as_ref()) - size(old);
            let stored = match st.collections.get(&key) {
                Some(bytes) => *bytes,
                None => {
                    let bytes = engine.get(&key).ok().flatten().map_or(0, |v| stats::decode(&v).1);
                    st.collections.insert(key.clone(), bytes);
                    bytes
                }
            };
            let earlier: i64 = collections.iter().filter(|(k, _)| *k == key).map(|(_, d)| d).sum();
            if exceeds(stored, earlier, delta, self.collection_limit) {
                return Err((i, ApiError::ItemCollectionSizeLimitExceeded));
            }
            collections.push((key, delta));
        }
        if let (Some(quota), Some(used)) = (quota, st.tenant_bytes) {
            if exceeds(used, 0, growth, quota) {
                return Err((
                    0,
                    ApiError::LimitExceeded(format!(
                        "Storage quota exceeded: this account's tables and indexes may hold at most {quota} bytes"
                    )),
                ));
            }
        }
        for (key, delta) in collections {
            if let Some(bytes) = st.collections.get_mut(&key) {
                *bytes = bytes.saturating_add_signed(delta);
            }
            st.open.deltas.add(key, 0, delta);
        }
        Ok(())
    }

    /// Commits groups until none is left (after a short linger), then
    /// leaves the blocking pool.
    fn run_committer(self: Arc<Self>) {
        let ran = std::panic::catch_unwind(AssertUnwindSafe(|| self.commit_until_idle()));
        if ran.is_err() {
            // The group being committed is lost (its requests see the
            // writer stop); start again from the engine.
            tracing::error!(tenant = %self.tenant, "writer committer panicked");
            let mut st = self.lock();
            st.forget();
            st.committers -= 1;
            let orphans = st.drop_open();
            drop(st);
            fail(orphans, "the writer restarted");
        }
    }

    fn commit_until_idle(&self) {
        loop {
            // Work first, then the engine: a committer with nothing left to
            // do must not open the tenant again (it may have been closed,
            // as a shutdown closes every tenant, since the last group).
            let Some(st) = self.wait_for_work() else {
                return;
            };
            let small = st.open.answers.len() < OVERLAP_AT;
            drop(st);
            if small {
                // A committer woken for a small group lets the request
                // tasks run first: on a busy node they fill it (under
                // `dynastore bench` PutItem ×64: groups of one from 36% to
                // 9%, mean group from 5.8 to 10–12 requests, server CPU a
                // request down 10–25%), and on an idle one the call
                // returns at once.
                std::thread::yield_now();
            }
            let engine = self.tenants.get(&self.tenant);
            let Some(sealed) = self.seal(engine.as_ref().ok()) else {
                return;
            };
            let flight = InFlight(self);
            let Sealed { batch, answers, no, turn, epoch, at } = sealed;

            // Handed to the engine in turn; one sealed before a failure
            // (prepared on what failed) is not.
            let mut st = self.lock();
            while st.next_turn != turn {
                st.turn_waiters += 1;
                st = self.turns.wait(st).unwrap_or_else(PoisonError::into_inner);
                st.turn_waiters -= 1;
            }
            let current = st.epoch == epoch;
            drop(st);
            let begun = match (current, engine, batch) {
                (false, _, _) => Err("an earlier group failed".to_owned()),
                (true, Err(e), _) => Err(format!("storage: {e}")),
                (true, Ok(_), Err(msg)) => Err(msg),
                (true, Ok(engine), Ok(batch)) => guarded(|| engine.begin_write(batch)),
            };
            let mut st = self.lock();
            // Everything prepared on this group goes with it.
            let mut dropped = Vec::new();
            if begun.is_err() && current {
                st.forget();
                dropped = st.drop_open();
            }
            st.next_turn += 1;
            let others_wait = st.turn_waiters > 0;
            drop(st);
            if others_wait {
                self.turns.notify_all();
            }
            let written = begun.and_then(|pending| guarded(|| pending.finish()));
            drop(flight);
            let mut st = self.lock();
            st.last_commit = Instant::now();
            match written {
                Ok(()) => {
                    st.pending.retain(|_, (g, _)| *g != no);
                    st.unapplied.applied(no);
                    drop(st);
                    if let Some(meters) = &self.meters {
                        meters.committed(answers.len(), at.elapsed().as_secs_f64());
                    }
                    self.answer(answers);
                }
                Err(msg) => {
                    // Nothing of the group is acknowledged (the batch is all
                    // or nothing); what was prepared on top of it fails too
                    // (the groups sealed after it, by their epoch).
                    tracing::error!(tenant = %self.tenant, error = %msg, "group commit failed");
                    if st.epoch == epoch {
                        st.forget();
                        dropped = st.drop_open();
                    }
                    drop(st);
                    fail(answers, &msg);
                    fail(dropped, &msg);
                }
            }
        }
    }

    /// Waits (a short linger at most) until the open group should be
    /// sealed; when no work came, the committer leaves (`None`).
    fn wait_for_work(&self) -> Option<MutexGuard<'_, State>> {
        let mut st = self.lock();
        let deadline = Instant::now() + COMMITTER_LINGER;
        // Counted in `waiting` (not yet signalled).
        let mut counted = false;
        let ready = loop {
            if st.ready() {
                break true;
            }
            let now = Instant::now();
            if now >= deadline {
                break false;
            }
            if !counted {
                st.waiting += 1;
                counted = true;
            }
            st = self
                .wake
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            // Whichever committer wakes first takes a signal that was sent
            // (a spurious or timed-out wake-up of another waiter may take
            // it: the signalled one then stays counted).
            if st.wakeups > 0 {
                st.wakeups -= 1;
                counted = false;
            }
        };
        if counted {
            st.waiting = st.waiting.saturating_sub(1);
        }
        if !ready {
            st.committers -= 1;
            // Nothing is in flight: a large cache may go.
            if st.committers == 0 && st.collections.len() > 100_000 {
                st.collections.clear();
            }
            return None;
        }
        Some(st)
    }

    /// Waits (a short linger at most) for work and seals the open group,
    /// or leaves (`None`) when none came.
    fn seal(&self, engine: Option<&storage::FjallEngine>) -> Option<Sealed> {
        let mut st = self.wait_for_work()?;
        let no = st.open_no;
        st.open_no += 1;
        let Group { mut batch, deltas, answers } = std::mem::take(&mut st.open);
        let batch = match engine {
            Some(engine) => {
                let State { unapplied, .. } = &mut *st;
                deltas
                    .write(engine, unapplied, no, &mut batch)
                    .map(|()| batch)
                    .map_err(|e| format!("storage: {e}"))
            }
            None => Err("storage: the tenant's storage could not be opened".to_owned()),
        };
        // Its turn is taken last, so nothing above can leave it unused.
        let turn = st.sealed;
        st.sealed += 1;
        st.in_flight += 1;
        Some(Sealed { batch, answers, no, turn, epoch: st.epoch, at: Instant::now() })
    }
}

/// An item's state before a request decides, as far as the writer needs
/// it once the request has taken the item: the item itself only when
/// indexes or the change log need it (a copy of every old item cost a
/// deep clone per write), its sizes always.
struct Old {
    item: Option<Item>,
    existed: bool,
    /// Its size as writes bill it (the table's size counts that).
    billed: i64,
    /// Its plain size (a storage quota counts that; 0 without one).
    plain: i64,
}

impl Old {
    fn of(wk: &WriteKey, item: Option<&Item>, quota: bool) -> Old {
        let keep = wk.indexes.is_some() || wk.log != ChangeLog::Off || wk.reindex_only;
        let billed = item.map_or(0, |i| billed_size(wk, i));
        // Without indexes an item is billed at its plain size: not
        // measured twice.
        let plain = match (item.filter(|_| quota), &wk.indexes) {
            (None, _) => 0,
            (Some(_), None) => billed,
            (Some(i), Some(_)) => signed(item_size(i)),
        };
        Old { item: item.filter(|_| keep).cloned(), existed: item.is_some(), billed, plain }
    }
}

/// The table's size counts items as writes bill them (vectors at 4 bytes
/// a dimension).
fn billed_size(wk: &WriteKey, item: &Item) -> i64 {
    signed(wk.indexes.as_ref().map_or_else(|| item_size(item), |ix| ix.billed_size(item)))
}

/// Sends each request its outcome.
fn send_all(answers: Vec<Answer>) {
    for (reply, outcome) in answers {
        let _ = reply.send(outcome);
    }
}

/// A sealed group on its way to the disk: counted until it is written or
/// has failed, however its committer ends.
struct InFlight<'a>(&'a Writer);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.in_flight = st.in_flight.saturating_sub(1);
    }
}

/// Runs an engine call, its error or a panic in it turned into a message
/// (a committer must give up its turn whatever happens).
fn guarded<T>(f: impl FnOnce() -> storage::Result<T>) -> Result<T, String> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(done) => done.map_err(|e| format!("storage: {e}")),
        Err(_) => Err("storage: the engine panicked".to_owned()),
    }
}

/// Answers every request of a group that could not be committed.
fn fail(answers: Vec<Answer>, msg: &str) {
    for (reply, outcome) in answers {
        let _ = reply.send(outcome.and(Err(ApiError::Internal(msg.to_owned()))));
    }
}

/// True when `delta` (> 0) takes a counter at `stored`, plus `earlier`
/// changes, past `limit`.
fn exceeds(stored: u64, earlier: i64, delta: i64, limit: u64) -> bool {
    let total = i64::try_from(stored)
        .unwrap_or(i64::MAX)
        .saturating_add(earlier)
        .saturating_add(delta);
    delta > 0 && u64::try_from(total).unwrap_or(0) > limit
}

/// A transaction cancelled because its action `at` (of `n`) broke a limit:
/// the item collection limit is a cancellation reason; other limits are
/// returned as they are.
fn cancelled_by_limit(n: usize, at: usize, e: ApiError) -> ApiError {
    match e {
        ApiError::ItemCollectionSizeLimitExceeded => {
            let mut reasons = vec![CancellationReason::none(); n];
            if let Some(r) = reasons.get_mut(at) {
                *r = CancellationReason::collection_size();
            }
            ApiError::TransactionCanceled { reasons }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_earlier_changes_and_only_growth() {
        assert!(!exceeds(90, 0, 10, 100), "reaching the limit is allowed");
        assert!(exceeds(90, 5, 10, 100));
        assert!(!exceeds(200, 0, -10, 100), "shrinking is always allowed");
        assert!(!exceeds(u64::MAX, i64::MAX, 0, 100));
    }

    #[test]
    fn a_collection_breach_in_a_transaction_names_its_action() {
        let e = cancelled_by_limit(3, 1, ApiError::ItemCollectionSizeLimitExceeded);
        let ApiError::TransactionCanceled { reasons } = e else {
            panic!("expected a cancellation, got {e:?}");
        };
        let codes: Vec<&str> = reasons.iter().map(|r| r.code).collect();
        assert_eq!(codes, ["None", "ItemCollectionSizeLimitExceeded", "None"]);
        assert_eq!(reasons[1].message.as_deref(), Some("Collection size exceeded."));
        let quota = cancelled_by_limit(3, 0, ApiError::LimitExceeded("q".into()));
        assert!(matches!(quota, ApiError::LimitExceeded(_)));
    }
}

