-- Per-user monthly image limits, set by tenant admins within the tenant's own quota. A user
-- without a row has no limit of their own.
CREATE TABLE user_limits (
    user_id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    monthly_image_limit integer NOT NULL CHECK (monthly_image_limit >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_limits_tenant_idx ON user_limits (tenant_id);
