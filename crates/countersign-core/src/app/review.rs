//! Use cases of review: approving (a countersignature), requesting changes, rejecting,
//! commenting, and what a screen shows about a post, with what its viewer may do.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::App;
use super::drafting::{Edit, apply, save_edit};
use crate::acts::{Acts, AuditNote, Countersignature, count_config, subject};
use crate::audit::AuditAction;
use crate::content;
use crate::count::Count;
use crate::diff::{self, PartDiff};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::media;
use crate::model::{Approval, Comment, Member, Post, Status, Version};
use crate::roster::RosterPin;
use crate::store::{PostSummary, Tx};
use crate::workflow::{self, Action};

/// A post with everything a screen shows about it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PostView {
    pub post: Post,
    /// X's count of each part as it will be published.
    pub counts: Vec<Count>,
    pub approval: Option<Approval>,
    /// Solo mode is shown wherever an approval is shown.
    pub solo_mode: bool,
    pub comments: Vec<Comment>,
    /// What the member viewing the post may do with it now ([`App::post_view`] with a viewer).
    pub may: Option<Permissions>,
    /// The file each attached media is kept under in the media folder, by content hash
    /// ([`media::stored_name`]).
    pub stored_names: std::collections::BTreeMap<String, String>,
    /// When this draft is a conflict copy (an offline edit that met a changed post): the post
    /// it came from, as its signed `draft_created` entry in the trail names it.
    pub copy_of: Option<Uuid>,
    /// For a conflict copy: what the offline edit changes, part by part, against the post it
    /// came from as that post stands now (what "carry over" would change).
    pub copy_diff: Option<Vec<PartDiff>>,
}

/// What one member may do with a post now, each with the reason when they may not. Screens
/// show or hide their buttons from this, so the rules (roles, four-eyes, solo mode, which
/// states allow what) are decided here only, by the same checks the acts themselves make.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Permissions {
    pub edit: Permit,
    pub submit: Permit,
    pub approve: Permit,
    pub request_changes: Permit,
    pub reject: Permit,
    /// Set or move the publish time (countersigning it), or add the post to the queue.
    pub schedule: Permit,
    pub unschedule: Permit,
    pub drop: Permit,
    /// Record that a post whose fate was unclear (needs a check, or failed) is on X after all.
    pub mark_posted: Permit,
    pub comment: Permit,
}

/// Whether an act is allowed; when it is not, the refusal the act would give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Permit {
    pub allowed: bool,
    /// The refusal's code and message; `null` when allowed.
    #[cfg_attr(feature = "ts", ts(type = "ErrorCode | null"))]
    pub code: Option<String>,
    pub reason: Option<String>,
}

impl Permit {
    /// Not allowed, for the reason `refusal` gives.
    pub(crate) fn refused(refusal: &Error) -> Permit {
        Permit {
            allowed: false,
            code: Some(refusal.code().to_string()),
            reason: Some(refusal.to_string()),
        }
    }

    pub(crate) fn from_check<T>(check: Result<T>) -> Permit {
        match check {
            Ok(_) => Permit {
                allowed: true,
                code: None,
                reason: None,
            },
            Err(e) => Permit {
                allowed: false,
                code: Some(e.code().to_string()),
                reason: Some(e.to_string()),
            },
        }
    }
}

/// What changed since a reviewer last looked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewDiff {
    /// The version the reviewer last reviewed; `None` if they never did.
    pub from_version: Option<u32>,
    pub to_version: u32,
    pub parts: Vec<PartDiff>,
}

impl App {
    /// Countersigns the post as it stands (and its time, if it has one). An approver may edit
    /// in the act of approving; that is recorded as such.
    pub fn approve(&self, id: Uuid, actor: &str, edit: Option<Edit>) -> Result<Post> {
        let attached = match &edit {
            Some(Edit::Content(input)) => self.attach(input)?,
            _ => Vec::new(),
        };
        let now = self.now();
        let key = self.prepare(actor)?;
        let pin = self.pin()?;
        let post = self.write_for("approving", |tx| {
            let account = tx.account()?;
            let mut post = tx.post(id)?;
            let approver = tx.countersigner(actor, pin.as_ref())?;
            let mut next = workflow::check(
                &approver,
                Action::Approve,
                subject(&post),
                tx.solo_allowed()?,
            )?;
            if edit.is_none() {
                tx.check_not_own_edit(&post, &approver)?;
            }
            tx.check_authorship(&post, &approver, pin.as_ref())?;
            let approver = key.signer(approver)?;
            let edited = match &edit {
                Some(e) => {
                    let content = apply(tx, &post.content, e, &attached, now)?;
                    save_edit(
                        tx,
                        now,
                        &account,
                        &mut post,
                        &approver,
                        content,
                        Status::InReview,
                    )?;
                    true
                }
                None => false,
            };
            content::check_publishable(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            )?;
            let mut note = None;
            match &post.scheduled {
                Some(s) if s.at > now => next = Status::Scheduled,
                Some(s) => {
                    note = Some(format!(
                        "the scheduled time {} had passed and was cleared",
                        s.at
                    ));
                    post.scheduled = None;
                }
                None => {}
            }
            tx.countersign(
                now,
                Countersignature {
                    account: &account,
                    post: &mut post,
                    approver: &approver,
                    next,
                    edited,
                    action: AuditAction::Approved,
                    detail: json!({"note": note}),
                },
            )?;
            Ok(post)
        })?;
        self.events.emit(Event::Approved {
            post_id: id,
            by: actor.to_string(),
        });
        if post.status == Status::Scheduled {
            self.schedule_changed();
        }
        Ok(post)
    }

    /// Sends the post back to its author with a comment. Voids any approval.
    pub fn request_changes(&self, id: Uuid, actor: &str, comment: &str) -> Result<Post> {
        let post = self.review_decision(
            id,
            actor,
            comment,
            Action::RequestChanges,
            AuditAction::ChangesRequested,
        )?;
        self.events.emit(Event::ChangesRequested {
            post_id: id,
            by: actor.to_string(),
        });
        Ok(post)
    }

    /// Ends the post's road with a comment. Voids any approval.
    pub fn reject(&self, id: Uuid, actor: &str, comment: &str) -> Result<Post> {
        let post =
            self.review_decision(id, actor, comment, Action::Reject, AuditAction::Rejected)?;
        self.events.emit(Event::Rejected {
            post_id: id,
            by: actor.to_string(),
        });
        Ok(post)
    }

    fn review_decision(
        &self,
        id: Uuid,
        actor: &str,
        comment: &str,
        action: Action,
        audit: AuditAction,
    ) -> Result<Post> {
        let text = comment.trim();
        if text.is_empty() {
            return Err(Error::CommentRequired {
                what: if action == Action::Reject {
                    "rejecting"
                } else {
                    "requesting changes"
                },
            });
        }
        let now = self.now();
        let key = self.prepare(actor)?;
        self.write_for(
            if action == Action::Reject {
                "rejecting"
            } else {
                "requesting changes"
            },
            |tx| {
                let account = tx.account()?;
                let mut post = tx.post(id)?;
                let reviewer = tx.member(actor)?;
                let next = workflow::check(&reviewer, action, subject(&post), false)?;
                let reviewer = key.signer(tx.confirmed(reviewer, key.pin())?)?;
                let why = match action {
                    Action::Reject => format!("{} rejected the post", reviewer.member.name),
                    _ => format!("{} requested changes", reviewer.member.name),
                };
                let voided = tx.approvals().void(post.id, now, &why)?;
                if action == Action::Reject {
                    post.scheduled = None;
                }
                post.status = next;
                post.updated_at = now;
                tx.posts().update(&post)?;
                add_comment(tx, now, &post, &reviewer.member, text)?;
                tx.reviews()
                    .record(post.id, reviewer.member.id, post.version, now)?;
                tx.record(
                    now,
                    AuditNote::by(&reviewer, audit)
                        .about(&post, &account)
                        .detail(json!({"comment": text, "approvals_voided": voided})),
                )?;
                Ok(post)
            },
        )
    }

    /// Any member may comment on any post. In team mode with the server away, the comment
    /// waits in the outbox.
    pub fn comment(&self, id: Uuid, actor: &str, text: &str) -> Result<Comment> {
        self.send_waiting_first();
        let comment_id = Uuid::now_v7();
        if self.must_wait() {
            return self.queue_comment(id, actor, text, comment_id);
        }
        match self.save_comment(id, actor, text, comment_id) {
            Err(e) if self.may_queue(&e) => self.queue_comment(id, actor, text, comment_id),
            out => out,
        }
    }

    /// [`App::comment`] with the comment's id given (an outbox replay keeps the offline one's).
    pub(super) fn save_comment(
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
        let key = self.prepare(actor)?;
        self.write(|tx| {
            let account = tx.account()?;
            let post = tx.post(id)?;
            // A replayed comment that reached the server already: it is there, once.
            if let Some(there) = tx
                .comments()
                .for_post(id)?
                .into_iter()
                .find(|c| c.id == comment_id)
            {
                return Ok(there);
            }
            let who = tx.member(actor)?;
            workflow::check(&who, Action::Comment, subject(&post), account.solo_mode)?;
            let who = key.signer(who)?;
            let c = Comment {
                id: comment_id,
                ..new_comment(now, &post, &who.member, text)
            };
            tx.comments().insert(&c)?;
            tx.record(
                now,
                AuditNote::by(&who, AuditAction::Commented)
                    .about(&post, &account)
                    .detail(json!({"comment": text})),
            )?;
            Ok(c)
        })
    }

    // --- reading ----------------------------------------------------------------------------

    pub fn post(&self, id: Uuid) -> Result<PostView> {
        self.post_view(id, None)
    }

    /// The post with everything a screen shows about it; with a `viewer`, also what they may
    /// do with it now.
    pub fn post_view(&self, id: Uuid, viewer: Option<&str>) -> Result<PostView> {
        let pin = match viewer {
            Some(_) => self.pin()?,
            None => None,
        };
        let queue = self.queued()?;
        self.read(|tx| {
            let account = tx.account()?;
            let post = super::outbox::seen(tx, &queue, id)?;
            let counts = content::counts(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            );
            let may = match viewer {
                Some(name) => Some(permissions(tx, &post, &tx.member(name)?, pin.as_ref())?),
                None => None,
            };
            let stored_names = post
                .content
                .parts
                .iter()
                .flat_map(|p| &p.media)
                .map(|a| (a.media.hash.clone(), media::stored_name(&a.media)))
                .collect();
            let copy_of = if post.status == Status::Draft && post.status_reason.is_some() {
                conflict_copy_of(tx, id)?
            } else {
                None
            };
            Ok(PostView {
                counts,
                stored_names,
                approval: tx.approvals().current(id)?,
                solo_mode: {
                    let ws = tx.workspace().id()?;
                    tx.signed_roster(&ws)?.solo()
                },
                comments: {
                    let mut c = tx.comments().for_post(id)?;
                    c.extend(super::outbox::waiting_comments(tx, &queue, id)?);
                    c
                },
                may,
                copy_diff: match copy_of {
                    Some(original) => {
                        Some(diff::diff(Some(&tx.post(original)?.content), &post.content))
                    }
                    None => None,
                },
                copy_of,
                post,
            })
        })
    }

    pub fn posts(&self, status: Option<Status>) -> Result<Vec<PostSummary>> {
        if self.waiting_to_send()? == 0 {
            return self.read(|tx| tx.posts().list(status));
        }
        // What waits may change a post's status: filter once it is applied.
        let list = self.read(|tx| tx.posts().list(None))?;
        self.with_waiting(list, status)
    }

    pub fn versions(&self, id: Uuid) -> Result<Vec<Version>> {
        self.read(|tx| {
            tx.post(id)?;
            tx.posts().versions(id)
        })
    }

    /// The word diff of each part since the version `reviewer` last reviewed.
    pub fn diff_since_review(&self, id: Uuid, reviewer: &str) -> Result<ReviewDiff> {
        self.read(|tx| {
            let post = tx.post(id)?;
            let who = tx.member(reviewer)?;
            let from = tx.reviews().last(id, who.id)?;
            let old = from
                .map(|v| tx.posts().content(id, v))
                .transpose()?
                .flatten();
            Ok(ReviewDiff {
                from_version: from,
                to_version: post.version,
                parts: diff::diff(old.as_ref(), &post.content),
            })
        })
    }
}

/// What `viewer` may do with `post`: the checks each act makes before it asks for a key.
fn permissions(
    tx: &Tx<'_>,
    post: &Post,
    viewer: &Member,
    pin: Option<&RosterPin>,
) -> Result<Permissions> {
    let solo = tx.solo_allowed()?;
    let check = |action| workflow::check(viewer, action, subject(post), solo).map(drop);
    // Countersigning also refuses a version the viewer saved in someone else's post.
    let countersign = |action| check(action).and_then(|_| tx.check_not_own_edit(post, viewer));
    // Taking a post off its road waits while a request for it is on its way to X.
    let settled = |action| check(action).and_then(|_| super::time::guard_not_in_flight(tx, post));
    // An act that needs a role asks the signed roster first, as the acts do: a member the
    // members table and the roster disagree on sees the same refusal the act would give.
    let standing = tx.confirmed(viewer.clone(), pin).err();
    let permit = |action: Action, outcome: Result<()>| match &standing {
        Some(refusal) if action.needs_reviewer() || action.countersigns() => {
            Permit::refused(refusal)
        }
        _ => Permit::from_check(outcome),
    };
    Ok(Permissions {
        edit: permit(Action::Edit, check(Action::Edit)),
        submit: permit(Action::Submit, check(Action::Submit)),
        approve: permit(Action::Approve, countersign(Action::Approve)),
        request_changes: permit(Action::RequestChanges, check(Action::RequestChanges)),
        reject: permit(Action::Reject, check(Action::Reject)),
        schedule: permit(Action::Schedule, countersign(Action::Schedule)),
        unschedule: permit(Action::Unschedule, settled(Action::Unschedule)),
        drop: permit(Action::Drop, settled(Action::Drop)),
        mark_posted: permit(Action::MarkPosted, settled(Action::MarkPosted)),
        comment: permit(Action::Comment, check(Action::Comment)),
    })
}

fn add_comment(
    tx: &Tx<'_>,
    now: Timestamp,
    post: &Post,
    who: &Member,
    text: &str,
) -> Result<Comment> {
    let c = new_comment(now, post, who, text);
    tx.comments().insert(&c)?;
    Ok(c)
}

/// A comment on the post's current version, with a fresh id.
pub(super) fn new_comment(now: Timestamp, post: &Post, who: &Member, text: &str) -> Comment {
    Comment {
        id: Uuid::now_v7(),
        post_id: post.id,
        author: who.clone(),
        version: post.version,
        text: text.to_string(),
        at: now,
    }
}

/// The post a draft is a conflict copy of, from its `draft_created` entry.
fn conflict_copy_of(tx: &Tx<'_>, id: Uuid) -> Result<Option<Uuid>> {
    Ok(tx
        .audit()
        .for_post(id)?
        .into_iter()
        .find(|e| e.action == AuditAction::DraftCreated.as_str())
        .and_then(|e| {
            serde_json::from_str::<serde_json::Value>(&e.detail)
                .ok()?
                .get("conflict_copy_of")?
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
        }))
}
