-- Identity: one-time password tokens (invitations and resets) and login throttling.

CREATE TABLE password_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token in the set-password link; the token itself is never stored.
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    purpose text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);

-- Failed log-ins per account and per client address, in a sliding window. Kept in PostgreSQL so
-- every instance behind a load balancer sees the same counts.
CREATE TABLE login_throttle (
    kind text NOT NULL CHECK (kind IN ('account', 'ip')),
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 320),
    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    window_started_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz,
    PRIMARY KEY (kind, key)
);
