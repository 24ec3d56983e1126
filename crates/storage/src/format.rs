//! The format marker of a tenant directory: the one on-disk file of our own.
//!
//! Every `<data_dir>/tenants/<tenant_id>/` holds a file `FORMAT` next to the
//! engine's directory. It is plain ASCII, exactly these three lines:
//!
//! ```text
//! dynastore-tenant-storage
//! version 1
//! engine fjall
//! ```
//!
//! Version history (never reuse a number, never change a released one):
//!
//! * 1 — a fjall 3 database in `fjall/` with one keyspace, `kv`.
//!
//! The marker is strict: a missing marker next to existing data, another
//! magic line, an unknown version or engine is an error, never a guess. It is
//! written once, before the engine directory exists, through a temporary
//! file, fsync and rename, so a crash leaves either no marker (and no data)
//! or a complete one.

use crate::{Error, Result};
use std::fs;
use std::io::Write;
use std::path::Path;

/// The marker's file name inside a tenant directory.
pub const FORMAT_FILE: &str = "FORMAT";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The engine directory inside a tenant directory (format version 1).
pub const ENGINE_DIR: &str = "fjall";

const MAGIC: &str = "dynastore-tenant-storage";
const ENGINE: &str = "fjall";

/// The marker's exact contents for [`FORMAT_VERSION`].
pub fn render() -> String {
    format!("{MAGIC}\nversion {FORMAT_VERSION}\nengine {ENGINE}\n")
}

/// Checks a marker's contents; the error says what is wrong.
pub fn parse(text: &str) -> Result<(), String> {
    let mut lines = text.split('\n');
    if lines.next() != Some(MAGIC) {
        return Err(format!("first line is not {MAGIC:?}"));
    }
    let version = lines
        .next()
        .and_then(|l| l.strip_prefix("version "))
        .ok_or("second line is not \"version N\"")?;
    let version: u32 = version
        .parse()
        .map_err(|_| format!("version {version:?} is not a number"))?;
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version} is not supported (this build reads {FORMAT_VERSION})"
        ));
    }
    match lines.next().and_then(|l| l.strip_prefix("engine ")) {
        Some(ENGINE) => {}
        Some(other) => return Err(format!("engine {other:?} is not supported")),
        None => return Err("third line is not \"engine NAME\"".into()),
    }
    // The text ends with the third line's newline: one empty piece remains.
    if lines.next() != Some("") || lines.next().is_some() {
        return Err("unexpected content after the third line".into());
    }
    Ok(())
}

/// Makes sure `tenant_dir` carries a valid marker, creating the directory
/// and the marker if neither the marker nor engine data exist yet.
pub fn ensure(tenant_dir: &Path) -> Result<()> {
    let marker = tenant_dir.join(FORMAT_FILE);
    match fs::read(&marker) {
        Ok(bytes) => {
            let text = std::str::from_utf8(&bytes).map_err(|_| Error::Format {
                path: marker.clone(),
                reason: "not UTF-8".into(),
            })?;
            parse(text).map_err(|reason| Error::Format {
                path: marker.clone(),
                reason,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let engine_dir = tenant_dir.join(ENGINE_DIR);
            if engine_dir.exists() {
                return Err(Error::Format {
                    path: marker,
                    reason: format!("missing, but {ENGINE_DIR}/ exists"),
                });
            }
            create(tenant_dir, &marker)
        }
        Err(e) => Err(Error::io(marker, e)),
    }
}

fn create(tenant_dir: &Path, marker: &Path) -> Result<()> {
    fs::create_dir_all(tenant_dir).map_err(|e| Error::io(tenant_dir, e))?;
    let tmp = tenant_dir.join(format!("{FORMAT_FILE}.tmp"));
    let mut file = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    file.write_all(render().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    fs::rename(&tmp, marker).map_err(|e| Error::io(marker, e))?;
    sync_dir(tenant_dir)?;
    // The tenant directory's own entry in `tenants/`.
    if let Some(parent) = tenant_dir.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Fsyncs a directory, making the entries created or removed in it durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_marker() {
        assert_eq!(
            render(),
            "dynastore-tenant-storage\nversion 1\nengine fjall\n"
        );
        assert_eq!(parse(&render()), Ok(()));
    }

    #[test]
    fn rejects_anything_else() {
        for bad in [
            "",
            "dynastore-tenant-storage\n",
            "dynastore-tenant-storage\nversion 2\nengine fjall\n",
            "dynastore-tenant-storage\nversion x\nengine fjall\n",
            "dynastore-tenant-storage\nversion 1\nengine rocks\n",
            "dynastore-tenant-storage\nversion 1\nengine fjall",
            "dynastore-tenant-storage\nversion 1\nengine fjall\nmore\n",
            "other\nversion 1\nengine fjall\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(parse("dynastore-tenant-storage\nversion 9\nengine fjall\n")
            .unwrap_err()
            .contains("not supported"));
    }

    #[test]
    fn ensure_creates_then_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t1");
        ensure(&t).unwrap();
        assert_eq!(fs::read_to_string(t.join(FORMAT_FILE)).unwrap(), render());
        assert!(!t.join("FORMAT.tmp").exists());
        ensure(&t).unwrap();

        fs::write(
            t.join(FORMAT_FILE),
            "dynastore-tenant-storage\nversion 7\nengine fjall\n",
        )
        .unwrap();
        assert!(matches!(ensure(&t), Err(Error::Format { .. })));

        fs::write(t.join(FORMAT_FILE), [0xff, 0xfe]).unwrap();
        assert!(matches!(ensure(&t), Err(Error::Format { .. })));
    }

    #[test]
    fn data_without_marker_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t1");
        fs::create_dir_all(t.join(ENGINE_DIR)).unwrap();
        let err = ensure(&t).unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{err}");
        assert!(!t.join(FORMAT_FILE).exists());
    }
}
