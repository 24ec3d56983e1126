//! `dynastore dev` as a user runs it: a private PostgreSQL, both planes, the
//! printed environment working with the AWS CLI (and the admin API's URL
//! and token), a stable key across restarts, and a clean stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Dev {
    child: Child,
    env: Vec<(String, String)>,
}

fn start(data_dir: &Path) -> Dev {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dynastore"))
        .args(["dev", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut env = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let (k, v) = line.strip_prefix("export ").unwrap().split_once('=').unwrap();
        env.push((k.to_owned(), v.to_owned()));
        if k == "DYNASTORE_TOKEN" {
            break;
        }
    }
    Dev { child, env }
}

fn stop(mut dev: Dev) {
    let pid = dev.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = dev.child.try_wait().unwrap() {
            assert!(status.success(), "dynastore dev exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "dynastore dev did not stop within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn aws(dev: &Dev, args: &[&str]) -> serde_json::Value {
    let out = Command::new("aws")
        .arg("dynamodb")
        .args(args)
        .args(["--output", "json"])
        .envs(dev.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("the AWS CLI is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&out.stdout).unwrap()
}

fn list_tables(dev: &Dev) -> serde_json::Value {
    aws(dev, &["list-tables"])
}

#[test]
fn dev_stack_runs_prints_env_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    // PostgreSQL runs unprivileged when we are root: it must reach the dir.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");

    let dev = start(&data);
    let names: Vec<&str> = dev.env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
            "AWS_ENDPOINT_URL_STS",
            "DYNASTORE_ADMIN_URL",
            "DYNASTORE_TOKEN"
        ]
    );
    assert_eq!(dev.env[5].1, dev.env[4].1, "Streams are answered at the DynamoDB endpoint");
    assert_eq!(dev.env[6].1, dev.env[4].1, "STS is answered at the DynamoDB endpoint");
    assert!(dev.env[7].1.starts_with("http://127.0.0.1:"), "{}", dev.env[7].1);
    assert_eq!(dev.env[8].1.split('.').count(), 3, "a JWT");
    assert_eq!(list_tables(&dev), serde_json::json!({"TableNames": []}));
    let first_key = dev.env[0].1.clone();
    assert!(data.join("jwt-secret").exists(), "the JWT secret is kept with the other state");
    let first_secret = std::fs::read_to_string(data.join("jwt-secret")).unwrap();
    stop(dev);

    // Restart on the same data dir: the cluster is reused, the key is the same.
    let dev = start(&data);
    assert_eq!(dev.env[0].1, first_key);
    assert_eq!(std::fs::read_to_string(data.join("jwt-secret")).unwrap(), first_secret);
    assert_eq!(list_tables(&dev), serde_json::json!({"TableNames": []}));
    stop(dev);
    assert!(!data.join("postgres").join("postmaster.pid").exists(), "PostgreSQL stopped cleanly");
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");

    let mut dev = start(&data);
    aws(
        &dev,
        &[
            "create-table", "--table-name", "Durable",
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "--key-schema", "AttributeName=pk,KeyType=HASH",
            "--billing-mode", "PAY_PER_REQUEST",
        ],
    );
    for i in 0..10 {
        let item = format!(r#"{{"pk":{{"S":"k{i}"}},"n":{{"N":"{i}"}}}}"#);
        aws(&dev, &["put-item", "--table-name", "Durable", "--item", &item]);
    }
    // No shutdown at all: the process dies between requests.
    dev.child.kill().unwrap();
    dev.child.wait().unwrap();

    // The private PostgreSQL outlived its parent; the next start adopts it.
    let dev = start(&data);
    let scan = aws(&dev, &["scan", "--table-name", "Durable"]);
    assert_eq!(scan["Count"], 10, "{scan}");
    let got = aws(&dev, &["get-item", "--table-name", "Durable", "--key", r#"{"pk":{"S":"k7"}}"#]);
    assert_eq!(got["Item"]["n"]["N"], "7");
    stop(dev);
}
