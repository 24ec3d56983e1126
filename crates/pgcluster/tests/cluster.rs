//! End-to-end tests against the installed PostgreSQL server binaries.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use pgcluster::{Cluster, Error, Options};

/// A temp dir the `postgres` user can traverse when the tests run as root.
fn traversable_tempdir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    tmp
}

/// Run `select 1` through `psql` using the cluster URL.
fn select_one(cluster: &Cluster) -> String {
    let out = Command::new(cluster.bin_dir().join("psql"))
        .args(["-X", "-w", "-tA", "-c", "select 1"])
        .arg(cluster.url())
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn assert_accepts(cluster: &Cluster) {
    assert_ne!(cluster.port(), 5432);
    assert_eq!(
        cluster.url(),
        format!("postgres://postgres@127.0.0.1:{}/dynastore", cluster.port())
    );
    TcpStream::connect((Ipv4Addr::LOCALHOST, cluster.port())).expect("tcp connect");
    assert_eq!(select_one(cluster), "1");
}

fn euid_is_root() -> bool {
    let euid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_owned))
        });
    euid.as_deref() == Some("0")
}

fn assert_gone(pid: u32) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .trim_start()
        .chars()
        .next();
    assert!(
        matches!(state, None | Some('Z')),
        "postmaster {pid} still running: {stat}"
    );
}

#[test]
fn start_stop_restart_reuses_dir_and_port() {
    let tmp = traversable_tempdir();
    let dir = tmp.path().join("data").join("postgres");

    let cluster = Cluster::start(Options::new(&dir)).expect("first start");
    assert!(cluster.freshly_initialized());
    assert!(!cluster.adopted());
    assert!(dir.join("PG_VERSION").exists());
    assert_accepts(&cluster);
    let port = cluster.port();
    let pid = cluster.pid();
    let mode = std::fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let owner = std::fs::metadata(&dir).expect("meta").uid();
    let data_owner = std::fs::metadata(dir.join("PG_VERSION"))
        .expect("meta")
        .uid();
    assert_eq!(owner, data_owner, "cluster dir owned by the runtime user");
    if euid_is_root() {
        assert_ne!(
            owner, 0,
            "as root, PostgreSQL must run as an unprivileged user"
        );
    }
    assert!(
        cluster.dir().join(format!(".s.PGSQL.{port}")).exists(),
        "unix socket in cluster dir"
    );
    let remembered = std::fs::read_to_string(dir.join("dynastore.port")).expect("port file");
    assert_eq!(remembered.trim(), port.to_string());
    cluster.stop().expect("first stop");
    assert_gone(pid);
    assert!(
        !dir.join("postmaster.pid").exists(),
        "clean shutdown removes postmaster.pid"
    );

    let cluster = Cluster::start(Options::new(&dir)).expect("second start");
    assert!(!cluster.freshly_initialized(), "initdb must be skipped");
    assert_eq!(cluster.port(), port, "remembered port is reused");
    assert_accepts(&cluster);
    let pid = cluster.pid();
    cluster.stop().expect("second stop");
    assert_gone(pid);

    let log = std::fs::read_to_string(dir.join("postgres.log")).expect("log");
    assert_eq!(log.matches("=== initdb output ===").count(), 1);
    assert!(log.contains("database system is ready to accept connections"));
}

#[test]
fn leftover_postmaster_is_adopted_then_stopped() {
    let tmp = traversable_tempdir();
    let dir = tmp.path().join("pg");
    let first = Cluster::start(Options::new(&dir)).expect("start");
    let (pid, port) = (first.pid(), first.port());
    // Simulate the owning process dying without stopping the server.
    std::mem::forget(first);

    let second = Cluster::start(Options::new(&dir)).expect("restart adopts");
    assert!(second.adopted());
    assert_eq!((second.pid(), second.port()), (pid, port));
    assert_accepts(&second);
    second.stop().expect("stop adopted");
    assert_gone(pid);
}

#[test]
fn long_path_falls_back_to_tcp_only() {
    let tmp = traversable_tempdir();
    let mut dir: PathBuf = tmp.path().to_path_buf();
    while dir.as_os_str().len() < 110 {
        dir.push("a-rather-long-directory-name");
    }
    let cluster = Cluster::start(Options::new(&dir)).expect("start");
    assert_accepts(&cluster);
    let sockets = std::fs::read_dir(cluster.dir())
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".s.PGSQL"))
        .count();
    assert_eq!(sockets, 0, "no unix socket when the path is too long");
    cluster.stop().expect("stop");
}

#[test]
fn explicit_port_in_use_is_reported() {
    let tmp = traversable_tempdir();
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let opts = Options {
        dir: tmp.path().join("pg"),
        port: Some(port),
        bin_dir: None,
    };
    let err = Cluster::start(opts).expect_err("port is taken");
    assert!(
        matches!(err, Error::PortInUse { port: p } if p == port),
        "{err}"
    );
}

#[test]
fn explicit_port_is_used() {
    let tmp = traversable_tempdir();
    let port = {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        l.local_addr().expect("addr").port()
    };
    let opts = Options {
        dir: tmp.path().join("pg"),
        port: Some(port),
        bin_dir: None,
    };
    let cluster = Cluster::start(opts).expect("start");
    assert_eq!(cluster.port(), port);
    assert_accepts(&cluster);
    cluster.stop().expect("stop");
}

#[test]
fn non_empty_foreign_dir_is_refused() {
    let tmp = traversable_tempdir();
    let dir = tmp.path().join("pg");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("precious.txt"), "keep me").expect("write");
    let err = Cluster::start(Options::new(&dir)).expect_err("must refuse");
    assert!(matches!(err, Error::NotACluster { .. }), "{err}");
    assert!(Path::new(&dir.join("precious.txt")).exists());
}

#[test]
fn invalid_bin_dir_option_is_reported() {
    let tmp = traversable_tempdir();
    let opts = Options {
        dir: tmp.path().join("pg"),
        port: None,
        bin_dir: Some(tmp.path().to_path_buf()),
    };
    let err = Cluster::start(opts).expect_err("must fail");
    assert!(
        matches!(
            err,
            Error::InvalidBinDir {
                missing: "postgres",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("Options::bin_dir"));
}

#[test]
fn untraversable_parent_is_reported_when_root() {
    if !euid_is_root() {
        return; // only root switches to an unprivileged user
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    // Owned by root and closed to others: the postgres user cannot get in.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let err = Cluster::start(Options::new(tmp.path().join("pg"))).expect_err("must fail");
    assert!(matches!(err, Error::NotTraversable { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("cannot traverse") && msg.contains("chmod o+x"),
        "{msg}"
    );
}
