//! The bench's output: one Markdown table (readable in a terminal and
//! pasteable into notes) with, per workload and concurrency, the target's
//! throughput, latency percentiles and errors, the ceiling's throughput and
//! p99, and the two ratios checked against the targets
//! (throughput ≥ the workload's fraction of the ceiling; p99 ≤ 2× the
//! ceiling's p99).

use std::fmt::Write as _;
use std::time::Duration;

use super::workload::{RunResult, Workload};

/// Largest acceptable p99 as a multiple of the ceiling's.
pub const P99_TARGET: f64 = 2.0;

/// What the target did in one cell.
#[derive(Debug)]
pub enum Outcome {
    /// Measured.
    Measured(RunResult),
    /// The target does not serve the workload.
    NotAvailable(String),
}

/// One line of the report.
#[derive(Debug)]
pub struct Row {
    /// The workload.
    pub workload: Workload,
    /// Connections.
    pub clients: usize,
    /// The server under test.
    pub target: Outcome,
    /// The ceiling server, same workload and connections.
    pub ceiling: RunResult,
}

fn ms(nanos: u64) -> String {
    format!("{:.3}", nanos as f64 / 1e6)
}

/// `12345.6` → `12,346`.
fn thousands(v: f64) -> String {
    let n = v.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// CPU microseconds per successful request, or blank.
fn per_op(spent: Option<Duration>, ops: u64) -> String {
    match spent {
        Some(d) if ops > 0 => format!("{:.1}", d.as_secs_f64() * 1e6 / ops as f64),
        _ => String::new(),
    }
}

/// The second table: CPU per request of the servers and the generator,
/// for the target (when it runs in this process) and the ceiling, and the
/// target's group commits (writes per durable batch, milliseconds from
/// sealing to durable) when it reports them.
fn render_cpu(rows: &[Row], target_in_process: bool) -> String {
    let mut out = String::from(
        "| workload | conns | server CPU µs/op | generator CPU µs/op | ceiling server CPU µs/op | ceiling generator CPU µs/op | writes per group | group ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let (server, client, groups) = match &row.target {
            Outcome::Measured(r) => (
                per_op(r.cpu.filter(|_| target_in_process).map(|c| c.server), r.ok),
                per_op(r.cpu.map(|c| c.client), r.ok),
                r.groups,
            ),
            Outcome::NotAvailable(_) => (String::new(), String::new(), None),
        };
        let per_group = groups.and_then(|g| g.requests_per_group()).map_or_else(String::new, |n| format!("{n:.1}"));
        let group_ms = groups.and_then(|g| g.millis_per_group()).map_or_else(String::new, |m| format!("{m:.3}"));
        let c = &row.ceiling;
        let _ = writeln!(
            out,
            "| {} | {} | {server} | {client} | {} | {} | {per_group} | {group_ms} |",
            row.workload.label(),
            row.clients,
            per_op(c.cpu.map(|c| c.server), c.ok),
            per_op(c.cpu.map(|c| c.client), c.ok),
        );
    }
    out
}

/// Renders the throughput table, the CPU table and, under them, the first
/// error of any run that had errors. `target_in_process`: the stack runs in
/// this process, so its CPU time can be told apart.
#[must_use]
pub fn render(rows: &[Row], target_in_process: bool) -> String {
    let mut out = String::new();
    out.push_str("| workload | conns | ops/s | p50 ms | p99 ms | p99.9 ms | errors | ceiling ops/s | ceiling p99 ms | ops/s ÷ ceiling (target) | p99 ÷ ceiling p99 (target ≤ 2) |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut notes = Vec::new();
    for row in rows {
        let c = &row.ceiling;
        let c_p99 = c.hist.quantile(0.99);
        let ceiling_cells = format!("{} | {}", thousands(c.ops_per_sec()), ms(c_p99));
        if c.errors > 0 {
            notes.push(format!(
                "{} × {} ceiling: {} errors; first: {}",
                row.workload.label(),
                row.clients,
                c.errors,
                c.first_error.as_deref().unwrap_or("?")
            ));
        }
        match &row.target {
            Outcome::NotAvailable(why) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | not available ({why}) | | | | | {ceiling_cells} | | |",
                    row.workload.label(),
                    row.clients,
                );
            }
            Outcome::Measured(r) => {
                let p99 = r.hist.quantile(0.99);
                let want = row.workload.target_ratio();
                let ratio = if c.ops_per_sec() > 0.0 { r.ops_per_sec() / c.ops_per_sec() } else { 0.0 };
                let p99_ratio = if c_p99 > 0 { p99 as f64 / c_p99 as f64 } else { f64::INFINITY };
                let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {ceiling_cells} | {ratio:.3} (≥ {want:.2}: {}) | {p99_ratio:.2} ({}) |",
                    row.workload.label(),
                    row.clients,
                    thousands(r.ops_per_sec()),
                    ms(r.hist.quantile(0.5)),
                    ms(p99),
                    ms(r.hist.quantile(0.999)),
                    r.errors,
                    verdict(ratio >= want),
                    verdict(p99_ratio <= P99_TARGET),
                );
                if r.errors > 0 {
                    notes.push(format!(
                        "{} × {}: {} errors; first: {}",
                        row.workload.label(),
                        row.clients,
                        r.errors,
                        r.first_error.as_deref().unwrap_or("?")
                    ));
                }
            }
        }
    }
    out.push('\n');
    out.push_str(&render_cpu(rows, target_in_process));
    for n in notes {
        let _ = writeln!(out, "\n- {n}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::cpu::CpuSpent;
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1234.0), "1,234");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(ms(1_500_000), "1.500");
    }

    #[test]
    fn renders_rows() {
        let mut fast = RunResult {
            ok: 1000,
            window: std::time::Duration::from_secs(1),
            ..RunResult::default()
        };
        fast.hist.record(1_000_000);
        let mut slow = RunResult {
            ok: 500,
            window: std::time::Duration::from_secs(1),
            cpu: Some(CpuSpent {
                server: Duration::from_millis(50),
                client: Duration::from_millis(10),
            }),
            groups: Some(crate::bench::groups::Groups {
                groups: 100.0,
                requests: 450.0,
                seconds: 0.015,
            }),
            ..RunResult::default()
        };
        slow.hist.record(3_000_000);
        let rows = vec![
            Row {
                workload: Workload::Get,
                clients: 16,
                target: Outcome::Measured(slow),
                ceiling: fast,
            },
            Row {
                workload: Workload::Query,
                clients: 16,
                target: Outcome::NotAvailable("Query: UnknownOperationException".into()),
                ceiling: RunResult::default(),
            },
        ];
        let text = render(&rows, true);
        assert!(text.contains("| GetItem | 16 | 500 |"), "{text}");
        assert!(text.contains("| GetItem | 16 | 100.0 | 20.0 |  |  | 4.5 | 0.150 |"), "{text}");
        let remote = render(&rows, false);
        assert!(remote.contains("| GetItem | 16 |  | 20.0 |"), "{remote}");
        assert!(text.contains("0.500 (≥ 0.60: MISSED)"), "{text}");
        assert!(text.contains("not available"), "{text}");
    }
}
