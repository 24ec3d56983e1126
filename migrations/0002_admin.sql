-- The admin API's schema: tenant quotas, IAM policies and their
-- attachments to users, and the audit log of management actions.
-- Forward-only: never edit a migration once it has landed.

-- Quotas of a tenant; NULL means unlimited.
ALTER TABLE tenants
    ADD COLUMN max_tables                     bigint CHECK (max_tables >= 0),
    ADD COLUMN max_storage_bytes              bigint CHECK (max_storage_bytes >= 0),
    ADD COLUMN max_provisioned_read_capacity  bigint CHECK (max_provisioned_read_capacity >= 0),
    ADD COLUMN max_provisioned_write_capacity bigint CHECK (max_provisioned_write_capacity >= 0),
    ADD COLUMN max_on_demand_throughput       bigint CHECK (max_on_demand_throughput >= 0);

-- Customer-managed IAM policies of a tenant. `document` is the policy as
-- the admin gave it (validated by the `iam` crate before it is stored).
CREATE TABLE policies (
    id         text        PRIMARY KEY,
    tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    document   jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

-- Which policies are attached to which users. Deleting a user detaches
-- its policies; deleting an attached policy is refused (NO ACTION, checked
-- at the end of the statement, so a tenant's cascade still succeeds).
CREATE TABLE user_policies (
    user_id     text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    policy_id   text        NOT NULL REFERENCES policies (id),
    attached_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, policy_id)
);
CREATE INDEX user_policies_policy ON user_policies (policy_id);

CREATE INDEX access_keys_user ON access_keys (user_id);

-- Every management action: admin API calls (successful or not) and the
-- DynamoDB table-management operations the control plane executes.
-- `tenant_id` has no foreign key: the trail outlives a deleted tenant.
CREATE TABLE audit_log (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    tenant_id   text,
    principal   text        NOT NULL,
    source_ip   text,
    action      text        NOT NULL,
    resource    text        NOT NULL,
    request     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    outcome     text        NOT NULL CHECK (outcome IN ('success', 'failure')),
    status_code integer     NOT NULL
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_at ON audit_log (at);
