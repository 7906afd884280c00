-- 0003: who signed it. Private keys are NOT here: they live in the OS keychain under
-- member-key/<workspace_id>/<member_id>. Only public keys, fingerprints and signatures are stored.

-- The signed roster (see roster.rs): append-only and hash-chained, each entry signed by an admin.
CREATE TABLE roster (
    seq        INTEGER PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('contributor', 'approver', 'admin')),
    public_key TEXT NOT NULL,
    active     INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    signer_id  TEXT,
    signature  TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;
CREATE INDEX roster_by_member ON roster (member_id, seq);
CREATE TRIGGER roster_no_update BEFORE UPDATE ON roster
BEGIN SELECT RAISE(ABORT, 'the roster is append-only'); END;
CREATE TRIGGER roster_no_delete BEFORE DELETE ON roster
BEGIN SELECT RAISE(ABORT, 'the roster is append-only'); END;

-- An approval is a signed statement (approval.rs); the fingerprint names the key that signed it.
ALTER TABLE approvals ADD COLUMN key_fingerprint TEXT;
ALTER TABLE approvals ADD COLUMN signature TEXT;

-- Audit entries made by a member carry their public key and their signature over the entry's hash.
ALTER TABLE audit ADD COLUMN public_key TEXT;
ALTER TABLE audit ADD COLUMN signature TEXT;
