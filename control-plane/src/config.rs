//! The control plane's settings, loaded from an optional JSON file then
//! `DYNASTORE_CP_*` environment variables (see `dynastore_common::config`).
//!
//! [`Settings`] is what the binary loads: the core [`Config`] plus the
//! admin API's [`AdminConfig`] (JWT keys), read from the same file and
//! variables and split by key name (`jwt_*`, `admin_*`), each part still
//! rejecting unknown keys. They are two structs so that code embedding the
//! control plane (`dynastore dev`, tests) keeps building `Config` as a
//! literal and turns the admin API on only when it wants it.

use std::time::Duration;

use base64::Engine;
use dynastore_common::Secret;
use serde::{Deserialize, Deserializer};

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

/// Settings of the admin REST API (`/v1`) and its JWT authentication.
///
/// Exactly one key source — `jwt_secret`, `jwt_public_key` or `jwt_jwks` —
/// must be set when `admin_api_enabled` is true. Tokens must carry `exp`;
/// `nbf` is checked when present; `iss` and `aud` are required and checked
/// when configured. The accepted `alg` is pinned to the key's family: HS*
/// for the secret, RS*/PS* or ES* for the public key by its type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Serve the admin API under `/v1` (`DYNASTORE_CP_ADMIN_API_ENABLED`).
    #[serde(default = "default_admin_enabled")]
    pub admin_api_enabled: bool,
    /// HS256 shared secret, at least 32 characters
    /// (`DYNASTORE_CP_JWT_SECRET`, or `DYNASTORE_CP_JWT_SECRET_FILE`).
    #[serde(default)]
    pub jwt_secret: Option<Secret>,
    /// A PEM public key (RSA: RS256/384/512 and PS*, EC: ES256/ES384). Set
    /// `jwt_public_key_file` (`DYNASTORE_CP_JWT_PUBLIC_KEY_FILE`) to a path
    /// and the loader reads the key from it.
    #[serde(default)]
    pub jwt_public_key: Option<String>,
    /// A JWKS document (`{"keys": [...]}`); tokens pick a key by `kid`. Set
    /// `jwt_jwks_file` (`DYNASTORE_CP_JWT_JWKS_FILE`) to a path and the
    /// loader reads it. Given inline, it may be a JSON object or its text.
    #[serde(default, deserialize_with = "json_text")]
    pub jwt_jwks: Option<String>,
    /// Required `iss` of tokens (`DYNASTORE_CP_JWT_ISSUER`).
    #[serde(default)]
    pub jwt_issuer: Option<String>,
    /// Required `aud` of tokens (`DYNASTORE_CP_JWT_AUDIENCE`).
    #[serde(default)]
    pub jwt_audience: Option<String>,
}

/// A JSON document given either as text or (from an environment variable
/// that parsed as JSON) as the value itself.
fn json_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

fn default_admin_enabled() -> bool {
    true
}

impl AdminConfig {
    /// No admin API: what [`crate::ControlPlane::start`] uses.
    pub fn disabled() -> AdminConfig {
        AdminConfig {
            admin_api_enabled: false,
            jwt_secret: None,
            jwt_public_key: None,
            jwt_jwks: None,
            jwt_issuer: None,
            jwt_audience: None,
        }
    }

    /// The admin API with HS256 tokens signed with `secret`.
    pub fn with_secret(secret: Secret) -> AdminConfig {
        AdminConfig {
            admin_api_enabled: true,
            jwt_secret: Some(secret),
            ..AdminConfig::disabled()
        }
    }

    /// Checks values that serde cannot, once, at start-up.
    pub fn validate(&self) -> Result<(), String> {
        if !self.admin_api_enabled {
            return Ok(());
        }
        let sources = [
            self.jwt_secret.is_some(),
            self.jwt_public_key.is_some(),
            self.jwt_jwks.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count();
        if sources != 1 {
            return Err(format!(
                "the admin API needs exactly one JWT key source (jwt_secret, jwt_public_key_file or jwt_jwks_file), found {sources}; \
                 set admin_api_enabled=false to run without it"
            ));
        }
        if self.jwt_secret.as_ref().is_some_and(|s| s.expose().len() < 32) {
            return Err("jwt_secret must be at least 32 characters".into());
        }
        Ok(())
    }
}

/// Everything `dynastore-control-plane` reads: [`Config`] and [`AdminConfig`].
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub admin: AdminConfig,
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut core = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let admin_keys: Vec<String> = core
            .keys()
            .filter(|k| k.starts_with("jwt_") || k.starts_with("admin_"))
            .cloned()
            .collect();
        let mut admin = serde_json::Map::new();
        for key in admin_keys {
            if let Some(v) = core.remove(&key) {
                admin.insert(key, v);
            }
        }
        Ok(Settings {
            config: Config::deserialize(serde_json::Value::Object(core)).map_err(D::Error::custom)?,
            admin: AdminConfig::deserialize(serde_json::Value::Object(admin)).map_err(D::Error::custom)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    const BASE: [(&str, &str); 3] = [
        ("DYNASTORE_CP_DATABASE_URL", "postgres://x/y"),
        ("DYNASTORE_CP_INTERNAL_TOKEN", "0123456789abcdef0123"),
        ("DYNASTORE_CP_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
    ];

    fn load(extra: &[(&str, &str)]) -> Result<Settings, String> {
        let mut vars = env(&BASE);
        vars.extend(env(extra));
        dynastore_common::config::load_from::<Settings>(None, ENV_PREFIX, &vars).map_err(|e| e.to_string())
    }

    #[test]
    fn admin_settings_split_from_core() {
        let s = load(&[
            ("DYNASTORE_CP_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("DYNASTORE_CP_JWT_ISSUER", "https://idp"),
        ])
        .unwrap();
        assert!(s.config.validate().is_ok());
        assert!(s.admin.admin_api_enabled);
        assert_eq!(s.admin.jwt_issuer.as_deref(), Some("https://idp"));
        assert!(s.admin.validate().is_ok());
    }

    #[test]
    fn typos_and_missing_or_double_key_sources_are_refused() {
        let err = load(&[("DYNASTORE_CP_JWT_ISUER", "x")]).unwrap_err();
        assert!(err.contains("jwt_isuer"), "{err}");
        let err = load(&[("DYNASTORE_CP_LISTN", "x")]).unwrap_err();
        assert!(err.contains("listn"), "{err}");
        let none = load(&[]).unwrap();
        assert!(none.admin.validate().unwrap_err().contains("exactly one"));
        let two = load(&[
            ("DYNASTORE_CP_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("DYNASTORE_CP_JWT_PUBLIC_KEY", "pem"),
        ])
        .unwrap();
        assert!(two.admin.validate().unwrap_err().contains("found 2"));
        let short = load(&[("DYNASTORE_CP_JWT_SECRET", "short")]).unwrap();
        assert!(short.admin.validate().is_err());
        let off = load(&[("DYNASTORE_CP_ADMIN_API_ENABLED", "false")]).unwrap();
        assert!(off.admin.validate().is_ok());
    }
}
