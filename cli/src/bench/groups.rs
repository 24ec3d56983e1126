//! The target's group commits during a run, read from its `/metrics`
//! before and after (`dynastore_write_group_requests` and
//! `dynastore_write_group_duration_seconds`): how many writes each durable
//! batch carried and how long a batch took from sealing to durable. They
//! tell a disk-bound write workload from a CPU-bound one.

use super::conn::Conn;
use super::conn::Endpoint;

/// Counters read from one scrape, or summed over runs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Groups {
    /// Groups committed.
    pub groups: f64,
    /// Write requests in them.
    pub requests: f64,
    /// Seconds from sealing to durable, summed over the groups.
    pub seconds: f64,
}

impl Groups {
    /// Reads the figures from a Prometheus text exposition; `None` when
    /// the target does not report group commits.
    #[must_use]
    pub fn parse(exposition: &str) -> Option<Groups> {
        let value = |name: &str| {
            exposition.lines().find_map(|l| {
                let rest = l.strip_prefix(name)?.strip_prefix(' ')?;
                rest.trim().parse::<f64>().ok()
            })
        };
        Some(Groups {
            groups: value("dynastore_write_group_requests_count")?,
            requests: value("dynastore_write_group_requests_sum")?,
            seconds: value("dynastore_write_group_duration_seconds_sum")?,
        })
    }

    /// What was committed between `before` and this scrape.
    #[must_use]
    pub fn since(self, before: Groups) -> Groups {
        Groups {
            groups: self.groups - before.groups,
            requests: self.requests - before.requests,
            seconds: self.seconds - before.seconds,
        }
    }

    /// Adds another run's figures.
    pub fn add(&mut self, other: Groups) {
        self.groups += other.groups;
        self.requests += other.requests;
        self.seconds += other.seconds;
    }

    /// Mean writes per group, when any group was committed.
    #[must_use]
    pub fn requests_per_group(&self) -> Option<f64> {
        (self.groups >= 1.0).then(|| self.requests / self.groups)
    }

    /// Mean milliseconds from sealing to durable.
    #[must_use]
    pub fn millis_per_group(&self) -> Option<f64> {
        (self.groups >= 1.0).then(|| self.seconds * 1e3 / self.groups)
    }
}

/// Scrapes the target's group commit counters (`None` if it has none or
/// cannot be reached: the report leaves the cells blank).
pub async fn scrape(endpoint: &Endpoint) -> Option<Groups> {
    let mut conn = Conn::open(endpoint).await.ok()?;
    let text = conn.get_text("/metrics").await.ok()?;
    Groups::parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_series_and_differences() {
        let text = "# HELP x\n\
            dynastore_write_group_requests_bucket{le=\"1\"} 3\n\
            dynastore_write_group_requests_sum 120\n\
            dynastore_write_group_requests_count 30\n\
            dynastore_write_group_duration_seconds_sum 0.006\n\
            dynastore_write_group_duration_seconds_count 30\n";
        let after = Groups::parse(text).expect("series present");
        assert_eq!(after, Groups { groups: 30.0, requests: 120.0, seconds: 0.006 });
        let run = after.since(Groups { groups: 10.0, requests: 20.0, seconds: 0.002 });
        assert_eq!(run.requests_per_group(), Some(5.0));
        let ms = run.millis_per_group().expect("groups");
        assert!((ms - 0.2).abs() < 1e-9, "{ms}");
        assert_eq!(Groups::default().requests_per_group(), None);
        assert_eq!(Groups::parse("dynastore_write_group_requests_sum 1\n"), None);
    }
}
