//! JWT authentication of the admin API: verify a bearer token against the
//! configured key (HS shared secret, PEM public key, or JWKS) and turn its
//! claims into a [`Principal`] with a [`Role`]; and mint HS256 tokens (for
//! `dynastore admin token`, `dynastore dev` and tests).
//!
//! Invariants:
//! - the accepted `alg` is pinned to the family of the configured key, so
//!   `alg: none` and HS256 tokens signed with an RSA public key as the
//!   "secret" are refused before any signature check;
//! - `exp` and `sub` are required, `nbf` is checked when present, `iss`
//!   and `aud` are required and checked when configured;
//! - why a token failed is logged at debug level, never answered.
//!
//! Roles: `{"role": "operator"}` is a platform operator (every tenant);
//! `{"role": "tenant_admin", "tenant": "<name or id>"}` administers one
//! tenant's users, keys, policies, tables and audit trail.

use std::time::Duration;

use dynastore_common::Secret;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::error::AdminError;
use crate::config::AdminConfig;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 30;

/// What a verified token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A platform operator: every tenant, tenant creation and deletion, the
    /// global audit log.
    Operator,
    /// The administrator of one tenant, named by name or id.
    TenantAdmin(String),
}

impl Role {
    /// The claim value of the role.
    pub fn claim(&self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::TenantAdmin(_) => "tenant_admin",
        }
    }
}

/// The caller of an admin request: who (the token's `sub`, recorded in
/// the audit log) and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub role: Role,
}

/// The claims of a token this module mints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    pub iat: u64,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

impl Claims {
    /// Claims for `subject` with `role`, valid from now for `ttl`.
    pub fn new(subject: &str, role: &Role, ttl: Duration) -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            sub: subject.to_owned(),
            iat: now,
            exp: now.saturating_add(ttl.as_secs()),
            role: role.claim().to_owned(),
            tenant: match role {
                Role::Operator => None,
                Role::TenantAdmin(t) => Some(t.clone()),
            },
            iss: None,
            aud: None,
        }
    }
}

/// Signs `claims` with HS256 under `secret`.
pub fn mint_hs256(secret: &Secret, claims: &Claims) -> Result<String, String> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )
    .map_err(|e| format!("cannot sign the token: {e}"))
}

/// The claims read from a verified token (the registered ones are checked
/// by `jsonwebtoken`).
#[derive(Debug, Deserialize)]
struct RoleClaims {
    sub: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
}

/// One verification key with the validation that goes with it.
struct VerifyKey {
    kid: Option<String>,
    key: DecodingKey,
    validation: Validation,
}

/// Verifies bearer tokens; built once from [`AdminConfig`].
pub struct Verifier {
    keys: Vec<VerifyKey>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Verifier {
    /// The verifier `config` describes; `None` when the admin API is
    /// disabled. Errors say what is wrong with the key material.
    pub fn from_config(config: &AdminConfig) -> Result<Option<Verifier>, String> {
        if !config.admin_api_enabled {
            return Ok(None);
        }
        config.validate()?;
        let validation = |algorithms: Vec<Algorithm>| base_validation(config, algorithms);
        let keys = if let Some(secret) = &config.jwt_secret {
            vec![VerifyKey {
                kid: None,
                key: DecodingKey::from_secret(secret.expose().as_bytes()),
                validation: validation(AlgorithmFamily::Hmac.algorithms().to_vec()),
            }]
        } else if let Some(pem) = &config.jwt_public_key {
            let key = pem_key(pem.as_bytes())?;
            let algorithms = key.family().algorithms().to_vec();
            vec![VerifyKey {
                kid: None,
                key,
                validation: validation(algorithms),
            }]
        } else if let Some(jwks) = &config.jwt_jwks {
            jwks_keys(jwks, &validation)?
        } else {
            return Err("no JWT key configured".into());
        };
        Ok(Some(Verifier { keys }))
    }

    /// The principal of a valid `token`; `Unauthorized` when it does not
    /// verify, `Forbidden` when it grants no admin role.
    pub fn verify(&self, token: &str) -> Result<Principal, AdminError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| refuse("header", &e))?;
        let key = match (&header.kid, self.keys.as_slice()) {
            (_, [only]) if only.kid.is_none() => Some(only),
            (Some(kid), keys) => keys.iter().find(|k| k.kid.as_deref() == Some(kid.as_str())),
            (None, [only]) => Some(only),
            (None, _) => None,
        };
        let Some(key) = key else {
            tracing::debug!(kid = ?header.kid, "admin token refused: no matching key");
            return Err(AdminError::Unauthorized);
        };
        let data = jsonwebtoken::decode::<RoleClaims>(token, &key.key, &key.validation)
            .map_err(|e| refuse("token", &e))?;
        let claims = data.claims;
        if claims.sub.is_empty() {
            return Err(AdminError::Unauthorized);
        }
        let role = match (claims.role.as_deref(), claims.tenant) {
            (Some("operator"), _) => Role::Operator,
            (Some("tenant_admin" | "tenant-admin"), Some(t)) if !t.is_empty() => Role::TenantAdmin(t),
            _ => {
                return Err(AdminError::Forbidden(
                    "the token grants no admin role (role \"operator\", or \"tenant_admin\" with \"tenant\")".into(),
                ))
            }
        };
        Ok(Principal {
            subject: claims.sub,
            role,
        })
    }
}

fn refuse(what: &str, e: &jsonwebtoken::errors::Error) -> AdminError {
    tracing::debug!(error = %e, "admin token refused ({what})");
    AdminError::Unauthorized
}

fn base_validation(config: &AdminConfig, algorithms: Vec<Algorithm>) -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.algorithms = algorithms;
    v.leeway = LEEWAY_SECS;
    v.validate_exp = true;
    v.validate_nbf = true;
    let mut required = vec!["exp", "sub"];
    if let Some(iss) = &config.jwt_issuer {
        v.set_issuer(&[iss]);
        required.push("iss");
    }
    match &config.jwt_audience {
        Some(aud) => {
            v.set_audience(&[aud]);
            v.validate_aud = true;
            required.push("aud");
        }
        None => v.validate_aud = false,
    }
    v.set_required_spec_claims(&required);
    v
}

/// A PEM public key: RSA, EC or Ed25519.
fn pem_key(pem: &[u8]) -> Result<DecodingKey, String> {
    DecodingKey::from_rsa_pem(pem)
        .or_else(|_| DecodingKey::from_ec_pem(pem))
        .or_else(|_| DecodingKey::from_ed_pem(pem))
        .map_err(|e| format!("jwt_public_key is not a PEM RSA, EC or Ed25519 public key: {e}"))
}

/// The signing keys of a JWKS document, each pinned to its algorithm
/// (`alg` when given, else its key type's family and curve).
fn jwks_keys(
    text: &str,
    validation: &dyn Fn(Vec<Algorithm>) -> Validation,
) -> Result<Vec<VerifyKey>, String> {
    let set: JwkSet =
        serde_json::from_str(text).map_err(|e| format!("jwt_jwks is not a JWKS document: {e}"))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| {
            format!(
                "jwt_jwks key {:?} is unusable: {e}",
                jwk.common.key_id.as_deref().unwrap_or("?")
            )
        })?;
        let family = key.family();
        let algorithms = match (&jwk.common.key_algorithm, &jwk.algorithm) {
            (Some(alg), _) => {
                let alg: Algorithm = alg
                    .to_string()
                    .parse()
                    .map_err(|_| format!("jwt_jwks: unsupported alg {alg}"))?;
                if alg.family() != family {
                    return Err(format!("jwt_jwks: alg {alg:?} does not fit the key type"));
                }
                vec![alg]
            }
            (None, AlgorithmParameters::EllipticCurve(ec)) => match ec.curve {
                EllipticCurve::P256 => vec![Algorithm::ES256],
                EllipticCurve::P384 => vec![Algorithm::ES384],
                _ => return Err("jwt_jwks: unsupported elliptic curve".into()),
            },
            (None, _) => family.algorithms().to_vec(),
        };
        keys.push(VerifyKey {
            kid: jwk.common.key_id.clone(),
            key,
            validation: validation(algorithms),
        });
    }
    if keys.is_empty() {
        return Err("jwt_jwks holds no signing key".into());
    }
    if keys.len() > 1 && keys.iter().any(|k| k.kid.is_none()) {
        return Err("jwt_jwks: with several keys, every key needs a kid".into());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn verifier(issuer: Option<&str>, audience: Option<&str>) -> Verifier {
        let mut c = AdminConfig::with_secret(Secret::new(SECRET));
        c.jwt_issuer = issuer.map(str::to_owned);
        c.jwt_audience = audience.map(str::to_owned);
        Verifier::from_config(&c).unwrap().unwrap()
    }

    fn token(claims: &Claims) -> String {
        mint_hs256(&Secret::new(SECRET), claims).unwrap()
    }

    #[test]
    fn roles_from_claims() {
        let v = verifier(None, None);
        let op = v
            .verify(&token(&Claims::new(
                "ops",
                &Role::Operator,
                Duration::from_secs(60),
            )))
            .unwrap();
        assert_eq!(
            op,
            Principal {
                subject: "ops".into(),
                role: Role::Operator
            }
        );
        let ta = v
            .verify(&token(&Claims::new(
                "t",
                &Role::TenantAdmin("acme".into()),
                Duration::from_secs(60),
            )))
            .unwrap();
        assert_eq!(ta.role, Role::TenantAdmin("acme".into()));
        let mut none = Claims::new("x", &Role::Operator, Duration::from_secs(60));
        none.role = "reader".into();
        assert!(matches!(
            v.verify(&token(&none)),
            Err(AdminError::Forbidden(_))
        ));
    }

    #[test]
    fn issuer_and_audience_are_required_when_configured() {
        let v = verifier(Some("https://idp"), Some("dynastore"));
        let mut c = Claims::new("ops", &Role::Operator, Duration::from_secs(60));
        assert!(
            matches!(v.verify(&token(&c)), Err(AdminError::Unauthorized)),
            "no iss/aud"
        );
        c.iss = Some("https://idp".into());
        c.aud = Some("dynastore".into());
        assert!(v.verify(&token(&c)).is_ok());
        c.aud = Some("other".into());
        assert!(matches!(
            v.verify(&token(&c)),
            Err(AdminError::Unauthorized)
        ));
    }

    #[test]
    fn disabled_and_misconfigured() {
        assert!(Verifier::from_config(&AdminConfig::disabled())
            .unwrap()
            .is_none());
        let mut c = AdminConfig::disabled();
        c.admin_api_enabled = true;
        c.jwt_public_key = Some("not a pem".into());
        assert!(Verifier::from_config(&c).unwrap_err().contains("PEM"));
        c.jwt_public_key = None;
        c.jwt_jwks = Some(r#"{"keys": []}"#.into());
        assert!(Verifier::from_config(&c)
            .unwrap_err()
            .contains("no signing key"));
    }
}
