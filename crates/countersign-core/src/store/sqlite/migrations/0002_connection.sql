-- 0002: the connection to X (or to a sandbox). Tokens are NOT here: they live in the OS
-- keychain under a key made from workspace_id. Only what is safe to read is stored.

ALTER TABLE workspace ADD COLUMN workspace_id TEXT;
UPDATE workspace SET workspace_id = lower(hex(randomblob(16))) WHERE workspace_id IS NULL;
-- Where the account's API is: NULL for X itself, or a sandbox's base URL.
ALTER TABLE workspace ADD COLUMN x_sandbox_url TEXT;
ALTER TABLE workspace ADD COLUMN x_client_id TEXT;
ALTER TABLE workspace ADD COLUMN x_username TEXT;
ALTER TABLE workspace ADD COLUMN x_connection TEXT NOT NULL DEFAULT 'disconnected'
    CHECK (x_connection IN ('disconnected', 'connected', 'needs_reconnect'));

-- The last rate-limit budgets X reported, per endpoint and window, so a person (and the
-- publisher) can see what is left without spending a request to find out.
CREATE TABLE x_budgets (
    endpoint  TEXT NOT NULL,
    window    TEXT NOT NULL,
    "limit"   INTEGER NOT NULL,
    remaining INTEGER NOT NULL,
    reset_at  INTEGER NOT NULL,
    seen_at   INTEGER NOT NULL,
    PRIMARY KEY (endpoint, window)
) STRICT, WITHOUT ROWID;
