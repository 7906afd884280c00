//! Conversations: the account's mentions and direct messages, answering a direct message, and
//! X's 2026 rule that a self-serve app replies only where it was summoned.
//!
//! Reading costs money per request on pay-per-use access, so every read here is shaped to
//! read nothing twice: mentions take `since_id`; direct messages (which X lists without
//! `since_id`) are paged only until an event the caller already holds.

use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::info;

use crate::budget::Endpoint;
use crate::client::XClient;
use crate::error::XError;
use crate::http::Request;
use crate::posts::{Data, User};

/// At most this many pages per poll: X lists only the newest 800 mentions anyway.
const MAX_PAGES: u32 = 8;

/// A post that mentions the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    /// The post's id.
    pub id: String,
    /// Its text as X returns it.
    pub text: String,
    /// Who wrote it.
    pub author_id: String,
    /// When, as X says.
    pub created_at: Option<Timestamp>,
    /// The first post of the thread it belongs to.
    pub conversation_id: Option<String>,
    /// The user it replies to, if it is a reply.
    pub in_reply_to_user_id: Option<String>,
    /// The post it replies to, if any.
    pub replied_to: Option<String>,
}

/// New mentions, newest first, with the people who wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentions {
    /// Newest first.
    pub mentions: Vec<Mention>,
    /// The authors (and the users replied to), as X expanded them.
    pub people: Vec<User>,
    /// The newest id read: the `since_id` of the next poll. `None` when nothing was new.
    pub newest_id: Option<String>,
    /// Requests this poll made (each one is billed on pay-per-use access).
    pub requests: u32,
}

/// One direct message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectMessage {
    /// The DM event id.
    pub id: String,
    /// The message.
    pub text: String,
    /// Who sent it (the account itself for its own answers).
    pub sender_id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// When, as X says.
    pub created_at: Option<Timestamp>,
}

/// Direct messages newer than the ones already held, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectMessages {
    /// Newest first, both ways (the account's own answers too).
    pub messages: Vec<DirectMessage>,
    /// The senders, as X expanded them.
    pub people: Vec<User>,
    /// Requests this poll made.
    pub requests: u32,
}

/// A direct message X accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentDm {
    /// The conversation it went to.
    pub dm_conversation_id: String,
    /// The new DM event's id.
    pub dm_event_id: String,
}

#[derive(Deserialize)]
struct MentionPage {
    #[serde(default)]
    data: Vec<MentionWire>,
    #[serde(default)]
    includes: Includes,
    #[serde(default)]
    meta: PageMeta,
}

#[derive(Deserialize, Default)]
struct Includes {
    #[serde(default)]
    users: Vec<User>,
}

#[derive(Deserialize, Default)]
struct PageMeta {
    next_token: Option<String>,
    newest_id: Option<String>,
}

#[derive(Deserialize)]
struct MentionWire {
    id: String,
    text: String,
    author_id: Option<String>,
    created_at: Option<String>,
    conversation_id: Option<String>,
    in_reply_to_user_id: Option<String>,
    #[serde(default)]
    referenced_tweets: Vec<Reference>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct DmPage {
    #[serde(default)]
    data: Vec<DmWire>,
    #[serde(default)]
    includes: Includes,
    #[serde(default)]
    meta: PageMeta,
}

#[derive(Deserialize)]
struct DmWire {
    id: String,
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    text: String,
    sender_id: Option<String>,
    dm_conversation_id: Option<String>,
    created_at: Option<String>,
}

fn merge_people(into: &mut Vec<User>, more: Vec<User>) {
    for u in more {
        if !into.iter().any(|p| p.id == u.id) {
            into.push(u);
        }
    }
}

/// Whether `text` mentions `@username` as a whole handle (letters, digits, `_`; any case).
pub fn mentions(text: &str, username: &str) -> bool {
    let handle = username.trim_start_matches('@').to_ascii_lowercase();
    if handle.is_empty() {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_handle = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(at) = lower[from..].find('@').map(|i| from + i) {
        let start = at + 1;
        let end = start + handle.len();
        if (at == 0 || !is_handle(bytes[at - 1]))
            && lower.get(start..end) == Some(handle.as_str())
            && bytes.get(end).is_none_or(|b| !is_handle(*b))
        {
            return true;
        }
        from = start;
    }
    false
}

/// The check made before a reply is sent (and before it is approved): X lets a self-serve app
/// reply to someone else's post only where that post mentions the account. `target_author_id`
/// equal to `account_id` is the account's own post (a thread), always allowed here.
pub fn may_reply(
    account_id: &str,
    account_username: &str,
    target_author_id: &str,
    target_text: &str,
) -> Result<(), XError> {
    if target_author_id == account_id || mentions(target_text, account_username) {
        Ok(())
    } else {
        Err(XError::NotSummoned {
            detail: format!("the post being answered does not mention @{account_username}"),
        })
    }
}

impl XClient {
    /// Mentions of `user_id` newer than `since_id` (`GET /2/users/:id/mentions`), newest
    /// first, with their authors. Follows `next_token` (up to 8 pages, X's 800 reachable
    /// mentions), so a poll after a long pause still reads everything new exactly once.
    pub async fn mentions(
        &self,
        user_id: &str,
        since_id: Option<&str>,
    ) -> Result<Mentions, XError> {
        let base = self.url_with("/2/users/", &[user_id, "mentions"])?;
        let mut out = Mentions::default();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = base.clone();
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("max_results", "100");
                q.append_pair(
                    "tweet.fields",
                    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets",
                );
                q.append_pair("expansions", "author_id,in_reply_to_user_id");
                q.append_pair("user.fields", "name,username");
                if let Some(id) = since_id {
                    q.append_pair("since_id", id);
                }
                if let Some(token) = &next {
                    q.append_pair("pagination_token", token);
                }
            }
            let req = Request::new(Endpoint::Mentions, Method::GET, url);
            let reply = self.inner.call(req).await?.success()?;
            out.requests += 1;
            let page: MentionPage = reply.json()?;
            if out.newest_id.is_none() {
                out.newest_id = page.meta.newest_id.clone();
            }
            merge_people(&mut out.people, page.includes.users);
            out.mentions.extend(page.data.into_iter().map(|m| {
                Mention {
                    replied_to: m
                        .referenced_tweets
                        .iter()
                        .find(|r| r.kind == "replied_to")
                        .map(|r| r.id.clone()),
                    created_at: m.created_at.and_then(|c| c.parse().ok()),
                    author_id: m.author_id.unwrap_or_default(),
                    conversation_id: m.conversation_id,
                    in_reply_to_user_id: m.in_reply_to_user_id,
                    id: m.id,
                    text: m.text,
                }
            }));
            match page.meta.next_token {
                Some(token) => next = Some(token),
                None => break,
            }
        }
        if out.newest_id.is_none() {
            out.newest_id = out.mentions.first().map(|m| m.id.clone());
        }
        Ok(out)
    }

    /// Direct messages to and from the account newer than `after` (an event id already held),
    /// newest first (`GET /2/dm_events`). X offers no `since_id` here, so pages are read until
    /// one reaches `after`, `max_pages` pages of 100 at most.
    pub async fn direct_messages(
        &self,
        after: Option<&str>,
        max_pages: u32,
    ) -> Result<DirectMessages, XError> {
        let after: Option<u128> = after.and_then(|a| a.parse().ok());
        let base = self.url("/2/dm_events")?;
        let mut out = DirectMessages::default();
        let mut next: Option<String> = None;
        for _ in 0..max_pages.clamp(1, MAX_PAGES) {
            let mut url = base.clone();
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("max_results", "100");
                q.append_pair("event_types", "MessageCreate");
                q.append_pair(
                    "dm_event.fields",
                    "id,text,event_type,created_at,dm_conversation_id",
                );
                q.append_pair("expansions", "sender_id");
                q.append_pair("user.fields", "name,username");
                if let Some(token) = &next {
                    q.append_pair("pagination_token", token);
                }
            }
            let req = Request::new(Endpoint::DmEvents, Method::GET, url);
            let reply = self.inner.call(req).await?.success()?;
            out.requests += 1;
            let page: DmPage = reply.json()?;
            merge_people(&mut out.people, page.includes.users);
            let mut reached = false;
            for e in page.data {
                let held = after.is_some_and(|a| e.id.parse::<u128>().is_ok_and(|id| id <= a));
                if held {
                    reached = true;
                    break;
                }
                if e.event_type
                    .as_deref()
                    .is_some_and(|t| t != "MessageCreate")
                {
                    continue;
                }
                out.messages.push(DirectMessage {
                    created_at: e.created_at.and_then(|c| c.parse().ok()),
                    sender_id: e.sender_id.unwrap_or_default(),
                    conversation_id: e.dm_conversation_id.unwrap_or_default(),
                    id: e.id,
                    text: e.text,
                });
            }
            match page.meta.next_token {
                Some(token) if !reached => next = Some(token),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Sends a direct message to `participant_id`
    /// (`POST /2/dm_conversations/with/:participant_id/messages`). Never retried once it may
    /// have reached X, as for posts: reconcile with [`XClient::direct_messages`] instead.
    pub async fn send_dm(&self, participant_id: &str, text: &str) -> Result<SentDm, XError> {
        let url = self.url_with("/2/dm_conversations/with/", &[participant_id, "messages"])?;
        let req = Request::new(Endpoint::SendDm, Method::POST, url).json(json!({ "text": text }));
        let reply = self.inner.call(req).await?.success()?;
        let sent = reply.json::<Data<SentDm>>()?.data;
        info!(id = %sent.dm_event_id, "direct message sent");
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_the_whole_handle() {
        assert!(mentions("@acme hi", "acme"));
        assert!(mentions("hey @ACME!", "@acme"));
        assert!(!mentions("@acmecorp hi", "acme"));
        assert!(!mentions("bob@acme.com", "acme"));
        assert!(!mentions("@acme", ""));
    }

    #[test]
    fn replies_go_only_where_summoned() {
        assert!(may_reply("1", "acme", "2", "@acme is it vegan?").is_ok());
        assert!(may_reply("1", "acme", "1", "our own thread").is_ok());
        let refused = may_reply("1", "acme", "2", "what a day").unwrap_err();
        assert_eq!(refused.code(), "x_not_summoned");
        assert!(refused.to_string().contains("mentioned"));
    }
}
