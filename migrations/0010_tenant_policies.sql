-- More per-tenant limits, granted by the platform admin.

-- Whether a blocked or image-less result (the model answered, but with no image) counts against
-- the quotas: as one image against the monthly image quota, and its tokens against the token
-- budget. Off: such results count against neither.
ALTER TABLE tenants ADD COLUMN quota_counts_imageless boolean NOT NULL DEFAULT false;

-- How many generations may wait in the queue on top of the ones running (at most
-- max_concurrent_generations); past that, a request is refused with 429. NULL: no bound.
ALTER TABLE tenants ADD COLUMN max_queued_generations integer CHECK (max_queued_generations >= 0);

-- Generation requests per minute per API key and per user. NULL: the server's default
-- (EASEL_API_KEY_REQUESTS_PER_MINUTE, EASEL_USER_REQUESTS_PER_MINUTE); 0: no limit.
ALTER TABLE tenants ADD COLUMN api_key_requests_per_minute integer CHECK (api_key_requests_per_minute >= 0);
ALTER TABLE tenants ADD COLUMN user_requests_per_minute integer CHECK (user_requests_per_minute >= 0);
