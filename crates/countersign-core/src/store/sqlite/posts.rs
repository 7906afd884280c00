//! The `posts` table with its versions, parts and media, and the FTS5 history search index.
//! The methods' contracts are documented on the facade, [`crate::store::Posts`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{bad_value, members, ms, ts, uuid};
use crate::error::Result;
use crate::model::{
    Attachment, Content, Media, MediaKind, Member, Part, Post, ReplySettings, ReplyTarget,
    Schedule, Status, Version, VersionProof,
};
use crate::store::{HistoryQuery, HistoryRow, ImportedPost, PostSummary};

#[derive(Debug)]
pub struct Posts<'c> {
    pub(super) conn: &'c Connection,
}

const POST_COLUMNS: &str =
    "p.id, p.status, p.version, p.scheduled_at, p.scheduled_zone, p.status_reason,
     p.created_at, p.updated_at, p.posted_at, p.post_url,
     a.id, a.name, a.initials, a.role, a.active, a.created_at";

fn status(s: &str) -> rusqlite::Result<Status> {
    Status::parse(s).ok_or_else(|| bad_value("status", s))
}

fn opt_ts(v: Option<i64>) -> rusqlite::Result<Option<Timestamp>> {
    v.map(ts).transpose()
}

impl Posts<'_> {
    pub fn insert(&self, post: &Post) -> Result<()> {
        self.conn.execute(
            "INSERT INTO posts (id, author_id, status, version, scheduled_at, scheduled_zone,
                 status_reason, created_at, updated_at, posted_at, post_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                post.id.to_string(),
                post.author.id.to_string(),
                post.status.as_str(),
                post.version,
                post.scheduled.as_ref().map(|s| ms(s.at)),
                post.scheduled.as_ref().map(|s| s.zone.as_str()),
                post.status_reason,
                ms(post.created_at),
                ms(post.updated_at),
                post.posted_at.map(ms),
                post.post_url,
            ],
        )?;
        Ok(())
    }

    pub fn update(&self, post: &Post) -> Result<()> {
        self.conn.execute(
            "UPDATE posts SET status = ?2, version = ?3, scheduled_at = ?4, scheduled_zone = ?5,
                 status_reason = ?6, updated_at = ?7, posted_at = ?8, post_url = ?9
             WHERE id = ?1",
            params![
                post.id.to_string(),
                post.status.as_str(),
                post.version,
                post.scheduled.as_ref().map(|s| ms(s.at)),
                post.scheduled.as_ref().map(|s| s.zone.as_str()),
                post.status_reason,
                ms(post.updated_at),
                post.posted_at.map(ms),
                post.post_url,
            ],
        )?;
        Ok(())
    }

    pub fn save_version(
        &self,
        post_id: Uuid,
        version: u32,
        editor: &Member,
        at: Timestamp,
        content: &Content,
    ) -> Result<()> {
        let id = post_id.to_string();
        self.conn.execute(
            "INSERT INTO post_versions (post_id, version, editor_id, at, signature, reply_settings, reply_to)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                version,
                editor.id.to_string(),
                ms(at),
                content.signature,
                content.reply_settings.as_str(),
                content.reply.as_ref().map(ReplyTarget::encode),
            ],
        )?;
        let mut part_stmt = self.conn.prepare_cached(
            "INSERT INTO parts (post_id, version, idx, text) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut media_stmt = self.conn.prepare_cached(
            "INSERT INTO part_media (post_id, version, idx, position, media_hash, alt_text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (idx, part) in content.parts.iter().enumerate() {
            part_stmt.execute(params![id, version, idx as i64, part.text])?;
            for (pos, a) in part.media.iter().enumerate() {
                media_stmt.execute(params![
                    id,
                    version,
                    idx as i64,
                    pos as i64,
                    a.media.hash,
                    a.alt_text
                ])?;
            }
        }
        self.index(post_id, content.parts.iter().map(|p| p.text.as_str()))
    }

    fn index<'t>(&self, post_id: Uuid, texts: impl Iterator<Item = &'t str>) -> Result<()> {
        let body = texts.collect::<Vec<_>>().join("\n");
        let seq: i64 = self.conn.query_row(
            "SELECT seq FROM posts WHERE id = ?1",
            [post_id.to_string()],
            |r| r.get(0),
        )?;
        self.conn
            .execute("DELETE FROM post_search WHERE rowid = ?1", [seq])?;
        self.conn.execute(
            "INSERT INTO post_search (rowid, body) VALUES (?1, ?2)",
            params![seq, body],
        )?;
        Ok(())
    }

    pub fn get(&self, id: Uuid) -> Result<Option<Post>> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {POST_COLUMNS} FROM posts p JOIN members a ON a.id = p.author_id WHERE p.id = ?1"),
                [id.to_string()],
                post_row,
            )
            .optional()?;
        let Some(mut post) = row else { return Ok(None) };
        post.content = self
            .content(id, post.version)?
            .ok_or_else(|| bad_value("post without its current version", &id.to_string()))?;
        Ok(Some(post))
    }

    pub fn content(&self, post_id: Uuid, version: u32) -> Result<Option<Content>> {
        let id = post_id.to_string();
        let head = self
            .conn
            .query_row(
                "SELECT signature, reply_settings, reply_to FROM post_versions WHERE post_id = ?1 AND version = ?2",
                params![id, version],
                |r| {
                    Ok((
                        r.get::<_, bool>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((signature, settings, reply_to)) = head else {
            return Ok(None);
        };
        let reply_settings =
            ReplySettings::parse(&settings).ok_or_else(|| bad_value("reply setting", &settings))?;
        let reply = match reply_to {
            Some(t) => Some(ReplyTarget::decode(&t).ok_or_else(|| bad_value("reply target", &t))?),
            None => None,
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT text FROM parts WHERE post_id = ?1 AND version = ?2 ORDER BY idx",
        )?;
        let mut parts: Vec<Part> = stmt
            .query_map(params![id, version], |r| {
                Ok(Part {
                    text: r.get(0)?,
                    media: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT pm.idx, pm.alt_text, m.hash, m.kind, m.mime, m.bytes, m.original_name
             FROM part_media pm JOIN media m ON m.hash = pm.media_hash
             WHERE pm.post_id = ?1 AND pm.version = ?2 ORDER BY pm.idx, pm.position",
        )?;
        let rows = stmt.query_map(params![id, version], |r| {
            let kind: String = r.get(3)?;
            Ok((
                r.get::<_, i64>(0)? as usize,
                Attachment {
                    alt_text: r.get(1)?,
                    media: Media {
                        hash: r.get(2)?,
                        kind: MediaKind::parse(&kind)
                            .ok_or_else(|| bad_value("media kind", &kind))?,
                        mime: r.get(4)?,
                        bytes: r.get::<_, i64>(5)? as u64,
                        original_name: r.get(6)?,
                    },
                },
            ))
        })?;
        for row in rows {
            let (idx, attachment) = row?;
            if let Some(part) = parts.get_mut(idx) {
                part.media.push(attachment);
            }
        }
        Ok(Some(Content {
            parts,
            signature,
            reply_settings,
            reply,
        }))
    }

    pub fn sign_version(
        &self,
        post_id: Uuid,
        version: u32,
        author_id: Uuid,
        digest: &str,
        signature: &str,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE post_versions SET author_id = ?3, content_digest = ?4, editor_signature = ?5
             WHERE post_id = ?1 AND version = ?2",
            params![
                post_id.to_string(),
                version,
                author_id.to_string(),
                digest,
                signature
            ],
        )?;
        Ok(())
    }

    pub fn signed_versions(&self, post_id: Uuid) -> Result<Vec<VersionProof>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT version, editor_id, author_id, content_digest, editor_signature
             FROM post_versions WHERE post_id = ?1 ORDER BY version",
        )?;
        let rows = stmt.query_map([post_id.to_string()], |r| {
            Ok(VersionProof {
                version: r.get(0)?,
                editor_id: uuid(&r.get::<_, String>(1)?)?,
                author_id: r
                    .get::<_, Option<String>>(2)?
                    .as_deref()
                    .map(uuid)
                    .transpose()?,
                digest: r.get(3)?,
                signature: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn unsigned_pending(&self) -> Result<Vec<Uuid>> {
        // The statuses still on their way, listed rather than `NOT IN` the finished ones: a
        // list walks the status index over the few pending posts, where `NOT IN` read every
        // post (200 ms at a million, on a laptop's first open of the workspace).
        let pending: Vec<String> = Status::ALL
            .into_iter()
            .filter(|s| !matches!(s, Status::Posted | Status::Dropped | Status::Rejected))
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT p.id FROM posts p
             JOIN post_versions v ON v.post_id = p.id AND v.version = 1
             WHERE p.status IN ({})
               AND v.editor_signature IS NULL
             ORDER BY p.seq",
            pending.join(", ")
        ))?;
        let rows = stmt.query_map([], |r| uuid(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn editor_of(&self, post_id: Uuid, version: u32) -> Result<Option<Uuid>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT editor_id FROM post_versions WHERE post_id = ?1 AND version = ?2",
                params![post_id.to_string(), version],
                |r| r.get(0),
            )
            .optional()?;
        Ok(id.as_deref().map(uuid).transpose()?)
    }

    pub fn versions(&self, post_id: Uuid) -> Result<Vec<Version>> {
        let mut stmt = self.conn.prepare(
            "SELECT v.version, v.at, m.id, m.name, m.initials, m.role, m.active, m.created_at
             FROM post_versions v JOIN members m ON m.id = v.editor_id
             WHERE v.post_id = ?1 ORDER BY v.version",
        )?;
        let heads = stmt
            .query_map([post_id.to_string()], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    ts(r.get(1)?)?,
                    members::from_row(r, 2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(heads.len());
        for (version, at, editor) in heads {
            if let Some(content) = self.content(post_id, version)? {
                out.push(Version {
                    version,
                    editor,
                    at,
                    content,
                });
            }
        }
        Ok(out)
    }

    pub fn list(&self, status: Option<Status>) -> Result<Vec<PostSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.status, a.name, p.version,
                    (SELECT count(*) FROM parts WHERE post_id = p.id AND version = p.version),
                    (SELECT text FROM parts WHERE post_id = p.id AND version = p.version AND idx = 0),
                    p.scheduled_at, p.updated_at
             FROM posts p JOIN members a ON a.id = p.author_id
             WHERE ?1 IS NULL OR p.status = ?1
             ORDER BY p.updated_at DESC, p.seq DESC",
        )?;
        let rows = stmt.query_map([status.map(|s| s.as_str())], |r| {
            Ok(PostSummary {
                id: uuid(&r.get::<_, String>(0)?)?,
                status: self::status(&r.get::<_, String>(1)?)?,
                author: r.get(2)?,
                version: r.get(3)?,
                parts: r.get(4)?,
                text: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                scheduled_at: opt_ts(r.get(6)?)?,
                updated_at: ts(r.get(7)?)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn history_page(&self, q: &HistoryQuery) -> Result<Vec<HistoryRow>> {
        let search = q.search.as_deref().filter(|s| !s.trim().is_empty());
        let query = match search {
            Some(s) => search_query(self.conn, s)?,
            None => None,
        };
        if search.is_some() && query.is_none() {
            return Ok(Vec::new());
        }
        let Some(query) = query else {
            return self.history_rows(q, None, Scope::All);
        };
        // A rare word is cheapest gathered from its few matches; the index counts them up to
        // the bound, reading no further.
        let matches: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM
                    (SELECT rowid FROM post_search WHERE post_search MATCH ?1 LIMIT ?2)",
            )?
            .query_row(params![query, RARE_MATCHES], |r| r.get(0))?;
        if matches < RARE_MATCHES {
            return self.history_rows(q, Some(&query), Scope::Matches);
        }
        // A search asks the full-text index for every match, and a common word matches half
        // of a million posts: collecting those to keep the newest 50 costs over 100 ms. So it
        // looks among the newest posts first, a window of them that grows fourfold until it
        // holds the page. The window is a range of posting order, and its posts' row numbers
        // (the index's rowids) a range the index seeks to; the page found inside is exactly the
        // page overall, since every post outside the window is older than every post inside.
        let mut window: i64 = 4096;
        loop {
            let Some(bound) = self.history_window(q, window)? else {
                // The window would hold every post: search them all at once.
                return self.history_rows(q, Some(&query), Scope::All);
            };
            let rows = self.history_rows(q, Some(&query), Scope::Window(bound))?;
            if rows.len() >= q.limit as usize {
                return Ok(rows);
            }
            window = window.saturating_mul(4);
        }
    }

    /// The oldest post of the newest `size` posted ones (within `q`'s time range) and the
    /// range of row numbers the window spans, or `None` when there are no more than `size`.
    fn history_window(&self, q: &HistoryQuery, size: i64) -> Result<Option<HistoryWindow>> {
        let to = q.to.map(ms);
        let oldest = self
            .conn
            .prepare_cached(
                "SELECT posted_at, seq FROM posts
                 WHERE status = 'posted' AND (?1 IS NULL OR posted_at < ?1)
                 ORDER BY posted_at DESC, seq DESC LIMIT 1 OFFSET ?2",
            )?
            .query_row(params![to, size - 1], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((posted_at, seq)) = oldest else {
            return Ok(None);
        };
        let (first, last) = self
            .conn
            .prepare_cached(
                "SELECT min(seq), max(seq) FROM posts
                 WHERE status = 'posted' AND posted_at >= ?1 AND (posted_at > ?1 OR seq >= ?2)
                   AND (?3 IS NULL OR posted_at < ?3)",
            )?
            .query_row(params![posted_at, seq, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(Some(HistoryWindow {
            posted_at,
            seq,
            first,
            last,
        }))
    }

    /// One page of posted posts matching `q` (and `query`), newest first, among those of
    /// `scope`.
    fn history_rows(
        &self,
        q: &HistoryQuery,
        query: Option<&str>,
        scope: Scope,
    ) -> Result<Vec<HistoryRow>> {
        let author = q.author.as_deref().filter(|s| !s.trim().is_empty());
        let approver = q.approver.as_deref().filter(|s| !s.trim().is_empty());
        // One statement per scope, not one with `?8 IS NULL OR ...`: an OR around the rowid
        // range would keep the full-text index from seeking to it. Unused parameters are
        // still bound, so every statement says they are NULL.
        let unused = "?8 IS NULL AND ?9 IS NULL AND ?10 IS NULL AND ?11 IS NULL";
        let source = match scope {
            Scope::All => format!(
                "FROM posts p WHERE p.status = 'posted' AND {unused}
                   AND (?1 IS NULL OR p.seq IN (
                        SELECT rowid FROM post_search WHERE post_search MATCH ?1))"
            ),
            Scope::Window(_) => "FROM posts p
                 WHERE p.status = 'posted'
                   AND p.posted_at >= ?8 AND (p.posted_at > ?8 OR p.seq >= ?9)
                   AND p.seq IN (SELECT rowid FROM post_search
                        WHERE post_search MATCH ?1 AND rowid BETWEEN ?10 AND ?11)"
                .to_string(),
            // CROSS JOIN keeps the matches the outer loop: SQLite would otherwise walk every
            // posted post newest first and test each against them.
            Scope::Matches => format!(
                "FROM (SELECT rowid AS seq FROM post_search WHERE post_search MATCH ?1) hits
                 CROSS JOIN posts p ON p.seq = hits.seq
                 WHERE p.status = 'posted' AND {unused}"
            ),
        };
        let window = match scope {
            Scope::Window(w) => Some(w),
            _ => None,
        };
        // Pick the page first (an index walk, newest first), then decorate only those rows:
        // decorating before sorting would build every row's parts for the whole history.
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH page AS (
                 SELECT p.seq {source}
                   AND (?3 IS NULL OR p.author_id IN (SELECT id FROM members WHERE name = ?3))
                   AND (?4 IS NULL OR EXISTS (
                        SELECT 1 FROM approvals ap JOIN members m ON m.id = ap.member_id
                        WHERE ap.post_id = p.id AND ap.voided_at IS NULL AND m.name = ?4))
                   AND (?5 IS NULL OR p.posted_at >= ?5)
                   AND (?6 IS NULL OR p.posted_at < ?6)
                 ORDER BY p.posted_at DESC, p.seq DESC
                 LIMIT ?2 OFFSET ?7)
             SELECT p.id, a.name, p.created_at, p.posted_at, p.post_url,
                    m.name, ap.at, ap.solo,
                    (SELECT json_group_array(text) FROM
                        (SELECT text FROM parts WHERE post_id = p.id AND version = p.version ORDER BY idx))
             FROM page
             JOIN posts p ON p.seq = page.seq
             JOIN members a ON a.id = p.author_id
             LEFT JOIN approvals ap ON ap.id = (
                 SELECT id FROM approvals WHERE post_id = p.id AND voided_at IS NULL
                 ORDER BY at DESC, rowid DESC LIMIT 1)
             LEFT JOIN members m ON m.id = ap.member_id
             ORDER BY p.posted_at DESC, p.seq DESC"
        ))?;
        let rows = stmt.query_map(
            params![
                query,
                q.limit,
                author,
                approver,
                q.from.map(ms),
                q.to.map(ms),
                q.offset,
                window.map(|w| w.posted_at),
                window.map(|w| w.seq),
                window.map(|w| w.first),
                window.map(|w| w.last),
            ],
            |r| {
                let parts: String = r.get(8)?;
                Ok(HistoryRow {
                    id: uuid(&r.get::<_, String>(0)?)?,
                    author: r.get(1)?,
                    created_at: ts(r.get(2)?)?,
                    posted_at: opt_ts(r.get(3)?)?,
                    post_url: r.get(4)?,
                    approver: r.get(5)?,
                    approved_at: opt_ts(r.get(6)?)?,
                    solo: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
                    parts: serde_json::from_str(&parts).map_err(|_| bad_value("parts", &parts))?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn import_posted(&self, items: &[ImportedPost]) -> Result<()> {
        let mut post = self.conn.prepare_cached(
            "INSERT INTO posts (id, author_id, status, version, created_at, updated_at, posted_at, post_url)
             VALUES (?1, ?2, 'posted', 1, ?3, ?4, ?4, ?5)",
        )?;
        let mut version = self.conn.prepare_cached(
            "INSERT INTO post_versions (post_id, version, editor_id, at, signature, reply_settings)
             VALUES (?1, 1, ?2, ?3, 0, 'everyone')",
        )?;
        let mut part = self.conn.prepare_cached(
            "INSERT INTO parts (post_id, version, idx, text) VALUES (?1, 1, ?2, ?3)",
        )?;
        let mut search = self
            .conn
            .prepare_cached("INSERT INTO post_search (rowid, body) VALUES (?1, ?2)")?;
        for item in items {
            let id = item.id.to_string();
            let author = item.author_id.to_string();
            post.execute(params![
                id,
                author,
                ms(item.created_at),
                ms(item.posted_at),
                item.post_url
            ])?;
            let seq = self.conn.last_insert_rowid();
            version.execute(params![id, author, ms(item.created_at)])?;
            for (idx, text) in item.parts.iter().enumerate() {
                part.execute(params![id, idx as i64, text])?;
            }
            search.execute(params![seq, item.parts.join("\n")])?;
        }
        Ok(())
    }
}

fn post_row(r: &Row<'_>) -> rusqlite::Result<Post> {
    let scheduled = match (r.get::<_, Option<i64>>(3)?, r.get::<_, Option<String>>(4)?) {
        (Some(at), Some(zone)) => Some(Schedule { at: ts(at)?, zone }),
        (Some(at), None) => Some(Schedule {
            at: ts(at)?,
            zone: "UTC".into(),
        }),
        _ => None,
    };
    Ok(Post {
        id: uuid(&r.get::<_, String>(0)?)?,
        status: status(&r.get::<_, String>(1)?)?,
        version: r.get(2)?,
        scheduled,
        status_reason: r.get(5)?,
        created_at: ts(r.get(6)?)?,
        updated_at: ts(r.get(7)?)?,
        posted_at: opt_ts(r.get(8)?)?,
        post_url: r.get(9)?,
        author: members::from_row(r, 10)?,
        content: Content {
            parts: Vec::new(),
            signature: false,
            reply_settings: ReplySettings::Everyone,
            reply: None,
        },
    })
}

/// Below this many matches a search gathers its page from the matches; from this many, from
/// windows of the newest posts.
const RARE_MATCHES: i64 = 4096;

/// Which posts a History page is picked from.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// All posted posts.
    All,
    /// The posted posts of a window of the newest.
    Window(HistoryWindow),
    /// The posted posts among a search's matches, gathered from them.
    Matches,
}

/// The newest posts a History search looks among first: the oldest of them (posting time and
/// row number) and the row numbers they span.
#[derive(Debug, Clone, Copy)]
struct HistoryWindow {
    posted_at: i64,
    seq: i64,
    first: i64,
    last: i64,
}

/// What a person typed, as an FTS5 query that cannot be a syntax error and that the index
/// answers without merging whole lists: every word must match as a prefix, and a word of
/// ASCII letters and digits becomes the indexed words that start with it (`"launch" OR
/// "launched"`, read lazily; more than [`MAX_EXPANSION`] stay a prefix). `None` when nothing
/// searchable is left, or when a word starts no indexed word (then nothing can match).
///
/// Only ASCII words are expanded: the index folds case and diacritics its own way, and for
/// ASCII that is plain lower case, which this can do the same.
pub(super) fn search_query(conn: &Connection, input: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT word FROM search_words WHERE word >= ?1 AND word < ?2 ORDER BY word LIMIT ?3",
    )?;
    let mut terms = Vec::new();
    for word in search_words(input) {
        let prefix = format!("\"{word}\"*");
        if !word.bytes().all(|b| b.is_ascii_alphanumeric()) {
            terms.push(prefix);
            continue;
        }
        let from = word.to_ascii_lowercase();
        // The first string after every word starting with `from`: its last byte, a letter or
        // digit, moved up one (still ASCII, so still UTF-8).
        let mut to = from.clone().into_bytes();
        if let Some(last) = to.last_mut() {
            *last += 1;
        }
        let to = String::from_utf8(to).unwrap_or_default();
        let found = stmt
            .query_map(params![from, to, (MAX_EXPANSION + 1) as i64], |r| {
                r.get::<_, String>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        match found.len() {
            0 => return Ok(None),
            n if n > MAX_EXPANSION => terms.push(prefix),
            _ => {
                let any: Vec<String> = found.iter().map(|w| format!("\"{w}\"")).collect();
                terms.push(format!("({})", any.join(" OR ")));
            }
        }
    }
    // FTS5 takes no implicit AND next to a parenthesised group.
    Ok((!terms.is_empty()).then(|| terms.join(" AND ")))
}

/// How many indexed words a typed prefix may stand for before it stays a prefix.
const MAX_EXPANSION: usize = 64;

/// The searchable words of what a person typed, as [`fts_query`] keeps them.
fn search_words(input: &str) -> impl Iterator<Item = String> + '_ {
    input
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
}

/// Turns what a person typed into an FTS5 query that cannot be a syntax error: every word
/// becomes a quoted prefix term, and all must match. `None` when nothing searchable is left.
pub(super) fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = search_words(input).map(|w| format!("\"{w}\"*")).collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn search_input_becomes_a_safe_query() {
        assert_eq!(
            fts_query("launch day").as_deref(),
            Some("\"launch\"* \"day\"*")
        );
        assert_eq!(
            fts_query("\"unbalanced AND (").as_deref(),
            Some("\"unbalanced\"* \"AND\"*")
        );
        assert_eq!(fts_query("  -- * ").as_deref(), None);
    }
}
