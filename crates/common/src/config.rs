//! Config loading shared by the services: a TOML-free, dependency-light
//! scheme — an optional JSON file, then environment variables.
//!
//! For a config struct `T` with field `foo_bar` and prefix `DYNASTORE_CP`:
//! - the file (JSON object) may set `"foo_bar"`;
//! - `DYNASTORE_CP_FOO_BAR` overrides it (parsed as JSON when it parses,
//!   otherwise taken as a string);
//! - a secret may instead come from a file: `"foo_bar_file"` in the file or
//!   `DYNASTORE_CP_FOO_BAR_FILE` names a path whose trimmed content is the
//!   value (how Helm mounts Secrets).
//!
//! Unknown keys are rejected by the struct (`deny_unknown_fields`), so a typo
//! fails at start-up instead of being ignored.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A config that could not be loaded; the message says what and where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} is not a JSON object: {message}")]
    Parse { path: String, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Loads `T` from an optional JSON file, then the environment.
pub fn load<T: DeserializeOwned>(file: Option<&Path>, env_prefix: &str) -> Result<T, ConfigError> {
    let vars: Vec<(String, String)> = std::env::vars().collect();
    load_from(file, env_prefix, &vars)
}

/// [`load`] with an explicit environment, for tests.
pub fn load_from<T: DeserializeOwned>(
    file: Option<&Path>,
    env_prefix: &str,
    vars: &[(String, String)],
) -> Result<T, ConfigError> {
    let mut map = match file {
        None => Map::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => m,
                Ok(_) => {
                    return Err(ConfigError::Parse {
                        path: path.display().to_string(),
                        message: "expected an object".into(),
                    })
                }
                Err(e) => {
                    return Err(ConfigError::Parse {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })
                }
            }
        }
    };
    let prefix = format!("{env_prefix}_");
    for (name, value) in vars {
        let Some(key) = name.strip_prefix(&prefix) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        let parsed = match serde_json::from_str::<Value>(value) {
            Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_))) => v,
            _ => Value::String(value.clone()),
        };
        map.insert(key, parsed);
    }
    resolve_file_secrets(&mut map)?;
    serde_json::from_value(Value::Object(map)).map_err(|e| ConfigError::Invalid(e.to_string()))
}

fn resolve_file_secrets(map: &mut Map<String, Value>) -> Result<(), ConfigError> {
    let file_keys: Vec<String> = map
        .keys()
        .filter(|k| k.ends_with("_file"))
        .cloned()
        .collect();
    for key in file_keys {
        let Some(Value::String(path)) = map.remove(&key) else {
            return Err(ConfigError::Invalid(format!("{key} must be a path")));
        };
        let base = key.trim_end_matches("_file").to_owned();
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        map.insert(base, Value::String(text.trim().to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Demo {
        #[serde(default)]
        name: String,
        #[serde(default)]
        port: u16,
        #[serde(default)]
        token: crate::Secret,
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn env_overrides_and_file_secrets() {
        let dir = std::env::temp_dir().join(format!("ds-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret_path = dir.join("token");
        std::fs::write(&secret_path, "s3cret\n").unwrap();
        let file = dir.join("c.json");
        std::fs::write(&file, r#"{"name":"file","port":1}"#).unwrap();
        let vars = env(&[
            ("X_PORT", "8080"),
            ("X_TOKEN_FILE", secret_path.to_str().unwrap()),
            ("OTHER_PORT", "9"),
        ]);
        let c: Demo = load_from(Some(&file), "X", &vars).unwrap();
        assert_eq!(c.name, "file");
        assert_eq!(c.port, 8080);
        assert_eq!(c.token.expose(), "s3cret");
    }

    #[test]
    fn unknown_key_is_an_error() {
        let err = load_from::<Demo>(None, "X", &env(&[("X_PROT", "1")])).unwrap_err();
        assert!(err.to_string().contains("unknown field `prot`"), "{err}");
    }
}
