//! Team mode offline: the acts a laptop may make while its team server is away, and how they
//! reach the server once it is back.
//!
//! With the server unreachable a member can still draft, edit their own drafts, comment and
//! submit. Each act is checked against the replica as the online act would be, kept in this
//! laptop's outbox (its own file, never shipped as rows), and shown in place: the draft in the
//! lists, the edit in the post, the comment under it.
//!
//! When the server is back the outbox is replayed in order through the same use cases, each
//! with a compare-and-set on what the person saw:
//! - a draft and a comment keep the id they were given offline, so a replay cut short (the
//!   laptop died between the server's commit and its own) never makes them twice;
//! - an edit applies only if the post is still at the version and status the person edited. If
//!   someone changed it meanwhile, the offline text becomes a new draft by the same author, a
//!   "conflict copy of" the post, so nothing is lost; both edits are in the trail;
//! - a submit applies only if the post still says what the person submitted.
//!
//! An act the server's rules refuse stays in the outbox, with the reason and the text, until the
//! person drops it. Approving, scheduling and publishing are never queued: they need the
//! server's lock and clock, and say so.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::App;
use super::drafting::{DraftInput, Edit, MediaInput, PartInput, apply, materialize};
use super::review::new_comment;
use crate::acts::{Acts, count_config, subject};
use crate::content;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::model::{Comment, Content, Post, ReplySettings, Status};
use crate::store::{OutboxAct, PostSummary, Queued, Tx};
use crate::workflow::{self, Action};

/// The file in the data dir a process holds while it sends the outbox.
const OUTBOX_LOCK: &str = "outbox.lock";

/// How often an always-on laptop with acts waiting tries its server again.
pub const OFFLINE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// One act in the outbox, as screens and `team outbox` show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Waiting {
    /// Its place in the outbox (what `team outbox --drop` takes).
    pub seq: i64,
    pub act: OutboxAct,
    pub actor: String,
    pub post_id: Uuid,
    /// The draft's or edit's first part, or the comment.
    pub text: String,
    pub made_at: Timestamp,
    /// Why the server would not take it; `None` while it waits to be sent.
    pub refused: Option<String>,
}

/// What one replay of the outbox did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Sent {
    /// Acts that reached the server as made.
    pub sent: u32,
    /// Edits that met a changed post, kept as new drafts.
    pub conflict_copies: Vec<ConflictCopy>,
    /// Acts the server's rules would not take (kept in the outbox, with why).
    pub refused: Vec<Waiting>,
    /// Acts still waiting (the server went away again, or a key is locked).
    pub waiting: u32,
}

/// An offline edit kept as a draft of its own.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictCopy {
    pub post_id: Uuid,
    pub copy_id: Uuid,
}

/// Where a conflict copy came from.
#[derive(Debug, Clone)]
pub(super) struct CopyOf {
    pub post_id: Uuid,
    pub base_version: u32,
    pub server_version: u32,
}

impl CopyOf {
    /// What the copy says about itself (its status reason).
    pub fn reason(&self) -> String {
        format!(
            "Conflict copy of post {}: it changed on the team server (it is at version {} now) \
             while this laptop was offline, so your edit of version {} is kept here. Carry over \
             what you need, then drop this copy.",
            self.post_id, self.server_version, self.base_version
        )
    }
}

/// A post's content as the outbox keeps it: text, and media by hash (a file must reach the
/// server before a draft names it, so offline acts only name media already there).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Written {
    parts: Vec<WrittenPart>,
    signature: bool,
    reply_settings: ReplySettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WrittenPart {
    text: String,
    /// `(hash, alt text)`.
    media: Vec<(String, String)>,
}

impl Written {
    fn of(c: &Content) -> Written {
        Written {
            parts: c
                .parts
                .iter()
                .map(|p| WrittenPart {
                    text: p.text.clone(),
                    media: p
                        .media
                        .iter()
                        .map(|a| (a.media.hash.clone(), a.alt_text.clone()))
                        .collect(),
                })
                .collect(),
            signature: c.signature,
            reply_settings: c.reply_settings,
        }
    }

    fn input(&self) -> DraftInput {
        DraftInput {
            parts: self
                .parts
                .iter()
                .map(|p| PartInput {
                    text: p.text.clone(),
                    media: p
                        .media
                        .iter()
                        .map(|(hash, alt)| MediaInput::Stored {
                            hash: hash.clone(),
                            alt_text: alt.clone(),
                        })
                        .collect(),
                })
                .collect(),
            signature: self.signature,
            reply_settings: self.reply_settings,
        }
    }

    fn json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Internal(format!("outbox body: {e}")))
    }

    fn parse(q: &Queued) -> Result<Written> {
        serde_json::from_str(&q.body).map_err(|e| unreadable(q, &e))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Said {
    text: String,
}

/// An entry whose body cannot be read (the file was damaged): refused, not waiting, so it
/// does not hold up what comes after it; it stays to be seen and dropped.
fn unreadable(q: &Queued, e: &dyn std::fmt::Display) -> Error {
    Error::InvalidInput {
        detail: format!("outbox entry {} cannot be read ({e})", q.seq),
    }
}

/// What became of one act on replay.
enum Outcome {
    Sent,
    Copied(ConflictCopy),
}

impl App {
    /// Whether an act that failed with `e` waits in the outbox instead: a team laptop whose
    /// server is unreachable.
    pub(super) fn may_queue(&self, e: &Error) -> bool {
        self.team.is_some() && matches!(e, Error::ServerUnreachable { .. })
    }

    /// This laptop's outbox, oldest first: what waits to be sent, and what the server refused.
    pub fn outbox(&self) -> Result<Vec<Waiting>> {
        Ok(self.queued()?.iter().map(waiting).collect())
    }

    /// How many acts wait to be sent (not counting refused ones).
    pub fn waiting_to_send(&self) -> Result<usize> {
        Ok(self
            .queued()?
            .iter()
            .filter(|q| q.refused.is_none())
            .count())
    }

    /// Drops an act from the outbox: one the server refused, or one the person no longer
    /// wants sent. Its text is shown once more in the result.
    pub fn drop_waiting(&self, seq: i64) -> Result<Waiting> {
        let queue = self.queued()?;
        let q = queue
            .iter()
            .find(|q| q.seq == seq)
            .ok_or_else(|| Error::InvalidInput {
                detail: format!(
                    "nothing waits in this laptop's outbox as number {seq}; \
                     `countersign team outbox` lists them"
                ),
            })?;
        self.store().outbox(|o| o.remove(seq))?;
        Ok(waiting(q))
    }

    /// Sends what waits in the outbox, in order, through the normal use cases. Stops at the
    /// first act that cannot reach the server (it and the rest keep waiting).
    pub fn send_outbox(&self) -> Result<Sent> {
        let mut sent = Sent::default();
        // One sender at a time on this laptop, across its processes (the app, `run`, a CLI
        // command): an act is sent by whoever holds the lock, and removed before it is let go,
        // so nobody else replays it against a post that has moved on since.
        let _one_at_a_time = self.replaying.lock().unwrap_or_else(|p| p.into_inner());
        let lock_path = self.data_dir.join(OUTBOX_LOCK);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(format!("cannot open {}", lock_path.display()), e))?;
        if lock.try_lock().is_err() {
            // Another process of this laptop is sending; what waits is in its hands.
            sent.waiting = self.waiting_to_send()? as u32;
            return Ok(sent);
        }
        let queue = self.queued()?;
        let pending: Vec<&Queued> = queue.iter().filter(|q| q.refused.is_none()).collect();
        for (i, q) in pending.iter().enumerate() {
            // An act whose member's key is sealed and locked here waits for them to unlock it,
            // without taking the team's lock on the server only to find that out.
            let result = if self.prepare(&q.actor)?.ready() {
                self.replay(q, &pending[i + 1..])
            } else {
                Err(Error::PassphraseRequired {
                    name: q.actor.clone(),
                })
            };
            match result {
                Ok(outcome) => {
                    self.store().outbox(|o| o.remove(q.seq))?;
                    match outcome {
                        Outcome::Sent => sent.sent += 1,
                        Outcome::Copied(c) => {
                            self.events.emit(Event::ConflictCopy {
                                post_id: c.post_id,
                                copy_id: c.copy_id,
                            });
                            sent.conflict_copies.push(c);
                        }
                    }
                }
                Err(e) if waits(&e) => {
                    sent.waiting = (pending.len() - i) as u32;
                    if sent.sent > 0 || !sent.conflict_copies.is_empty() {
                        tracing::info!("outbox: sent some, the rest waits: {e}");
                        return Ok(sent);
                    }
                    return Err(e);
                }
                Err(e) => {
                    let reason = e.to_string();
                    self.store().outbox(|o| o.refuse(q.seq, &reason))?;
                    self.events.emit(Event::OutboxRefused {
                        post_id: q.post_id,
                        act: q.act,
                        reason: reason.clone(),
                    });
                    sent.refused.push(Waiting {
                        refused: Some(reason),
                        ..waiting(q)
                    });
                }
            }
        }
        Ok(sent)
    }

    /// Before an online act: sends what waits first, so acts reach the server in the order
    /// they were made. Failing here is not the act's failure: the act says for itself.
    pub(super) fn send_waiting_first(&self) {
        if self.team.is_none() || self.waiting_to_send().unwrap_or(0) == 0 {
            return;
        }
        if let Err(e) = self.send_outbox() {
            tracing::info!(code = e.code(), "outbox not sent yet: {e}");
        }
    }

    /// Whether an act must wait in the outbox even though the server may be there: acts made
    /// earlier still wait (the replay before it could not send them), and acts reach the
    /// server in the order they were made.
    pub(super) fn must_wait(&self) -> bool {
        self.team.is_some() && self.waiting_to_send().unwrap_or(0) > 0
    }
    /// The outbox (empty on a solo workspace).
    pub(super) fn queued(&self) -> Result<Vec<Queued>> {
        if self.team.is_none() {
            return Ok(Vec::new());
        }
        self.store().read_outbox(|o| o.all())
    }

    /// The error for an act that cannot wait in the outbox.
    fn needs_server(&self, what: &'static str) -> Error {
        Error::ServerUnreachable {
            server: self
                .team
                .as_ref()
                .map(|t| format!("{}:{}/{}", t.host, t.port, t.database))
                .unwrap_or_default(),
            detail: "this laptop is offline".into(),
            what,
        }
    }

    // --- acts made offline ----------------------------------------------------------------------

    /// Queues a draft under `id`: the id the online attempt used, so that if that attempt did
    /// reach the server after all (the connection dropped after its commit), the replay finds
    /// it there and makes no second one.
    pub(super) fn queue_draft(&self, id: Uuid, actor: &str, input: &DraftInput) -> Result<Post> {
        if has_files(input) {
            return Err(self.needs_server("attaching a new file"));
        }
        let now = self.now();
        let post = self.read(|tx| {
            let author = tx.member(actor)?;
            if !author.active {
                return Err(Error::MemberInactive { name: author.name });
            }
            let content = materialize(tx, input, &[], now)?;
            content::check_shape(&content)?;
            Ok(Post {
                id,
                author,
                status: Status::Draft,
                version: 1,
                content,
                scheduled: None,
                status_reason: None,
                created_at: now,
                updated_at: now,
                posted_at: None,
                post_url: None,
            })
        })?;
        let body = Written::of(&post.content).json()?;
        self.store().outbox(|o| {
            o.add(&Queued {
                seq: 0,
                act: OutboxAct::Draft,
                actor: actor.to_string(),
                post_id: post.id,
                base: None,
                item_id: post.id,
                body,
                made_at: now,
                refused: None,
            })
        })?;
        Ok(post)
    }

    pub(super) fn queue_edit(&self, id: Uuid, actor: &str, edit: &Edit) -> Result<Post> {
        if matches!(edit, Edit::Content(input) if has_files(input)) {
            return Err(self.needs_server("attaching a new file"));
        }
        let now = self.now();
        let queue = self.queued()?;
        let not_own = self.needs_server("editing someone else's post");
        let voids = self.needs_server("editing an approved post (it voids the approval)");
        let mut post = self.read(|tx| {
            let account = tx.account()?;
            let post = seen(tx, &queue, id)?;
            let me = tx.member(actor)?;
            if me.id != post.author.id {
                return Err(not_own);
            }
            let next = workflow::check(&me, Action::Edit, subject(&post), account.solo_mode)?;
            if next != post.status {
                return Err(voids);
            }
            let content = apply(tx, &post.content, edit, &[], now)?;
            if content == post.content {
                return Err(Error::NothingChanged);
            }
            content::check_shape(&content)?;
            Ok(Post { content, ..post })
        })?;
        let body = Written::of(&post.content).json()?;
        // Every offline edit waits as its own entry, based on the post as the person saw it
        // (the earlier entries applied): entries are only ever added and, once sent, removed,
        // so a replay running meanwhile never loses one.
        self.store().outbox(|o| {
            o.add(&Queued {
                seq: 0,
                act: OutboxAct::Edit,
                actor: actor.to_string(),
                post_id: id,
                base: Some((post.version, post.status)),
                // The conflict copy's id, should it come to that.
                item_id: Uuid::now_v7(),
                body: body.clone(),
                made_at: now,
                refused: None,
            })
        })?;
        post.version += 1;
        post.updated_at = now;
        Ok(post)
    }

    pub(super) fn queue_submit(&self, id: Uuid, actor: &str) -> Result<Post> {
        let now = self.now();
        let queue = self.queued()?;
        let post = self.read(|tx| {
            let account = tx.account()?;
            let post = seen(tx, &queue, id)?;
            let who = tx.member(actor)?;
            let next = workflow::check(&who, Action::Submit, subject(&post), account.solo_mode)?;
            content::check_publishable(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            )?;
            Ok(Post {
                status: next,
                updated_at: now,
                ..post
            })
        })?;
        let body = Written::of(&post.content).json()?;
        self.store().outbox(|o| {
            o.add(&Queued {
                seq: 0,
                act: OutboxAct::Submit,
                actor: actor.to_string(),
                post_id: id,
                base: Some((post.version, post.status)),
                item_id: Uuid::now_v7(),
                body,
                made_at: now,
                refused: None,
            })
        })?;
        Ok(post)
    }

    /// Queues a comment under `comment_id`, the id the online attempt used (see
    /// [`App::queue_draft`]).
    pub(super) fn queue_comment(
        &self,
        id: Uuid,
        actor: &str,
        text: &str,
        comment_id: Uuid,
    ) -> Result<Comment> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::EmptyComment);
        }
        let now = self.now();
        let queue = self.queued()?;
        let c = self.read(|tx| {
            let account = tx.account()?;
            let post = seen(tx, &queue, id)?;
            let who = tx.member(actor)?;
            workflow::check(&who, Action::Comment, subject(&post), account.solo_mode)?;
            Ok(Comment {
                id: comment_id,
                ..new_comment(now, &post, &who, text)
            })
        })?;
        let body = serde_json::to_string(&Said {
            text: c.text.clone(),
        })
        .map_err(|e| Error::Internal(format!("outbox body: {e}")))?;
        self.store().outbox(|o| {
            o.add(&Queued {
                seq: 0,
                act: OutboxAct::Comment,
                actor: actor.to_string(),
                post_id: id,
                base: None,
                item_id: c.id,
                body,
                made_at: now,
                refused: None,
            })
        })?;
        Ok(c)
    }

    /// Settles a conflict copy, by its author: with `carry`, the copy's text becomes the next
    /// version of the post it came from (an edit like any other, which voids an approval that
    /// post had); either way the copy is dropped. Returns the post it came from.
    pub fn settle_copy(&self, copy: Uuid, actor: &str, carry: bool) -> Result<Post> {
        let view = self.post(copy)?;
        let Some(original) = view.copy_of else {
            return Err(Error::InvalidInput {
                detail: format!("post {copy} is not a conflict copy"),
            });
        };
        if carry {
            let input = Written::of(&view.post.content).input();
            match self.edit(original, actor, Edit::Content(input)) {
                Ok(_) | Err(Error::NothingChanged) => {}
                Err(e) => return Err(e),
            }
        }
        self.drop_post(
            copy,
            actor,
            if carry {
                "its text was carried over to the post it came from"
            } else {
                "conflict copy dropped"
            },
        )?;
        Ok(self.post(original)?.post)
    }

    // --- replay ---------------------------------------------------------------------------------

    /// Sends one act; `later` are the acts queued after it.
    fn replay(&self, q: &Queued, later: &[&Queued]) -> Result<Outcome> {
        match q.act {
            OutboxAct::Draft => {
                let input = Written::parse(q)?.input();
                self.save_draft(&q.actor, &input, q.item_id, None)?;
                Ok(Outcome::Sent)
            }
            OutboxAct::Comment => {
                let said: Said = serde_json::from_str(&q.body).map_err(|e| unreadable(q, &e))?;
                self.save_comment(q.post_id, &q.actor, &said.text, q.item_id)?;
                Ok(Outcome::Sent)
            }
            OutboxAct::Edit => {
                let input = Written::parse(q)?.input();
                let edit = Edit::Content(input.clone());
                match self.save_edit_of(q.post_id, &q.actor, &edit, q.base) {
                    // The post already says it (an earlier replay cut short, or the same words).
                    Ok(_) | Err(Error::NothingChanged) => Ok(Outcome::Sent),
                    // Superseded: a later offline edit of the post carries the person's
                    // last words, and meets the same change; the copy is made from that one.
                    Err(Error::EditConflict { .. })
                        if later.iter().any(|l| {
                            l.act == OutboxAct::Edit && l.post_id == q.post_id && l.actor == q.actor
                        }) =>
                    {
                        Ok(Outcome::Sent)
                    }
                    Err(Error::EditConflict { version, .. }) => {
                        let copy_of = CopyOf {
                            post_id: q.post_id,
                            base_version: q.base.map_or(0, |b| b.0),
                            server_version: version,
                        };
                        self.save_draft(&q.actor, &input, q.item_id, Some(&copy_of))?;
                        Ok(Outcome::Copied(ConflictCopy {
                            post_id: q.post_id,
                            copy_id: q.item_id,
                        }))
                    }
                    Err(e) => Err(e),
                }
            }
            OutboxAct::Submit => {
                let input = Written::parse(q)?.input();
                let seen = self.read(|tx| materialize(tx, &input, &[], q.made_at))?;
                self.submit_as_seen(q.post_id, &q.actor, Some(&seen))
                    .map(|_| Outcome::Sent)
                    .map_err(|e| match e {
                        Error::EditConflict { version, .. } => Error::InvalidInput {
                            detail: format!(
                                "not submitted: the post changed on the team server while you \
                                 were offline (it is at version {version} now); look at it and \
                                 submit again"
                            ),
                        },
                        e => e,
                    })
            }
        }
    }

    // --- what screens show ----------------------------------------------------------------------

    /// `list` with what waits in the outbox applied: drafts made offline (newest first, before
    /// the rest), and offline edits and submits on the posts already listed.
    pub(super) fn with_waiting(
        &self,
        mut list: Vec<PostSummary>,
        status: Option<Status>,
    ) -> Result<Vec<PostSummary>> {
        let queue = self.queued()?;
        if queue.iter().all(|q| q.refused.is_some()) {
            return Ok(list);
        }
        let mut offline = self.read(|tx| {
            let mut offline = Vec::new();
            for q in queue
                .iter()
                .filter(|q| q.act == OutboxAct::Draft && q.refused.is_none())
            {
                let post = seen(tx, &queue, q.item_id)?;
                offline.push(summary(&post));
            }
            for row in &mut list {
                if queue
                    .iter()
                    .any(|q| q.post_id == row.id && q.refused.is_none())
                {
                    *row = summary(&seen(tx, &queue, row.id)?);
                }
            }
            Ok(offline)
        })?;
        offline.reverse();
        offline.append(&mut list);
        offline.retain(|p| status.is_none_or(|s| s == p.status));
        Ok(offline)
    }
}

/// The post as this laptop shows it: the replica's, with what waits in the outbox applied (a
/// draft made offline, edits, a submit). The single place that decides what "waiting" looks like.
pub(super) fn seen(tx: &Tx<'_>, queue: &[Queued], id: Uuid) -> Result<Post> {
    let waiting = || {
        queue
            .iter()
            .filter(|q| q.post_id == id && q.refused.is_none())
    };
    let mut post = match tx.post(id) {
        Ok(p) => p,
        Err(Error::UnknownPost { .. }) => {
            let Some(q) = waiting().find(|q| q.act == OutboxAct::Draft) else {
                return Err(Error::UnknownPost { id: id.to_string() });
            };
            Post {
                id,
                author: tx.member(&q.actor)?,
                status: Status::Draft,
                version: 1,
                content: materialize(tx, &Written::parse(q)?.input(), &[], q.made_at)?,
                scheduled: None,
                status_reason: Some("Made offline: waiting to send to the team server".into()),
                created_at: q.made_at,
                updated_at: q.made_at,
                posted_at: None,
                post_url: None,
            }
        }
        Err(e) => return Err(e),
    };
    for q in waiting() {
        match q.act {
            OutboxAct::Draft | OutboxAct::Comment => {}
            OutboxAct::Edit => {
                post.content = materialize(tx, &Written::parse(q)?.input(), &[], q.made_at)?;
                post.version = q.base.map_or(post.version, |b| b.0 + 1);
                post.updated_at = q.made_at;
            }
            OutboxAct::Submit => {
                post.status = Status::InReview;
                post.updated_at = q.made_at;
            }
        }
    }
    Ok(post)
}

/// Comments made offline on post `id`, to show under it.
pub(super) fn waiting_comments(tx: &Tx<'_>, queue: &[Queued], id: Uuid) -> Result<Vec<Comment>> {
    let mut out = Vec::new();
    for q in queue
        .iter()
        .filter(|q| q.act == OutboxAct::Comment && q.post_id == id && q.refused.is_none())
    {
        let said: Said = serde_json::from_str(&q.body).map_err(|e| unreadable(q, &e))?;
        out.push(Comment {
            id: q.item_id,
            post_id: id,
            author: tx.member(&q.actor)?,
            version: 0,
            text: said.text,
            at: q.made_at,
        });
    }
    Ok(out)
}

fn has_files(input: &DraftInput) -> bool {
    input
        .parts
        .iter()
        .flat_map(|p| &p.media)
        .any(|m| matches!(m, MediaInput::File { .. }))
}

fn summary(post: &Post) -> PostSummary {
    PostSummary {
        id: post.id,
        status: post.status,
        author: post.author.name.clone(),
        version: post.version,
        parts: post.content.parts.len() as u32,
        text: post
            .content
            .parts
            .first()
            .map(|p| p.text.clone())
            .unwrap_or_default(),
        scheduled_at: post.scheduled.as_ref().map(|s| s.at),
        updated_at: post.updated_at,
    }
}

fn waiting(q: &Queued) -> Waiting {
    let text = match q.act {
        OutboxAct::Comment => serde_json::from_str::<Said>(&q.body).map(|s| s.text).ok(),
        _ => Written::parse(q)
            .ok()
            .and_then(|w| w.parts.into_iter().next().map(|p| p.text)),
    };
    Waiting {
        seq: q.seq,
        act: q.act,
        actor: q.actor.clone(),
        post_id: q.post_id,
        text: text.unwrap_or_default(),
        made_at: q.made_at,
        refused: q.refused.clone(),
    }
}

/// Whether an act that failed with `e` keeps waiting (the server or this laptop's keys are not
/// there yet) rather than being refused (the server's rules, or the domain's, said no).
fn waits(e: &Error) -> bool {
    matches!(
        e,
        Error::ServerUnreachable { .. }
            | Error::ServerUntrusted { .. }
            | Error::ServerTooNew { .. }
            | Error::ServerCertificate { .. }
            | Error::TeamSetup(_)
            | Error::Busy
            | Error::Storage(_)
            | Error::Io { .. }
            | Error::Internal(_)
            | Error::KeychainUnavailable { .. }
            | Error::KeychainLocked { .. }
            | Error::KeychainDenied { .. }
            | Error::KeychainFailed { .. }
            | Error::PassphraseRequired { .. }
            | Error::MemberKeyMissing { .. }
            | Error::MemberKeyUnreadable { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_content_round_trips_as_draft_input() {
        let w = Written {
            parts: vec![
                WrittenPart {
                    text: "one".into(),
                    media: vec![("abc".into(), "a cat".into())],
                },
                WrittenPart {
                    text: "two".into(),
                    media: vec![],
                },
            ],
            signature: true,
            reply_settings: ReplySettings::Following,
        };
        let back: Written = serde_json::from_str(&w.json().unwrap()).unwrap();
        let input = back.input();
        assert_eq!(input.parts.len(), 2);
        assert!(input.signature);
        assert_eq!(input.reply_settings, ReplySettings::Following);
        assert!(matches!(
            &input.parts[0].media[0],
            MediaInput::Stored { hash, alt_text } if hash == "abc" && alt_text == "a cat"
        ));
        assert!(!has_files(&input));
    }

    #[test]
    fn only_acts_the_server_has_not_judged_keep_waiting() {
        assert!(waits(&Error::ServerUnreachable {
            server: "s".into(),
            detail: "d".into(),
            what: "w"
        }));
        assert!(waits(&Error::Busy));
        assert!(!waits(&Error::NothingChanged));
        assert!(!waits(&Error::ServerRefused {
            reason: "row-level security".into()
        }));
        assert!(!waits(&Error::EditConflict {
            id: "p".into(),
            version: 3
        }));
    }
}
