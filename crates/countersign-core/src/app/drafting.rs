//! Use cases of writing: counting, creating a draft, editing it into new versions, and
//! submitting it for review.
//!
//! Every version is signed by the member who saved it, so who wrote a post is proven by the
//! signature on its first version rather than read from a column anyone with the database
//! could change.

use std::path::PathBuf;

use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

use super::App;
use super::outbox::CopyOf;
use crate::acts::{Acts, AuditNote, count_config, subject};
use crate::approval;
use crate::audit::AuditAction;
use crate::content;
use crate::count::{self, Count};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::media;
use crate::model::{Account, Attachment, Content, Part, Post, ReplySettings, Status};
use crate::signer::Signer;
use crate::store::Tx;
use crate::workflow::{self, Action};

/// A post's content as a person writes it.
#[derive(Debug, Clone, Default)]
pub struct DraftInput {
    pub parts: Vec<PartInput>,
    pub signature: bool,
    pub reply_settings: ReplySettings,
}

#[derive(Debug, Clone, Default)]
pub struct PartInput {
    pub text: String,
    pub media: Vec<MediaInput>,
}

/// Media for a part: a file to attach, or one already in the workspace (by hash).
#[derive(Debug, Clone)]
pub enum MediaInput {
    File { path: PathBuf, alt_text: String },
    Stored { hash: String, alt_text: String },
}

/// A change to a post's content.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Replace one part's text (1-based); the part after the last adds a part.
    Text { part: usize, text: String },
    /// Replace the whole content (what the Compose screen sends).
    Content(DraftInput),
}

impl App {
    /// Counts `text` as X would for this account. Takes no store lock and reads no
    /// database: the account's limit is kept from when it was last read.
    pub fn count(&self, text: &str) -> Result<Count> {
        Ok(count::count(text, &self.counting()))
    }

    /// Counts a part as it will be published: NFC, with ` ^INITIALS` when the post is signed.
    /// What the Compose screen's live counter shows on every keystroke, so, like
    /// [`App::count`], it never waits on the store.
    pub fn count_part(&self, text: &str, signature: Option<&str>) -> Result<Count> {
        let part = Part {
            text: text.to_string(),
            media: Vec::new(),
        };
        Ok(count::count(
            &content::published_text(&part, signature),
            &self.counting(),
        ))
    }

    /// Saves a new draft. An over-long draft is kept (and says so in its counts); it cannot be
    /// submitted until it fits. In team mode with the server away, the draft waits in this
    /// laptop's outbox (see `app/outbox.rs`) and goes when the server is back.
    pub fn create_draft(&self, actor: &str, input: DraftInput) -> Result<Post> {
        self.send_waiting_first();
        let id = Uuid::now_v7();
        if self.must_wait() {
            return self.queue_draft(id, actor, &input);
        }
        match self.save_draft(actor, &input, id, None) {
            Err(e) if self.may_queue(&e) => self.queue_draft(id, actor, &input),
            out => out,
        }
    }

    /// [`App::create_draft`] with the post's id given: an outbox replay keeps the id the
    /// offline draft had, and `copy_of` says when the draft is a conflict copy.
    pub(super) fn save_draft(
        &self,
        actor: &str,
        input: &DraftInput,
        id: Uuid,
        copy_of: Option<&CopyOf>,
    ) -> Result<Post> {
        self.save_draft_as(actor, input, id, copy_of, None)
    }

    /// [`App::save_draft`], for an answer in a conversation when `answer` says where it goes:
    /// the draft is bound there, and the conversation is the author's to answer from then on.
    pub(super) fn save_draft_as(
        &self,
        actor: &str,
        input: &DraftInput,
        id: Uuid,
        copy_of: Option<&CopyOf>,
        answer: Option<&super::inbox::Answer>,
    ) -> Result<Post> {
        let attached = self.attach(input)?;
        let now = self.now();
        let key = self.prepare(actor)?;
        self.write(|tx| {
            // A replayed draft that reached the server already (another process sent it, or a
            // replay was cut short after the server's commit): it is there, once.
            match tx.post(id) {
                Ok(there) => return Ok(there),
                Err(Error::UnknownPost { .. }) => {}
                Err(e) => return Err(e),
            }
            let author = tx.member(actor)?;
            if !author.active {
                return Err(Error::MemberInactive { name: author.name });
            }
            let author = key.signer(author)?;
            let mut content = materialize(tx, input, &attached, now)?;
            content.reply = answer.map(|a| a.target.clone());
            content::check_shape(&content)?;
            let post = Post {
                id,
                author: author.member.clone(),
                status: Status::Draft,
                version: 1,
                content,
                scheduled: None,
                status_reason: copy_of.map(CopyOf::reason),
                created_at: now,
                updated_at: now,
                posted_at: None,
                post_url: None,
            };
            tx.posts().insert(&post)?;
            let account = tx.account()?;
            save_version(tx, now, &account, &post, &author)?;
            let mut detail = json!({"parts": post.content.parts.len()});
            if let Some(c) = copy_of {
                detail["conflict_copy_of"] = json!(c.post_id);
                detail["offline_base_version"] = json!(c.base_version);
                detail["server_version"] = json!(c.server_version);
            }
            tx.record(
                now,
                AuditNote::by(&author, AuditAction::DraftCreated)
                    .about(&post, &account)
                    .detail(detail),
            )?;
            if let Some(a) = answer {
                super::inbox::answer_in(tx, now, &author, &post, &account, a)?;
            }
            Ok(post)
        })
    }

    /// Saves a changed version. On an approved or scheduled post this voids the approval and
    /// sends the post back to review. In team mode with the server away, an author's edit of
    /// their own draft waits in the outbox.
    pub fn edit(&self, id: Uuid, actor: &str, edit: Edit) -> Result<Post> {
        self.send_waiting_first();
        if self.must_wait() {
            return self.queue_edit(id, actor, &edit);
        }
        match self.save_edit_of(id, actor, &edit, None) {
            Err(e) if self.may_queue(&e) => self.queue_edit(id, actor, &edit),
            out => out,
        }
    }

    /// [`App::edit`]; with `base`, only if the post is still at that version and status (an
    /// outbox replay's compare-and-set), else [`Error::EditConflict`].
    pub(super) fn save_edit_of(
        &self,
        id: Uuid,
        actor: &str,
        edit: &Edit,
        base: Option<(u32, Status)>,
    ) -> Result<Post> {
        let attached = match edit {
            Edit::Content(input) => self.attach(input)?,
            Edit::Text { .. } => Vec::new(),
        };
        let now = self.now();
        let key = self.prepare(actor)?;
        let (post, voided) = self.write(|tx| {
            let account = tx.account()?;
            let mut post = tx.post(id)?;
            let content = apply(tx, &post.content, edit, &attached, now)?;
            if content == post.content {
                return Err(Error::NothingChanged);
            }
            if let Some((version, status)) = base
                && (post.version != version || post.status != status)
            {
                return Err(Error::EditConflict {
                    id: id.to_string(),
                    version: post.version,
                });
            }
            let editor = tx.member(actor)?;
            let next = workflow::check(&editor, Action::Edit, subject(&post), account.solo_mode)?;
            let editor = key.signer(editor)?;
            let voided = save_edit(tx, now, &account, &mut post, &editor, content, next)?;
            Ok((post, voided))
        })?;
        if let Some(reason) = voided {
            self.events.emit(Event::ApprovalVoided {
                post_id: id,
                reason,
            });
            self.events.emit(Event::NeedsReview {
                post_id: id,
                author: post.author.name.clone(),
            });
        }
        Ok(post)
    }

    /// Asks for review. Every part must be publishable as X counts it. In team mode with the
    /// server away, the submit waits in the outbox.
    pub fn submit(&self, id: Uuid, actor: &str) -> Result<Post> {
        self.send_waiting_first();
        if self.must_wait() {
            return self.queue_submit(id, actor);
        }
        match self.submit_as_seen(id, actor, None) {
            Err(e) if self.may_queue(&e) => self.queue_submit(id, actor),
            out => out,
        }
    }

    /// [`App::submit`]; with `seen`, only if the post still says what the person saw when they
    /// submitted it offline (else [`Error::EditConflict`]).
    pub(super) fn submit_as_seen(
        &self,
        id: Uuid,
        actor: &str,
        seen: Option<&Content>,
    ) -> Result<Post> {
        let now = self.now();
        let key = self.prepare(actor)?;
        let post = self.write(|tx| {
            let account = tx.account()?;
            let mut post = tx.post(id)?;
            if let Some(seen) = seen {
                // The outbox keeps what a person wrote, not where an answer goes: that is the
                // post's own and no edit moves it, so it is compared as the post has it.
                let seen = Content {
                    reply: post.content.reply.clone(),
                    ..seen.clone()
                };
                if seen != post.content {
                    return Err(Error::EditConflict {
                        id: id.to_string(),
                        version: post.version,
                    });
                }
                // Sent already (another process replayed it, or a replay was cut short).
                if post.status == Status::InReview {
                    return Ok(post);
                }
            }
            let who = tx.member(actor)?;
            let next = workflow::check(&who, Action::Submit, subject(&post), account.solo_mode)?;
            let who = key.signer(who)?;
            content::check_publishable(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            )?;
            post.status = next;
            post.updated_at = now;
            tx.posts().update(&post)?;
            tx.record(
                now,
                AuditNote::by(&who, AuditAction::Submitted)
                    .about(&post, &account)
                    .detail(json!({})),
            )?;
            Ok(post)
        })?;
        self.events.emit(Event::NeedsReview {
            post_id: id,
            author: post.author.name.clone(),
        });
        Ok(post)
    }

    /// Checks and copies every file the input attaches, before any transaction starts.
    pub(super) fn attach(&self, input: &DraftInput) -> Result<Vec<crate::model::Media>> {
        let dir = self.media_dir();
        let mut out = Vec::new();
        for part in &input.parts {
            for m in &part.media {
                if let MediaInput::File { path, .. } = m {
                    out.push(media::ingest(path, &dir)?);
                }
            }
        }
        // In team mode the bytes reach the server before the draft that names them.
        self.share_media(&out)?;
        Ok(out)
    }
}

/// Builds content from input, recording newly attached media; `attached` holds the files
/// [`App::attach`] already checked, in input order.
pub(super) fn materialize(
    tx: &Tx<'_>,
    input: &DraftInput,
    attached: &[crate::model::Media],
    now: Timestamp,
) -> Result<Content> {
    let mut files = attached.iter();
    let mut parts = Vec::with_capacity(input.parts.len());
    for p in &input.parts {
        let mut media = Vec::with_capacity(p.media.len());
        for m in &p.media {
            let (media_item, alt) = match m {
                MediaInput::File { alt_text, .. } => {
                    let item = files
                        .next()
                        .cloned()
                        .ok_or_else(|| Error::Internal("attachment list out of step".into()))?;
                    tx.media().record(&item, now)?;
                    (item, alt_text)
                }
                MediaInput::Stored { hash, alt_text } => (
                    tx.media()
                        .get(hash)?
                        .ok_or_else(|| Error::UnknownMedia { hash: hash.clone() })?,
                    alt_text,
                ),
            };
            let len = alt.chars().count();
            if len > content::MAX_ALT_TEXT {
                return Err(Error::AltTextTooLong { len });
            }
            media.push(Attachment {
                media: media_item,
                alt_text: alt.trim().to_string(),
            });
        }
        parts.push(Part {
            text: p.text.clone(),
            media,
        });
    }
    Ok(Content {
        parts,
        signature: input.signature,
        reply_settings: input.reply_settings,
        reply: None,
    })
}

pub(super) fn apply(
    tx: &Tx<'_>,
    old: &Content,
    edit: &Edit,
    attached: &[crate::model::Media],
    now: Timestamp,
) -> Result<Content> {
    match edit {
        Edit::Content(input) => materialize(tx, input, attached, now),
        Edit::Text { part, text } => {
            let mut c = old.clone();
            let count = c.parts.len();
            match part.checked_sub(1) {
                Some(i) if i < count => c.parts[i].text = text.clone(),
                Some(i) if i == count => c.parts.push(Part {
                    text: text.clone(),
                    media: Vec::new(),
                }),
                _ => return Err(Error::NoSuchPart { part: *part, count }),
            }
            Ok(c)
        }
    }
}

/// Saves `content` as the next version. Voids the approval when the post had one. Returns the
/// void reason if it did.
pub(super) fn save_edit(
    tx: &Tx<'_>,
    now: Timestamp,
    account: &Account,
    post: &mut Post,
    editor: &Signer,
    content: Content,
    next: Status,
) -> Result<Option<String>> {
    // An answer stays bound to where it answers: no edit moves it.
    let content = Content {
        reply: post.content.reply.clone(),
        ..content
    };
    if content == post.content {
        return Err(Error::NothingChanged);
    }
    content::check_shape(&content)?;
    post.version += 1;
    post.content = content;
    save_version(tx, now, account, post, editor)?;
    let reason = format!(
        "{} edited the post (version {})",
        editor.member.name, post.version
    );
    let voided = tx.approvals().void(post.id, now, &reason)?;
    post.status = next;
    post.updated_at = now;
    tx.posts().update(post)?;
    tx.record(
        now,
        AuditNote::by(editor, AuditAction::Edited)
            .about(post, account)
            .detail(json!({"approvals_voided": voided})),
    )?;
    if voided > 0 {
        tx.record(
            now,
            AuditNote::by(editor, AuditAction::ApprovalVoided)
                .about(post, account)
                .detail(json!({"reason": reason})),
        )?;
        return Ok(Some(reason));
    }
    Ok(None)
}

/// Saves the post's current content as its version `post.version`, signed by `editor`: the
/// signature binds the post, the version, its author and its content, so authorship and
/// every editor are proven rather than read from columns.
fn save_version(
    tx: &Tx<'_>,
    now: Timestamp,
    account: &Account,
    post: &Post,
    editor: &Signer,
) -> Result<()> {
    tx.posts()
        .save_version(post.id, post.version, &editor.member, now, &post.content)?;
    let ws = tx.workspace().id()?;
    let digest = content::digest(&account.handle, &post.content, &post.author.initials, None);
    let statement = approval::version_statement(
        &ws,
        post.id,
        post.version,
        post.author.id,
        editor.member.id,
        &digest,
    );
    tx.posts().sign_version(
        post.id,
        post.version,
        post.author.id,
        &digest,
        &editor.key.sign(&statement),
    )
}
