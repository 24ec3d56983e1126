//! Liveness, readiness (Postgres reachable) and Prometheus metrics.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use prometheus::{Encoder, IntGauge, Registry, TextEncoder};

use crate::ControlPlane;

/// The control plane's metrics, defined in one place.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    revision: IntGauge,
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let revision = IntGauge::new(
            "dynastore_control_plane_config_revision",
            "Latest committed config revision",
        )
        .expect("static metric definition is valid");
        registry
            .register(Box::new(revision.clone()))
            .expect("metric registered once");
        Metrics { registry, revision }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Health and metrics routes.
pub fn router() -> Router<Arc<ControlPlane>> {
    Router::new()
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
}

async fn ready(State(cp): State<Arc<ControlPlane>>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(&cp.pool).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn metrics(State(cp): State<Arc<ControlPlane>>) -> impl IntoResponse {
    cp.metrics.revision.set(cp.feed.latest());
    let mut buf = Vec::new();
    let encoder = TextEncoder::new();
    if encoder.encode(&cp.metrics.registry.gather(), &mut buf).is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain")], Vec::new());
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], buf)
}
