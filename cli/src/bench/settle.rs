//! Waiting for a quiet machine before each measured run.
//!
//! A bulk load leaves the storage engine work to do after the last write
//! is acknowledged (memtables to flush, table files to compact), and so
//! does a write workload. Measured right away, the next run (the ceiling
//! or the target, reads or writes) would share the cores with the previous
//! run's background work and be charged for it. So every run starts only
//! once the whole machine has been nearly idle for a moment: the
//! generator is idle then, and the servers run on this machine (loopback
//! only), so what is left is their background work. After [`MAX_WAIT`]
//! the run starts anyway (something else keeps the machine busy).
//!
//! Linux only (`/proc/stat`); elsewhere runs start at once.

use std::time::{Duration, Instant};

/// How often the machine's CPU time is sampled.
const SAMPLE: Duration = Duration::from_millis(250);
/// Consecutive quiet samples that make the machine quiet.
const QUIET_SAMPLES: u32 = 4;
/// Busy CPU time, as a fraction of one core, under which a sample is quiet.
const QUIET_CORE_FRACTION: f64 = 0.08;
/// The longest wait before a run.
pub const MAX_WAIT: Duration = Duration::from_secs(90);

/// Busy and total CPU time of the whole machine, in `/proc/stat` ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ticks {
    busy: u64,
    total: u64,
}

/// The aggregate `cpu` line of `/proc/stat`: busy is everything but idle
/// and iowait.
fn parse(stat: &str) -> Option<Ticks> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line.split_whitespace().skip(1).map_while(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest times are
    // already inside user and nice).
    let get = |i: usize| fields.get(i).copied().unwrap_or(0);
    if fields.len() < 4 {
        return None;
    }
    let idle = get(3) + get(4);
    let total: u64 = (0..8).map(get).sum();
    Some(Ticks {
        busy: total.saturating_sub(idle),
        total,
    })
}

fn sample() -> Option<Ticks> {
    parse(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// True when the machine used less than [`QUIET_CORE_FRACTION`] of a core
/// between two samples of `cores` cores.
fn quiet(from: Ticks, to: Ticks, cores: usize) -> bool {
    let total = to.total.saturating_sub(from.total);
    if total == 0 {
        return false;
    }
    let busy = to.busy.saturating_sub(from.busy) as f64 / total as f64;
    busy * cores as f64 <= QUIET_CORE_FRACTION
}

/// Waits until the machine is quiet (or [`MAX_WAIT`] has passed) and says
/// how long that took.
pub async fn wait() -> Duration {
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1);
    let Some(mut last) = sample() else {
        return Duration::ZERO;
    };
    let mut quiet_in_a_row = 0;
    while quiet_in_a_row < QUIET_SAMPLES && started.elapsed() < MAX_WAIT {
        tokio::time::sleep(SAMPLE).await;
        let Some(now) = sample() else {
            break;
        };
        quiet_in_a_row = if quiet(last, now, cores) { quiet_in_a_row + 1 } else { 0 };
        last = now;
    }
    started.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregate_line_is_read() {
        let stat = "cpu  100 5 50 1000 20 3 7 0 0 0\ncpu0 50 2 25 500 10 1 3 0 0 0\nintr 1 2\n";
        assert_eq!(parse(stat), Some(Ticks { busy: 165, total: 1185 }));
        assert_eq!(parse("intr 1 2\n"), None);
    }

    #[test]
    fn quiet_means_a_small_fraction_of_a_core() {
        let a = Ticks { busy: 0, total: 0 };
        // 2 cores, 50 ticks each: 3 busy ticks is 0.06 of a core.
        assert!(quiet(a, Ticks { busy: 3, total: 100 }, 2));
        // 10 busy ticks is a fifth of a core: a compaction running.
        assert!(!quiet(a, Ticks { busy: 10, total: 100 }, 2));
        assert!(!quiet(a, a, 2));
    }

    #[test]
    fn this_machine_can_be_sampled() {
        let s = sample().expect("/proc/stat is readable on Linux");
        assert!(s.busy <= s.total);
    }
}
