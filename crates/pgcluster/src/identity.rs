//! Which OS user PostgreSQL runs as, and filesystem permission checks for it.
//!
//! PostgreSQL refuses to run as root. When our effective uid is 0 we run
//! `initdb` and `postgres` as the `postgres` system user (or `nobody` if that
//! does not exist), found by parsing `/etc/passwd`, via
//! [`CommandExt::uid`]/[`CommandExt::gid`]. Note that std drops all
//! supplementary groups when switching uid, so only the primary gid counts.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// The user the PostgreSQL processes run as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunAs {
    /// User name (for messages).
    pub name: String,
    /// Numeric uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Home directory from `/etc/passwd`, if any.
    pub home: Option<PathBuf>,
    /// True if we must switch to this user (we are root); false if it is us.
    pub switch: bool,
}

impl RunAs {
    /// Determine the runtime user for the current process.
    pub fn detect() -> Result<RunAs, Error> {
        let euid = effective_uid();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        Self::choose(euid, &passwd)
    }

    /// Pure part of [`RunAs::detect`].
    pub fn choose(euid: Option<u32>, passwd: &str) -> Result<RunAs, Error> {
        match euid {
            Some(0) => ["postgres", "nobody"]
                .iter()
                .find_map(|name| lookup_by_name(passwd, name))
                .map(|entry| RunAs {
                    name: entry.name,
                    uid: entry.uid,
                    gid: entry.gid,
                    home: entry.home,
                    switch: true,
                })
                .ok_or(Error::NoUnprivilegedUser),
            Some(uid) => {
                let entry = lookup_by_uid(passwd, uid);
                Ok(RunAs {
                    name: entry
                        .as_ref()
                        .map_or_else(|| format!("uid {uid}"), |e| e.name.clone()),
                    uid,
                    gid: entry.as_ref().map_or(uid, |e| e.gid),
                    home: None,
                    switch: false,
                })
            }
            // Unknown euid (no /proc and no `id`): assume we are not root and
            // let PostgreSQL complain if we are.
            None => Ok(RunAs {
                name: "current user".to_owned(),
                uid: u32::MAX,
                gid: u32::MAX,
                home: None,
                switch: false,
            }),
        }
    }

    /// Make `cmd` run as this user (no-op unless we are root).
    pub fn apply(&self, cmd: &mut Command) {
        if self.switch {
            cmd.uid(self.uid).gid(self.gid);
            cmd.env("USER", &self.name).env("LOGNAME", &self.name);
            match &self.home {
                Some(home) => cmd.env("HOME", home),
                None => cmd.env_remove("HOME"),
            };
        }
    }

    /// Give `path` to this user (no-op unless we are root).
    pub fn chown(&self, path: &Path) -> Result<(), Error> {
        if self.switch {
            std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
                .map_err(|e| Error::io("changing owner of", path, e))?;
        }
        Ok(())
    }

    /// Check that this user can traverse (search) every ancestor of `dir`.
    /// Only meaningful when switching users; otherwise always Ok.
    pub fn check_traversable(&self, dir: &Path) -> Result<(), Error> {
        if !self.switch {
            return Ok(());
        }
        for ancestor in dir.ancestors().skip(1) {
            let meta = std::fs::metadata(ancestor)
                .map_err(|e| Error::io("inspecting directory", ancestor, e))?;
            let mode = meta.permissions().mode();
            if !can_search(mode, meta.uid(), meta.gid(), self.uid, self.gid) {
                return Err(Error::NotTraversable {
                    path: ancestor.to_path_buf(),
                    mode: mode & 0o7777,
                    owner: meta.uid(),
                    user: self.name.clone(),
                    uid: self.uid,
                });
            }
        }
        Ok(())
    }
}

/// Unix search-permission check for a single directory.
fn can_search(mode: u32, owner: u32, group: u32, uid: u32, gid: u32) -> bool {
    if uid == owner {
        mode & 0o100 != 0
    } else if gid == group {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

/// One parsed `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PasswdEntry {
    name: String,
    uid: u32,
    gid: u32,
    home: Option<PathBuf>,
}

fn parse_passwd(passwd: &str) -> impl Iterator<Item = PasswdEntry> + '_ {
    passwd.lines().filter_map(|line| {
        let line = line.trim_end();
        if line.starts_with('#') {
            return None;
        }
        let mut fields = line.split(':');
        let name = fields.next()?;
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        let _gecos = fields.next();
        let home = fields.next().filter(|h| !h.is_empty()).map(PathBuf::from);
        (!name.is_empty()).then(|| PasswdEntry {
            name: name.to_owned(),
            uid,
            gid,
            home,
        })
    })
}

fn lookup_by_name(passwd: &str, name: &str) -> Option<PasswdEntry> {
    parse_passwd(passwd).find(|e| e.name == name)
}

fn lookup_by_uid(passwd: &str, uid: u32) -> Option<PasswdEntry> {
    parse_passwd(passwd).find(|e| e.uid == uid)
}

/// Our effective uid: from `/proc/self/status`, falling back to `id -u`.
pub(crate) fn effective_uid() -> Option<u32> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(euid) = parse_status_euid(&status) {
            return Some(euid);
        }
    }
    let out = Command::new("id").arg("-u").output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The effective uid from the `Uid:` line (real, effective, saved, fs).
fn parse_status_euid(status: &str) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        # comment\n\
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\
        postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n\
        alice:x:1000:1000::/home/alice:/bin/sh\n";

    #[test]
    fn root_prefers_postgres_then_nobody() {
        let r = RunAs::choose(Some(0), PASSWD).expect("user");
        assert_eq!(
            (r.name.as_str(), r.uid, r.gid, r.switch),
            ("postgres", 101, 104, true)
        );
        assert_eq!(r.home.as_deref(), Some(Path::new("/var/lib/postgresql")));

        let without_pg: String = PASSWD
            .lines()
            .filter(|l| !l.starts_with("postgres"))
            .map(|l| format!("{l}\n"))
            .collect();
        let r = RunAs::choose(Some(0), &without_pg).expect("user");
        assert_eq!((r.name.as_str(), r.uid, r.gid), ("nobody", 65534, 65534));

        assert!(matches!(
            RunAs::choose(Some(0), "root:x:0:0::/root:/bin/sh\n"),
            Err(Error::NoUnprivilegedUser)
        ));
    }

    #[test]
    fn non_root_runs_as_itself() {
        let r = RunAs::choose(Some(1000), PASSWD).expect("user");
        assert_eq!((r.name.as_str(), r.uid, r.switch), ("alice", 1000, false));
    }

    #[test]
    fn status_parsing() {
        assert_eq!(
            parse_status_euid("Name:\tx\nUid:\t1000\t0\t0\t0\n"),
            Some(0)
        );
        assert_eq!(parse_status_euid("Name:\tx\n"), None);
    }

    #[test]
    fn search_permission() {
        assert!(can_search(0o755, 0, 0, 101, 104));
        assert!(!can_search(0o700, 0, 0, 101, 104));
        assert!(can_search(0o710, 0, 104, 101, 104));
        assert!(can_search(0o700, 101, 0, 101, 104));
        assert!(!can_search(0o077, 101, 104, 101, 104));
    }
}
