//! `dynastore bench`: a load generator that signs requests like an AWS SDK
//! and measures the data plane against a **ceiling** in the same run.
//!
//! Map:
//! - [`signer`]: SigV4 header signing with a per-day signing key cache;
//! - [`conn`]: one hyper HTTP/1.1 keep-alive connection per virtual client,
//!   loopback endpoints only;
//! - [`workload`]: the key space, request bodies, preload, probe and the
//!   closed-loop driver;
//! - [`histogram`]: the log-bucketed latency histogram;
//! - [`cpu`]: CPU time per request of the servers and the generator;
//! - [`disk`]: how long the data directory's disk takes to make a write durable;
//! - [`groups`]: the target's group commits in a run (writes per durable
//!   batch, time to durable), from its `/metrics`;
//! - [`ceiling`]: the bare axum server (parse JSON, fixed reply);
//! - [`stack`]: the whole stack in-process (Postgres, control plane, data
//!   plane with `sync = always`, tenant and root key) unless `--endpoint`;
//! - [`table`]: CreateTable / wait ACTIVE / DeleteTable;
//! - [`report`]: the Markdown table with the ratios to the ceiling;
//! - [`settle`]: waiting, before each run, until the machine is quiet (no
//!   flush or compaction left over from the preload or the previous run).
//!
//! Threads: the servers (stack and ceiling) run on the process's main
//! runtime; the generator runs on its own runtime (`--client-threads`,
//! default 2 workers) so client and servers compete for the cores the way
//! separate processes would, and the ceiling and the data plane are driven
//! under the same conditions. For each concurrency and workload the
//! ceiling and the target take turns for `--rounds` rounds (default 3),
//! each round a warm-up plus `--duration` ÷ rounds on fresh connections,
//! started once the machine is quiet;
//! the rounds add up, so a slow spell of a shared machine weighs on both.

mod ceiling;
mod conn;
mod cpu;
mod disk;
mod groups;
mod histogram;
mod report;
mod settle;
mod signer;
mod stack;
mod table;
mod workload;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;

use conn::Endpoint;
use report::{Outcome, Row};
use signer::Credentials;
use workload::{KeySpace, Probe, RunSpec, Workload};

/// Items per partition, and the Query `Limit`.
const ITEMS_PER_PARTITION: u64 = 10;

/// The data plane's sync policy for the stack the bench starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncPolicy {
    /// fsync before acknowledging every write (the default, and the issue's
    /// condition).
    Always,
    /// fsync at most every 100 ms.
    Interval,
}

/// Flags of `dynastore bench`. The defaults are the conditions.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Drive an already running stack at this URL (loopback only, e.g.
    /// http://127.0.0.1:8000) instead of starting one in-process.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Access key id for --endpoint (ignored otherwise).
    #[arg(long, env = "AWS_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    /// Secret access key for --endpoint (ignored otherwise).
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub secret_access_key: Option<String>,
    /// Region of the signatures.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Workloads to run, in order.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Workload::Put, Workload::Get, Workload::Mixed, Workload::Query])]
    pub workloads: Vec<Workload>,
    /// Concurrent clients (one keep-alive connection each), one pass per value.
    #[arg(long, value_delimiter = ',', default_values_t = [16usize, 64])]
    pub concurrency: Vec<usize>,
    /// Measured time per workload and concurrency (e.g. 10s, 500ms, 1m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Unmeasured warm-up before each measured run.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Rounds per workload and concurrency: the ceiling and the target take
    /// turns, each measured for `--duration` ÷ rounds per round, and the
    /// rounds add up, so a slow spell of a shared machine weighs on both.
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
    /// Number of distinct keys (items), 10 per partition.
    #[arg(long, default_value_t = 100_000)]
    pub keys: u64,
    /// Size of every item in bytes, by DynamoDB's rule (names + values).
    #[arg(long, default_value_t = 1024)]
    pub item_size: usize,
    /// Sync policy of the data plane the bench starts (not with --endpoint).
    #[arg(long, value_enum, default_value_t = SyncPolicy::Always)]
    pub sync: SyncPolicy,
    /// Table to use; default: a fresh `bench-<unix time>`. An existing table
    /// must have the key schema pk (S, hash), sk (S, range).
    #[arg(long)]
    pub table: Option<String>,
    /// Do not delete the table at the end (with --endpoint).
    #[arg(long)]
    pub keep_table: bool,
    /// Do not preload the items (the table already holds them).
    #[arg(long)]
    pub skip_preload: bool,
    /// Worker threads of the generator's runtime.
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
}

/// Parses `10`, `10s`, `500ms`, `2m`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (s.get(..i).unwrap_or(s), s.get(i..).unwrap_or("")),
        None => (s, "s"),
    };
    let n: f64 = num.parse().map_err(|_| format!("not a duration: {s:?} (try 10s or 500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit in {s:?}: use ms, s or m")),
    };
    if !(0.0..=3600.0).contains(&secs) {
        return Err("a duration must be between 0 and 1 hour".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The 1-minute load average (Linux), or `?`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// What the generator does, independent of where the target came from.
#[derive(Debug, Clone)]
struct Plan {
    target: Endpoint,
    ceiling: Endpoint,
    creds: Arc<Credentials>,
    keys: Arc<KeySpace>,
    workloads: Vec<Workload>,
    concurrency: Vec<usize>,
    warmup: Duration,
    duration: Duration,
    rounds: u32,
    preload: bool,
    delete_table: bool,
}

fn validate(args: &BenchArgs) -> anyhow::Result<()> {
    if args.workloads.is_empty() || args.concurrency.is_empty() {
        bail!("--workloads and --concurrency must not be empty");
    }
    if args.concurrency.iter().any(|&c| c == 0 || c > 4096) {
        bail!("--concurrency values must be 1..=4096");
    }
    if args.duration.is_zero() {
        bail!("--duration must be positive");
    }
    if !(1..=100).contains(&args.rounds) {
        bail!("--rounds must be 1..=100");
    }
    if !(1..=64).contains(&args.client_threads) {
        bail!("--client-threads must be 1..=64");
    }
    Ok(())
}

/// Runs the bench and prints the report.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    validate(&args)?;
    let table = match &args.table {
        Some(t) => t.clone(),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            format!("bench-{secs}")
        }
    };
    let keys = Arc::new(KeySpace::new(&table, args.keys, ITEMS_PER_PARTITION, args.item_size)?);
    let runs = args.workloads.len() * args.concurrency.len() * 2;
    let rounds = args.rounds as usize;
    eprintln!(
        "dynastore bench: {} workloads × {:?} connections, {runs} runs of {:?} in {rounds} rounds, each after {:?} warm-up (~{} s), {} cores",
        args.workloads.len(),
        args.concurrency,
        args.duration,
        args.warmup,
        (args.duration.as_secs_f64() + args.warmup.as_secs_f64() * rounds as f64).ceil() as usize * runs,
        std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1),
    );

    let load_before = load_average();
    let ceiling = ceiling::Ceiling::start().await?;
    let target_in_process = args.endpoint.is_none();
    let mut sync_latency = None;
    let (target, creds, stack, description) = match &args.endpoint {
        Some(url) => {
            let endpoint = Endpoint::parse(url).await?;
            let (Some(id), Some(secret)) = (&args.access_key_id, &args.secret_access_key) else {
                bail!("--endpoint needs --access-key-id and --secret-access-key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
            };
            let creds = Credentials {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
                region: args.region.clone(),
            };
            (endpoint, creds, None, format!("the stack at {url}"))
        }
        None => {
            let sync = match args.sync {
                SyncPolicy::Always => "always",
                SyncPolicy::Interval => "interval",
            };
            eprintln!("starting PostgreSQL, the control plane and the data plane (sync = {sync}) ...");
            let stack = stack::Stack::start(sync, &args.region).await?;
            let endpoint = Endpoint::local(stack.addr);
            let creds = stack.creds.clone();
            let dir = stack.dir().to_path_buf();
            sync_latency = match tokio::task::spawn_blocking(move || disk::probe(&dir)).await {
                Ok(Ok(lat)) => Some(lat),
                Ok(Err(e)) => {
                    eprintln!("warning: the disk sync probe failed: {e}");
                    None
                }
                Err(_) => None,
            };
            (endpoint, creds, Some(stack), format!("an in-process stack, sync = {sync}"))
        }
    };
    creds.validate()?;
    let plan = Plan {
        target,
        ceiling: Endpoint::local(ceiling.addr),
        creds: Arc::new(creds),
        keys,
        workloads: args.workloads.clone(),
        concurrency: args.concurrency.clone(),
        warmup: args.warmup,
        duration: args.duration,
        rounds: args.rounds,
        preload: !args.skip_preload,
        delete_table: stack.is_none() && !args.keep_table,
    };
    let threads = args.client_threads;
    let generator = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Row>> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(cpu::CLIENT_THREAD)
            .enable_all()
            .build()
            .context("starting the generator's runtime")?;
        rt.block_on(drive(plan))
    })
    .await;

    // Tear down whatever happened, then report.
    let stopped_stack = match stack {
        Some(s) => s.stop().await,
        None => Ok(()),
    };
    let stopped_ceiling = tokio::time::timeout(Duration::from_secs(10), ceiling.stop()).await;
    let rows = generator.context("the generator thread failed")??;
    println!(
        "\nTarget: {description}. Ceiling: bare axum server parsing the JSON body. {} items of {} bytes ({} partitions × {ITEMS_PER_PARTITION}); {:?} measured per run in {} alternating rounds, each started once the machine was quiet (no flush or compaction left from the preload or the previous run) and after {:?} warm-up; generator on {threads} threads; {} cores shared; 1-minute load average {} before, {} after (other work on the machine skews every figure).\n",
        args.keys,
        args.item_size,
        args.keys / ITEMS_PER_PARTITION,
        args.duration,
        args.rounds,
        args.warmup,
        std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1),
        load_before,
        load_average(),
    );
    if let Some(lat) = sync_latency {
        println!("{lat}.\n");
    }
    println!("{}", report::render(&rows, target_in_process));
    stopped_stack.context("stopping the stack")?;
    if stopped_ceiling.is_err() {
        eprintln!("warning: the ceiling server did not stop within 10 s");
    }
    Ok(())
}

/// The generator's whole job, on its own runtime.
async fn drive(plan: Plan) -> anyhow::Result<Vec<Row>> {
    let created = table::create(&plan.target, &plan.creds, &plan.keys.table).await?;
    eprintln!("table {} {}", plan.keys.table, if created == table::Created::New { "created" } else { "exists" });
    let result = drive_table(&plan).await;
    if plan.delete_table && created == table::Created::New {
        if let Err(e) = table::delete(&plan.target, &plan.creds, &plan.keys.table).await {
            eprintln!("warning: {e:#}");
        }
    }
    result
}

async fn drive_table(plan: &Plan) -> anyhow::Result<Vec<Row>> {
    // PutItem overwrites preloaded items, as in a full run: a PutItem-only
    // run that skipped the preload would measure inserts instead.
    if plan.preload {
        let clients = plan.concurrency.iter().copied().max().unwrap_or(16);
        eprintln!("preloading {} items with {clients} connections ...", plan.keys.keys);
        let took = workload::preload(&plan.target, &plan.creds, &plan.keys, clients).await?;
        eprintln!(
            "preloaded in {:.1} s ({:.0} PutItem/s)",
            took.as_secs_f64(),
            plan.keys.keys as f64 / took.as_secs_f64().max(1e-9)
        );
    }
    let mut probes = Vec::new();
    for &w in &plan.workloads {
        let p = workload::probe(&plan.target, &plan.creds, &plan.keys, w)
            .await
            .with_context(|| format!("checking the {} workload against the target", w.label()))?;
        if let Probe::NotAvailable(why) = &p {
            eprintln!("{}: not available ({why})", w.label());
        }
        probes.push((w, p));
    }
    let mut rows = Vec::new();
    for &clients in &plan.concurrency {
        for (w, probe) in &probes {
            let spec = |endpoint: &Endpoint| RunSpec {
                endpoint: endpoint.clone(),
                creds: Arc::clone(&plan.creds),
                workload: *w,
                clients,
                warmup: plan.warmup,
                duration: plan.duration / plan.rounds.max(1),
            };
            // The ceiling and the target take turns, so both see the
            // machine's slow and fast spells.
            let mut ceiling: Option<workload::RunResult> = None;
            let mut measured: Option<workload::RunResult> = None;
            for _ in 0..plan.rounds.max(1) {
                note_wait(settle::wait().await);
                let c = workload::run(&spec(&plan.ceiling), &plan.keys).await?;
                add_round(&mut ceiling, c);
                if let Probe::Available = probe {
                    note_wait(settle::wait().await);
                    let before = groups::scrape(&plan.target).await;
                    let mut r = workload::run(&spec(&plan.target), &plan.keys).await?;
                    r.groups = match (before, groups::scrape(&plan.target).await) {
                        (Some(b), Some(a)) => Some(a.since(b)),
                        _ => None,
                    };
                    add_round(&mut measured, r);
                }
            }
            let ceiling = ceiling.unwrap_or_default();
            eprintln!(
                "{:>11} × {clients:>3}: ceiling {:>9.0} ops/s, p99 {:.3} ms",
                w.label(),
                ceiling.ops_per_sec(),
                ceiling.hist.quantile(0.99) as f64 / 1e6
            );
            let target = match (probe, measured) {
                (Probe::NotAvailable(why), _) => Outcome::NotAvailable(why.clone()),
                (Probe::Available, r) => {
                    let r = r.unwrap_or_default();
                    eprintln!(
                        "{:>11} × {clients:>3}: target  {:>9.0} ops/s, p99 {:.3} ms, {} errors",
                        w.label(),
                        r.ops_per_sec(),
                        r.hist.quantile(0.99) as f64 / 1e6,
                        r.errors
                    );
                    Outcome::Measured(r)
                }
            };
            rows.push(Row {
                workload: *w,
                clients,
                target,
                ceiling,
            });
        }
    }
    Ok(rows)
}

/// Says when a run had to wait long for the machine to become quiet.
fn note_wait(waited: Duration) {
    if waited >= settle::MAX_WAIT {
        eprintln!("warning: the machine was not quiet after {waited:.0?}; measuring anyway");
    } else if waited >= Duration::from_secs(3) {
        eprintln!("waited {:.1} s for background work (flush, compaction) to finish", waited.as_secs_f64());
    }
}

/// Adds a round to what the earlier rounds measured.
fn add_round(total: &mut Option<workload::RunResult>, round: workload::RunResult) {
    match total {
        Some(t) => t.add_round(round),
        None => *total = Some(round),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("x").is_err());
        assert!(parse_duration("2000m").is_err());
    }
}
