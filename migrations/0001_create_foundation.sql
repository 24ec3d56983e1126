-- Foundation schema: the global config revision and its change log,
-- tenants, IAM users, access keys (secrets encrypted at rest) and the
-- table catalog. Forward-only: never edit a migration once it has landed.

-- One row holding the global revision. Every metadata change increments it
-- inside the changing transaction; the row lock orders commits, so the
-- revision order is the commit order.
CREATE TABLE config_revision (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    revision  bigint  NOT NULL
);
INSERT INTO config_revision (singleton, revision) VALUES (true, 0);

-- Which entity changed at which revision; data planes long-poll on it.
CREATE TABLE config_changes (
    revision   bigint      PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('tenant', 'access_key', 'table', 'user', 'policy')),
    entity_id  text        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenants (
    id         text        PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    account_id text        NOT NULL UNIQUE CHECK (account_id ~ '^[0-9]{12}$'),
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id         text        PRIMARY KEY,
    tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

-- user_id NULL means the tenant's root key. The secret is AES-256-GCM
-- ciphertext under the master key, with the access key id as associated
-- data; it is never stored in clear.
CREATE TABLE access_keys (
    access_key_id     text        PRIMARY KEY,
    tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id           text        REFERENCES users (id) ON DELETE CASCADE,
    secret_nonce      bytea       NOT NULL,
    secret_ciphertext bytea       NOT NULL,
    status            text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_keys_tenant ON access_keys (tenant_id);

-- The table catalog. `definition` holds the table description as DynamoDB
-- renders it; later migrations add columns as features need them.
CREATE TABLE tables (
    tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    id         text        NOT NULL UNIQUE,
    status     text        NOT NULL,
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);
