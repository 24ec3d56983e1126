//! Idempotent bootstrap used by `dynastore dev` and the tests: make sure a
//! tenant exists and has a root access key, returning that key.

use dynastore_common::contract::{AccessKeyRecord, TenantRecord};
use dynastore_common::Secret;

use crate::db::{access_keys, tenants};
use crate::error::{Error, Result};
use crate::ControlPlane;

impl ControlPlane {
    /// Ensures tenant `name` exists.
    pub async fn ensure_tenant(&self, name: &str) -> Result<TenantRecord> {
        let mut tx = self.pool.begin().await?;
        // Serialize concurrent bootstraps of the same name.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let tenant = match tenants::by_name(&mut tx, name).await? {
            Some(t) => t,
            None => tenants::create(&mut tx, name).await?,
        };
        tx.commit().await?;
        Ok(tenant)
    }

    /// Ensures `tenant` has a root key. With `explicit`, that exact key id
    /// and secret (updating the secret if the key exists); otherwise the
    /// tenant's oldest active root key, created if there is none — so the
    /// key is stable across restarts.
    pub async fn ensure_root_key(
        &self,
        tenant: &TenantRecord,
        explicit: Option<(String, Secret)>,
    ) -> Result<AccessKeyRecord> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&tenant.id)
            .execute(&mut *tx)
            .await?;
        let key = match explicit {
            Some((id, secret)) => match access_keys::get(&mut tx, &self.master, &id).await? {
                Some(existing) if existing.tenant_id != tenant.id || existing.user_name.is_some() => {
                    return Err(Error::Conflict(format!(
                        "access key {id} already belongs to another principal"
                    )))
                }
                Some(existing) => {
                    if existing.secret_access_key != secret {
                        access_keys::set_secret(&mut tx, &self.master, &id, &secret).await?;
                    }
                    if !existing.active {
                        access_keys::set_active(&mut tx, &id, true).await?;
                    }
                    access_keys::get(&mut tx, &self.master, &id)
                        .await?
                        .ok_or_else(|| Error::NotFound(format!("access key {id}")))?
                }
                None => {
                    access_keys::create(&mut tx, &self.master, &tenant.id, None, Some((id, secret)))
                        .await?
                }
            },
            None => match access_keys::first_root_key(&mut tx, &self.master, &tenant.id).await? {
                Some(k) => k,
                None => access_keys::create(&mut tx, &self.master, &tenant.id, None, None).await?,
            },
        };
        tx.commit().await?;
        Ok(key)
    }

    /// Creates a new key for `tenant`'s root (`user_id` `None`) or a user.
    pub async fn create_access_key(
        &self,
        tenant_id: &str,
        user_id: Option<&str>,
    ) -> Result<AccessKeyRecord> {
        let mut tx = self.pool.begin().await?;
        let key = access_keys::create(&mut tx, &self.master, tenant_id, user_id, None).await?;
        tx.commit().await?;
        Ok(key)
    }
}
