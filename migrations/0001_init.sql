-- Easel core schema.
--
-- Every row that belongs to a tenant carries tenant_id. Child rows reference their parents by
-- (tenant_id, id) pairs, so the database itself refuses a row that points into another tenant.
-- Forward-only: never edit this file after it has landed; add 0002_... instead.

CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    -- Limits granted by the platform; NULL means unlimited.
    monthly_image_quota integer CHECK (monthly_image_quota >= 0),
    monthly_token_budget bigint CHECK (monthly_token_budget >= 0),
    max_concurrent_generations integer CHECK (max_concurrent_generations > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL only for platform admins, who belong to no tenant.
    tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
    email text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    role text NOT NULL CHECK (role IN ('platform_admin', 'owner', 'admin', 'member')),
    -- bcrypt; NULL while an invited user has not set a password yet.
    password_hash text CHECK (password_hash IS NULL OR password_hash ~ '^\$2[abxy]\$[0-9]{2}\$'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invited', 'disabled')),
    password_changed_at timestamptz,
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_tenant_matches_role CHECK ((role = 'platform_admin') = (tenant_id IS NULL)),
    CONSTRAINT users_active_has_password CHECK (status <> 'active' OR password_hash IS NOT NULL),
    UNIQUE (tenant_id, id)
);
-- Log-in is by e-mail alone, so an address names one user across all tenants.
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_tenant_idx ON users (tenant_id, created_at);

CREATE TABLE sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- SHA-256 of the cookie token; the token itself is never stored.
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    csrf_token_hash bytea NOT NULL CHECK (octet_length(csrf_token_hash) = 32),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    idle_expires_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    client_ip inet,
    user_agent text CHECK (length(user_agent) <= 512),
    CHECK (idle_expires_at <= expires_at),
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    -- The first characters of the key, shown so a user can tell keys apart.
    prefix text NOT NULL CHECK (length(prefix) BETWEEN 4 AND 32),
    key_hash bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX api_keys_owner_idx ON api_keys (tenant_id, user_id, created_at DESC);

CREATE TABLE models (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL: platform-wide, managed by platform admins. Otherwise private to one tenant.
    tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    api_model text NOT NULL CHECK (api_model ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$'),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    system_instruction text NOT NULL DEFAULT '' CHECK (length(system_instruction) <= 32000),
    group_name text NOT NULL DEFAULT '' CHECK (length(group_name) <= 100),
    sort_order integer NOT NULL DEFAULT 0 CHECK (sort_order >= 0),
    base_url text CHECK (base_url ~ '^https?://[^/@[:space:]]+'),
    -- AES-GCM sealed box of the alternate token under EASEL_SECRET_KEY, and its last four characters.
    token_ciphertext bytea,
    token_hint text CHECK (length(token_hint) <= 4),
    enabled boolean NOT NULL DEFAULT true,
    capabilities jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(capabilities) = 'object'),
    deprecation_date date,
    successor_id uuid REFERENCES models (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((token_ciphertext IS NULL) = (token_hint IS NULL)),
    CHECK (successor_id IS NULL OR successor_id <> id)
);
-- A display name is unique within its scope (the platform, or one tenant).
CREATE UNIQUE INDEX models_scope_name_key ON models (tenant_id, lower(name)) NULLS NOT DISTINCT;
CREATE INDEX models_listing_idx ON models (tenant_id, group_name, sort_order, name);

CREATE TABLE conversations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    title text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, id)
);
CREATE INDEX conversations_owner_idx ON conversations (tenant_id, user_id, updated_at DESC);

CREATE TABLE images (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
    mime_type text NOT NULL CHECK (mime_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif')),
    width integer CHECK (width > 0),
    height integer CHECK (height > 0),
    byte_size integer NOT NULL CHECK (byte_size > 0),
    data bytea NOT NULL,
    preview bytea,
    preview_mime_type text CHECK (preview_mime_type IN ('image/png', 'image/jpeg', 'image/webp')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (octet_length(data) = byte_size),
    CHECK ((preview IS NULL) = (preview_mime_type IS NULL)),
    -- An image is stored once per tenant, whatever number of generations use it.
    UNIQUE (tenant_id, sha256),
    UNIQUE (tenant_id, id)
);
CREATE INDEX images_created_idx ON images (tenant_id, created_at);

CREATE TABLE generations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    -- A model that generations reference cannot be deleted, only disabled.
    model_id uuid NOT NULL REFERENCES models (id) ON DELETE RESTRICT,
    conversation_id uuid,
    parent_generation_id uuid REFERENCES generations (id) ON DELETE SET NULL,
    source text NOT NULL CHECK (source IN ('studio', 'api', 'gemini')),
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'blocked', 'failed', 'canceled')),
    -- The request as accepted (prompt, options), and what the upstream call needs to replay it.
    request jsonb NOT NULL CHECK (jsonb_typeof(request) = 'object'),
    prompt text NOT NULL DEFAULT '',
    aspect_ratio text,
    image_size text,
    response_text text,
    finish_reason text,
    block_reason text,
    error_code text,
    error_message text,
    prompt_tokens integer CHECK (prompt_tokens >= 0),
    output_tokens integer CHECK (output_tokens >= 0),
    thought_tokens integer CHECK (thought_tokens >= 0),
    total_tokens integer CHECK (total_tokens >= 0),
    -- usageMetadata as Google sent it, including the per-modality details.
    usage jsonb,
    image_count integer NOT NULL DEFAULT 0 CHECK (image_count >= 0),
    cost_micros bigint CHECK (cost_micros >= 0),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    upstream_host text,
    latency_ms integer CHECK (latency_ms >= 0),
    model_version text,
    response_id text,
    -- Whether the returned image has the requested aspect ratio and size.
    honored_image_config boolean,
    cancel_requested boolean NOT NULL DEFAULT false,
    lease_owner text,
    lease_expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE SET NULL (conversation_id),
    UNIQUE (tenant_id, id),
    CONSTRAINT generations_terminal_has_finish CHECK (
        (status IN ('succeeded', 'blocked', 'failed', 'canceled')) = (finished_at IS NOT NULL)),
    CONSTRAINT generations_running_has_lease CHECK (
        status <> 'running' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CHECK (finished_at IS NULL OR finished_at >= created_at)
);
CREATE INDEX generations_tenant_created_idx ON generations (tenant_id, created_at DESC, id DESC);
CREATE INDEX generations_user_created_idx ON generations (tenant_id, user_id, created_at DESC, id DESC);
CREATE INDEX generations_conversation_idx ON generations (conversation_id, created_at) WHERE conversation_id IS NOT NULL;
CREATE INDEX generations_model_idx ON generations (model_id);
-- Queue claims: the oldest queued job, and running jobs whose lease ran out.
CREATE INDEX generations_queue_idx ON generations (created_at) WHERE status = 'queued';
CREATE INDEX generations_lease_idx ON generations (lease_expires_at) WHERE status = 'running';

CREATE TABLE generation_images (
    tenant_id uuid NOT NULL,
    generation_id uuid NOT NULL,
    image_id uuid NOT NULL,
    role text NOT NULL CHECK (role IN ('input', 'output')),
    position integer NOT NULL CHECK (position >= 0),
    -- The model's thoughtSignature for an output image, replayed in later turns.
    thought_signature text,
    PRIMARY KEY (generation_id, role, position),
    FOREIGN KEY (tenant_id, generation_id) REFERENCES generations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, image_id) REFERENCES images (tenant_id, id) ON DELETE CASCADE,
    CHECK (role = 'output' OR thought_signature IS NULL)
);
CREATE INDEX generation_images_image_idx ON generation_images (image_id);

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No foreign keys: the record outlives the tenant, user or row it speaks of.
    tenant_id uuid,
    actor_user_id uuid,
    actor_email text,
    action text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target_type text,
    target_id text,
    details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    client_ip inet,
    request_id text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, created_at DESC);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);
