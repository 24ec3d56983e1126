//! The workloads and the closed-loop driver that runs them.
//!
//! The key space is `keys` items split into partitions of
//! `items_per_partition` (100,000 keys = 10,000 partitions × 10 items), so
//! one preload serves GetItem (any key) and Query (any partition, which
//! then holds exactly 10 items of the item size). Keys are fixed-width
//! (`pk` = `p` + 8 digits, `sk` = `s` + 2 digits) so every item has the same
//! DynamoDB size: the `data` string is padded to make the item exactly
//! `item_size` bytes by DynamoDB's rule (names plus values).
//!
//! [`run`] opens one connection per virtual client, then every client sends
//! its next request as soon as the previous reply is read (closed loop)
//! until the deadline. Requests started during the warm-up are sent but not
//! counted; a request counts (throughput, histogram or errors) when it
//! started inside the measured window. Latency excludes building and
//! signing the request, and includes reading the whole reply.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;

use super::conn::{Conn, Endpoint};
use super::cpu::{CpuSample, CpuSpent};
use super::histogram::Histogram;
use super::signer::{Credentials, Signer};

/// `X-Amz-Target` values.
pub const PUT_ITEM: &str = "DynamoDB_20120810.PutItem";
pub const GET_ITEM: &str = "DynamoDB_20120810.GetItem";
pub const QUERY: &str = "DynamoDB_20120810.Query";

/// One benchmark workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// PutItem of a random key (overwrites a preloaded item).
    Put,
    /// GetItem of a random preloaded key (eventually consistent).
    Get,
    /// 50 % GetItem, 50 % PutItem, chosen at random per request.
    Mixed,
    /// Query of a random partition: `pk = :p`, Limit 10.
    Query,
}

impl Workload {
    /// Name in the report.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Workload::Put => "PutItem",
            Workload::Get => "GetItem",
            Workload::Mixed => "Mixed 50/50",
            Workload::Query => "Query",
        }
    }

    /// The issue's throughput target as a fraction of the ceiling.
    #[must_use]
    pub fn target_ratio(self) -> f64 {
        match self {
            Workload::Put => 0.4,
            Workload::Get => 0.6,
            Workload::Mixed => 0.45,
            Workload::Query => 0.25,
        }
    }
}

/// The table and its keys.
#[derive(Debug, Clone)]
pub struct KeySpace {
    /// Table name (already JSON-safe: `[A-Za-z0-9_.-]`).
    pub table: String,
    /// Number of items.
    pub keys: u64,
    /// Items per partition (and the Query `Limit`).
    pub per_partition: u64,
    /// Padding that makes an item `item_size` bytes.
    filler: String,
}

/// Length of the `pk` value, `p` + 8 digits.
const PK_LEN: usize = 9;
/// Length of the `sk` value, `s` + 2 digits.
const SK_LEN: usize = 3;

impl KeySpace {
    /// A key space; fails if the sizes cannot be honoured.
    pub fn new(table: &str, keys: u64, per_partition: u64, item_size: usize) -> anyhow::Result<KeySpace> {
        if per_partition == 0 || per_partition > 100 {
            bail!("items per partition must be 1..=100");
        }
        if keys < per_partition || !keys.is_multiple_of(per_partition) {
            bail!("--keys must be a positive multiple of {per_partition}");
        }
        if keys / per_partition > 100_000_000 {
            bail!("--keys is too large (at most 100,000,000 partitions)");
        }
        if !table.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) || !(3..=255).contains(&table.len()) {
            bail!("the table name must be 3-255 characters of [A-Za-z0-9_.-]");
        }
        // Item size by DynamoDB's rule: attribute names plus values.
        let fixed = "pk".len() + PK_LEN + "sk".len() + SK_LEN + "data".len();
        let Some(pad) = item_size.checked_sub(fixed) else {
            bail!("--item-size must be at least {fixed} bytes");
        };
        if item_size > 400 * 1024 {
            bail!("--item-size must be at most 400 KB");
        }
        // Printable, JSON-safe, and not trivially compressible.
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let filler: String = (0..pad)
            .map(|i| char::from(ALPHABET.get((i * 7 + i / 62) % ALPHABET.len()).copied().unwrap_or(b'x')))
            .collect();
        Ok(KeySpace {
            table: table.to_owned(),
            keys,
            per_partition,
            filler,
        })
    }

    /// Number of partitions.
    #[must_use]
    pub fn partitions(&self) -> u64 {
        self.keys / self.per_partition
    }

    fn key_json(&self, out: &mut String, key: u64) {
        let p = key / self.per_partition;
        let s = key % self.per_partition;
        let _ = write!(out, r#""pk":{{"S":"p{p:08}"}},"sk":{{"S":"s{s:02}"}}"#);
    }

    /// PutItem body for item `key`; `stamp` varies the first bytes of the
    /// payload so successive writes differ.
    #[must_use]
    pub fn put_body(&self, key: u64, stamp: u64) -> Bytes {
        let mut out = String::with_capacity(self.filler.len() + 128);
        let _ = write!(out, r#"{{"TableName":"{}","Item":{{"#, self.table);
        self.key_json(&mut out, key);
        out.push_str(r#","data":{"S":""#);
        // Overwrite the filler's first 16 characters with the stamp, same length.
        let stamp = format!("{stamp:016x}");
        if self.filler.len() >= stamp.len() {
            out.push_str(&stamp);
            out.push_str(self.filler.get(stamp.len()..).unwrap_or_default());
        } else {
            out.push_str(&self.filler);
        }
        out.push_str(r#""}}}"#);
        Bytes::from(out)
    }

    /// GetItem body for item `key`.
    #[must_use]
    pub fn get_body(&self, key: u64) -> Bytes {
        let mut out = String::with_capacity(96);
        let _ = write!(out, r#"{{"TableName":"{}","Key":{{"#, self.table);
        self.key_json(&mut out, key);
        out.push_str("}}");
        Bytes::from(out)
    }

    /// Query body for partition `partition`.
    #[must_use]
    pub fn query_body(&self, partition: u64) -> Bytes {
        Bytes::from(format!(
            r#"{{"TableName":"{}","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{{":p":{{"S":"p{partition:08}"}}}},"Limit":{}}}"#,
            self.table, self.per_partition
        ))
    }

    /// The next request of `workload`: target and body.
    fn request(&self, workload: Workload, rng: &mut Rng, stamp: u64) -> (&'static str, Bytes) {
        let key = rng.below(self.keys);
        match workload {
            Workload::Put => (PUT_ITEM, self.put_body(key, stamp)),
            Workload::Get => (GET_ITEM, self.get_body(key)),
            Workload::Mixed => {
                if rng.next() & 1 == 0 {
                    (GET_ITEM, self.get_body(key))
                } else {
                    (PUT_ITEM, self.put_body(key, stamp))
                }
            }
            Workload::Query => (QUERY, self.query_body(rng.below(self.partitions()))),
        }
    }
}

/// SplitMix64: tiny, fast, and good enough to pick keys.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// What one run is.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Where to send.
    pub endpoint: Endpoint,
    /// Who signs.
    pub creds: Arc<Credentials>,
    /// What to send.
    pub workload: Workload,
    /// Virtual clients = connections.
    pub clients: usize,
    /// Sent but not counted.
    pub warmup: Duration,
    /// Counted.
    pub duration: Duration,
}

/// What one run measured.
#[derive(Debug, Default)]
pub struct RunResult {
    /// Successful requests in the window.
    pub ok: u64,
    /// Failed requests (non-2xx or transport error) in the window.
    pub errors: u64,
    /// Latency of the successful requests.
    pub hist: Histogram,
    /// The counted window.
    pub window: Duration,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
    /// CPU the servers and the generator spent in the window (Linux).
    pub cpu: Option<CpuSpent>,
    /// The target's group commits over the run, warm-up included (when it
    /// reports them).
    pub groups: Option<super::groups::Groups>,
}

impl RunResult {
    /// Successful requests per second.
    #[must_use]
    pub fn ops_per_sec(&self) -> f64 {
        let secs = self.window.as_secs_f64();
        if secs > 0.0 {
            self.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// Adds another round of the same workload and concurrency: counts,
    /// latencies, windows and CPU add up.
    pub fn add_round(&mut self, other: RunResult) {
        self.window += other.window;
        self.cpu = match (self.cpu, other.cpu) {
            (Some(a), Some(b)) => Some(CpuSpent {
                server: a.server + b.server,
                client: a.client + b.client,
            }),
            _ => None,
        };
        self.groups = match (self.groups, other.groups) {
            (Some(mut a), Some(b)) => {
                a.add(b);
                Some(a)
            }
            _ => None,
        };
        self.merge(other);
    }

    fn merge(&mut self, other: RunResult) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.hist.merge(&other.hist);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// Runs one workload at one concurrency.
pub async fn run(spec: &RunSpec, keys: &Arc<KeySpace>) -> anyhow::Result<RunResult> {
    let mut conns = Vec::with_capacity(spec.clients);
    for _ in 0..spec.clients {
        conns.push(Conn::open(&spec.endpoint).await?);
    }
    let start = Instant::now();
    let measure_from = start + spec.warmup;
    let until = measure_from + spec.duration;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x5EED);
    let mut tasks = Vec::with_capacity(spec.clients);
    for (i, conn) in conns.into_iter().enumerate() {
        let keys = Arc::clone(keys);
        let spec = spec.clone();
        let rng = Rng(seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        tasks.push(tokio::spawn(client_loop(conn, spec, keys, rng, measure_from, until)));
    }
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        let from = CpuSample::now();
        tokio::time::sleep_until(until.into()).await;
        from.zip(CpuSample::now()).map(|(a, b)| a.until(&b))
    });
    let mut total = RunResult {
        window: spec.duration,
        ..RunResult::default()
    };
    for t in tasks {
        total.merge(t.await.context("a client task failed")?);
    }
    total.cpu = cpu.await.ok().flatten();
    Ok(total)
}

async fn client_loop(
    mut conn: Conn,
    spec: RunSpec,
    keys: Arc<KeySpace>,
    mut rng: Rng,
    measure_from: Instant,
    until: Instant,
) -> RunResult {
    let mut signer = Signer::new(Arc::clone(&spec.creds));
    let mut out = RunResult::default();
    let mut stamp = rng.next();
    loop {
        let now = Instant::now();
        if now >= until {
            break;
        }
        let counted = now >= measure_from;
        stamp = stamp.wrapping_add(1);
        let (target, body) = keys.request(spec.workload, &mut rng, stamp);
        match conn.call(&mut signer, target, body).await {
            Ok(reply) if reply.status == 200 => {
                if counted {
                    out.ok += 1;
                    out.hist.record(u64::try_from(reply.elapsed.as_nanos()).unwrap_or(u64::MAX));
                }
            }
            Ok(reply) => {
                if counted {
                    out.errors += 1;
                    if out.first_error.is_none() {
                        out.first_error = Some(format!("{target}: {}", reply.describe()));
                    }
                }
            }
            Err(e) => {
                if counted {
                    out.errors += 1;
                }
                if out.first_error.is_none() {
                    out.first_error = Some(format!("{target}: {e:#}"));
                }
                // The connection is unusable; reconnect, pausing so a dead
                // server does not turn into a busy loop.
                tokio::time::sleep(Duration::from_millis(10)).await;
                match Conn::open(&spec.endpoint).await {
                    Ok(c) => conn = c,
                    Err(_) => continue,
                }
            }
        }
    }
    out
}

/// Writes every item of `keys` with `clients` parallel connections;
/// returns the time it took. A failed write is retried a few times, then
/// the preload fails.
pub async fn preload(endpoint: &Endpoint, creds: &Arc<Credentials>, keys: &Arc<KeySpace>, clients: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients.max(1) {
        let mut conn = Conn::open(endpoint).await?;
        let next = Arc::clone(&next);
        let keys = Arc::clone(keys);
        let endpoint = endpoint.clone();
        let mut signer = Signer::new(Arc::clone(creds));
        tasks.push(tokio::spawn(async move {
            loop {
                let key = next.fetch_add(1, Ordering::Relaxed);
                if key >= keys.keys {
                    return Ok::<(), anyhow::Error>(());
                }
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let last = match conn.call(&mut signer, PUT_ITEM, keys.put_body(key, key)).await {
                        Ok(r) if r.status == 200 => break,
                        Ok(r) => r.describe(),
                        Err(e) => {
                            conn = Conn::open(&endpoint).await?;
                            format!("{e:#}")
                        }
                    };
                    if attempt >= 5 {
                        bail!("preloading item {key} failed 5 times; last: {last}");
                    }
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.context("a preload task failed")??;
    }
    Ok(started.elapsed())
}

/// Whether the target serves a workload.
#[derive(Debug)]
pub enum Probe {
    /// Answers correctly.
    Available,
    /// The server does not implement an operation the workload needs.
    NotAvailable(String),
}

/// Sends each request kind of `workload` once and checks the answer: a
/// GetItem returns the preloaded item, a Query returns the partition's
/// items. `UnknownOperationException` means "not available"; any other
/// failure is an error.
pub async fn probe(endpoint: &Endpoint, creds: &Arc<Credentials>, keys: &KeySpace, workload: Workload) -> anyhow::Result<Probe> {
    let mut conn = Conn::open(endpoint).await?;
    let mut signer = Signer::new(Arc::clone(creds));
    let key = keys.keys / 2 + 1;
    let partition = key / keys.per_partition;
    let calls: Vec<(&'static str, Bytes)> = match workload {
        Workload::Put => vec![(PUT_ITEM, keys.put_body(key, key))],
        Workload::Get => vec![(GET_ITEM, keys.get_body(key))],
        Workload::Mixed => vec![(PUT_ITEM, keys.put_body(key, key)), (GET_ITEM, keys.get_body(key))],
        Workload::Query => vec![(QUERY, keys.query_body(partition))],
    };
    for (target, body) in calls {
        let reply = conn.call(&mut signer, target, body).await?;
        if reply.status != 200 {
            if reply.error_type().as_deref() == Some("UnknownOperationException") {
                let op = target.rsplit('.').next().unwrap_or(target);
                return Ok(Probe::NotAvailable(format!("{op}: UnknownOperationException")));
            }
            bail!("{target} failed: {}", reply.describe());
        }
        let v: serde_json::Value = serde_json::from_slice(&reply.body).with_context(|| format!("{target} answered invalid JSON"))?;
        match target {
            GET_ITEM if v.pointer("/Item/data/S").and_then(serde_json::Value::as_str).is_none() => {
                bail!("GetItem of a preloaded key returned no item: {}", reply.describe());
            }
            QUERY => {
                let count = v.get("Count").and_then(serde_json::Value::as_u64);
                let items = v.get("Items").and_then(serde_json::Value::as_array).map(Vec::len);
                let want = keys.per_partition;
                if count != Some(want) || items != usize::try_from(want).ok() {
                    bail!("Query of a preloaded partition returned {count:?} items, expected {want}");
                }
            }
            _ => {}
        }
    }
    Ok(Probe::Available)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_exactly_item_size() {
        let ks = KeySpace::new("bench", 100_000, 10, 1024).expect("valid");
        assert_eq!(ks.partitions(), 10_000);
        for key in [0, 9, 10, 99_999] {
            let body = ks.put_body(key, 42);
            let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
            let item = v.get("Item").and_then(serde_json::Value::as_object).expect("item");
            let size: usize = item
                .iter()
                .map(|(name, value)| {
                    name.len()
                        + value
                            .get("S")
                            .and_then(serde_json::Value::as_str)
                            .map(str::len)
                            .expect("string attribute")
                })
                .sum();
            assert_eq!(size, 1024, "key {key}");
        }
        let v: serde_json::Value = serde_json::from_slice(&ks.put_body(12_345, 7)).expect("json");
        assert_eq!(v.pointer("/Item/pk/S").and_then(|x| x.as_str()), Some("p00001234"));
        assert_eq!(v.pointer("/Item/sk/S").and_then(|x| x.as_str()), Some("s05"));
    }

    #[test]
    fn bodies_are_json() {
        let ks = KeySpace::new("bench-1", 100, 10, 200).expect("valid");
        let get: serde_json::Value = serde_json::from_slice(&ks.get_body(37)).expect("json");
        assert_eq!(get.pointer("/Key/pk/S").and_then(|x| x.as_str()), Some("p00000003"));
        assert_eq!(get.pointer("/Key/sk/S").and_then(|x| x.as_str()), Some("s07"));
        let q: serde_json::Value = serde_json::from_slice(&ks.query_body(3)).expect("json");
        assert_eq!(q.get("KeyConditionExpression").and_then(|x| x.as_str()), Some("pk = :p"));
        assert_eq!(q.pointer("/ExpressionAttributeValues/:p/S").and_then(|x| x.as_str()), Some("p00000003"));
        assert_eq!(q.get("Limit").and_then(serde_json::Value::as_u64), Some(10));
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(KeySpace::new("bench", 105, 10, 1024).is_err());
        assert!(KeySpace::new("bench", 100, 10, 10).is_err());
        assert!(KeySpace::new("b\"x", 100, 10, 1024).is_err());
    }

    #[test]
    fn rng_is_in_range() {
        let mut r = Rng(1);
        for _ in 0..10_000 {
            assert!(r.below(10) < 10);
        }
    }
}
