-- Which tenants see a platform-wide model. A model visible to all needs no rows here; one
-- limited to some tenants lists them.

ALTER TABLE models ADD COLUMN visible_to_all boolean NOT NULL DEFAULT true;
ALTER TABLE models ADD CONSTRAINT models_tenant_models_are_private
    CHECK (tenant_id IS NULL OR visible_to_all);

CREATE TABLE model_tenant_access (
    model_id uuid NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    PRIMARY KEY (model_id, tenant_id)
);
CREATE INDEX model_tenant_access_tenant_idx ON model_tenant_access (tenant_id);
