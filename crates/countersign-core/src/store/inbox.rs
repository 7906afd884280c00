//! The inbox facade: conversations, the messages people wrote, the answers, and how the inbox
//! is read.

use jiff::Timestamp;
use uuid::Uuid;

use super::InboxCursor;
use super::sqlite;
use crate::conversation::{Conversation, ConversationState, InboxQuery, Message};
use crate::error::Result;

/// The conversations people have with the brand.
#[derive(Debug)]
pub struct Inbox<'t>(pub(super) InboxImpl<'t>);

#[derive(Debug)]
pub(super) enum InboxImpl<'t> {
    Sqlite(sqlite::Inbox<'t>),
}

impl Inbox<'_> {
    /// How the inbox is read (one row, always there).
    pub fn cursor(&self) -> Result<InboxCursor> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.cursor(),
        }
    }

    /// Replaces how the inbox is read.
    pub fn save_cursor(&self, c: &InboxCursor) -> Result<()> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.save_cursor(c),
        }
    }

    /// One conversation by id.
    pub fn get(&self, id: &str) -> Result<Option<Conversation>> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.get(id),
        }
    }

    /// Inserts the conversation, or replaces the one with its id.
    pub fn save(&self, c: &Conversation) -> Result<()> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.save(c),
        }
    }

    /// Whether a message with this X id is held already.
    pub fn has_message(&self, x_id: &str) -> Result<bool> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.has_message(x_id),
        }
    }

    /// Keeps a message (never changed afterwards); its conversation must exist. Searchable at
    /// once by its words and its conversation's person.
    pub fn add_message(&self, m: &Message) -> Result<()> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.add_message(m),
        }
    }

    /// A conversation's messages, oldest first.
    pub fn messages(&self, conversation_id: &str) -> Result<Vec<Message>> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.messages(conversation_id),
        }
    }

    /// Conversations matching `q`, latest message first.
    pub fn list(&self, q: &InboxQuery) -> Result<Vec<Conversation>> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.list(q),
        }
    }

    /// Whether the member hears of new mentions and direct messages on this laptop (everyone
    /// does until they say otherwise). This laptop's own setting: a team server never sees it.
    pub fn on_duty(&self, member_id: Uuid) -> Result<bool> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.on_duty(member_id),
        }
    }

    /// Puts the member on duty, or off, on this laptop.
    pub fn set_on_duty(&self, member_id: Uuid, on: bool) -> Result<()> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.set_on_duty(member_id, on),
        }
    }

    /// How many conversations are in `state`.
    pub fn count(&self, state: ConversationState) -> Result<u32> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.count(state),
        }
    }

    /// Records that post `post_id` answers the conversation.
    pub fn add_answer(&self, post_id: Uuid, conversation_id: &str) -> Result<()> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.add_answer(post_id, conversation_id),
        }
    }

    /// The conversation a post answers, if it is an answer.
    pub fn answer_of(&self, post_id: Uuid) -> Result<Option<String>> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.answer_of(post_id),
        }
    }

    /// The posts answering a conversation, oldest first.
    pub fn answers(&self, conversation_id: &str) -> Result<Vec<Uuid>> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.answers(conversation_id),
        }
    }

    /// The answer went out at `at`, after the person had waited `waited_ms`.
    pub fn mark_answered(
        &self,
        post_id: Uuid,
        waited_ms: Option<i64>,
        at: Timestamp,
    ) -> Result<()> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.mark_answered(post_id, waited_ms, at),
        }
    }

    /// How long the person waited for the conversation's first answer, in ms, once one went out.
    pub fn first_wait(&self, conversation_id: &str) -> Result<Option<i64>> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.first_wait(conversation_id),
        }
    }

    /// How long people waited, in ms, for every answer sent since `since`.
    pub fn waits_since(&self, since: Timestamp) -> Result<Vec<i64>> {
        match &self.0 {
            InboxImpl::Sqlite(h) => h.waits_since(since),
        }
    }
}
