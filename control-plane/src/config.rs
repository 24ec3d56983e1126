//! The control plane's one config struct, loaded from an optional JSON file
//! then `DYNASTORE_CP_*` environment variables (see `dynastore_common::config`).

use std::time::Duration;

use base64::Engine;
use dynastore_common::Secret;
use serde::Deserialize;

use crate::crypto::MasterKey;

/// Control-plane settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Postgres URL, e.g. `postgres://user@host:5432/dynastore`.
    pub database_url: Secret,
    /// Address the admin and internal API listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Bearer token data planes present on the internal API.
    pub internal_token: Secret,
    /// 32-byte master key (base64 or 64 hex digits) encrypting access-key
    /// secrets at rest.
    pub master_key: Secret,
    /// Longest a change long-poll waits before answering empty, in seconds.
    #[serde(default = "default_long_poll")]
    pub long_poll_secs: u64,
    /// Maximum Postgres connections in the pool.
    #[serde(default = "default_max_connections")]
    pub db_max_connections: u32,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_long_poll() -> u64 {
    25
}
fn default_max_connections() -> u32 {
    10
}

/// Environment prefix of the control plane's settings.
pub const ENV_PREFIX: &str = "DYNASTORE_CP";

impl Config {
    /// Checks values that serde cannot, once, at start-up.
    pub fn validate(&self) -> Result<(), String> {
        if self.internal_token.expose().len() < 16 {
            return Err("internal_token must be at least 16 characters".into());
        }
        self.master_key()?;
        if self.long_poll_secs == 0 || self.long_poll_secs > 300 {
            return Err("long_poll_secs must be between 1 and 300".into());
        }
        Ok(())
    }

    /// The decoded master key.
    pub fn master_key(&self) -> Result<MasterKey, String> {
        let raw = self.master_key.expose().trim();
        let bytes = if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            decode_hex(raw)
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .map_err(|_| "master_key must be 32 bytes as base64 or 64 hex digits".to_owned())?
        };
        MasterKey::from_bytes(&bytes)
            .ok_or_else(|| "master_key must be exactly 32 bytes".to_owned())
    }

    /// The long-poll timeout.
    pub fn long_poll(&self) -> Duration {
        Duration::from_secs(self.long_poll_secs)
    }
}

fn decode_hex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok())
        .filter_map(|p| u8::from_str_radix(p, 16).ok())
        .collect()
}
