-- Global tables (version 2019.11.21): the replicas of a table are rows of
-- the same tenant and name in other regions that share its storage, so
-- they share `id` (the storage id; each has its own TableId in its
-- definition). `id` is unique per tenant and region instead of overall.
-- Forward-only.

ALTER TABLE tables DROP CONSTRAINT tables_id_key;
CREATE INDEX tables_tenant_id_id ON tables (tenant_id, id);
