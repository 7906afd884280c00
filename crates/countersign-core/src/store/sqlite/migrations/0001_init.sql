-- 0001: the first schema. Instants are INTEGER milliseconds since the Unix epoch, UTC; the IANA
-- zone is kept beside every instant that was given as a wall time. Ids are UUIDv7 text.

CREATE TABLE workspace (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    created_at          INTEGER NOT NULL,
    handle              TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    x_user_id           TEXT,
    max_weighted_length INTEGER NOT NULL DEFAULT 280,
    timezone            TEXT NOT NULL,
    solo_mode           INTEGER NOT NULL DEFAULT 0,
    grace_minutes       INTEGER NOT NULL DEFAULT 10
) STRICT;

CREATE TABLE members (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL UNIQUE,  -- the name folded to lower case: unique regardless of case
    initials       TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('contributor', 'approver', 'admin')),
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    deactivated_at INTEGER
) STRICT;

CREATE TABLE media (
    hash          TEXT PRIMARY KEY,     -- SHA-256 of the bytes; the file is media/<hash>.<ext>
    kind          TEXT NOT NULL CHECK (kind IN ('image', 'gif', 'video')),
    mime          TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    original_name TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE posts (
    seq            INTEGER PRIMARY KEY,  -- the full-text index's rowid
    id             TEXT NOT NULL UNIQUE,
    author_id      TEXT NOT NULL REFERENCES members (id),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'changes_requested',
                       'rejected', 'approved', 'scheduled', 'publishing', 'posted', 'failed',
                       'needs_check', 'missed')),
    version        INTEGER NOT NULL,
    scheduled_at   INTEGER,
    scheduled_zone TEXT,
    status_reason  TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    posted_at      INTEGER,
    post_url       TEXT
) STRICT;
CREATE INDEX posts_by_status ON posts (status, scheduled_at);
-- History pages walk this index newest first.
CREATE INDEX posts_by_posted_at ON posts (status, posted_at, seq);

-- Every saved edit is a new version; earlier versions are kept for history and diffs.
CREATE TABLE post_versions (
    post_id        TEXT NOT NULL REFERENCES posts (id),
    version        INTEGER NOT NULL,
    editor_id      TEXT NOT NULL REFERENCES members (id),
    at             INTEGER NOT NULL,
    signature      INTEGER NOT NULL,
    reply_settings TEXT NOT NULL,
    PRIMARY KEY (post_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE parts (
    post_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    idx     INTEGER NOT NULL,
    text    TEXT NOT NULL,
    PRIMARY KEY (post_id, version, idx),
    FOREIGN KEY (post_id, version) REFERENCES post_versions (post_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE part_media (
    post_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    idx        INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    media_hash TEXT NOT NULL REFERENCES media (hash),
    alt_text   TEXT NOT NULL,
    PRIMARY KEY (post_id, version, idx, position),
    FOREIGN KEY (post_id, version, idx) REFERENCES parts (post_id, version, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE approvals (
    id           TEXT PRIMARY KEY,
    post_id      TEXT NOT NULL REFERENCES posts (id),
    member_id    TEXT NOT NULL REFERENCES members (id),
    version      INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    scheduled_at INTEGER,
    at           INTEGER NOT NULL,
    solo         INTEGER NOT NULL DEFAULT 0,
    edited       INTEGER NOT NULL DEFAULT 0,
    voided_at    INTEGER,
    void_reason  TEXT
) STRICT;
CREATE INDEX approvals_by_post ON approvals (post_id, at);

-- The version each reviewer last reviewed, so they can see what changed since.
CREATE TABLE reviews (
    post_id   TEXT NOT NULL REFERENCES posts (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    version   INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (post_id, member_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE comments (
    id        TEXT PRIMARY KEY,
    post_id   TEXT NOT NULL REFERENCES posts (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    version   INTEGER NOT NULL,
    text      TEXT NOT NULL,
    at        INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_by_post ON comments (post_id, at);

-- Append-only and hash-chained; see audit.rs. The triggers stop mistakes, the chain shows tampering.
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   TEXT,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    post_id    TEXT,
    version    INTEGER,
    digest     TEXT,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_post ON audit (post_id) WHERE post_id IS NOT NULL;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

-- History search over each post's current text; rowid = posts.seq.
CREATE VIRTUAL TABLE post_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
