-- Team mode: the columns the team server keeps, so a laptop's file can be its replica (a solo
-- workspace has them too, unused but for the claim, which every publisher writes).

-- The claim on a post being published: which member and laptop hold it, until when, and the
-- fencing epoch every claim and takeover bumps.
ALTER TABLE posts ADD COLUMN claimed_by TEXT;
ALTER TABLE posts ADD COLUMN claim_device TEXT;
ALTER TABLE posts ADD COLUMN claim_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN lease_until INTEGER;

-- Who published a part, under which claim.
ALTER TABLE published_parts ADD COLUMN by_member TEXT;
ALTER TABLE published_parts ADD COLUMN claim_epoch INTEGER;

-- What the server stamps: its own receipt times, the roster's genesis, members' logins.
ALTER TABLE workspace ADD COLUMN genesis_hash TEXT;
ALTER TABLE members ADD COLUMN db_role TEXT;
ALTER TABLE approvals ADD COLUMN received_at INTEGER;
ALTER TABLE audit ADD COLUMN received_at INTEGER;

-- Keys a joining laptop offers; an admin admits one after comparing fingerprints.
CREATE TABLE key_requests (
    member_id  TEXT PRIMARY KEY REFERENCES members (id),
    public_key TEXT NOT NULL,
    at         INTEGER NOT NULL
) STRICT;

-- The team's laptops as the server last heard from them (a publisher's heartbeat).
CREATE TABLE devices (
    device      TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members (id),
    can_publish INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL
) STRICT;

-- How far this file has pulled the server's changes (team mode only; one row).
CREATE TABLE replica (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    high_water INTEGER NOT NULL
) STRICT;
