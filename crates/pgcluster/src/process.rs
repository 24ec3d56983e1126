//! Small blocking process helpers: running a program with a timeout,
//! sending signals without `libc` (via `kill`), and checking whether a pid
//! is alive (via `/proc`, falling back to `kill -0`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Result of [`run_with_timeout`].
#[derive(Debug)]
pub(crate) struct RunOutput {
    /// Exit status, or `None` if the program was killed after the timeout.
    pub status: Option<ExitStatus>,
    /// Standard output (lossy UTF-8).
    pub stdout: String,
    /// Standard error (lossy UTF-8).
    pub stderr: String,
}

impl RunOutput {
    /// True if the program exited with status 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// Human-readable exit status.
    pub fn status_text(&self) -> String {
        match self.status {
            Some(s) => s.to_string(),
            None => "timed out and killed".to_owned(),
        }
    }

    /// stdout followed by stderr.
    pub fn combined(&self) -> String {
        let mut all = self.stdout.clone();
        if !all.is_empty() && !all.ends_with('\n') {
            all.push('\n');
        }
        all.push_str(&self.stderr);
        all
    }
}

/// Run `cmd` to completion, capturing output; kill it after `timeout`.
pub(crate) fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> std::io::Result<RunOutput> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let out_reader = child.stdout.take().map(spawn_reader);
    let err_reader = child.stderr.take().map(spawn_reader);
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let join = |h: Option<thread::JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    };
    Ok(RunOutput {
        status,
        stdout: join(out_reader),
        stderr: join(err_reader),
    })
}

fn spawn_reader<R: Read + Send + 'static>(mut r: R) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Send signal `sig` (a name such as `INT`, `QUIT`, `KILL`, or `0`) to `pid`
/// by running `kill`. Returns true if `kill` reported success.
pub(crate) fn send_signal(pid: u32, sig: &str) -> bool {
    let pid = pid.to_string();
    let quiet = |c: &mut Command| {
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    // The POSIX shell builtin is always there; the `kill` binary is a fallback.
    let mut sh = Command::new("/bin/sh");
    sh.args(["-c", "kill -s \"$1\" \"$2\"", "sh", sig, &pid]);
    quiet(&mut sh);
    if let Ok(status) = sh.status() {
        return status.success();
    }
    let mut kill = Command::new("kill");
    kill.args(["-s", sig, &pid]);
    quiet(&mut kill);
    kill.status().is_ok_and(|s| s.success())
}

/// Whether a process with `pid` exists and is not a zombie.
pub(crate) fn pid_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    if Path::new("/proc/self").exists() {
        return match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => proc_state(&stat).is_some_and(|s| s != 'Z' && s != 'X'),
            Err(_) => false,
        };
    }
    send_signal(pid, "0")
}

/// The state letter from `/proc/<pid>/stat` (the field after `(comm)`).
fn proc_state(stat: &str) -> Option<char> {
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    rest.trim_start().chars().next()
}

/// The short command name of `pid`, if `/proc` is available.
pub(crate) fn proc_comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim_end().to_owned())
}

/// The working directory of `pid`, if readable (same user or root).
pub(crate) fn proc_cwd(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/cwd")).ok()
}

/// Wait until `done()` is true or `timeout` elapses; returns `done()`'s
/// final value.
pub(crate) fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Wait for our own child to exit (reaping it), up to `timeout`.
pub(crate) fn wait_child(child: &mut Child, timeout: Duration) -> bool {
    wait_until(timeout, || matches!(child.try_wait(), Ok(Some(_)) | Err(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_state_parsing() {
        assert_eq!(proc_state("123 (post gres) S 1 2 3"), Some('S'));
        assert_eq!(proc_state("123 (a)b) Z 1"), Some('Z'));
        assert_eq!(proc_state("garbage"), None);
    }

    #[test]
    fn own_pid_is_alive_and_timeout_kills() {
        assert!(pid_alive(std::process::id()));
        let out = run_with_timeout(Command::new("sleep").arg("10"), Duration::from_millis(200))
            .expect("spawn sleep");
        assert!(out.status.is_none());
        let out = run_with_timeout(
            Command::new("sh").args(["-c", "echo hi; echo err >&2"]),
            Duration::from_secs(10),
        )
        .expect("spawn sh");
        assert!(out.success());
        assert_eq!(out.combined(), "hi\nerr\n");
    }
}
