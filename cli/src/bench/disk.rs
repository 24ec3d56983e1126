//! How fast the data directory's disk makes a write durable: a short
//! `fdatasync` probe run before the workloads, so the report shows the
//! floor under every `sync = always` write (a group commit waits for one
//! fdatasync, on average half of the one before it too).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// Appends written and synced by the probe.
const APPENDS: usize = 200;

/// Bytes per append: one page, like a small commit group.
const APPEND_BYTES: usize = 4096;

/// The probe's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncLatency {
    pub p50: Duration,
    pub p99: Duration,
}

impl std::fmt::Display for SyncLatency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fdatasync of a {APPEND_BYTES}-byte append on the data directory's disk: p50 {:.3} ms, p99 {:.3} ms ({APPENDS} appends)",
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )
    }
}

/// Appends to a scratch file in `dir`, each append followed by
/// `fdatasync`, and removes the file.
pub fn probe(dir: &Path) -> std::io::Result<SyncLatency> {
    let path = dir.join(".fdatasync-probe");
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        let page = [0x5Au8; APPEND_BYTES];
        let mut took = Vec::with_capacity(APPENDS);
        for _ in 0..APPENDS {
            file.write_all(&page)?;
            let started = Instant::now();
            file.sync_data()?;
            took.push(started.elapsed());
        }
        Ok(quantiles(took))
    })();
    let _ = std::fs::remove_file(&path);
    result
}

/// p50 and p99 of `samples` (not empty).
fn quantiles(mut samples: Vec<Duration>) -> SyncLatency {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or_default()
    };
    SyncLatency { p50: at(0.50), p99: at(0.99) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_the_ranked_samples() {
        let ms = |n: u64| Duration::from_millis(n);
        let q = quantiles((1..=100).rev().map(ms).collect());
        assert_eq!(q.p50, ms(51));
        assert_eq!(q.p99, ms(99));
    }

    #[test]
    fn the_probe_measures_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let lat = probe(dir.path()).unwrap();
        assert!(lat.p50 <= lat.p99);
        assert!(lat.p99 > Duration::ZERO);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the scratch file is removed");
    }
}
