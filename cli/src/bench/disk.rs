//! How fast the data directory's disk makes a write durable: a short probe
//! run before the workloads, so the report shows the floor under every
//! `sync = always` write. It writes as the storage's write-ahead log does
//! (4 KiB blocks into a zero-filled file, `O_DIRECT | O_DSYNC`; on a file
//! system that refuses `O_DIRECT`, a write and an `fdatasync`): a group
//! commit waits for one such write, on average half of the one before it
//! too.

use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
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
            "durable {APPEND_BYTES}-byte write (O_DIRECT|O_DSYNC into a preallocated file, as the write-ahead log does) on the data directory's disk: p50 {:.3} ms, p99 {:.3} ms ({APPENDS} writes)",
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )
    }
}

/// Writes a zero-filled scratch file in `dir` over again, block by block,
/// each write durable when it returns, and removes the file.
pub fn probe(dir: &Path) -> std::io::Result<SyncLatency> {
    let path = dir.join(".sync-probe");
    let result = (|| {
        let open = |direct: bool| {
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(true)
                .read(true)
                .write(true)
                .custom_flags(if direct { libc::O_DIRECT | libc::O_DSYNC } else { 0 })
                .open(&path)
        };
        // O_DIRECT wants an aligned buffer.
        let mut room = vec![0u8; 2 * APPEND_BYTES];
        let skip = room.as_ptr().align_offset(APPEND_BYTES).min(APPEND_BYTES);
        let page = room.get_mut(skip..skip + APPEND_BYTES).unwrap_or_default();
        let fill = |file: &File, page: &[u8]| -> std::io::Result<()> {
            for i in 0..APPENDS {
                file.write_all_at(page, (i * APPEND_BYTES) as u64)?;
            }
            file.sync_all()
        };
        let (file, direct) = match open(true).and_then(|f| fill(&f, page).map(|()| f)) {
            Ok(f) => (f, true),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                let f = open(false)?;
                fill(&f, page)?;
                (f, false)
            }
            Err(e) => return Err(e),
        };
        page.fill(0x5A);
        let mut took = Vec::with_capacity(APPENDS);
        for i in 0..APPENDS {
            let started = Instant::now();
            file.write_all_at(page, (i * APPEND_BYTES) as u64)?;
            if !direct {
                file.sync_data()?;
            }
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
