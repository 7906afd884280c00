-- Team mode: what this laptop did while the team server was away, waiting to be sent. The
-- table is this file's own: never sent to the server and never pulled (it is not one of the
-- shared tables in store/team.rs). A solo workspace has it too, always empty.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,   -- the order the acts were made in, and are replayed in
    act          TEXT NOT NULL CHECK (act IN ('draft', 'edit', 'comment', 'submit')),
    actor        TEXT NOT NULL,         -- the member's name
    post_id      TEXT NOT NULL,
    -- The post as the person saw it when they acted (edit, submit): the compare-and-set base.
    base_version INTEGER,
    base_status  TEXT,
    -- The id the act's own row gets on the server (the draft, the comment, a conflict copy),
    -- so a replay cut short by a crash is not made twice.
    item_id      TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,         -- JSON: the content, or the comment's text
    made_at      INTEGER NOT NULL,
    -- Why the server would not take it (kept, with the text, for a person to decide).
    refused      TEXT
) STRICT;
