//! Small plumbing shared by both services: allocator settings, secrets,
//! config loading, shutdown, telemetry, and the control-plane ↔ data-plane contract types.

pub mod allocator;
pub mod config;
pub mod contract;
pub mod runtime;
pub mod secret;
pub mod shutdown;
pub mod telemetry;

pub use secret::Secret;
