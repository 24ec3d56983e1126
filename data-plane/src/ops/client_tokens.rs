//! TransactWriteItems' ClientRequestTokens. DynamoDB keeps a successful
//! transaction's token for 10 minutes after it finished: the same token
//! with the same request answers success again without writing; with
//! another request it is `IdempotentParameterMismatchException`; while the
//! first is still running, `TransactionInProgressException`. A transaction
//! that failed leaves no token behind, so it can be retried.
//!
//! Two layers:
//! - [`ClientTokens`], this process's map of tokens per tenant: running
//!   ones (claimed when their transaction passed validation) and completed
//!   ones until they expire. It answers every token it knows.
//! - The tenant's storage (`items::tokens`): a successful transaction
//!   writes its token with its items, atomically. A token the map does not
//!   know is looked up there ([`claim`]), so a retry after a restart (or
//!   after the map lost it) is still recognised. Expired records are
//!   deleted every minute ([`ClientTokens::trim_stored`]).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use storage::Engine;

use crate::auth::Verified;
use crate::error::ApiError;
use crate::items::tokens::{self, StoredToken, WINDOW};
use crate::items::ItemStore;

/// The ClientRequestTokens of this data plane's recent TransactWriteItems,
/// per tenant. A token is `running` from the moment its transaction passed
/// validation until it ends; a successful one is kept for [`WINDOW`] after
/// it completed, a failed one is forgotten. Expired tokens are dropped,
/// oldest first, whenever a token is used.
#[derive(Debug, Default)]
pub struct ClientTokens {
    inner: Mutex<TokenMap>,
}

#[derive(Debug, Default)]
struct TokenMap {
    entries: HashMap<(String, String), TokenEntry>,
    /// Completed tokens with the instant they expire, mostly oldest first
    /// (tokens read back from storage may expire earlier than ones before
    /// them: [`TokenMap::live`] checks each entry's own expiry).
    expiry: VecDeque<(Instant, (String, String))>,
}

#[derive(Debug)]
struct TokenEntry {
    fingerprint: u128,
    /// When the token expires; `None` while its transaction runs.
    expires: Option<Instant>,
}

/// What a token allows.
pub(super) enum TokenStart<'a> {
    /// A new transaction: run it, then settle the guard.
    Fresh(TokenGuard<'a>),
    /// The same transaction already succeeded: answer success again.
    Replay,
}

/// A running transaction's claim on its token. Dropped unsettled (the
/// request was abandoned mid-way), it keeps the token if the writer had
/// accepted the transaction and frees it otherwise.
pub(super) struct TokenGuard<'a> {
    tokens: &'a ClientTokens,
    key: (String, String),
    fingerprint: u128,
    /// Set by the writer's decision once the transaction will be written.
    pub(super) accepted: Arc<AtomicBool>,
    settled: bool,
}

impl TokenMap {
    /// The entry of `key` unless it has expired at `now`.
    fn live(&self, key: &(String, String), now: Instant) -> Option<&TokenEntry> {
        self.entries.get(key).filter(|e| e.expires.is_none_or(|at| at > now))
    }
}

impl ClientTokens {
    fn lock(&self) -> std::sync::MutexGuard<'_, TokenMap> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Claims `token` in this process's map (storage is not consulted).
    pub(super) fn start(&self, tenant: &str, token: &str, fingerprint: u128, now: Instant) -> Result<TokenStart<'_>, ApiError> {
        let key = (tenant.to_owned(), token.to_owned());
        let mut map = self.lock();
        while map.expiry.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((at, k)) = map.expiry.pop_front() {
                if map.entries.get(&k).is_some_and(|e| e.expires == Some(at)) {
                    map.entries.remove(&k);
                }
            }
        }
        match map.live(&key, now) {
            Some(e) if e.fingerprint != fingerprint => Err(ApiError::IdempotentParameterMismatch),
            Some(e) if e.expires.is_some() => Ok(TokenStart::Replay),
            Some(_) => Err(ApiError::TransactionInProgress),
            None => {
                map.entries.insert(key.clone(), TokenEntry { fingerprint, expires: None });
                Ok(TokenStart::Fresh(TokenGuard {
                    tokens: self,
                    key,
                    fingerprint,
                    accepted: Arc::new(AtomicBool::new(false)),
                    settled: false,
                }))
            }
        }
    }

    fn complete(&self, key: &(String, String), fingerprint: u128, expires: Instant) {
        let mut map = self.lock();
        if let Some(e) = map.entries.get_mut(key) {
            e.fingerprint = fingerprint;
            e.expires = Some(expires);
            map.expiry.push_back((expires, key.clone()));
        }
    }

    fn forget(&self, key: &(String, String)) {
        let mut map = self.lock();
        if map.entries.get(key).is_some_and(|e| e.expires.is_none()) {
            map.entries.remove(key);
        }
    }

    /// Deletes `tenant`'s stored tokens that expired by `now_millis`,
    /// except those this process is using again (running or completed
    /// within the window): their records may have been rewritten since
    /// they were found expired. The map stays locked while the deletions
    /// are written, so no transaction claims such a token in between.
    pub fn trim_stored(&self, tenant: &str, engine: &dyn Engine, now_millis: u64) -> Result<usize, storage::Error> {
        let candidates = tokens::expired(engine, now_millis)?;
        if candidates.is_empty() {
            return Ok(0);
        }
        let now = Instant::now();
        let map = self.lock();
        tokens::trim(engine, candidates, |token| {
            map.live(&(tenant.to_owned(), token.to_owned()), now).is_some()
        })
    }
}

impl TokenGuard<'_> {
    /// Records the transaction's outcome: a success keeps the token.
    pub(super) fn settle(self, succeeded: bool) {
        self.settle_at(succeeded, Instant::now());
    }

    pub(super) fn settle_at(mut self, succeeded: bool, now: Instant) {
        self.settled = true;
        if succeeded {
            self.tokens.complete(&self.key, self.fingerprint, now + WINDOW);
        } else {
            self.tokens.forget(&self.key);
        }
    }

    /// Takes over a token found in storage (live at `now_millis`): the map
    /// keeps it until it expires, and the request is a replay when it is
    /// the same request, a mismatch otherwise.
    fn adopt(mut self, stored: StoredToken, now_millis: u64, now: Instant) -> Result<(), ApiError> {
        self.settled = true;
        let left = Duration::from_millis(stored.expires_millis().saturating_sub(now_millis));
        self.tokens.complete(&self.key, stored.fingerprint, now + left);
        if stored.fingerprint == self.fingerprint {
            Ok(())
        } else {
            Err(ApiError::IdempotentParameterMismatch)
        }
    }
}

impl Drop for TokenGuard<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if self.accepted.load(Ordering::SeqCst) {
            self.tokens.complete(&self.key, self.fingerprint, Instant::now() + WINDOW);
        } else {
            self.tokens.forget(&self.key);
        }
    }
}

/// Milliseconds since the Unix epoch (what stored tokens record).
pub(super) fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Claims `token` of `tenant` for a transaction whose request has
/// `fingerprint`: `Fresh` to run it, `Replay` when the same request already
/// succeeded within the window — as this process knows, or, for a token it
/// does not know, as the tenant's storage records.
pub(super) async fn claim<'a>(
    tokens: &'a ClientTokens,
    items: &ItemStore,
    tenant: &str,
    token: &str,
    fingerprint: u128,
) -> Result<TokenStart<'a>, ApiError> {
    let start = tokens.start(tenant, token, fingerprint, Instant::now())?;
    let TokenStart::Fresh(guard) = start else {
        return Ok(start);
    };
    let now_millis = unix_millis();
    match stored(items, tenant, token, now_millis).await? {
        Some(s) => guard.adopt(s, now_millis, Instant::now()).map(|()| TokenStart::Replay),
        None => Ok(TokenStart::Fresh(guard)),
    }
}

/// The live stored record of `token`, read inline when the tenant's
/// storage is open (a point read), on the blocking pool otherwise.
async fn stored(items: &ItemStore, tenant: &str, token: &str, now_millis: u64) -> Result<Option<StoredToken>, ApiError> {
    let failed = |e: storage::Error| ApiError::Internal(format!("storage: {e}"));
    if let Some(engine) = items.tenants().get_open(tenant) {
        return tokens::read(&engine, token, now_millis).map_err(failed);
    }
    let tenants = Arc::clone(items.tenants());
    let (tenant, token) = (tenant.to_owned(), token.to_owned());
    tokio::task::spawn_blocking(move || {
        let engine = tenants.get(&tenant).map_err(failed)?;
        tokens::read(&engine, &token, now_millis).map_err(failed)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))?
}

/// The name `token` is kept under: tokens are per region, as in DynamoDB,
/// so outside the home region the region follows it after a NUL (which
/// no token sent in JSON by an SDK holds); a home-region token is kept as
/// sent, as before regions.
pub(super) fn regional(caller: &Verified, token: &str) -> String {
    if caller.home {
        token.to_owned()
    } else {
        format!("{token}\u{0}{}", caller.region)
    }
}

/// A 128-bit digest of the request: the first half of the SHA-256 of its
/// canonical JSON (object members sorted). Stored with durable tokens, so
/// it must not change between builds. Only the same tenant's requests are
/// compared, so a collision could only confuse a tenant's own tokens.
pub(super) fn fingerprint(body: &Map<String, Value>) -> u128 {
    let canonical = Value::Object(body.clone()).to_string();
    let digest = Sha256::digest(canonical.as_bytes());
    let mut half = [0u8; 16];
    half.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    u128::from_be_bytes(half)
}

/// The record a successful transaction stores for its token, with the
/// item size each action's replay is measured on.
pub(super) fn record(token: &str, fingerprint: u128, sizes: Vec<u32>) -> (Vec<u8>, Vec<u8>) {
    (
        tokens::key(token),
        tokens::record(&StoredToken {
            completed_millis: unix_millis(),
            fingerprint,
            sizes,
        }),
    )
}

/// The replay sizes the stored record of `token` holds (empty when it
/// holds none, or there is no live record).
pub(super) async fn replay_sizes(items: &ItemStore, tenant: &str, token: &str) -> Result<Vec<u32>, ApiError> {
    Ok(stored(items, tenant, token, unix_millis()).await?.map(|t| t.sizes).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fresh(s: Result<TokenStart<'_>, ApiError>) -> TokenGuard<'_> {
        match s {
            Ok(TokenStart::Fresh(g)) => g,
            Ok(TokenStart::Replay) => panic!("expected a fresh token, got a replay"),
            Err(e) => panic!("expected a fresh token, got {e:?}"),
        }
    }

    #[test]
    fn tokens_replay_mismatch_progress_and_expiry() {
        let tokens = ClientTokens::default();
        let t0 = Instant::now();
        let g = fresh(tokens.start("t1", "tok", 7, t0));
        // While it runs, the same token is in progress, another request a mismatch.
        assert!(matches!(tokens.start("t1", "tok", 7, t0), Err(ApiError::TransactionInProgress)));
        assert!(matches!(tokens.start("t1", "tok", 8, t0), Err(ApiError::IdempotentParameterMismatch)));
        // Tokens are per tenant.
        let other = fresh(tokens.start("t2", "tok", 8, t0));
        other.settle(false);
        g.settle_at(true, t0);
        assert!(matches!(tokens.start("t1", "tok", 7, t0 + Duration::from_secs(599)), Ok(TokenStart::Replay)));
        assert!(matches!(
            tokens.start("t1", "tok", 8, t0 + Duration::from_secs(599)),
            Err(ApiError::IdempotentParameterMismatch)
        ));
        // Ten minutes after completion the token is new again.
        let again = fresh(tokens.start("t1", "tok", 8, t0 + Duration::from_secs(600)));
        again.settle(true);
        assert!(tokens.lock().expiry.len() == 1, "the expired entry was dropped");
    }

    #[test]
    fn abandoned_tokens_are_kept_only_if_the_writer_accepted() {
        let tokens = ClientTokens::default();
        let now = Instant::now();
        drop(fresh(tokens.start("t", "a", 1, now)));
        fresh(tokens.start("t", "a", 2, now)).settle(false);
        let g = fresh(tokens.start("t", "b", 1, now));
        g.accepted.store(true, Ordering::SeqCst);
        drop(g);
        assert!(matches!(tokens.start("t", "b", 1, now), Ok(TokenStart::Replay)));
    }

    #[test]
    fn stored_tokens_are_adopted_until_they_expire() {
        let tokens = ClientTokens::default();
        let now = Instant::now();
        // A token completed here, expiring in ten minutes, comes first.
        fresh(tokens.start("t", "later", 1, now)).settle_at(true, now);
        // Completed 9 minutes ago by an earlier run: one minute left.
        let stored = StoredToken { completed_millis: 1_000, fingerprint: 5, sizes: Vec::new() };
        let g = fresh(tokens.start("t", "tok", 5, now));
        assert!(g.adopt(stored.clone(), 1_000 + 540_000, now).is_ok(), "a replay");
        assert!(matches!(tokens.start("t", "tok", 5, now), Ok(TokenStart::Replay)), "now known here");
        assert!(matches!(tokens.start("t", "tok", 6, now), Err(ApiError::IdempotentParameterMismatch)));
        // Its own expiry holds though a later-expiring entry is ahead of it.
        drop(fresh(tokens.start("t", "tok", 6, now + Duration::from_secs(61))));
        assert!(matches!(tokens.start("t", "later", 1, now + Duration::from_secs(61)), Ok(TokenStart::Replay)));
        // Another request's stored token is a mismatch.
        let g = fresh(tokens.start("t", "x", 1, now));
        assert!(matches!(g.adopt(stored, 1_000, now), Err(ApiError::IdempotentParameterMismatch)));
        assert!(matches!(tokens.start("t", "x", 5, now), Ok(TokenStart::Replay)));
    }

    #[test]
    fn trimming_spares_tokens_in_use() {
        let tokens = ClientTokens::default();
        let e = storage::MemoryEngine::new();
        let mut b = storage::WriteBatch::new();
        for t in ["old", "reused"] {
            b.put(tokens::key(t), tokens::record(&StoredToken { completed_millis: 0, fingerprint: 1, sizes: Vec::new() }));
        }
        e.write(b).unwrap();
        // "reused" is running again (its record about to be rewritten).
        let g = fresh(tokens.start("t", "reused", 2, Instant::now()));
        assert_eq!(tokens.trim_stored("t", &e, 700_000).unwrap(), 1);
        assert!(e.get(&tokens::key("old")).unwrap().is_none());
        assert!(e.get(&tokens::key("reused")).unwrap().is_some());
        g.settle(false);
        assert_eq!(tokens.trim_stored("t", &e, 700_000).unwrap(), 1);
        assert_eq!(tokens.trim_stored("u", &e, 700_000).unwrap(), 0);
    }

    #[test]
    fn fingerprints_follow_the_request() {
        let a: Value = json!({"TransactItems": [{"Put": {"TableName": "T", "Item": {"id": {"S": "1"}}}}], "ClientRequestToken": "x"});
        let b: Value = json!({"ClientRequestToken": "x", "TransactItems": [{"Put": {"Item": {"id": {"S": "1"}}, "TableName": "T"}}]});
        let c: Value = json!({"ClientRequestToken": "x", "TransactItems": [{"Put": {"Item": {"id": {"S": "2"}}, "TableName": "T"}}]});
        let fp = |v: &Value| fingerprint(v.as_object().unwrap());
        assert_eq!(fp(&a), fp(&b), "member order does not matter");
        assert_ne!(fp(&a), fp(&c));
        // Frozen: stored tokens compare against it after an upgrade.
        assert_eq!(fp(&json!({})), 0x44136fa355b3678a1146ad16f7e8649e);
    }
}
