//! Every SQL statement of the sandbox: posts, media, tokens, authorization codes, the other
//! people on the sandbox and their direct messages.
//!
//! One SQLite connection, in memory or in `state_dir/x-sandbox.sqlite`, so the in-memory and
//! the persistent sandbox run the same code and a restarted sandbox has its timeline and its
//! tokens back. WAL mode: a sandbox killed mid-write loses nothing it acknowledged.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::SandboxError;

/// File name of the persistent store inside `state_dir`.
pub const STATE_FILE: &str = "x-sandbox.sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS posts (
    id             INTEGER PRIMARY KEY,
    author_id      TEXT NOT NULL,
    text           TEXT NOT NULL,
    reply_to       INTEGER,
    quote_of       INTEGER,
    media_ids      TEXT NOT NULL,
    reply_settings TEXT,
    poll           TEXT,
    created_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);
CREATE TABLE IF NOT EXISTS media (
    id           INTEGER PRIMARY KEY,
    owner        TEXT NOT NULL,
    category     TEXT NOT NULL,
    mime         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    total_bytes  INTEGER NOT NULL,
    head         BLOB NOT NULL,
    state        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    finalized_at INTEGER,
    expires_at   INTEGER NOT NULL,
    alt_text     TEXT,
    error        TEXT,
    polls        INTEGER NOT NULL,
    fail         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS media_segments (
    media_id INTEGER NOT NULL,
    idx      INTEGER NOT NULL,
    size     INTEGER NOT NULL,
    PRIMARY KEY (media_id, idx)
);
CREATE TABLE IF NOT EXISTS tokens (
    token      TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS people (
    id       TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dm_events (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    recipient_id    TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
    code         TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope        TEXT NOT NULL,
    challenge    TEXT NOT NULL,
    method       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    used         INTEGER NOT NULL
);
";

/// A created post, as stored (text exactly as submitted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PostRow {
    pub id: i64,
    pub author_id: String,
    pub text: String,
    pub reply_to: Option<i64>,
    pub quote_of: Option<i64>,
    pub media_ids: Vec<i64>,
    pub reply_settings: Option<String>,
    pub poll: Option<String>,
    /// Milliseconds since the Unix epoch, on the sandbox clock.
    pub created_at: i64,
    pub deleted_at: Option<i64>,
}

/// An upload, from initialize (or a one-shot upload) to processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaRow {
    pub id: i64,
    pub owner: String,
    /// `tweet_image`, `tweet_gif` or `tweet_video`.
    pub category: String,
    /// Declared (chunked) or sniffed (one-shot) MIME type.
    pub mime: String,
    /// X's media type: `photo`, `animated_gif` or `video`.
    pub kind: String,
    /// Declared total size (chunked) or received size (one-shot).
    pub total_bytes: i64,
    /// The first bytes of the file, enough to sniff its type and read its header.
    pub head: Vec<u8>,
    /// `uploading`, `pending`, `succeeded` or `failed`.
    pub state: String,
    pub created_at: i64,
    pub finalized_at: Option<i64>,
    pub expires_at: i64,
    pub alt_text: Option<String>,
    /// Why processing failed (sent as `processing_info.error.message`).
    pub error: Option<String>,
    /// STATUS polls since finalize: each one moves processing along.
    pub polls: i64,
    /// A `media_processing_failed` fault hit this upload: processing ends in `failed`.
    pub fail: bool,
}

/// Someone else on the sandbox: writes mentions and direct messages to the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    /// Numeric, as X's user ids are.
    pub id: String,
    /// Without `@`.
    pub username: String,
    pub name: String,
}

/// One direct message, between the account and one other person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DmRow {
    pub id: i64,
    /// X's one-to-one conversation id: the two user ids, smaller first, joined by `-`.
    pub conversation_id: String,
    pub sender_id: String,
    pub recipient_id: String,
    pub text: String,
    pub created_at: i64,
}

/// An issued access or refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRow {
    pub token: String,
    /// `access` or `refresh`.
    pub kind: String,
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
    pub created_at: i64,
    /// `None` for refresh tokens (they live until used or revoked).
    pub expires_at: Option<i64>,
    pub revoked: bool,
}

/// An authorization code handed out by the authorize page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeRow {
    pub code: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub challenge: String,
    /// `S256` or `plain`.
    pub method: String,
    pub created_at: i64,
    pub used: bool,
}

/// The sandbox's SQLite store.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, or an in-memory one.
    pub fn open(dir: Option<&Path>) -> Result<Store, SandboxError> {
        let conn = match dir {
            None => Connection::open_in_memory()?,
            Some(dir) => {
                let state_err = |message: String| SandboxError::State {
                    path: dir.to_path_buf(),
                    message,
                };
                std::fs::create_dir_all(dir).map_err(|e| state_err(e.to_string()))?;
                let path = dir.join(STATE_FILE);
                let conn = Connection::open(&path).map_err(|e| state_err(e.to_string()))?;
                conn.pragma_update(None, "journal_mode", "WAL")
                    .map_err(|e| state_err(e.to_string()))?;
                conn.pragma_update(None, "synchronous", "NORMAL")
                    .map_err(|e| state_err(e.to_string()))?;
                conn.busy_timeout(std::time::Duration::from_secs(5))
                    .map_err(|e| state_err(e.to_string()))?;
                conn
            }
        };
        conn.execute_batch(SCHEMA).map_err(|e| match dir {
            Some(dir) => SandboxError::State {
                path: dir.join(STATE_FILE),
                message: format!("not a usable x-sandbox state file: {e}"),
            },
            None => SandboxError::Store(e),
        })?;
        Ok(Store { conn })
    }

    /// The largest post or media id handed out so far (ids never go backwards across restarts).
    pub fn max_id(&self) -> rusqlite::Result<i64> {
        self.conn.query_row(
            "SELECT max(coalesce((SELECT max(id) FROM posts), 0), coalesce((SELECT max(id) FROM media), 0),
                        coalesce((SELECT max(id) FROM dm_events), 0))",
            [],
            |r| r.get(0),
        )
    }

    // ---- posts ----

    pub fn insert_post(&self, p: &PostRow) -> rusqlite::Result<()> {
        let media = serde_json::to_string(&p.media_ids).unwrap_or_else(|_| "[]".to_owned());
        self.conn.execute(
            "INSERT INTO posts (id, author_id, text, reply_to, quote_of, media_ids, reply_settings, poll, created_at, deleted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                p.id,
                p.author_id,
                p.text,
                p.reply_to,
                p.quote_of,
                media,
                p.reply_settings,
                p.poll,
                p.created_at,
                p.deleted_at
            ],
        )?;
        Ok(())
    }

    pub fn post(&self, id: i64) -> rusqlite::Result<Option<PostRow>> {
        self.conn
            .query_row(
                &format!("SELECT {POST_COLUMNS} FROM posts WHERE id = ?1"),
                [id],
                post_row,
            )
            .optional()
    }

    /// Every post ever created, deleted ones too, oldest first.
    pub fn all_posts(&self) -> rusqlite::Result<Vec<PostRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {POST_COLUMNS} FROM posts ORDER BY id"))?;
        let rows = stmt.query_map([], post_row)?;
        rows.collect()
    }

    /// The author's newest `limit` live (not deleted) posts, newest first.
    pub fn live_posts(&self, author_id: &str, limit: u32) -> rusqlite::Result<Vec<PostRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE author_id = ?1 AND deleted_at IS NULL ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![author_id, limit], post_row)?;
        rows.collect()
    }

    /// Texts of the author's live posts created at or after `since` (for duplicate checks).
    pub fn recent_texts(&self, author_id: &str, since: i64) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT text FROM posts WHERE author_id = ?1 AND deleted_at IS NULL AND created_at >= ?2",
        )?;
        let rows = stmt.query_map(params![author_id, since], |r| r.get(0))?;
        rows.collect()
    }

    pub fn count_live_posts(&self, author_id: &str) -> rusqlite::Result<i64> {
        self.conn.query_row(
            "SELECT count(*) FROM posts WHERE author_id = ?1 AND deleted_at IS NULL",
            [author_id],
            |r| r.get(0),
        )
    }

    pub fn mark_deleted(&self, id: i64, at: i64) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE posts SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, at],
        )?;
        Ok(())
    }

    // ---- media ----

    pub fn save_media(&self, m: &MediaRow) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO media (id, owner, category, mime, kind, total_bytes, head, state, created_at,
                 finalized_at, expires_at, alt_text, error, polls, fail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                m.id,
                m.owner,
                m.category,
                m.mime,
                m.kind,
                m.total_bytes,
                m.head,
                m.state,
                m.created_at,
                m.finalized_at,
                m.expires_at,
                m.alt_text,
                m.error,
                m.polls,
                m.fail
            ],
        )?;
        Ok(())
    }

    pub fn media(&self, id: i64) -> rusqlite::Result<Option<MediaRow>> {
        self.conn
            .query_row(
                "SELECT id, owner, category, mime, kind, total_bytes, head, state, created_at, finalized_at,
                        expires_at, alt_text, error, polls, fail
                 FROM media WHERE id = ?1",
                [id],
                |r| {
                    Ok(MediaRow {
                        id: r.get(0)?,
                        owner: r.get(1)?,
                        category: r.get(2)?,
                        mime: r.get(3)?,
                        kind: r.get(4)?,
                        total_bytes: r.get(5)?,
                        head: r.get(6)?,
                        state: r.get(7)?,
                        created_at: r.get(8)?,
                        finalized_at: r.get(9)?,
                        expires_at: r.get(10)?,
                        alt_text: r.get(11)?,
                        error: r.get(12)?,
                        polls: r.get(13)?,
                        fail: r.get(14)?,
                    })
                },
            )
            .optional()
    }

    /// Records (or replaces: X lets a client resend a segment) one appended segment's size.
    pub fn put_segment(&self, media_id: i64, index: i64, size: i64) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO media_segments (media_id, idx, size) VALUES (?1, ?2, ?3)",
            params![media_id, index, size],
        )?;
        Ok(())
    }

    /// `(index, size)` of every segment appended so far, by index.
    pub fn segments(&self, media_id: i64) -> rusqlite::Result<Vec<(i64, i64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT idx, size FROM media_segments WHERE media_id = ?1 ORDER BY idx")?;
        let rows = stmt.query_map([media_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    // ---- tokens ----

    pub fn insert_token(&self, t: &TokenRow) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO tokens (token, kind, user_id, client_id, scope, created_at, expires_at, revoked)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![t.token, t.kind, t.user_id, t.client_id, t.scope, t.created_at, t.expires_at, t.revoked],
        )?;
        Ok(())
    }

    pub fn token(&self, token: &str) -> rusqlite::Result<Option<TokenRow>> {
        self.conn
            .query_row(
                "SELECT token, kind, user_id, client_id, scope, created_at, expires_at, revoked FROM tokens WHERE token = ?1",
                [token],
                |r| {
                    Ok(TokenRow {
                        token: r.get(0)?,
                        kind: r.get(1)?,
                        user_id: r.get(2)?,
                        client_id: r.get(3)?,
                        scope: r.get(4)?,
                        created_at: r.get(5)?,
                        expires_at: r.get(6)?,
                        revoked: r.get(7)?,
                    })
                },
            )
            .optional()
    }

    pub fn revoke_token(&self, token: &str) -> rusqlite::Result<bool> {
        Ok(self.conn.execute(
            "UPDATE tokens SET revoked = 1 WHERE token = ?1 AND revoked = 0",
            [token],
        )? > 0)
    }

    // ---- codes ----

    pub fn insert_code(&self, c: &CodeRow) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO codes (code, client_id, redirect_uri, scope, challenge, method, created_at, used)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![c.code, c.client_id, c.redirect_uri, c.scope, c.challenge, c.method, c.created_at, c.used],
        )?;
        Ok(())
    }

    pub fn code(&self, code: &str) -> rusqlite::Result<Option<CodeRow>> {
        self.conn
            .query_row(
                "SELECT code, client_id, redirect_uri, scope, challenge, method, created_at, used FROM codes WHERE code = ?1",
                [code],
                |r| {
                    Ok(CodeRow {
                        code: r.get(0)?,
                        client_id: r.get(1)?,
                        redirect_uri: r.get(2)?,
                        scope: r.get(3)?,
                        challenge: r.get(4)?,
                        method: r.get(5)?,
                        created_at: r.get(6)?,
                        used: r.get(7)?,
                    })
                },
            )
            .optional()
    }

    pub fn mark_code_used(&self, code: &str) -> rusqlite::Result<()> {
        self.conn
            .execute("UPDATE codes SET used = 1 WHERE code = ?1", [code])?;
        Ok(())
    }

    /// Forgets every post, upload and direct message (`/_sandbox/reset`); tokens, codes and
    /// the people stay.
    pub fn clear_content(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch(
            "DELETE FROM posts; DELETE FROM media; DELETE FROM media_segments; DELETE FROM dm_events;",
        )
    }

    // ---- people and direct messages ----

    pub fn person_by_username(&self, username: &str) -> rusqlite::Result<Option<Person>> {
        self.conn
            .query_row(
                "SELECT id, username, name FROM people WHERE username = ?1",
                [username],
                person_row,
            )
            .optional()
    }

    pub fn person(&self, id: &str) -> rusqlite::Result<Option<Person>> {
        self.conn
            .query_row(
                "SELECT id, username, name FROM people WHERE id = ?1",
                [id],
                person_row,
            )
            .optional()
    }

    pub fn insert_person(&self, p: &Person) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO people (id, username, name) VALUES (?1, ?2, ?3)",
            params![p.id, p.username, p.name],
        )?;
        Ok(())
    }

    /// Live posts by others whose text holds `@username` (whole handle, any case), newest
    /// first: the account's mentions, before X's filters.
    pub fn mentions_of(&self, username: &str) -> rusqlite::Result<Vec<PostRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {POST_COLUMNS} FROM posts
             WHERE deleted_at IS NULL AND instr(lower(text), '@' || lower(?1)) > 0
             ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([username], post_row)?;
        rows.collect()
    }

    pub fn insert_dm(&self, d: &DmRow) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO dm_events (id, conversation_id, sender_id, recipient_id, text, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                d.id,
                d.conversation_id,
                d.sender_id,
                d.recipient_id,
                d.text,
                d.created_at
            ],
        )?;
        Ok(())
    }

    /// Every direct message `user_id` sent or received, newest first.
    pub fn dms_of(&self, user_id: &str) -> rusqlite::Result<Vec<DmRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, conversation_id, sender_id, recipient_id, text, created_at FROM dm_events
             WHERE sender_id = ?1 OR recipient_id = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([user_id], dm_row)?;
        rows.collect()
    }

    /// Whether `from` ever wrote to `to` (X lets an account answer whoever wrote to it).
    pub fn has_written(&self, from: &str, to: &str) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM dm_events WHERE sender_id = ?1 AND recipient_id = ?2)",
            params![from, to],
            |r| r.get(0),
        )
    }
}

const POST_COLUMNS: &str = "id, author_id, text, reply_to, quote_of, media_ids, reply_settings, poll, created_at, deleted_at";

fn person_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: r.get(0)?,
        username: r.get(1)?,
        name: r.get(2)?,
    })
}

fn dm_row(r: &Row<'_>) -> rusqlite::Result<DmRow> {
    Ok(DmRow {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        sender_id: r.get(2)?,
        recipient_id: r.get(3)?,
        text: r.get(4)?,
        created_at: r.get(5)?,
    })
}

fn post_row(r: &Row<'_>) -> rusqlite::Result<PostRow> {
    let media: String = r.get(5)?;
    Ok(PostRow {
        id: r.get(0)?,
        author_id: r.get(1)?,
        text: r.get(2)?,
        reply_to: r.get(3)?,
        quote_of: r.get(4)?,
        media_ids: serde_json::from_str(&media).unwrap_or_default(),
        reply_settings: r.get(6)?,
        poll: r.get(7)?,
        created_at: r.get(8)?,
        deleted_at: r.get(9)?,
    })
}
