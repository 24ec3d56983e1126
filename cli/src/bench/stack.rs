//! The stack under test when no `--endpoint` is given: the same pieces
//! `dynastore dev` runs — a private PostgreSQL (`pgcluster`), the control
//! plane, the data plane and a tenant with a root key — in this process, on
//! `127.0.0.1:0`, in a fresh temporary directory that is removed afterwards.
//!
//! The directory lives under `/tmp` with mode 0755: when the bench runs as
//! root, PostgreSQL runs as the `postgres` user and must be able to
//! traverse every ancestor of its cluster directory.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use base64::Engine;
use dynastore_common::shutdown::{self, Trigger};
use dynastore_common::Secret;
use rand::RngCore;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::signer::Credentials;

/// Tenant the bench's key belongs to.
const TENANT: &str = "bench";

/// A running stack.
pub struct Stack {
    /// The DynamoDB endpoint.
    pub addr: SocketAddr,
    /// The tenant's root key.
    pub creds: Credentials,
    trigger: Trigger,
    cp_task: JoinHandle<dynastore_control_plane::Result<()>>,
    dp_task: JoinHandle<Result<(), dynastore_data_plane::StartError>>,
    cluster: pgcluster::Cluster,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("addr", &self.addr)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

fn random_b64(n: usize) -> Secret {
    let mut buf = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut buf);
    Secret::new(base64::engine::general_purpose::STANDARD.encode(&buf))
}

/// Everything but Postgres, started; torn down by [`Stack::stop`].
struct Planes {
    addr: SocketAddr,
    creds: Credentials,
    trigger: Trigger,
    cp_task: JoinHandle<dynastore_control_plane::Result<()>>,
    dp_task: JoinHandle<Result<(), dynastore_data_plane::StartError>>,
}

impl Stack {
    /// Starts Postgres, both planes and the tenant; `sync` is the data
    /// plane's sync policy (`always` or `interval`).
    pub async fn start(sync: &str, region: &str) -> anyhow::Result<Stack> {
        let dir = tempfile::Builder::new()
            .prefix("dynastore-bench-")
            .tempdir_in("/tmp")
            .context("creating a temporary directory under /tmp")?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("chmod 0755 {}", dir.path().display()))?;
        }
        let opts = pgcluster::Options {
            dir: dir.path().join("postgres"),
            port: None,
            bin_dir: None,
        };
        let cluster = tokio::task::spawn_blocking(move || pgcluster::Cluster::start(opts))
            .await
            .context("postgres start task failed")?
            .context("starting the private PostgreSQL")?;
        match start_planes(&cluster.url(), dir.path(), sync, region).await {
            Ok(p) => Ok(Stack {
                addr: p.addr,
                creds: p.creds,
                trigger: p.trigger,
                cp_task: p.cp_task,
                dp_task: p.dp_task,
                cluster,
                dir,
            }),
            Err(e) => {
                let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
                drop(dir);
                Err(e)
            }
        }
    }

    /// The directory holding the stack's data (tenant storage, Postgres).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Stops both planes, then Postgres, then removes the directory.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.trigger.fire();
        let cp = tokio::time::timeout(Duration::from_secs(30), self.cp_task).await;
        let dp = tokio::time::timeout(Duration::from_secs(30), self.dp_task).await;
        let cluster = self.cluster;
        let pg = tokio::task::spawn_blocking(move || cluster.stop()).await;
        drop(self.dir);
        cp.context("the control plane did not stop within 30 s")?
            .context("control plane task")?
            .context("control plane")?;
        dp.context("the data plane did not stop within 30 s")?
            .context("data plane task")?
            .context("data plane")?;
        pg.context("postgres stop task")?.context("stopping PostgreSQL")?;
        Ok(())
    }
}

async fn start_planes(database_url: &str, dir: &std::path::Path, sync: &str, region: &str) -> anyhow::Result<Planes> {
    let data_listener = TcpListener::bind("127.0.0.1:0").await?;
    let admin_listener = TcpListener::bind("127.0.0.1:0").await?;
    let admin_addr = admin_listener.local_addr()?;
    let addr = data_listener.local_addr()?;
    let internal_token = random_b64(24);
    let (trigger, stop) = shutdown::channel();

    let cp_config = dynastore_control_plane::Config {
        database_url: Secret::new(database_url),
        listen: admin_addr.to_string(),
        internal_token: internal_token.clone(),
        master_key: random_b64(32),
        long_poll_secs: 25,
        db_max_connections: 10,
    };
    let cp = dynastore_control_plane::ControlPlane::start(cp_config, stop.clone()).await?;
    let tenant = cp.ensure_tenant(TENANT).await?;
    let key = cp.ensure_root_key(&tenant, None).await?;
    let cp_task = {
        let cp = cp.clone();
        let stop = stop.clone();
        tokio::spawn(async move { cp.serve(admin_listener, stop).await })
    };

    let mut dp_config = dynastore_data_plane::Config::new(format!("http://{admin_addr}"), internal_token);
    dp_config.listen = addr.to_string();
    dp_config.region = region.to_owned();
    dp_config.data_dir = dir.join("data");
    dp_config.sync = sync.to_owned();
    let dp = match dynastore_data_plane::DataPlane::start(dp_config, stop.clone()) {
        Ok(dp) => dp,
        Err(e) => {
            trigger.fire();
            let _ = cp_task.await;
            return Err(e.into());
        }
    };
    let dp_task = {
        let dp = dp.clone();
        tokio::spawn(async move { dp.serve(data_listener, stop).await })
    };
    if !dp.wait_loaded(Duration::from_secs(30)).await {
        trigger.fire();
        let _ = cp_task.await;
        let _ = dp_task.await;
        bail!("the data plane could not load its config from the control plane at http://{admin_addr}");
    }
    Ok(Planes {
        addr,
        creds: Credentials {
            access_key_id: key.access_key_id.clone(),
            secret_access_key: key.secret_access_key.expose().to_owned(),
            region: region.to_owned(),
        },
        trigger,
        cp_task,
        dp_task,
    })
}
