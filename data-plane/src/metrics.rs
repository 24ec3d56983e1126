//! The data plane's metrics, defined in one place with bounded labels:
//! `operation` is an [`Operation`] name or `unknown`; `outcome` is `ok` or
//! a wire error name.

use ddb_core::{ErrorCode, Operation};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

/// Every series the data plane exports.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("dynastore_requests_total", "DynamoDB API requests by operation and outcome"),
            &["operation", "outcome"],
        )
        .expect("static metric definition is valid");
        // Buckets from 100 µs to 2.5 s: item operations sit in the low
        // milliseconds, long scans and batches reach seconds.
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "dynastore_request_duration_seconds",
                "Time from request received to response ready, by operation",
            )
            .buckets(vec![0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["operation"],
        )
        .expect("static metric definition is valid");
        registry.register(Box::new(requests.clone())).expect("registered once");
        registry.register(Box::new(latency.clone())).expect("registered once");
        Metrics {
            registry,
            requests,
            latency,
        }
    }

    /// Records one request.
    pub fn observe(&self, op: Option<Operation>, error: Option<ErrorCode>, seconds: f64) {
        let op = op.map_or("unknown", Operation::name);
        let outcome = match error {
            None => "ok",
            Some(code) => code.wire_type().rsplit('#').next().unwrap_or("error"),
        };
        self.requests.with_label_values(&[op, outcome]).inc();
        self.latency.with_label_values(&[op]).observe(seconds);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        buf
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
