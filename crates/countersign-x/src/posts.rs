//! Posts: who we are, create, thread, delete, and read back for reconciliation.

use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::{info, warn};

use crate::budget::Endpoint;
use crate::client::XClient;
use crate::error::XError;
use crate::http::{Reply, Request, forbidden_kind};

/// X's length limit for accounts without a longer-post subscription, in weighted characters.
pub const STANDARD_LIMIT: usize = 280;

/// The connected account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// X's numeric user id, as a string.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The handle, without `@`.
    pub username: String,
}

/// A post to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPost {
    /// The text, exactly as approved.
    pub text: String,
    /// The post this one replies to (threads: the previous part).
    pub reply_to: Option<String>,
    /// Up to four uploaded media ids (photos), or one GIF, or one video.
    pub media_ids: Vec<String>,
    /// Who may reply: `following`, `mentionedUsers`, `subscribers` or `verified`; `None` for
    /// everyone.
    pub reply_settings: Option<String>,
    /// X's weighted length of `text`, as counted by countersign-core, when the caller knows it.
    /// X refuses over-long text in more than one way (a 403 "not permitted" or a 400
    /// invalid-request); knowing the length lets the client call either [`XError::TooLong`].
    /// Without it the client falls back to the number of characters.
    pub weighted_length: Option<usize>,
}

impl NewPost {
    /// A plain text post.
    pub fn text(text: impl Into<String>) -> Self {
        NewPost {
            text: text.into(),
            ..NewPost::default()
        }
    }

    /// Whether X's standard limit is exceeded, as far as this client can tell.
    fn over_standard_limit(&self) -> bool {
        self.weighted_length
            .unwrap_or_else(|| self.text.chars().count())
            > STANDARD_LIMIT
    }

    fn body(&self) -> serde_json::Value {
        // X rejects unknown and empty fields, so only what is set goes in.
        let mut body = json!({ "text": self.text });
        if let Some(id) = &self.reply_to {
            body["reply"] = json!({ "in_reply_to_tweet_id": id });
        }
        if !self.media_ids.is_empty() {
            body["media"] = json!({ "media_ids": self.media_ids });
        }
        if let Some(s) = &self.reply_settings {
            body["reply_settings"] = json!(s);
        }
        body
    }
}

/// A post X created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedPost {
    /// The new post's id.
    pub id: String,
    /// The text as X stored it (URLs rewritten to t.co links).
    pub text: String,
}

/// A post read back from the account's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemotePost {
    /// The post id.
    pub id: String,
    /// The text as X returns it (URLs as t.co links: compare with URLs masked, after NFC).
    pub text: String,
    /// When it was posted, when X said.
    pub created_at: Option<Timestamp>,
    /// The post it replies to (a thread's previous part, or the mention an answer answers).
    pub replied_to: Option<String>,
}

/// Which of the account's recent posts to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentQuery {
    /// Only posts newer than this id.
    pub since_id: Option<String>,
    /// Only posts created at or after this instant.
    pub start_time: Option<Timestamp>,
    /// Posts per page, 5..=100 (clamped).
    pub max_results: u8,
    /// At most this many pages (each one request against a 900 / 15 min budget).
    pub pages: u32,
}

impl Default for RecentQuery {
    fn default() -> Self {
        RecentQuery {
            since_id: None,
            start_time: None,
            max_results: 100,
            pages: 1,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct Data<T> {
    pub(crate) data: T,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<RemotePostWire>,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize, Default)]
struct Meta {
    next_token: Option<String>,
}

#[derive(Deserialize)]
struct RemotePostWire {
    id: String,
    text: String,
    created_at: Option<String>,
    #[serde(default)]
    referenced_tweets: Vec<Referenced>,
}

#[derive(Deserialize)]
struct Referenced {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct Deleted {
    deleted: bool,
}

impl XClient {
    pub(crate) fn url(&self, path: &str) -> Result<url::Url, XError> {
        self.inner
            .config
            .api_base
            .join(path)
            .map_err(|e| XError::Config {
                detail: format!("bad API URL for {path}: {e}"),
            })
    }

    /// `path` with `segments` after it, each percent-encoded (ids come from X or a person).
    pub(crate) fn url_with(&self, path: &str, segments: &[&str]) -> Result<url::Url, XError> {
        let mut url = self.url(path)?;
        url.path_segments_mut()
            .map_err(|_| XError::Config {
                detail: "the API base URL cannot take a path".into(),
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// The connected account (`GET /2/users/me`).
    pub async fn me(&self) -> Result<User, XError> {
        let req = Request::new(Endpoint::Me, Method::GET, self.url("/2/users/me")?);
        let reply = self.inner.call(req).await?.success()?;
        Ok(reply.json::<Data<User>>()?.data)
    }

    /// Creates one post (`POST /2/tweets`).
    ///
    /// Never retried once it may have reached X: there is no idempotency key, and a resend
    /// either double-posts or bounces as a duplicate. On an error for which
    /// [`XError::outcome_unknown`] is true, reconcile with [`XClient::recent_posts`] first.
    pub async fn create_post(&self, post: &NewPost) -> Result<CreatedPost, XError> {
        let req = Request::new(Endpoint::CreatePost, Method::POST, self.url("/2/tweets")?)
            .json(post.body());
        let reply = self.inner.call(req).await?;
        if !reply.is_success() {
            return Err(post_error(&reply, post));
        }
        let created = reply.json::<Data<CreatedPost>>().map_err(|e| {
            // X said yes but we cannot read the id: the post exists.
            warn!("post created but its id is unreadable");
            match e {
                XError::UnexpectedResponse { detail, .. } => XError::Transport {
                    maybe_sent: true,
                    detail: format!("X accepted the post but its answer was unreadable: {detail}"),
                },
                other => other,
            }
        })?;
        info!(id = %created.data.id, "posted");
        Ok(created.data)
    }

    /// Posts a thread: each part replies to the previous one.
    ///
    /// `posted` holds the ids of parts already posted by an earlier, interrupted run (in order);
    /// posting resumes after them without touching them. Right after each new part, `on_posted`
    /// gets its index and id so the caller can record it durably *before* the next request: if
    /// recording fails, nothing more is posted and the error ([`XError::NotRecorded`]) carries
    /// the id. Returns the ids of every part, earlier ones included.
    pub async fn create_thread(
        &self,
        parts: &[NewPost],
        posted: &[String],
        on_posted: &mut (dyn FnMut(usize, &str) -> Result<(), String> + Send),
    ) -> Result<Vec<String>, XError> {
        if posted.len() > parts.len() {
            return Err(XError::Config {
                detail: format!(
                    "{} parts already posted but the thread has only {}",
                    posted.len(),
                    parts.len()
                ),
            });
        }
        let mut ids: Vec<String> = posted.to_vec();
        for (index, part) in parts.iter().enumerate().skip(posted.len()) {
            let mut part = part.clone();
            if let Some(previous) = ids.last() {
                part.reply_to = Some(previous.clone());
            }
            let created = self.create_post(&part).await?;
            if let Err(detail) = on_posted(index, &created.id) {
                return Err(XError::NotRecorded {
                    index,
                    id: created.id,
                    detail,
                });
            }
            ids.push(created.id);
        }
        Ok(ids)
    }

    /// Deletes a post (`DELETE /2/tweets/:id`). Deleting a post that is already gone is
    /// [`XError::NotFound`].
    pub async fn delete_post(&self, id: &str) -> Result<(), XError> {
        let url = self.url_with("/2/tweets/", &[id])?;
        let req = Request::new(Endpoint::DeletePost, Method::DELETE, url);
        let reply = self.inner.call(req).await?.success()?;
        if reply.json::<Data<Deleted>>()?.data.deleted {
            Ok(())
        } else {
            Err(XError::NotFound {
                detail: format!("X did not delete post {id}"),
            })
        }
    }

    /// The account's recent posts, newest first (`GET /2/users/:id/tweets`), following
    /// `next_token` for up to `query.pages` pages. Replies are included: thread parts are
    /// replies. Only the newest 3,200 posts are reachable.
    pub async fn recent_posts(
        &self,
        user_id: &str,
        query: RecentQuery,
    ) -> Result<Vec<RemotePost>, XError> {
        let base = self.url_with("/2/users/", &[user_id, "tweets"])?;
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..query.pages.max(1) {
            let mut url = base.clone();
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("max_results", &query.max_results.clamp(5, 100).to_string());
                q.append_pair("tweet.fields", "created_at,referenced_tweets");
                if let Some(id) = &query.since_id {
                    q.append_pair("since_id", id);
                }
                if let Some(t) = query.start_time {
                    q.append_pair("start_time", &t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
                }
                if let Some(token) = &next {
                    q.append_pair("pagination_token", token);
                }
            }
            let req = Request::new(Endpoint::UserPosts, Method::GET, url);
            let reply = self.inner.call(req).await?.success()?;
            // With no results X may leave `data` out entirely.
            let page: Page = reply.json()?;
            out.extend(page.data.into_iter().map(|p| {
                RemotePost {
                    replied_to: p
                        .referenced_tweets
                        .iter()
                        .find(|r| r.kind == "replied_to")
                        .map(|r| r.id.clone()),
                    created_at: p.created_at.and_then(|c| c.parse().ok()),
                    id: p.id,
                    text: p.text,
                }
            }));
            match page.meta.next_token {
                Some(token) => next = Some(token),
                None => break,
            }
        }
        Ok(out)
    }
}

/// What a refused `POST /2/tweets` means. Over-long text comes back either as a 403 "not
/// permitted" or as a 400 invalid-request (the form is unconfirmed); when the text is over X's
/// standard limit, or the 400 names the text's length, that is [`XError::TooLong`].
fn post_error(reply: &Reply, post: &NewPost) -> XError {
    let problem = reply.problem();
    match reply.status {
        403 if problem.is_duplicate() => XError::Duplicate,
        403 if problem.suffix().is_none() && problem.is_not_permitted() => {
            if post.over_standard_limit() {
                XError::TooLong
            } else {
                XError::Forbidden {
                    kind: forbidden_kind(&problem),
                }
            }
        }
        400 if problem.suffix().is_none_or(|s| s == "invalid-request")
            && (post.over_standard_limit()
                || (problem.names_parameter("text") && problem.mentions_length())) =>
        {
            XError::TooLong
        }
        _ => reply.error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::tests::reply;

    const NOT_PERMITTED: &str = r#"{"detail":"You are not permitted to perform this action.","type":"about:blank","title":"Forbidden","status":403}"#;
    const INVALID: &str = r#"{"errors":[{"parameters":{"text":["x"]},"message":"Invalid text"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#;

    #[test]
    fn body_has_only_what_is_set() {
        let p = NewPost::text("hi");
        assert_eq!(p.body(), json!({"text": "hi"}));
        let p = NewPost {
            text: "b".into(),
            reply_to: Some("1".into()),
            media_ids: vec!["7".into()],
            reply_settings: Some("following".into()),
            weighted_length: Some(1),
        };
        assert_eq!(
            p.body(),
            json!({"text":"b","reply":{"in_reply_to_tweet_id":"1"},"media":{"media_ids":["7"]},"reply_settings":"following"})
        );
    }

    #[test]
    fn over_length_refusals_are_too_long() {
        let long = NewPost {
            text: "x".into(),
            weighted_length: Some(281),
            ..NewPost::default()
        };
        assert!(matches!(
            post_error(&reply(403, NOT_PERMITTED), &long),
            XError::TooLong
        ));
        assert!(matches!(
            post_error(&reply(400, INVALID), &long),
            XError::TooLong
        ));
        // Without a weighted length, the character count decides.
        let long_chars = NewPost::text("y".repeat(300));
        assert!(matches!(
            post_error(&reply(403, NOT_PERMITTED), &long_chars),
            XError::TooLong
        ));
    }

    #[test]
    fn short_posts_keep_their_refusal() {
        let short = NewPost::text("hello");
        assert!(
            matches!(post_error(&reply(403, NOT_PERMITTED), &short), XError::Forbidden { kind } if kind == "not_permitted")
        );
        assert!(matches!(
            post_error(&reply(400, INVALID), &short),
            XError::InvalidRequest { .. }
        ));
        let dup = r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#;
        assert!(matches!(
            post_error(&reply(403, dup), &short),
            XError::Duplicate
        ));
        let app_only = r#"{"type":"https://api.x.com/2/problems/unsupported-authentication","detail":"not permitted"}"#;
        let long = NewPost::text("z".repeat(400));
        assert!(
            matches!(post_error(&reply(403, app_only), &long), XError::Forbidden { kind } if kind == "unsupported_authentication")
        );
    }

    #[test]
    fn a_400_about_text_length_is_too_long_even_when_short_by_our_count() {
        let body = r#"{"errors":[{"parameters":{"text":["..."]},"message":"Text is too long"}],"title":"Invalid Request","type":"https://api.x.com/2/problems/invalid-request"}"#;
        assert!(matches!(
            post_error(&reply(400, body), &NewPost::text("short")),
            XError::TooLong
        ));
    }
}
