-- 0004: publishing. The schedule is durable here, not in memory timers: the publisher reads
-- what is due from these rows and writes each step of a publish before and after it happens.

-- `posts` is rebuilt to allow the 'dropped' status (SQLite cannot alter a CHECK constraint) and
-- to hold the publisher's bookkeeping. `seq` is kept: it is the search index's rowid.
CREATE TABLE posts_new (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    author_id       TEXT NOT NULL REFERENCES members (id),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'changes_requested',
                        'rejected', 'approved', 'scheduled', 'publishing', 'posted', 'failed',
                        'needs_check', 'missed', 'dropped')),
    version         INTEGER NOT NULL,
    scheduled_at    INTEGER,
    scheduled_zone  TEXT,
    status_reason   TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    posted_at       INTEGER,
    post_url        TEXT,
    -- Scheduled by "add to queue" (its time is a queue slot) rather than at an exact time.
    queued          INTEGER NOT NULL DEFAULT 0,
    -- When the publisher claimed the post (scheduled -> publishing); reconciliation reads the
    -- account's posts from a little before this.
    claimed_at      INTEGER,
    -- Set (and committed) just before a create request goes to X, cleared once X's answer is
    -- recorded. Set on a post found in 'publishing' means the outcome is unknown: reconcile.
    in_flight_at    INTEGER,
    -- Not before this instant (a backoff, or a rate limit's reset).
    next_attempt_at INTEGER,
    -- Server errors so far in this claim; past the limit the post fails.
    server_errors   INTEGER NOT NULL DEFAULT 0,
    -- Network failures that surely did not reach X, for the backoff.
    retries         INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO posts_new (seq, id, author_id, status, version, scheduled_at, scheduled_zone,
    status_reason, created_at, updated_at, posted_at, post_url)
SELECT seq, id, author_id, status, version, scheduled_at, scheduled_zone, status_reason,
    created_at, updated_at, posted_at, post_url FROM posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
CREATE INDEX posts_by_status ON posts (status, scheduled_at);
CREATE INDEX posts_by_posted_at ON posts (status, posted_at, seq);
-- The calendar reads a date range of scheduled and posted posts.
CREATE INDEX posts_by_scheduled_at ON posts (scheduled_at) WHERE scheduled_at IS NOT NULL;

-- Each thread part's X post id, committed as soon as X returns it: a resumed publish continues
-- from the next part and never posts a part twice.
CREATE TABLE published_parts (
    post_id TEXT NOT NULL REFERENCES posts (id),
    idx     INTEGER NOT NULL,
    x_id    TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (post_id, idx)
) STRICT, WITHOUT ROWID;

-- The brand's weekly posting slots: a weekday (1 = Monday .. 7 = Sunday) and a wall time in the
-- brand's zone.
CREATE TABLE queue_slots (
    id         TEXT PRIMARY KEY,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    time       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (weekday, time)
) STRICT;
