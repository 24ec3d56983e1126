//! The [`Cluster`] lifecycle: prepare the directory, `initdb` if needed,
//! start the postmaster, wait for readiness, create the application database,
//! and shut it down again.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::discover::{discover_bin_dir, is_executable, validate_bin_dir};
use crate::identity::RunAs;
use crate::process::{
    pid_alive, proc_comm, proc_cwd, run_with_timeout, send_signal, wait_child, wait_until,
};
use crate::Error;

/// Name of the application database created on start.
pub const DATABASE: &str = "dynastore";
/// Superuser created by `initdb` and used for all connections.
pub const SUPERUSER: &str = "postgres";
/// File (inside the cluster directory) remembering the last port used.
pub const PORT_FILE: &str = "dynastore.port";
/// Server log file (inside the cluster directory).
pub const LOG_FILE: &str = "postgres.log";

/// How long to wait for the server to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `initdb` may take (it fsyncs everything).
const INITDB_TIMEOUT: Duration = Duration::from_secs(300);
/// How long client programs (`psql`, `createdb`, `pg_isready`) may take.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);
/// Shutdown escalation: fast (SIGINT), immediate (SIGQUIT), then SIGKILL.
const FAST_STOP_TIMEOUT: Duration = Duration::from_secs(30);
const IMMEDIATE_STOP_TIMEOUT: Duration = Duration::from_secs(10);
const KILL_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest unix socket path PostgreSQL accepts (`sizeof(sun_path) - 1`).
const MAX_SOCKET_PATH: usize = 107;
/// Attempts with a freshly chosen port if the auto-picked one was taken
/// between checking and binding.
const AUTO_PORT_ATTEMPTS: usize = 3;
/// Lines of log output included in errors.
const TAIL_LINES: usize = 30;

/// Where and how to run the cluster.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The cluster lives here (e.g. `<data-dir>/postgres`). Created if missing.
    pub dir: PathBuf,
    /// TCP port on 127.0.0.1. `None` picks one: the port remembered in
    /// `<dir>/dynastore.port` if it is free, else any free port.
    pub port: Option<u16>,
    /// Directory with `postgres`/`initdb`; `None` uses [`discover_bin_dir`].
    pub bin_dir: Option<PathBuf>,
}

impl Options {
    /// Options for `dir` with an automatic port and discovered binaries.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Options {
            dir: dir.into(),
            port: None,
            bin_dir: None,
        }
    }
}

/// A running private PostgreSQL cluster.
///
/// Dropping it performs a best-effort [`Cluster::stop`].
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bin_dir: PathBuf,
    run_as: RunAs,
    port: u16,
    pid: u32,
    /// Our postmaster child; `None` if we adopted one left over by a previous run.
    child: Option<Child>,
    log_path: PathBuf,
    initialized: bool,
    stopped: bool,
}

impl Cluster {
    /// Initialise (if needed) and start the cluster, wait until it accepts
    /// connections, and make sure the `dynastore` database exists.
    ///
    /// If a live postmaster from an earlier run still owns `dir` (e.g. the
    /// previous process was killed with SIGKILL) and it accepts connections
    /// on the port recorded in `postmaster.pid`, it is adopted: the returned
    /// `Cluster` manages it and [`Cluster::stop`] shuts it down. If it is
    /// alive but unusable (wrong port requested, not accepting connections),
    /// [`Error::AlreadyRunning`] is returned.
    pub fn start(opts: Options) -> Result<Cluster, Error> {
        let bin_dir = match opts.bin_dir {
            Some(dir) => {
                validate_bin_dir(&dir, "Options::bin_dir")?;
                dir
            }
            None => discover_bin_dir()?,
        };
        let run_as = RunAs::detect()?;
        let prepared = prepare_dir(&opts.dir, &run_as)?;
        let dir = prepared.dir;
        let log_path = dir.join(LOG_FILE);

        if prepared.has_cluster {
            if let Some((pid, port)) = existing_postmaster(&dir, opts.port, &bin_dir)? {
                tracing::warn!(
                    dir = %dir.display(), pid, port,
                    "adopting PostgreSQL postmaster left running by a previous run"
                );
                let cluster = Cluster {
                    dir,
                    bin_dir,
                    run_as,
                    port,
                    pid,
                    child: None,
                    log_path,
                    initialized: false,
                    stopped: false,
                };
                cluster.remember_port();
                cluster.ensure_database()?;
                return Ok(cluster);
            }
        }
        // Choose the port before the (slow) initdb so a taken port fails fast.
        let mut port = choose_port(&dir, opts.port)?;
        if !prepared.has_cluster {
            initdb(&dir, &bin_dir, &run_as, &log_path)?;
        }

        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::spawn_and_wait(&dir, &bin_dir, &run_as, &log_path, port) {
                Ok(mut cluster) => {
                    cluster.initialized = !prepared.has_cluster;
                    cluster.remember_port();
                    cluster.ensure_database()?;
                    tracing::info!(
                        dir = %cluster.dir.display(), port, pid = cluster.pid,
                        "PostgreSQL cluster is running"
                    );
                    return Ok(cluster);
                }
                Err(Error::StartFailed { log_tail, .. })
                    if opts.port.is_none()
                        && attempt < AUTO_PORT_ATTEMPTS
                        && (log_tail.contains("could not bind")
                            || log_tail.contains("could not create any TCP/IP sockets")) =>
                {
                    tracing::warn!(port, "port was taken before PostgreSQL could bind it; retrying with another port");
                    // A freshly picked port must not be the remembered one again.
                    let _ = fs::remove_file(dir.join(PORT_FILE));
                    port = choose_port(&dir, None)?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Connection URL: `postgres://postgres@127.0.0.1:{port}/dynastore`.
    pub fn url(&self) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The (canonical) cluster directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The directory holding the PostgreSQL binaries in use.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The server log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The postmaster's pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// True if this start ran `initdb` (the directory was new).
    pub fn freshly_initialized(&self) -> bool {
        self.initialized
    }

    /// True if an already running postmaster from a previous run was adopted.
    pub fn adopted(&self) -> bool {
        self.child.is_none()
    }

    /// Shut the server down cleanly ("fast" shutdown: SIGINT), escalating to
    /// an immediate shutdown (SIGQUIT) and finally SIGKILL if it does not
    /// exit in time.
    pub fn stop(mut self) -> Result<(), Error> {
        self.shutdown()
    }

    fn spawn_and_wait(
        dir: &Path,
        bin_dir: &Path,
        run_as: &RunAs,
        log_path: &Path,
        port: u16,
    ) -> Result<Cluster, Error> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .map_err(|e| Error::io("opening log file", log_path, e))?;
        run_as.chown(log_path)?;
        let log_offset = log
            .metadata()
            .map_err(|e| Error::io("inspecting log file", log_path, e))?
            .len();
        let log_err = log
            .try_clone()
            .map_err(|e| Error::io("duplicating log file handle", log_path, e))?;

        let mut cmd = Command::new(bin_dir.join("postgres"));
        cmd.arg("-D")
            .arg(dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("port={port}"))
            .arg("-c")
            .arg(socket_setting(dir, port))
            .args(["-c", "max_connections=200"])
            .args(["-c", "shared_buffers=32MB"])
            .args(["-c", "fsync=on"])
            .args(["-c", "logging_collector=off"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Own process group: a terminal Ctrl-C goes to the application,
            // which then stops the cluster in order.
            .process_group(0);
        clean_env(&mut cmd);
        run_as.apply(&mut cmd);
        tracing::debug!(?cmd, "starting postgres");
        let child = cmd
            .spawn()
            .map_err(|e| Error::io("starting", bin_dir.join("postgres"), e))?;

        let mut cluster = Cluster {
            dir: dir.to_path_buf(),
            bin_dir: bin_dir.to_path_buf(),
            run_as: run_as.clone(),
            port,
            pid: child.id(),
            child: Some(child),
            log_path: log_path.to_path_buf(),
            initialized: false,
            stopped: false,
        };
        // On any error below, dropping `cluster` stops the child.
        let started = Instant::now();
        loop {
            if let Some(child) = cluster.child.as_mut() {
                let exited = child
                    .try_wait()
                    .map_err(|e| Error::io("waiting for", bin_dir.join("postgres"), e))?;
                if let Some(status) = exited {
                    cluster.stopped = true;
                    return Err(Error::StartFailed {
                        status: status.to_string(),
                        log: log_path.to_path_buf(),
                        log_tail: log_tail(log_path, log_offset),
                    });
                }
            }
            if is_ready(dir, cluster.pid, port, bin_dir) {
                return Ok(cluster);
            }
            if started.elapsed() >= READY_TIMEOUT {
                if let Err(e) = cluster.shutdown() {
                    tracing::warn!(error = %e, "stopping PostgreSQL after start timeout failed");
                }
                return Err(Error::Timeout {
                    what: "waiting for PostgreSQL to accept connections",
                    secs: READY_TIMEOUT.as_secs(),
                    log: log_path.to_path_buf(),
                    log_tail: log_tail(log_path, log_offset),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Record the port for the next start (best effort).
    fn remember_port(&self) {
        let path = self.dir.join(PORT_FILE);
        let result = fs::write(&path, format!("{}\n", self.port))
            .map_err(|e| Error::io("writing", &path, e))
            .and_then(|()| self.run_as.chown(&path));
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not remember the PostgreSQL port");
        }
    }

    /// Create the application database if it does not exist yet.
    fn ensure_database(&self) -> Result<(), Error> {
        let port = self.port.to_string();
        let conn = ["-h", "127.0.0.1", "-p", port.as_str(), "-U", SUPERUSER];
        let psql = self.bin_dir.join("psql");
        let createdb = self.bin_dir.join("createdb");
        let run = |program: &Path, args: &[&str]| {
            let mut cmd = Command::new(program);
            cmd.args(args).current_dir(&self.dir);
            clean_env(&mut cmd);
            cmd.env("PGCONNECT_TIMEOUT", "10");
            run_with_timeout(&mut cmd, CLIENT_TIMEOUT).map_err(|e| Error::io("running", program, e))
        };
        let failed = |out: &crate::process::RunOutput| Error::CreateDatabaseFailed {
            database: DATABASE,
            status: out.status_text(),
            output: tail_lines(&out.combined(), TAIL_LINES),
        };

        let out = if is_executable(&psql) {
            let mut args = vec![
                "-X",
                "-w",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                "postgres",
                "-tA",
            ];
            args.extend(conn);
            let query = format!("SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'");
            let mut check = args.clone();
            check.extend(["-c", query.as_str()]);
            let out = run(&psql, &check)?;
            if !out.success() {
                return Err(failed(&out));
            }
            if out.stdout.trim() == "1" {
                return Ok(());
            }
            let create = format!("CREATE DATABASE {DATABASE}");
            args.extend(["-c", create.as_str()]);
            run(&psql, &args)?
        } else if is_executable(&createdb) {
            let mut args = vec!["-w"];
            args.extend(conn);
            args.push(DATABASE);
            run(&createdb, &args)?
        } else {
            return Err(Error::MissingTool {
                purpose: "create the dynastore database",
                tools: "`psql` and `createdb`",
                bin_dir: self.bin_dir.clone(),
            });
        };
        if out.success() || out.combined().contains("already exists") {
            tracing::info!(database = DATABASE, "database is ready");
            Ok(())
        } else {
            Err(failed(&out))
        }
    }

    /// Whether the postmaster has exited (reaping our own child).
    fn exited(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(Some(_)) | Err(_)),
            None => !pid_alive(self.pid),
        }
    }

    fn wait_exit(&mut self, timeout: Duration) -> bool {
        match self.child.as_mut() {
            Some(child) => wait_child(child, timeout),
            None => {
                let pid = self.pid;
                wait_until(timeout, || !pid_alive(pid))
            }
        }
    }

    fn shutdown(&mut self) -> Result<(), Error> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        if self.exited() {
            return Ok(());
        }
        tracing::info!(pid = self.pid, "stopping PostgreSQL (fast shutdown)");
        send_signal(self.pid, "INT");
        if self.wait_exit(FAST_STOP_TIMEOUT) {
            return Ok(());
        }
        tracing::warn!(
            pid = self.pid,
            "PostgreSQL did not stop in time; immediate shutdown"
        );
        send_signal(self.pid, "QUIT");
        if self.wait_exit(IMMEDIATE_STOP_TIMEOUT) {
            return Ok(());
        }
        tracing::warn!(pid = self.pid, "PostgreSQL ignored SIGQUIT; killing it");
        match self.child.as_mut() {
            Some(child) => {
                let _ = child.kill();
            }
            None => {
                send_signal(self.pid, "KILL");
            }
        }
        if self.wait_exit(KILL_TIMEOUT) {
            return Ok(());
        }
        Err(Error::StopFailed {
            pid: self.pid,
            reason: "it survived SIGINT, SIGQUIT and SIGKILL".to_owned(),
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::warn!(error = %e, "stopping PostgreSQL on drop failed");
        }
    }
}

/// Result of [`prepare_dir`].
struct Prepared {
    /// Canonical cluster directory.
    dir: PathBuf,
    /// True if it already holds a cluster (`PG_VERSION` exists).
    has_cluster: bool,
}

/// Create the cluster directory (0700, owned by the runtime user) and its
/// parents, and check permissions and ownership.
fn prepare_dir(dir: &Path, run_as: &RunAs) -> Result<Prepared, Error> {
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io("determining current directory for", dir, e))?
            .join(dir)
    };

    // Create missing parents one by one; when running as root make those we
    // create world-traversable so the runtime user can reach the cluster.
    let missing: Vec<&Path> = dir
        .ancestors()
        .skip(1)
        .take_while(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
        .collect();
    for parent in missing.into_iter().rev() {
        match fs::create_dir(parent) {
            Ok(()) => {
                if run_as.switch {
                    fs::set_permissions(parent, fs::Permissions::from_mode(0o755))
                        .map_err(|e| Error::io("setting permissions of", parent, e))?;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io("creating directory", parent, e)),
        }
    }
    match fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("creating directory", &dir, e)),
    }
    let dir = fs::canonicalize(&dir).map_err(|e| Error::io("resolving", &dir, e))?;
    run_as.check_traversable(&dir)?;

    let has_cluster = dir.join("PG_VERSION").exists();
    if !has_cluster {
        let mut entries =
            fs::read_dir(&dir).map_err(|e| Error::io("reading directory", &dir, e))?;
        if entries.next().is_some() {
            return Err(Error::NotACluster { dir });
        }
        run_as.chown(&dir)?;
    }
    let meta = fs::metadata(&dir).map_err(|e| Error::io("inspecting", &dir, e))?;
    if !meta.is_dir() {
        return Err(Error::io(
            "using",
            &dir,
            std::io::Error::other("not a directory"),
        ));
    }
    if run_as.uid != u32::MAX && meta.uid() != run_as.uid {
        return Err(Error::WrongOwner {
            dir,
            owner: meta.uid(),
            user: run_as.name.clone(),
            uid: run_as.uid,
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode != 0o700 && mode != 0o750 {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io("setting permissions of", &dir, e))?;
    }
    Ok(Prepared { dir, has_cluster })
}

/// Run `initdb` on the (empty) cluster directory.
fn initdb(dir: &Path, bin_dir: &Path, run_as: &RunAs, log_path: &Path) -> Result<(), Error> {
    tracing::info!(dir = %dir.display(), user = %run_as.name, "initializing PostgreSQL cluster");
    let program = bin_dir.join("initdb");
    let mut cmd = Command::new(&program);
    cmd.arg("-D")
        .arg(dir)
        .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C"])
        .current_dir(dir);
    clean_env(&mut cmd);
    run_as.apply(&mut cmd);
    let out = run_with_timeout(&mut cmd, INITDB_TIMEOUT)
        .map_err(|e| Error::io("running", &program, e))?;
    if !out.success() {
        return Err(Error::InitdbFailed {
            status: out.status_text(),
            log_tail: tail_lines(&out.combined(), TAIL_LINES),
        });
    }
    // Keep initdb's output at the top of the server log.
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(|e| Error::io("opening log file", log_path, e))?;
    writeln!(
        log,
        "=== initdb output ===\n{}=== end of initdb output ===",
        out.combined()
    )
    .map_err(|e| Error::io("writing log file", log_path, e))?;
    run_as.chown(log_path)?;
    Ok(())
}

/// The `unix_socket_directories` setting: the cluster directory, or none
/// (TCP only) if the socket path would be too long for `sun_path`.
fn socket_setting(dir: &Path, port: u16) -> OsString {
    let mut setting = b"unix_socket_directories=".to_vec();
    if socket_path_fits(dir, port) {
        // Quote the list element so commas/spaces in the path survive;
        // embedded double quotes are doubled.
        setting.push(b'"');
        for &b in dir.as_os_str().as_bytes() {
            if b == b'"' {
                setting.push(b'"');
            }
            setting.push(b);
        }
        setting.push(b'"');
    }
    OsString::from_vec(setting)
}

fn socket_path_fits(dir: &Path, port: u16) -> bool {
    let len = dir.as_os_str().len() + "/.s.PGSQL.".len() + port.to_string().len();
    len <= MAX_SOCKET_PATH
}

/// Remove `PG*` variables (PGDATA, PGHOST, PGPORT, ...) so the caller's
/// environment cannot redirect our programs.
fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.as_bytes().starts_with(b"PG") {
            cmd.env_remove(key);
        }
    }
}

/// Whether `port` can currently be bound on 127.0.0.1.
fn port_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// Pick the port: the requested one (must be free), else the remembered one
/// if free, else a fresh free port.
fn choose_port(dir: &Path, requested: Option<u16>) -> Result<u16, Error> {
    if let Some(port) = requested {
        return if port_free(port) {
            Ok(port)
        } else {
            Err(Error::PortInUse { port })
        };
    }
    let remembered = fs::read_to_string(dir.join(PORT_FILE))
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .filter(|&p| p != 0);
    if let Some(port) = remembered {
        if port_free(port) {
            return Ok(port);
        }
        tracing::info!(port, "remembered PostgreSQL port is taken; picking another");
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| Error::io("finding a free port on", "127.0.0.1", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::io("finding a free port on", "127.0.0.1", e))?
        .port();
    Ok(port)
}

/// The interesting fields of `postmaster.pid`.
#[derive(Debug, PartialEq, Eq)]
struct PidFile {
    pid: u32,
    port: Option<u16>,
    status: Option<String>,
}

/// Parse `postmaster.pid`: pid, data dir, start time, port, socket dir,
/// listen address, shmem key, status.
fn parse_pidfile(text: &str) -> Option<PidFile> {
    let lines: Vec<&str> = text.lines().collect();
    // A negative pid denotes a standalone backend.
    let pid = lines.first()?.trim().parse::<i64>().ok()?.unsigned_abs();
    let pid = u32::try_from(pid).ok()?;
    let port = lines.get(3).and_then(|l| l.trim().parse().ok());
    let status = lines
        .get(7)
        .map(|l| l.trim().to_owned())
        .filter(|s| !s.is_empty());
    Some(PidFile { pid, port, status })
}

fn read_pidfile(dir: &Path) -> Option<PidFile> {
    parse_pidfile(&fs::read_to_string(dir.join("postmaster.pid")).ok()?)
}

/// True if the postmaster `pid` owns `dir`, reports "ready", accepts TCP
/// connections on `port`, and (if available) `pg_isready` agrees.
fn is_ready(dir: &Path, pid: u32, port: u16, bin_dir: &Path) -> bool {
    let Some(pidfile) = read_pidfile(dir) else {
        return false;
    };
    if pidfile.pid != pid || pidfile.status.as_deref().is_some_and(|s| s != "ready") {
        return false;
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err() {
        return false;
    }
    let pg_isready = bin_dir.join("pg_isready");
    if !is_executable(&pg_isready) {
        return true;
    }
    let port = port.to_string();
    let mut cmd = Command::new(&pg_isready);
    cmd.args([
        "-q",
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        SUPERUSER,
        "-d",
        "postgres",
        "-t",
        "5",
    ]);
    clean_env(&mut cmd);
    run_with_timeout(&mut cmd, Duration::from_secs(10)).is_ok_and(|out| out.success())
}

/// Inspect a `postmaster.pid` left in an existing cluster directory.
///
/// Returns `Some((pid, port))` for a live, responsive postmaster to adopt,
/// `None` if there is none (or the pid file is stale), and
/// [`Error::AlreadyRunning`] if a live postmaster cannot be reused.
fn existing_postmaster(
    dir: &Path,
    requested_port: Option<u16>,
    bin_dir: &Path,
) -> Result<Option<(u32, u16)>, Error> {
    let pidfile_path = dir.join("postmaster.pid");
    let Some(pidfile) = read_pidfile(dir) else {
        return Ok(None);
    };
    let pid = pidfile.pid;
    if !pid_alive(pid) {
        return Ok(None); // stale: PostgreSQL cleans it up itself
    }
    // Is that pid really the postmaster of this directory (and not a reused pid)?
    let ours = match proc_cwd(pid) {
        Some(cwd) => cwd == dir,
        None => proc_comm(pid).is_none_or(|c| c == "postgres" || c == "postmaster"),
    };
    if !ours {
        tracing::warn!(
            pid,
            "removing stale postmaster.pid (pid now belongs to another process)"
        );
        fs::remove_file(&pidfile_path)
            .map_err(|e| Error::io("removing stale", &pidfile_path, e))?;
        return Ok(None);
    }
    let port = pidfile.port.unwrap_or(0);
    let already_running = |reason: String| Error::AlreadyRunning {
        dir: dir.to_path_buf(),
        pid,
        port,
        reason,
    };
    if let Some(requested) = requested_port.filter(|&p| p != port) {
        return Err(already_running(format!(
            "listens on port {port}, not the requested port {requested}"
        )));
    }
    if port == 0 {
        return Err(already_running("its port is unknown".to_owned()));
    }
    // It may still be starting up or shutting down: wait for either outcome.
    let mut ready = false;
    wait_until(READY_TIMEOUT, || {
        ready = is_ready(dir, pid, port, bin_dir);
        ready || !pid_alive(pid)
    });
    if ready {
        Ok(Some((pid, port)))
    } else if !pid_alive(pid) {
        Ok(None)
    } else {
        Err(already_running(format!(
            "does not accept connections on 127.0.0.1:{port}"
        )))
    }
}

/// The last lines written to `path` since byte `offset` (at most 64 KiB read).
fn log_tail(path: &Path, offset: u64) -> String {
    let read = || -> std::io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let start = if offset > len { 0 } else { offset }.max(len.saturating_sub(64 * 1024));
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    };
    match read() {
        Ok(text) if !text.trim().is_empty() => tail_lines(&text, TAIL_LINES),
        Ok(_) => "(log is empty)".to_owned(),
        Err(e) => format!("(could not read log: {e})"),
    }
}

/// The last `n` lines of `text`.
fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(n);
    lines
        .iter()
        .skip(skip)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidfile_parsing() {
        let text =
            "4242\n/data/pg\n1700000000\n54321\n/data/pg\n127.0.0.1\n  1234 5678\nready   \n";
        assert_eq!(
            parse_pidfile(text),
            Some(PidFile {
                pid: 4242,
                port: Some(54321),
                status: Some("ready".into())
            })
        );
        assert_eq!(
            parse_pidfile("-17\n/x\n"),
            Some(PidFile {
                pid: 17,
                port: None,
                status: None
            })
        );
        assert_eq!(parse_pidfile("junk"), None);
    }

    #[test]
    fn socket_setting_quotes_or_disables() {
        let s = socket_setting(Path::new("/tmp/a \"b\",c"), 5433);
        assert_eq!(
            s,
            OsString::from("unix_socket_directories=\"/tmp/a \"\"b\"\",c\"")
        );
        let long = PathBuf::from(format!("/{}", "x".repeat(100)));
        assert_eq!(
            socket_setting(&long, 5433),
            OsString::from("unix_socket_directories=")
        );
        // Exactly at the limit: 107 bytes fits.
        let edge = PathBuf::from(format!("/{}", "x".repeat(MAX_SOCKET_PATH - 1 - 10 - 5)));
        assert!(socket_path_fits(&edge, 54321));
        let over = PathBuf::from(format!("/{}", "x".repeat(MAX_SOCKET_PATH - 10 - 5)));
        assert!(!socket_path_fits(&over, 54321));
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail_lines("a", 5), "a");
    }
}
