//! CPU time per request, split between the generator and the servers.
//!
//! Throughput on a shared 2-core machine moves ±20 % from run to run with
//! whatever else the machine does; the CPU a request costs moves much less,
//! so the report shows it beside the throughput. Both servers (the stack
//! and the ceiling) run in this process and the generator on its own
//! threads (`bench-client`), so: server time = the process's user + system
//! time (which keeps the time of threads that have exited) minus the time
//! of the generator's threads. Linux only (`/proc`); elsewhere there is no
//! figure.

use std::time::Duration;

/// Name prefix of the generator's runtime threads.
pub const CLIENT_THREAD: &str = "bench-client";

/// `/proc` reports CPU time in units of USER_HZ, which is 100 on every
/// Linux architecture the kernel exports to user space.
const USER_HZ: u64 = 100;

/// Cumulative CPU time of the process and of the generator's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuSample {
    process: u64,
    client: u64,
}

/// CPU spent between two samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuSpent {
    /// The servers' threads (everything but the generator).
    pub server: Duration,
    /// The generator's threads.
    pub client: Duration,
}

impl CpuSample {
    /// Reads the process's and the generator's CPU time so far.
    #[must_use]
    pub fn now() -> Option<CpuSample> {
        let process = ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?.1;
        let mut client = 0;
        for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue; // the thread exited meanwhile
            };
            if let Some((comm, t)) = ticks(&stat) {
                if comm.starts_with(CLIENT_THREAD) {
                    client += t;
                }
            }
        }
        Some(CpuSample { process, client })
    }

    /// What was spent from `self` to `later`.
    #[must_use]
    pub fn until(&self, later: &CpuSample) -> CpuSpent {
        let client = later.client.saturating_sub(self.client);
        let process = later.process.saturating_sub(self.process);
        CpuSpent {
            server: from_ticks(process.saturating_sub(client)),
            client: from_ticks(client),
        }
    }
}

fn from_ticks(t: u64) -> Duration {
    Duration::from_millis(t * 1000 / USER_HZ)
}

/// The command name and utime + stime of one `stat` line
/// (`pid (comm) state ppid … utime stime …`; comm may hold spaces and
/// parentheses, so the fields are counted from its last `)`).
fn ticks(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    // After ")": state is field 3; utime and stime are fields 14 and 15.
    let mut fields = stat.get(close + 1..)?.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((comm, utime + stime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_are_parsed_after_the_last_parenthesis() {
        let line = "4242 (bench-client) S 1 2 3 4 5 6 7 8 9 10 123 45 0 0 20 0 2 0";
        assert_eq!(ticks(line), Some(("bench-client", 168)));
        let odd = "7 (a) b (c)) R 1 2 3 4 5 6 7 8 9 10 5 6 0";
        assert_eq!(ticks(odd), Some(("a) b (c)", 11)));
        assert_eq!(ticks("7 (x) R 1 2"), None);
    }

    #[test]
    fn the_servers_get_what_the_generator_did_not_use() {
        let a = CpuSample { process: 100, client: 40 };
        let b = CpuSample { process: 350, client: 90 };
        let spent = a.until(&b);
        assert_eq!(spent.client, Duration::from_millis(500));
        assert_eq!(spent.server, Duration::from_millis(2000));
    }

    #[test]
    fn this_process_can_be_sampled() {
        let s = CpuSample::now().expect("/proc/self/stat is readable on Linux");
        assert!(s.process >= s.client);
    }
}
