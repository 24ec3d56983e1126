//! `dynastore admin token`: mints an HS256 admin token from the control
//! plane's shared secret; and the JWT secret of `dynastore dev`, kept in
//! `<data-dir>/jwt-secret` (mode 0600) so tokens survive restarts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use base64::Engine;
use clap::Args;
use dynastore_common::Secret;
use dynastore_control_plane::admin::auth::{mint_hs256, Claims, Role};
use rand::RngCore;

/// Lifetime of the operator token `dynastore dev` prints.
pub const DEV_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// Which role the token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// A platform operator: every tenant.
    Operator,
    /// The administrator of one tenant (--tenant).
    TenantAdmin,
}

/// Flags of `dynastore admin token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The role the token grants.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// The tenant (name or id) of a tenant-admin token.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Lifetime: seconds, or a number with s, m, h or d.
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: Duration,
    /// The token's subject (`sub`), recorded in the audit log.
    #[arg(long)]
    pub subject: Option<String>,
    /// File holding the shared secret (default: $DYNASTORE_CP_JWT_SECRET,
    /// else the file named by $DYNASTORE_CP_JWT_SECRET_FILE).
    #[arg(long)]
    pub secret_file: Option<PathBuf>,
}

/// Parses `90`, `90s`, `15m`, `1h`, `7d`.
pub fn parse_ttl(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("invalid duration {s:?}"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("invalid duration {s:?}: use s, m, h or d")),
    };
    if secs == 0 {
        return Err("the lifetime must be positive".into());
    }
    Ok(Duration::from_secs(secs))
}

fn read_secret(path: &Path) -> anyhow::Result<Secret> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Secret::new(text.trim()))
}

/// The shared secret the flags or environment name.
fn secret(args: &TokenArgs) -> anyhow::Result<Secret> {
    if let Some(path) = &args.secret_file {
        return read_secret(path);
    }
    if let Ok(value) = std::env::var("DYNASTORE_CP_JWT_SECRET") {
        return Ok(Secret::new(value));
    }
    if let Ok(path) = std::env::var("DYNASTORE_CP_JWT_SECRET_FILE") {
        return read_secret(Path::new(&path));
    }
    bail!("no JWT secret: set DYNASTORE_CP_JWT_SECRET or pass --secret-file (dynastore dev keeps it in <data-dir>/jwt-secret)")
}

/// Mints the token `args` describe.
pub fn mint(args: &TokenArgs) -> anyhow::Result<String> {
    let role = match (args.role, &args.tenant) {
        (RoleArg::Operator, None) => Role::Operator,
        (RoleArg::Operator, Some(_)) => bail!("--tenant goes with --role tenant-admin"),
        (RoleArg::TenantAdmin, Some(t)) => Role::TenantAdmin(t.clone()),
        (RoleArg::TenantAdmin, None) => bail!("--role tenant-admin needs --tenant"),
    };
    let subject = args.subject.clone().unwrap_or_else(|| match &role {
        Role::Operator => "operator".to_owned(),
        Role::TenantAdmin(t) => format!("tenant-admin:{t}"),
    });
    let secret = secret(args)?;
    mint_hs256(&secret, &Claims::new(&subject, &role, args.ttl)).map_err(anyhow::Error::msg)
}

/// The operator token `dynastore dev` prints.
pub fn dev_operator_token(secret: &Secret) -> anyhow::Result<String> {
    mint_hs256(secret, &Claims::new("dev", &Role::Operator, DEV_TOKEN_TTL))
        .map_err(anyhow::Error::msg)
}

/// The JWT secret of `dynastore dev` in `data_dir`, created on first use.
pub fn dev_secret(data_dir: &Path) -> anyhow::Result<Secret> {
    let path = data_dir.join("jwt-secret");
    if path.exists() {
        return read_secret(&path);
    }
    let mut buf = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut buf);
    let secret = base64::engine::general_purpose::STANDARD.encode(buf);
    {
        use std::io::Write;
        #[cfg(unix)]
        use std::os::unix::fs::OpenOptionsExt;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        opts.mode(0o600);
        let mut f = opts
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        f.write_all(secret.as_bytes())?;
        f.sync_all()?;
    }
    Ok(Secret::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_ttl("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_ttl("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_ttl("7d").unwrap(), Duration::from_secs(7 * 86_400));
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("h").is_err());
    }

    #[test]
    fn dev_secret_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = dev_secret(dir.path()).unwrap();
        let b = dev_secret(dir.path()).unwrap();
        assert_eq!(a, b);
        assert!(a.expose().len() >= 32);
    }
}
