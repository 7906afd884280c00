//! The conversation tables: `conversations`, `messages` (with the `message_search` FTS5
//! index), `answers` and the one-row `inbox`. The methods' contracts are documented on the
//! facade, [`crate::store::Inbox`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::posts::{fts_query, search_query};
use super::{bad_value, ms, ts, uuid};
use crate::conversation::{
    Conversation, ConversationKind, ConversationState, InboxQuery, Message, Person,
};
use crate::error::Result;
use crate::store::InboxCursor;

#[derive(Debug)]
pub struct Inbox<'c> {
    pub(super) conn: &'c Connection,
}

/// Below this many matching messages a search gathers its conversations from the matches;
/// from this many, from windows of the newest conversations.
const RARE_MATCHES: usize = 4096;

/// Which conversations an inbox page is picked from.
#[derive(Debug, Clone)]
enum Scope {
    /// All of them.
    All,
    /// Those of a window of the newest.
    Window(InboxWindow),
    /// Those among a search's matches, gathered from them.
    Matches,
}

/// The newest conversations an inbox search looks among first: the oldest of them and the
/// row numbers of their messages.
#[derive(Debug, Clone)]
struct InboxWindow {
    last_at: i64,
    id: String,
    first: i64,
    last: i64,
}

const COLUMNS: &str = "c.id, c.kind, c.person_id, c.person_handle, c.person_name, c.state,
     c.assignee_id, c.note, c.waiting_since, c.last_at, c.updated_at";

fn conversation(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    let kind: String = r.get(1)?;
    let state: String = r.get(5)?;
    Ok(Conversation {
        id: r.get(0)?,
        kind: ConversationKind::parse(&kind)
            .ok_or_else(|| bad_value("conversation kind", &kind))?,
        person: Person {
            id: r.get(2)?,
            handle: r.get(3)?,
            name: r.get(4)?,
        },
        state: ConversationState::parse(&state)
            .ok_or_else(|| bad_value("conversation state", &state))?,
        assignee_id: r
            .get::<_, Option<String>>(6)?
            .map(|s| uuid(&s))
            .transpose()?,
        note: r.get(7)?,
        waiting_since: r.get::<_, Option<i64>>(8)?.map(ts).transpose()?,
        last_at: ts(r.get(9)?)?,
        updated_at: ts(r.get(10)?)?,
    })
}

impl Inbox<'_> {
    pub fn cursor(&self) -> Result<InboxCursor> {
        let row = self
            .conn
            .query_row(
                "SELECT poll_minutes, mentions_since, dms_after, reads_month, reads, polled_at
             FROM inbox WHERE id = 1",
                [],
                |r| {
                    Ok(InboxCursor {
                        poll_minutes: r.get(0)?,
                        mentions_since: r.get(1)?,
                        dms_after: r.get(2)?,
                        reads_month: r.get(3)?,
                        reads: r.get(4)?,
                        polled_at: r.get::<_, Option<i64>>(5)?.map(ts).transpose()?,
                    })
                },
            )
            .optional()?;
        Ok(row.unwrap_or(InboxCursor {
            poll_minutes: 2,
            mentions_since: None,
            dms_after: None,
            reads_month: String::new(),
            reads: 0,
            polled_at: None,
        }))
    }

    pub fn save_cursor(&self, c: &InboxCursor) -> Result<()> {
        let values = params![
            c.poll_minutes,
            c.mentions_since,
            c.dms_after,
            c.reads_month,
            c.reads,
            c.polled_at.map(ms)
        ];
        let changed = self.conn.execute(
            "UPDATE inbox SET poll_minutes = ?1, mentions_since = ?2, dms_after = ?3,
                 reads_month = ?4, reads = ?5, polled_at = ?6 WHERE id = 1",
            values,
        )?;
        if changed == 0 {
            self.conn.execute(
                "INSERT INTO inbox (id, poll_minutes, mentions_since, dms_after, reads_month, reads, polled_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
                values,
            )?;
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Result<Option<Conversation>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM conversations c WHERE c.id = ?1"),
                [id],
                conversation,
            )
            .optional()?)
    }

    pub fn save(&self, c: &Conversation) -> Result<()> {
        let values = params![
            c.id,
            c.kind.as_str(),
            c.person.id,
            c.person.handle,
            c.person.name,
            c.state.as_str(),
            c.assignee_id.map(|u| u.to_string()),
            c.note,
            c.waiting_since.map(ms),
            ms(c.last_at),
            ms(c.updated_at),
        ];
        // An update only when the row is there, so that a team replica's capture sees an
        // insert as an insert and an update as an update.
        let changed = self.conn.execute(
            "UPDATE conversations SET kind = ?2, person_id = ?3, person_handle = ?4,
                 person_name = ?5, state = ?6, assignee_id = ?7, note = ?8, waiting_since = ?9,
                 last_at = ?10, updated_at = ?11
             WHERE id = ?1",
            values,
        )?;
        if changed == 0 {
            self.conn.execute(
                "INSERT INTO conversations (id, kind, person_id, person_handle, person_name,
                     state, assignee_id, note, waiting_since, last_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                values,
            )?;
        }
        Ok(())
    }

    pub fn has_message(&self, x_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE x_id = ?1)",
            [x_id],
            |r| r.get(0),
        )?)
    }

    pub fn add_message(&self, m: &Message) -> Result<()> {
        self.conn.execute(
            "INSERT INTO messages (x_id, conversation_id, author_id, text, at, reply_to_x_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                m.x_id,
                m.conversation_id,
                m.author_id,
                m.text,
                ms(m.at),
                m.reply_to_x_id
            ],
        )?;
        Ok(())
    }

    pub fn messages(&self, conversation_id: &str) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT x_id, conversation_id, author_id, text, at, reply_to_x_id FROM messages
             WHERE conversation_id = ?1 ORDER BY at, rowid",
        )?;
        let rows = stmt.query_map([conversation_id], |r| {
            Ok(Message {
                x_id: r.get(0)?,
                conversation_id: r.get(1)?,
                author_id: r.get(2)?,
                text: r.get(3)?,
                at: ts(r.get(4)?)?,
                reply_to_x_id: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn list(&self, q: &InboxQuery) -> Result<Vec<Conversation>> {
        let limit = if q.limit == 0 { 200 } else { q.limit };
        // Nothing searchable typed lists everything; a word no message starts matches nothing.
        let search = match q.search.as_deref().filter(|s| fts_query(s).is_some()) {
            Some(typed) => match search_query(self.conn, typed)? {
                Some(query) => Some(query),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let Some(search) = search else {
            return self.listed(q, limit, None, Scope::All);
        };
        // A rare word is found cheapest from its few matches; a common one (thousands of
        // messages) from the newest conversations, whose page it fills long before the matches
        // are all collected. Which one it is, the index says by counting up to the bound.
        let matches: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM
                    (SELECT rowid FROM message_search WHERE message_search MATCH ?1 LIMIT ?2)",
            )?
            .query_row(params![search, RARE_MATCHES as i64], |r| r.get(0))?;
        if matches < RARE_MATCHES as i64 {
            return self.listed(q, limit, Some(&search), Scope::Matches);
        }
        // Windows of the newest conversations, growing fourfold, as History searches: the page
        // found within one is the page overall, since every conversation outside it is older.
        let mut window = 4096i64;
        loop {
            let Some(bound) = self.window(window)? else {
                return self.listed(q, limit, Some(&search), Scope::All);
            };
            let found = self.listed(q, limit, Some(&search), Scope::Window(bound))?;
            if found.len() >= limit {
                return Ok(found);
            }
            window = window.saturating_mul(4);
        }
    }

    /// The oldest of the newest `size` conversations and the row numbers their messages span,
    /// or `None` when there are no more than `size`.
    fn window(&self, size: i64) -> Result<Option<InboxWindow>> {
        let oldest = self
            .conn
            .prepare_cached(
                "SELECT last_at, id FROM conversations ORDER BY last_at DESC, id LIMIT 1 OFFSET ?1",
            )?
            .query_row([size - 1], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((last_at, id)) = oldest else {
            return Ok(None);
        };
        let (first, last) = self
            .conn
            .prepare_cached(
                "SELECT min(m.rowid), max(m.rowid) FROM conversations c
                 JOIN messages m ON m.conversation_id = c.id
                 WHERE c.last_at >= ?1 AND (c.last_at > ?1 OR c.id <= ?2)",
            )?
            .query_row(params![last_at, id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(Some(InboxWindow {
            last_at,
            id,
            first,
            last,
        }))
    }

    /// Conversations matching `q` (and `search`), newest first, among those of `scope`.
    fn listed(
        &self,
        q: &InboxQuery,
        limit: usize,
        search: Option<&str>,
        scope: Scope,
    ) -> Result<Vec<Conversation>> {
        // One statement per scope rather than `?7 IS NULL OR ...`: an OR around the rowid range
        // would keep the full-text index from seeking to it. Unused parameters are still bound,
        // so every statement says they are NULL.
        let unused = "?7 IS NULL AND ?8 IS NULL AND ?9 IS NULL AND ?10 IS NULL";
        let source = match scope {
            Scope::All => format!(
                "FROM conversations c WHERE {unused}
                   AND (?5 IS NULL OR c.id IN (SELECT m.conversation_id FROM messages m
                        WHERE m.rowid IN (
                            SELECT rowid FROM message_search WHERE message_search MATCH ?5)))"
            ),
            Scope::Window(_) => "FROM conversations c
                 WHERE c.last_at >= ?7 AND (c.last_at > ?7 OR c.id <= ?8)
                   AND c.id IN (SELECT m.conversation_id FROM messages m
                        WHERE m.rowid IN (SELECT rowid FROM message_search
                            WHERE message_search MATCH ?5 AND rowid BETWEEN ?9 AND ?10))"
                .to_string(),
            // CROSS JOIN keeps the matches the outer loop: SQLite would otherwise walk every
            // conversation newest first and test each against them.
            Scope::Matches => format!(
                "FROM (SELECT DISTINCT m.conversation_id AS id FROM message_search s
                       JOIN messages m ON m.rowid = s.rowid
                       WHERE s.message_search MATCH ?5) hits
                 CROSS JOIN conversations c ON c.id = hits.id
                 WHERE {unused}"
            ),
        };
        let window = match &scope {
            Scope::Window(w) => Some(w),
            _ => None,
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} {source}
               AND (?1 IS NULL OR c.state = ?1)
               AND (?2 IS NULL OR c.assignee_id = ?2)
               AND (?3 = 0 OR c.state IN ('new', 'assigned'))
               AND (?4 IS NULL OR c.kind = ?4)
             ORDER BY c.last_at DESC, c.id
             LIMIT ?6"
        ))?;
        let rows = stmt.query_map(
            params![
                q.state.map(ConversationState::as_str),
                q.assignee.map(|u| u.to_string()),
                q.open,
                q.kind.map(ConversationKind::as_str),
                search,
                limit as i64,
                window.map(|w| w.last_at),
                window.map(|w| w.id.as_str()),
                window.map(|w| w.first),
                window.map(|w| w.last),
            ],
            conversation,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn on_duty(&self, member_id: Uuid) -> Result<bool> {
        Ok(!self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM off_duty WHERE member_id = ?1)",
            [member_id.to_string()],
            |r| r.get::<_, bool>(0),
        )?)
    }

    pub fn set_on_duty(&self, member_id: Uuid, on: bool) -> Result<()> {
        let sql = if on {
            "DELETE FROM off_duty WHERE member_id = ?1"
        } else {
            "INSERT OR IGNORE INTO off_duty (member_id) VALUES (?1)"
        };
        self.conn.execute(sql, [member_id.to_string()])?;
        Ok(())
    }

    pub fn count(&self, state: ConversationState) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM conversations WHERE state = ?1",
            [state.as_str()],
            |r| r.get(0),
        )?)
    }

    pub fn add_answer(&self, post_id: Uuid, conversation_id: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO answers (post_id, conversation_id) VALUES (?1, ?2)",
            params![post_id.to_string(), conversation_id],
        )?;
        Ok(())
    }

    pub fn answer_of(&self, post_id: Uuid) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT conversation_id FROM answers WHERE post_id = ?1",
                [post_id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn answers(&self, conversation_id: &str) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.post_id FROM answers a JOIN posts p ON p.id = a.post_id
             WHERE a.conversation_id = ?1 ORDER BY p.created_at, a.rowid",
        )?;
        let rows = stmt.query_map([conversation_id], |r| uuid(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn mark_answered(
        &self,
        post_id: Uuid,
        waited_ms: Option<i64>,
        at: Timestamp,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE answers SET waited_ms = ?2, answered_at = ?3 WHERE post_id = ?1",
            params![post_id.to_string(), waited_ms, ms(at)],
        )?;
        Ok(())
    }

    pub fn first_wait(&self, conversation_id: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT waited_ms FROM answers WHERE conversation_id = ?1 AND answered_at IS NOT NULL
                 ORDER BY answered_at LIMIT 1",
                [conversation_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn waits_since(&self, since: Timestamp) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT waited_ms FROM answers WHERE answered_at >= ?1 AND waited_ms IS NOT NULL",
        )?;
        let rows = stmt.query_map([ms(since)], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
