//! `dynastore dev`: the whole stack in one command for laptops and CI.
//!
//! Without `--database-url` it runs a private PostgreSQL in
//! `<data-dir>/postgres`; it keeps the master key and internal token in
//! `<data-dir>/dev-secrets.json` (mode 0600) so keys survive restarts;
//! it ensures a `default` tenant with a root key and prints the
//! environment for the AWS CLI and SDKs, then the admin API's URL and an
//! operator token (signed with `<data-dir>/jwt-secret`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use base64::Engine;
use clap::Args;
use dynastore_common::shutdown;
use dynastore_common::Secret;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

/// Flags of `dynastore dev`.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// Where state lives (Postgres cluster, tenant data, dev secrets).
    #[arg(long, env = "DYNASTORE_DATA_DIR", default_value = "./.dynastore")]
    pub data_dir: PathBuf,
    /// Address of the DynamoDB endpoint.
    #[arg(long, env = "DYNASTORE_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,
    /// Address of the control plane (admin API).
    #[arg(long, env = "DYNASTORE_ADMIN_LISTEN", default_value = "127.0.0.1:8080")]
    pub admin_listen: SocketAddr,
    /// Use this Postgres instead of a private cluster.
    #[arg(long, env = "DYNASTORE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Root access key id of the `default` tenant (with --secret-access-key).
    #[arg(long, env = "DYNASTORE_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    /// Root secret access key of the `default` tenant.
    #[arg(long, env = "DYNASTORE_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub secret_access_key: Option<String>,
    /// Region printed in AWS_REGION.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Hold provisioned tables to their capacity, as DynamoDB does. Off by
    /// default here, as in DynamoDB Local: a laptop's or CI's tables are
    /// often provisioned far below the load their tests put on them. The
    /// data-plane service (`DYNASTORE_DP_THROTTLE_PROVISIONED`) throttles
    /// by default.
    #[arg(long, env = "DYNASTORE_PROVISIONED_THROTTLING", default_value_t = false, action = clap::ArgAction::Set)]
    pub provisioned_throttling: bool,
}

#[derive(Serialize, Deserialize)]
struct DevSecrets {
    master_key: Secret,
    internal_token: Secret,
}

fn random_b64(n: usize) -> Secret {
    let mut buf = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut buf);
    Secret::new(base64::engine::general_purpose::STANDARD.encode(&buf))
}

fn load_or_create_secrets(dir: &Path) -> anyhow::Result<DevSecrets> {
    let path = dir.join("dev-secrets.json");
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        return serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()));
    }
    let secrets = DevSecrets {
        master_key: random_b64(32),
        internal_token: random_b64(24),
    };
    let text = serde_json::to_string_pretty(&secrets)?;
    write_private(&path, text.as_bytes())?;
    Ok(secrets)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn explicit_key(args: &DevArgs) -> anyhow::Result<Option<(String, Secret)>> {
    let printable = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    match (&args.access_key_id, &args.secret_access_key) {
        (None, None) => Ok(None),
        (Some(id), Some(secret)) => {
            if !printable(id) || !printable(secret) {
                bail!("--access-key-id and --secret-access-key must be non-empty printable ASCII without spaces");
            }
            Ok(Some((id.clone(), Secret::new(secret.clone()))))
        }
        _ => bail!("--access-key-id and --secret-access-key must be given together"),
    }
}

async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} for the {what} (is another instance running? change it with a flag)"))
}

/// Runs the stack until SIGINT/SIGTERM.
pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    let explicit = explicit_key(&args)?;
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let data_dir = args.data_dir.canonicalize()?;
    let secrets = load_or_create_secrets(&data_dir)?;
    let jwt_secret = crate::admin::token::dev_secret(&data_dir)?;

    let data_listener = bind(args.listen, "DynamoDB endpoint").await?;
    let admin_listener = bind(args.admin_listen, "control plane").await?;
    let admin_addr = admin_listener.local_addr()?;
    let data_addr = data_listener.local_addr()?;

    let (cluster, database_url) = match &args.database_url {
        Some(url) => (None, url.clone()),
        None => {
            let opts = pgcluster::Options {
                dir: data_dir.join("postgres"),
                port: None,
                bin_dir: None,
            };
            let cluster = tokio::task::spawn_blocking(move || pgcluster::Cluster::start(opts))
                .await
                .context("postgres start task failed")??;
            let url = cluster.url();
            tracing::info!(%url, "private PostgreSQL running");
            (Some(cluster), url)
        }
    };

    let result = run_planes(&args, explicit, secrets, jwt_secret, database_url, admin_listener, data_listener, admin_addr, data_addr).await;

    if let Some(cluster) = cluster {
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .context("postgres stop task failed")??;
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn run_planes(
    args: &DevArgs,
    explicit: Option<(String, Secret)>,
    secrets: DevSecrets,
    jwt_secret: Secret,
    database_url: String,
    admin_listener: TcpListener,
    data_listener: TcpListener,
    admin_addr: SocketAddr,
    data_addr: SocketAddr,
) -> anyhow::Result<()> {
    let (trigger, stop) = shutdown::channel();
    let cp_config = dynastore_control_plane::Config {
        database_url: Secret::new(database_url),
        listen: admin_addr.to_string(),
        internal_token: secrets.internal_token.clone(),
        master_key: secrets.master_key.clone(),
        long_poll_secs: 25,
        db_max_connections: 10,
    };
    let admin_token = crate::admin::token::dev_operator_token(&jwt_secret)?;
    let admin_config = dynastore_control_plane::AdminConfig::with_secret(jwt_secret);
    let cp = dynastore_control_plane::ControlPlane::start_with_admin(cp_config, admin_config, stop.clone()).await?;
    let tenant = cp.ensure_tenant("default").await?;
    let key = cp.ensure_root_key(&tenant, explicit).await?;
    let cp_task = {
        let cp = cp.clone();
        let stop = stop.clone();
        tokio::spawn(async move { cp.serve(admin_listener, stop).await })
    };

    let mut dp_config = dynastore_data_plane::Config::new(format!("http://{admin_addr}"), secrets.internal_token.clone());
    dp_config.listen = data_addr.to_string();
    dp_config.region = args.region.clone();
    dp_config.data_dir = args.data_dir.join("data");
    dp_config.throttle_provisioned = args.provisioned_throttling;
    let dp = dynastore_data_plane::DataPlane::start(dp_config, stop.clone())?;
    let dp_task = {
        let dp = dp.clone();
        let stop = stop.clone();
        tokio::spawn(async move { dp.serve(data_listener, stop).await })
    };
    if !dp.wait_loaded(Duration::from_secs(30)).await {
        trigger.fire();
        bail!("the data plane could not load its config from the control plane at http://{admin_addr}");
    }

    println!("export AWS_ACCESS_KEY_ID={}", key.access_key_id);
    println!("export AWS_SECRET_ACCESS_KEY={}", key.secret_access_key.expose());
    println!("export AWS_REGION={}", args.region);
    // The AWS CLI v1 (and boto3) read only AWS_DEFAULT_REGION.
    println!("export AWS_DEFAULT_REGION={}", args.region);
    println!("export AWS_ENDPOINT_URL_DYNAMODB=http://{data_addr}");
    // DynamoDB Streams is its own service to the SDKs (streams.dynamodb…).
    println!("export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=http://{data_addr}");
    // STS's GetCallerIdentity is answered there too.
    println!("export AWS_ENDPOINT_URL_STS=http://{data_addr}");
    println!("export DYNASTORE_ADMIN_URL=http://{admin_addr}");
    println!("export DYNASTORE_TOKEN={admin_token}");
    tracing::info!("Dynastore is running; Ctrl-C stops it");
    // Flush now: scripts read these lines while the stack keeps running.
    {
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }

    shutdown::signal().await;
    tracing::info!("shutting down");
    trigger.fire();
    let cp_result = cp_task.await;
    let dp_result = dp_task.await;
    cp_result.context("control plane task")??;
    dp_result.context("data plane task")??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        dev: DevArgs,
    }

    /// dev leaves provisioned tables unthrottled, as DynamoDB Local, unless
    /// asked.
    #[test]
    fn provisioned_throttling_is_off_unless_asked() {
        let plain = Cli::try_parse_from(["dev"]).expect("no flags");
        assert!(!plain.dev.provisioned_throttling);
        let on = Cli::try_parse_from(["dev", "--provisioned-throttling", "true"]).expect("flag");
        assert!(on.dev.provisioned_throttling);
    }
}
