-- Regions: each region is a separate table namespace of a tenant, as in
-- DynamoDB. `region` is '' for the endpoint's home region (the region the
-- data plane is configured with), so tables created before regions stay
-- where they were; any other region is named. Forward-only.

ALTER TABLE tables ADD COLUMN region text NOT NULL DEFAULT '';
ALTER TABLE tables DROP CONSTRAINT tables_pkey;
ALTER TABLE tables ADD PRIMARY KEY (tenant_id, region, name);
