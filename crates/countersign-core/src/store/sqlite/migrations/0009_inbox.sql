-- Conversations: the brand's mentions and direct messages, who answers each, and the answers.
-- An answer is a post like any other (drafted, countersigned, published exactly once); its
-- version says where it goes (reply_to: 'post:<x id>' or 'dm:<participant id>'), bound by the
-- approval's digest.
ALTER TABLE post_versions ADD COLUMN reply_to TEXT;

-- One per person and thread (a mention: 'm:<X conversation id>:<person id>') or per direct
-- message conversation ('d:<dm conversation id>').
CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('mention', 'dm')),
    person_id     TEXT NOT NULL,
    person_handle TEXT NOT NULL,
    person_name   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('new', 'assigned', 'answered', 'closed')),
    assignee_id   TEXT REFERENCES members(id),
    note          TEXT,
    -- The oldest message not answered yet (ms); NULL once answered or closed.
    waiting_since INTEGER,
    last_at       INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX conversations_by_state ON conversations (state, last_at DESC);
CREATE INDEX conversations_by_last ON conversations (last_at DESC);

-- What people wrote to the brand, exactly as X returned it; never changed.
CREATE TABLE messages (
    x_id            TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    author_id       TEXT NOT NULL,
    text            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    -- A mention that replies to a post: that post's id.
    reply_to_x_id   TEXT
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, at);

-- Full-text search over conversations: each message's text with its author's handle and name.
CREATE VIRTUAL TABLE message_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_indexed AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, body)
    SELECT new.rowid, new.text || ' ' || c.person_handle || ' ' || c.person_name
    FROM conversations c WHERE c.id = new.conversation_id;
END;

-- The posts that answer a conversation, and how long the person had waited when it went out.
CREATE TABLE answers (
    post_id         TEXT PRIMARY KEY REFERENCES posts(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    waited_ms       INTEGER,
    answered_at     INTEGER
);
CREATE INDEX answers_by_conversation ON answers (conversation_id);
CREATE INDEX answers_by_time ON answers (answered_at);

-- How the inbox is read: one row, made by its first change (until then, the defaults). The
-- cursors make sure nothing is read (and paid for) twice.
CREATE TABLE inbox (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    poll_minutes   INTEGER NOT NULL DEFAULT 2,
    mentions_since TEXT,
    dms_after      TEXT,
    reads_month    TEXT NOT NULL DEFAULT '',
    reads          INTEGER NOT NULL DEFAULT 0,
    polled_at      INTEGER
);
