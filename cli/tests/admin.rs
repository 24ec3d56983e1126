//! `dynastore admin` as an operator runs it: against `dynastore dev` (on a
//! fresh database of the test server), with the `DYNASTORE_ADMIN_URL` and
//! `DYNASTORE_TOKEN` it prints — tenants, users, keys, policies and
//! attachments, `--json` output, `token`, and errors on stderr with a
//! non-zero exit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

/// The server test databases are created on.
fn server_url() -> String {
    std::env::var("DYNASTORE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.find('?') {
        Some(q) => url.split_at(q),
        None => (url, ""),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    match base[authority_end..].rfind('/') {
        Some(i) => format!("{}/{db}{query}", &base[..authority_end + i]),
        None => format!("{base}/{db}{query}"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh database, dropped on drop.
struct Database {
    name: String,
    url: String,
}

impl Database {
    fn create() -> Database {
        let name = format!("ds_cli_admin_{}_{}", std::process::id(), rand_suffix());
        let server = server_url();
        runtime().block_on(async {
            let mut conn = sqlx::PgConnection::connect(&server)
                .await
                .unwrap_or_else(|e| panic!("cannot reach Postgres at {server}: {e}"));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
        });
        Database {
            url: with_database(&server, &name),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let server = server_url();
        let name = self.name.clone();
        runtime().block_on(async move {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        });
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos().into())
        .unwrap_or(0)
}

struct Dev {
    child: Child,
    url: String,
    token: String,
}

fn start_dev(data_dir: &Path, database_url: &str) -> Dev {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dynastore"))
        .args([
            "dev",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (mut url, mut token) = (String::new(), String::new());
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let (k, v) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        match k {
            "DYNASTORE_ADMIN_URL" => url = v.to_owned(),
            "DYNASTORE_TOKEN" => {
                token = v.to_owned();
                break;
            }
            _ => {}
        }
    }
    assert!(
        !url.is_empty() && !token.is_empty(),
        "dynastore dev printed the admin URL and token"
    );
    Dev { child, url, token }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `dynastore admin ARGS` with the dev stack's URL and token in the
/// environment, `stdin` piped in when given.
fn admin(dev: &Dev, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dynastore"));
    cmd.arg("admin")
        .args(args)
        .env("DYNASTORE_ADMIN_URL", &dev.url)
        .env("DYNASTORE_TOKEN", &dev.token)
        .env_remove("DYNASTORE_CP_JWT_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// `admin` that must succeed; returns stdout.
fn ok(dev: &Dev, args: &[&str]) -> String {
    let out = admin(dev, args, None);
    assert!(
        out.status.success(),
        "dynastore admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `admin --json` that must succeed; returns the parsed output.
fn json(dev: &Dev, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dev, &all)).unwrap()
}

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]
}"#;

#[test]
fn admin_cli_drives_the_admin_api() {
    let db = Database::create();
    let dir = tempfile::tempdir().unwrap();
    let dev = start_dev(&dir.path().join("data"), &db.url);

    // Tenants: human output is an aligned table; --json is the API's JSON.
    let created = json(&dev, &["tenants", "create", "acme"]);
    assert_eq!(created["name"], "acme");
    assert_eq!(created["account_id"].as_str().unwrap().len(), 12);
    let table = ok(&dev, &["tenants", "list"]);
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("NAME") && header.contains("ACCOUNT"),
        "{table}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "default and acme: {table}");
    assert!(rows[0].starts_with("acme "), "{table}");
    assert!(rows[1].starts_with("default "), "{table}");
    // Columns line up: each column starts at the same offset on every line.
    let col = header.find("ID").unwrap();
    assert!(
        rows.iter()
            .all(|r| r[col..].starts_with(|c: char| c.is_ascii_hexdigit())),
        "{table}"
    );
    let listed = json(&dev, &["tenants", "list"]);
    assert_eq!(listed["tenants"].as_array().unwrap().len(), 2);

    let updated = json(
        &dev,
        &[
            "tenants",
            "update",
            "acme",
            "--status",
            "suspended",
            "--max-tables",
            "5",
        ],
    );
    assert_eq!(updated["status"], "suspended");
    assert_eq!(updated["quotas"]["max_tables"], 5);
    let updated = json(
        &dev,
        &[
            "tenants",
            "update",
            "acme",
            "--status",
            "active",
            "--max-tables",
            "unlimited",
        ],
    );
    assert_eq!(updated["quotas"]["max_tables"], serde_json::Value::Null);

    // Users, keys, policies.
    let user = json(&dev, &["users", "create", "acme", "alice"]);
    assert_eq!(user["name"], "alice");
    let key = json(&dev, &["keys", "create", "acme", "alice"]);
    let key_id = key["access_key_id"].as_str().unwrap().to_owned();
    assert_eq!(key["secret_access_key"].as_str().unwrap().len(), 40);
    let shown = ok(&dev, &["keys", "deactivate", "acme", "alice", &key_id]);
    assert!(shown.contains("inactive"), "{shown}");
    let keys = json(&dev, &["keys", "list", "acme", "alice"]);
    assert_eq!(keys["access_keys"][0]["status"], "inactive");

    let policy_file = dir.path().join("read.json");
    std::fs::write(&policy_file, POLICY).unwrap();
    let policy = json(
        &dev,
        &[
            "policies",
            "create",
            "acme",
            "read",
            "--document",
            policy_file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        policy["document"]["Statement"][0]["Action"],
        "dynamodb:GetItem"
    );
    // From stdin.
    let out = admin(
        &dev,
        &[
            "--json",
            "policies",
            "create",
            "acme",
            "read2",
            "--document",
            "-",
        ],
        Some(POLICY),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let attached = ok(&dev, &["policies", "attach", "acme", "alice", "read"]);
    assert!(attached.contains("attached"), "{attached}");
    let alice = json(&dev, &["users", "show", "acme", "alice"]);
    assert_eq!(alice["policies"], serde_json::json!(["read"]));
    assert_eq!(alice["access_keys"], serde_json::json!([key_id]));

    // Errors: the problem's title and detail on stderr, a non-zero exit.
    let out = admin(&dev, &["policies", "delete", "acme", "read"], None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Conflict")
            && stderr.contains("Cannot delete a policy attached to entities."),
        "{stderr}"
    );
    let out = admin(&dev, &["tenants", "create", "acme"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let out = admin(&dev, &["--token", "not-a-token", "tenants", "list"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unauthorized"));

    // Audit, as a table and as JSON.
    let audit = json(
        &dev,
        &["audit", "--tenant", "acme", "--action", "CreateUser"],
    );
    assert_eq!(audit["events"][0]["principal"], "dev");
    let audit = ok(&dev, &["audit", "--tenant", "acme", "--limit", "2"]);
    assert!(audit.starts_with("AT"), "{audit}");
    assert!(audit.contains("next token: "), "{audit}");

    // A tenant admin's token minted from the dev stack's secret.
    let secret_file = dir.path().join("data").join("jwt-secret");
    let minted = ok(
        &dev,
        &[
            "token",
            "--role",
            "tenant-admin",
            "--tenant",
            "acme",
            "--ttl",
            "10m",
            "--secret-file",
            secret_file.to_str().unwrap(),
        ],
    );
    let tenant_token = minted.trim();
    let own = json(&dev, &["--token", tenant_token, "users", "list", "acme"]);
    assert_eq!(own["users"][0]["name"], "alice");
    let out = admin(&dev, &["--token", tenant_token, "tenants", "list"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Forbidden"));

    // Detach and clean up.
    ok(&dev, &["policies", "detach", "acme", "alice", "read"]);
    ok(&dev, &["policies", "delete", "acme", "read"]);
    ok(&dev, &["tenants", "delete", "acme"]);
    let out = admin(&dev, &["tenants", "show", "acme"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Not Found"));
}
