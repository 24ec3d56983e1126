//! Locating the PostgreSQL server binaries (`postgres`, `initdb`, and the
//! optional client tools next to them).

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::Error;

/// Environment variable that overrides binary discovery.
pub const BIN_ENV: &str = "DYNASTORE_PG_BIN";

/// Where Debian/Ubuntu install versioned server binaries.
const DEBIAN_LIB_ROOT: &str = "/usr/lib/postgresql";

/// Find the directory holding the PostgreSQL server binaries.
///
/// Order: the `DYNASTORE_PG_BIN` environment variable (an explicit setting
/// that lacks `postgres`/`initdb` is an error, not silently skipped), then
/// `/usr/lib/postgresql/<highest numeric version>/bin`, then the first `PATH`
/// entry containing `postgres` (with `initdb` next to it). Otherwise returns
/// [`Error::BinariesNotFound`].
pub fn discover_bin_dir() -> Result<PathBuf, Error> {
    let env = std::env::var_os(BIN_ENV);
    let path = std::env::var_os("PATH");
    discover_in(env.as_deref(), Path::new(DEBIAN_LIB_ROOT), path.as_deref())
}

/// [`discover_bin_dir`] with all inputs explicit (testable without touching
/// process-global state).
pub(crate) fn discover_in(
    env_value: Option<&OsStr>,
    lib_root: &Path,
    path_var: Option<&OsStr>,
) -> Result<PathBuf, Error> {
    if let Some(value) = env_value.filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(value);
        validate_bin_dir(&dir, BIN_ENV)?;
        return Ok(dir);
    }
    if let Some(dir) = highest_versioned(lib_root) {
        return Ok(dir);
    }
    if let Some(dir) = path_var.and_then(search_path) {
        return Ok(dir);
    }
    Err(Error::BinariesNotFound)
}

/// Check that an explicitly configured directory holds the server binaries.
pub(crate) fn validate_bin_dir(dir: &Path, origin: &'static str) -> Result<(), Error> {
    for missing in ["postgres", "initdb"] {
        if !is_executable(&dir.join(missing)) {
            return Err(Error::InvalidBinDir {
                origin,
                dir: dir.to_path_buf(),
                missing,
            });
        }
    }
    Ok(())
}

/// True if `dir` contains executable `postgres` and `initdb`.
fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("postgres")) && is_executable(&dir.join("initdb"))
}

/// True if `path` is a regular file (following symlinks) with an execute bit.
pub(crate) fn is_executable(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) => meta.is_file() && meta.permissions().mode() & 0o111 != 0,
        Err(_) => false,
    }
}

/// Parse a directory name such as `15` or `9.6` into a comparable version.
fn parse_version(name: &str) -> Option<Vec<u64>> {
    if name.is_empty() {
        return None;
    }
    name.split('.')
        .map(|part| part.parse::<u64>().ok())
        .collect()
}

/// `<lib_root>/<highest numeric version>/bin`, if it holds the server binaries.
fn highest_versioned(lib_root: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(lib_root).ok()?;
    let mut candidates: Vec<(Vec<u64>, PathBuf)> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = parse_version(name.to_str()?)?;
            let bin = entry.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, bin)| bin)
}

/// The first `PATH` directory with `postgres`; `initdb` must be next to it
/// (either in the same `PATH` directory or next to the resolved binary).
fn search_path(path_var: &OsStr) -> Option<PathBuf> {
    for dir in std::env::split_paths(path_var) {
        if dir.as_os_str().is_empty() || !is_executable(&dir.join("postgres")) {
            continue;
        }
        if has_server_binaries(&dir) {
            return Some(dir);
        }
        if let Ok(real) = std::fs::canonicalize(dir.join("postgres")) {
            if let Some(parent) = real.parent() {
                if has_server_binaries(parent) {
                    return Some(parent.to_path_buf());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn fake_bin(dir: &Path, names: &[&str]) {
        fs::create_dir_all(dir).expect("mkdir");
        for name in names {
            let p = dir.join(name);
            fs::write(&p, "#!/bin/sh\n").expect("write");
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }

    #[test]
    fn env_pointing_at_empty_dir_is_a_clear_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).expect("mkdir");
        // Even with a perfectly good lib root available, an explicit but
        // wrong setting must not be silently ignored.
        let lib = tmp.path().join("lib");
        fake_bin(&lib.join("15/bin"), &["postgres", "initdb"]);
        let err = discover_in(Some(empty.as_os_str()), &lib, None).expect_err("must fail");
        assert!(
            matches!(
                err,
                Error::InvalidBinDir {
                    missing: "postgres",
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("DYNASTORE_PG_BIN"), "{msg}");
        assert!(msg.contains(&*empty.to_string_lossy()), "{msg}");
        assert!(msg.contains("initdb"), "{msg}");
        assert!(msg.contains("apt-get install -y postgresql"), "{msg}");
    }

    #[test]
    fn nothing_found_gives_install_instructions() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = std::env::join_paths([tmp.path()]).expect("join");
        let err = discover_in(None, &tmp.path().join("nope"), Some(&path)).expect_err("must fail");
        assert!(matches!(err, Error::BinariesNotFound));
        assert_eq!(
            err.to_string(),
            "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH). \
             Install them with `apt-get install -y postgresql` (Debian/Ubuntu), or set \
             DYNASTORE_PG_BIN to the directory holding `postgres` and `initdb`, or pass a database URL."
        );
    }

    #[test]
    fn picks_highest_numeric_version() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let lib = tmp.path();
        fake_bin(&lib.join("9.6/bin"), &["postgres", "initdb"]);
        fake_bin(&lib.join("15/bin"), &["postgres", "initdb"]);
        fake_bin(&lib.join("16/bin"), &["postgres"]); // incomplete: skipped
        fake_bin(&lib.join("100/bin"), &["initdb"]); // incomplete: skipped
        fs::create_dir_all(lib.join("common/bin")).expect("mkdir");
        let dir = discover_in(Some(OsStr::new("")), lib, None).expect("found");
        assert_eq!(dir, lib.join("15/bin"));
    }

    #[test]
    fn falls_back_to_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let only_postgres = tmp.path().join("a");
        let both = tmp.path().join("b");
        fake_bin(&only_postgres, &["postgres"]);
        fake_bin(&both, &["postgres", "initdb"]);
        let path = std::env::join_paths([&only_postgres, &both]).expect("join");
        let dir = discover_in(None, &tmp.path().join("nope"), Some(&path)).expect("found");
        assert_eq!(dir, both);
    }

    #[test]
    fn env_override_wins() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let custom = tmp.path().join("custom");
        fake_bin(&custom, &["postgres", "initdb"]);
        let dir =
            discover_in(Some(custom.as_os_str()), &tmp.path().join("nope"), None).expect("ok");
        assert_eq!(dir, custom);
    }

    #[test]
    fn version_parsing() {
        assert_eq!(parse_version("15"), Some(vec![15]));
        assert_eq!(parse_version("9.6"), Some(vec![9, 6]));
        assert_eq!(parse_version("common"), None);
        assert_eq!(parse_version(""), None);
        assert!(parse_version("10") > parse_version("9.6"));
    }
}
