//! Publishing a due post exactly once: claim, send part by part, and reconcile whenever the
//! outcome of a request is unknown.
//!
//! The rules, in the order a publish meets them:
//!
//! 1. **Claim.** In one write transaction the post moves `scheduled → publishing` and the
//!    approval is verified again (signature, digest and time, the signer's roster role,
//!    four-eyes). A post that was unscheduled, dropped or edited meanwhile is not claimed, so it
//!    never publishes; one whose approval no longer holds goes to `needs_check`.
//! 2. **Before each request** the post is marked *in flight* (committed). After X answers, the
//!    part's id is committed with the mark cleared, so a resumed publish continues with the
//!    next part. A mark still set when the publisher comes back (a crash, a kill, a dropped
//!    answer) means the outcome is unknown.
//! 3. **Unknown outcomes are reconciled, never retried blindly:** the account's recent posts
//!    are read and matched on the part's text (URLs masked, NFC). Found: the part is recorded
//!    as posted. Not found within the reconcile grace: `needs_check`, for a person to decide.
//! 4. **Known outcomes:** surely not sent → retry with capped exponential backoff and jitter;
//!    rate limited → wait for the reset X gave; server errors → reconcile, then back off, then
//!    `failed` after a limit; 401 after a refresh → the account needs reconnecting and the post
//!    waits; anything X refuses outright → `failed`. Each failure is an event for a person.
//!
//! Missed posts: a scheduled post whose time passed by more than the account's grace window
//! before it could be claimed (the machine slept, nothing was running) becomes `missed`; an
//! approver decides (see [`crate::Decision`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use countersign_x::{CreatedPost, MediaKind as XMediaKind, NewPost, RecentQuery, XClient, XError};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use super::App;
use crate::acts::{Acts, AuditNote, count_config};
use crate::audit::AuditAction;
use crate::connection::ConnectionState;
use crate::content;
use crate::count;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::media;
use crate::model::Approval;
use crate::model::{Account, MediaKind, Post, ReplySettings, ReplyTarget, Status};
use crate::signer::Signer;
use crate::store::{PublishState, Tx};

/// How the publisher paces itself. The defaults suit X; tests shorten them.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// How long a request whose outcome is unknown may stay unconfirmed on the timeline
    /// before a person is asked (X can take a moment to show a new post).
    pub reconcile_grace: Duration,
    /// Server errors (5xx) in one attempt before the post fails.
    pub max_server_errors: u32,
    /// The first retry wait; each further retry doubles it, up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// How long this laptop's claim on a post holds without renewal; in team mode another
    /// laptop takes the post over only after it ran out. Longer than any one request to X
    /// (uploads included), so a live claimant never loses it mid-request.
    pub lease: Duration,
    /// Set to stop: no new request starts (one already sent is finished and recorded).
    pub stop: Arc<AtomicBool>,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            reconcile_grace: Duration::from_secs(120),
            max_server_errors: 5,
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(300),
            lease: LEASE,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PassReport {
    pub posted: Vec<Uuid>,
    /// Claimed but waiting: a backoff, a rate limit's reset, or a confirmation on the timeline.
    pub waiting: Vec<Uuid>,
    pub failed: Vec<Uuid>,
    pub needs_check: Vec<Uuid>,
    pub missed: Vec<Uuid>,
    /// Why nothing could be sent at all (the account needs reconnecting, ...).
    pub blocked: Option<String>,
}

/// Where one post's publish ended up for now.
#[derive(Debug)]
enum Step {
    Posted,
    Waiting,
    Failed,
    NeedsCheck,
    /// Not ours to publish (any more): unscheduled, dropped or edited meanwhile.
    Skipped,
    /// Nothing can go to X until a person acts on the account; the pass stops.
    Blocked(String),
}

/// A claimed post and what the publisher knows about it.
#[derive(Debug)]
struct Job {
    post: Post,
    account: Account,
    state: PublishState,
    /// Base URL of the sandbox the account is on, if any: post links point at its timeline.
    sandbox_url: Option<String>,
    /// The claim itself marked the next part in flight (a post without media: nothing stands
    /// between the claim and its request), so the request goes out without another write.
    premarked: bool,
}

/// What reading the timeline found for a part.
enum Found {
    Yes(String),
    No,
}

/// How often a publishing laptop compares its whole trail with the server's.
const TRAIL_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

impl App {
    /// The single check every publishing path runs: does the approval in force vouch for
    /// exactly what would be published now? Returns that approval.
    pub fn verify_for_publish(&self, id: Uuid) -> Result<Approval> {
        let pin = self.pin()?;
        self.read(|tx| tx.verify_post(id, pin.as_ref()))?
            .map_err(|reason| Error::ApprovalInvalid {
                id: id.to_string(),
                reason,
            })
    }

    /// The claim-time check the publisher runs on a post it is about to send: on success the
    /// approval in force. On failure the post does not go out: it moves to `needs_check` with
    /// the reason (if it was waiting to be published), the refusal is audited, and the result
    /// is `approval_invalid` with that reason.
    pub fn check_before_publish(&self, id: Uuid) -> Result<Approval> {
        self.store().check_trail()?;
        let now = self.now();
        let pin = self.pin()?;
        let by = self.publisher_signer()?;
        let outcome = self.write(|tx| {
            let outcome = tx.verify_post(id, pin.as_ref())?;
            if let Err(reason) = &outcome {
                let account = tx.account()?;
                let mut post = tx.post(id)?;
                refuse(tx, now, by.as_ref(), &account, &mut post, reason)?;
            }
            Ok(outcome)
        })?;
        outcome.map_err(|reason| {
            self.events.emit(Event::ApprovalVoided {
                post_id: id,
                reason: reason.clone(),
            });
            Error::ApprovalInvalid {
                id: id.to_string(),
                reason,
            }
        })
    }

    /// One pass of the publisher: marks missed posts, then publishes everything due. Returns
    /// what happened; nothing that happened is only in the report (every outcome is stored,
    /// audited and, where a person must act, emitted as an event).
    pub async fn publish_due(&self, opts: &PublishOptions) -> Result<PassReport> {
        let mut report = PassReport {
            missed: self.mark_missed()?,
            ..PassReport::default()
        };
        let connection = self.connection()?;
        match connection.state {
            ConnectionState::Connected => {}
            ConnectionState::NeedsReconnect => {
                report.blocked = Some("the X account needs reconnecting".into());
                return Ok(report);
            }
            ConnectionState::Disconnected => {
                report.blocked = Some("no X account is connected".into());
                return Ok(report);
            }
        }
        let client = self.cached_x_client()?;
        let now = self.now();
        let device = self.publisher_identity().1;
        let due = self.read(|tx| tx.publishing().due(now, device.as_deref()))?;
        if !due.is_empty() {
            // Nothing goes out through a team server that removed or rewrote the history this
            // laptop holds. The comparison reads the whole trail on both sides, so a busy
            // publisher makes it at most every TRAIL_CHECK, not on every pass.
            let mut checked = self.trail_checked.lock().unwrap_or_else(|p| p.into_inner());
            if checked.is_none_or(|t| t.elapsed() >= TRAIL_CHECK) {
                self.store().check_trail()?;
                *checked = Some(std::time::Instant::now());
            }
        }
        for id in due {
            if opts.stop.load(Ordering::SeqCst) {
                break;
            }
            let step = match self.publish_one(&client, id, opts).await {
                Ok(step) => step,
                // One post's trouble with the team server (another laptop took it over, the
                // server refused a step, the workspace was busy) is not every post's.
                Err(e @ (Error::ClaimLost { .. } | Error::ServerRefused { .. } | Error::Busy)) => {
                    tracing::warn!(%id, code = e.code(), "publishing skipped this post: {e}");
                    continue;
                }
                Err(e) => return Err(e),
            };
            tracing::debug!(%id, ?step, "publish step");
            match step {
                Step::Posted => report.posted.push(id),
                Step::Waiting => report.waiting.push(id),
                Step::Failed => report.failed.push(id),
                Step::NeedsCheck => report.needs_check.push(id),
                Step::Skipped => {}
                Step::Blocked(why) => {
                    report.blocked = Some(why);
                    break;
                }
            }
        }
        Ok(report)
    }

    /// Scheduled posts whose time passed by more than the grace window become `missed`.
    pub fn mark_missed(&self) -> Result<Vec<Uuid>> {
        let now = self.now();
        // Looked for first in a read: on a team server a write takes the workspace lock, and
        // most passes find nothing. Only a reviewer's laptop marks posts missed there.
        let (overdue, reviews) = self.read(|tx| {
            let grace = SignedDuration::from_mins(i64::from(tx.account()?.grace_minutes));
            let overdue = !tx.publishing().overdue(now.checked_sub(grace)?)?.is_empty();
            let reviews = match self.publisher_identity().0 {
                Some(me) => tx
                    .members()
                    .by_id(me)?
                    .is_some_and(|m| m.active && m.role.reviews()),
                None => true,
            };
            Ok((overdue, reviews))
        })?;
        if !overdue || !reviews {
            return Ok(Vec::new());
        }
        let by = self.publisher_signer()?;
        let missed = self.write(|tx| {
            let account = tx.account()?;
            let grace = SignedDuration::from_mins(i64::from(account.grace_minutes));
            let before = now.checked_sub(grace)?;
            let ids = tx.publishing().overdue(before)?;
            let mut out = Vec::new();
            for id in ids {
                let mut p = tx.post(id)?;
                let at = p.scheduled.as_ref().map(|s| s.at).unwrap_or(now);
                p.status = Status::Missed;
                p.status_reason = Some(format!(
                    "its time ({}) passed by more than the {} minute grace window before it \
                     could be published; an approver decides: publish now, reschedule or drop",
                    crate::schedule::wall_time(at, &account.timezone),
                    account.grace_minutes
                ));
                p.updated_at = now;
                tx.posts().update(&p)?;
                tx.record(
                    now,
                    AuditNote::by_any(by.as_ref(), AuditAction::Missed)
                        .about(&p, &account)
                        .detail(json!({"at": at})),
                )?;
                out.push((id, at));
            }
            Ok(out)
        })?;
        for (post_id, at) in &missed {
            self.events.emit(Event::Missed {
                post_id: *post_id,
                at: *at,
            });
        }
        Ok(missed.into_iter().map(|(id, _)| id).collect())
    }

    async fn publish_one(&self, client: &XClient, id: Uuid, opts: &PublishOptions) -> Result<Step> {
        let Some(mut job) = self.claim(id, opts.lease)? else {
            return Ok(Step::Skipped);
        };
        if job.post.status == Status::NeedsCheck {
            return Ok(Step::NeedsCheck);
        }
        let parts = job.post.content.parts.len();

        // A request from before may or may not have reached X: find out before anything else.
        if let Some(sent_at) = job.state.in_flight_at.filter(|_| !job.premarked) {
            let idx = job.state.parts.len();
            match self.reconcile(client, &job, idx).await {
                Ok(Found::Yes(x_id)) => self.record_part(&mut job, idx, &x_id)?,
                Ok(Found::No) => {
                    let now = self.now();
                    let deadline = sent_at.checked_add(opts.reconcile_grace)?;
                    if now < deadline {
                        let next = now.checked_add(Duration::from_secs(15))?.min(deadline);
                        return self.wait_until(&mut job, next, false);
                    }
                    let reason = format!(
                        "X may have received part {} of {parts} at {sent_at}, but it is not on \
                         the account's timeline after {} s. Check the account on X, then \
                         publish again, mark as posted (with the link), or drop",
                        idx + 1,
                        opts.reconcile_grace.as_secs()
                    );
                    return self.needs_check(&job, reason);
                }
                Err(e) => return self.reconcile_failed(&mut job, e, opts),
            }
        }

        self.fetch_media(&job.post);
        if let Err(reason) = self.check_media(&job.post) {
            return self.needs_check(&job, reason);
        }

        while job.state.parts.len() < parts {
            let idx = job.state.parts.len();
            let part = &job.post.content.parts[idx];
            let mut media_ids = Vec::with_capacity(part.media.len());
            for a in &part.media {
                let path = self.media_dir().join(media::stored_name(&a.media));
                let alt = (!a.alt_text.is_empty()).then_some(a.alt_text.as_str());
                match client
                    .upload_media(path, &a.media.mime, x_kind(a.media.kind), alt)
                    .await
                {
                    Ok(media_id) => media_ids.push(media_id),
                    // An upload is not a post: failing here never leaves anything on X.
                    Err(e) => return self.after_error(client, &mut job, idx, e, opts).await,
                }
            }
            let text = part_text(&job.post, idx);
            let weighted = count::count(&text, &count_config(&job.account)).weighted_length;
            // An answer's first part replies to the mention it answers (bound by the approval).
            let answers = match &job.post.content.reply {
                Some(ReplyTarget::Post { x_id }) if idx == 0 => Some(x_id.clone()),
                _ => None,
            };
            let request = NewPost {
                text,
                reply_to: job.state.parts.last().cloned().or(answers),
                media_ids,
                reply_settings: reply_setting(job.post.content.reply_settings),
                weighted_length: Some(weighted as usize),
            };
            if std::mem::take(&mut job.premarked) {
                // Marked by the claim (a stop asked for since then does not undo it: the
                // request goes out and is recorded). The last look before sending, as below.
                if job.state.lease_until.is_none_or(|l| self.now() >= l) {
                    return Ok(Step::Skipped);
                }
            } else if opts.stop.load(Ordering::SeqCst)
                || !self.mark_in_flight(&mut job, opts.lease)?
            {
                return Ok(Step::Skipped);
            }
            let sent = match &job.post.content.reply {
                // An answer by direct message: one part, sent into the person's conversation.
                Some(ReplyTarget::Dm { participant_id }) => client
                    .send_dm(participant_id, &request.text)
                    .await
                    .map(|dm| CreatedPost {
                        id: dm.dm_event_id,
                        text: request.text.clone(),
                    }),
                _ => client.create_post(&request).await,
            };
            match sent {
                Ok(created) if idx + 1 == parts => {
                    self.record_last_part(&mut job, idx, &created.id)?;
                    return Ok(Step::Posted);
                }
                Ok(created) => self.record_part(&mut job, idx, &created.id)?,
                Err(e) => {
                    let step = self.after_error(client, &mut job, idx, e, opts).await?;
                    // A reconcile found the part on X: carry on with the next one.
                    if matches!(step, Step::Posted) {
                        continue;
                    }
                    return Ok(step);
                }
            }
        }
        self.finish(&job)?;
        Ok(Step::Posted)
    }

    /// The claim: `scheduled → publishing` (or a claimed post whose wait is over), with the
    /// approval verified again, in one write transaction. `None` when the post is not due for
    /// publishing any more.
    fn claim(&self, id: Uuid, lease: Duration) -> Result<Option<Job>> {
        let now = self.now();
        let pin = self.pin()?;
        let sandbox_url = self.connection()?.sandbox_url;
        let (me, device) = self.publisher_identity();
        let by = self.publisher_signer()?;
        let claimed = self.write(|tx| {
            let account = tx.account()?;
            let mut p = tx.post(id)?;
            let mut state = tx.publishing().state(id)?;
            let mine = state.claimed_by == me && state.claim_device == device;
            let lease_over = state.lease_until.is_none_or(|l| l <= now);
            let takeover = match p.status {
                Status::Scheduled if p.scheduled.as_ref().is_some_and(|s| s.at <= now) => false,
                // Carried on by the laptop that holds the claim (one publisher per data dir);
                // taken over by another only once its lease has run out.
                Status::Publishing if state.next_attempt_at.is_none_or(|t| t <= now) => {
                    if !mine && !lease_over {
                        return Ok(None);
                    }
                    !mine || lease_over
                }
                _ => return Ok(None),
            };
            state.lease_until = Some(now.checked_add(lease)?);
            if p.status == Status::Scheduled || takeover {
                state.claim_epoch += 1;
                state.claimed_by = me;
                state.claim_device = device.clone();
            }
            if let Err(reason) = tx.verify_post(id, pin.as_ref())? {
                // A post being published is taken over first, so that this laptop may settle
                // it (the server lets only the claimant change a claimed post).
                if p.status == Status::Publishing {
                    tx.publishing().save_state(id, &state)?;
                }
                refuse(tx, now, by.as_ref(), &account, &mut p, &reason)?;
                return Ok(Some(Err(reason)));
            }
            // A post without media goes to X right after its claim: the claim marks the next
            // part in flight itself, one write (two round trips to a team server) fewer. An
            // earlier mark still set is an unknown outcome, reconciled first as always.
            let premarked = state.in_flight_at.is_none()
                && p.content.parts.iter().all(|part| part.media.is_empty());
            if premarked {
                state.in_flight_at = Some(now);
            }
            if p.status == Status::Scheduled {
                p.status = Status::Publishing;
                p.updated_at = now;
                tx.posts().update(&p)?;
                state.claimed_at = Some(now);
                state.next_attempt_at = None;
                tx.publishing().save_state(id, &state)?;
                tx.record(
                    now,
                    AuditNote::by_any(by.as_ref(), AuditAction::PublishClaimed)
                        .about(&p, &account)
                        .detail(json!({"by": me, "laptop": device, "epoch": state.claim_epoch})),
                )?;
            } else {
                tx.publishing().save_state(id, &state)?;
                if takeover {
                    tx.record(
                        now,
                        AuditNote::by_any(by.as_ref(), AuditAction::PublishClaimed)
                            .about(&p, &account)
                            .detail(json!({
                                "by": me, "laptop": device, "epoch": state.claim_epoch,
                                "took_over": true, "parts_posted": state.parts.len(),
                                "in_flight": state.in_flight_at.is_some(),
                            })),
                    )?;
                }
            }
            Ok(Some(Ok(Job {
                post: p,
                account,
                state,
                sandbox_url: sandbox_url.clone(),
                premarked,
            })))
        })?;
        match claimed {
            None => Ok(None),
            Some(Ok(job)) => Ok(Some(job)),
            Some(Err(reason)) => {
                self.events.emit(Event::NeedsCheck {
                    post_id: id,
                    reason: format!("its approval does not hold: {reason}"),
                });
                // Report the state as stored.
                let post = self.read(|tx| tx.post(id))?;
                Ok(Some(Job {
                    account: self.account()?,
                    state: PublishState::default(),
                    post,
                    sandbox_url: None,
                    premarked: false,
                }))
            }
        }
    }

    /// Commits "a request for the next part is about to go to X". `false` when the post was
    /// taken away meanwhile (unscheduled or dropped): then nothing is sent.
    fn mark_in_flight(&self, job: &mut Job, lease: Duration) -> Result<bool> {
        let now = self.now();
        let id = job.post.id;
        let lease = now.checked_add(lease)?;
        let held = job.state.clone();
        let ok = self.write(|tx| {
            if tx.post(id)?.status != Status::Publishing {
                return Ok(false);
            }
            let mut state = tx.publishing().state(id)?;
            if !holds(&state, &held) {
                return Ok(false);
            }
            state.in_flight_at = Some(now);
            state.lease_until = Some(lease);
            tx.publishing().save_state(id, &state)?;
            Ok(true)
        })?;
        job.state.in_flight_at = ok.then_some(now);
        if ok {
            job.state.lease_until = Some(lease);
        }
        // The last look before sending: a laptop that was suspended after its mark (its lease
        // ran out, another may have taken over) sends nothing.
        Ok(ok && self.now() < lease)
    }

    /// Commits part `idx` as posted with X's id, and clears the in-flight mark.
    fn record_part(&self, job: &mut Job, idx: usize, x_id: &str) -> Result<()> {
        let now = self.now();
        let held = job.state.clone();
        self.write(|tx| record_part_in(tx, now, &held, job.post.id, idx, x_id))?;
        job.state.parts.push(x_id.to_string());
        job.state.in_flight_at = None;
        Ok(())
    }

    /// The last part is on X: records it and the post as posted in one write (a round trip
    /// pair fewer to the team server on every publish).
    fn record_last_part(&self, job: &mut Job, idx: usize, x_id: &str) -> Result<()> {
        let now = self.now();
        let held = job.state.clone();
        let mut done = held.clone();
        done.parts.push(x_id.to_string());
        done.in_flight_at = None;
        let url = self.post_url(job, &done);
        let by = self.publisher_signer()?;
        self.write(|tx| {
            record_part_in(tx, now, &held, job.post.id, idx, x_id)?;
            finish_in(tx, now, job.post.id, &done, &url, by.as_ref())
        })?;
        job.state = done;
        self.events.emit(Event::Posted {
            post_id: job.post.id,
            url,
        });
        Ok(())
    }

    fn finish(&self, job: &Job) -> Result<()> {
        let now = self.now();
        let url = self.post_url(job, &job.state);
        let id = job.post.id;
        let by = self.publisher_signer()?;
        self.write(|tx| finish_in(tx, now, id, &job.state, &url, by.as_ref()))?;
        self.events.emit(Event::Posted { post_id: id, url });
        Ok(())
    }

    /// Where the post's first part is on X (or on the sandbox's timeline).
    fn post_url(&self, job: &Job, state: &PublishState) -> String {
        let first = state.parts.first().cloned().unwrap_or_default();
        if matches!(job.post.content.reply, Some(ReplyTarget::Dm { .. })) {
            // A direct message has no public page: the brand's messages on X (or the
            // sandbox's record of them).
            return match &job.sandbox_url {
                Some(base) => format!("{}/_sandbox/dms#{first}", base.trim_end_matches('/')),
                None => "https://x.com/messages".to_owned(),
            };
        }
        match &job.sandbox_url {
            Some(base) => format!("{}/_sandbox/timeline#{first}", base.trim_end_matches('/')),
            None => format!("https://x.com/{}/status/{first}", job.account.handle),
        }
    }

    /// Handles a failed request for part `idx` (an upload or the post itself).
    async fn after_error(
        &self,
        client: &XClient,
        job: &mut Job,
        idx: usize,
        e: XError,
        opts: &PublishOptions,
    ) -> Result<Step> {
        tracing::warn!(post = %job.post.id, part = idx + 1, code = e.code(), "request to X failed");
        // A laptop that lost its claim during the request (suspended past its lease, another
        // took over) asks X nothing more: the new claimant reconciles.
        let held = job.state.clone();
        self.write(|tx| fence(tx, job.post.id, &held))?;
        let in_flight = job.state.in_flight_at.is_some();
        match e {
            XError::Transport {
                maybe_sent: false, ..
            } => {
                job.state.retries += 1;
                let wait = backoff(job.state.retries, opts);
                let next = self.now().checked_add(wait)?;
                self.wait_until(job, next, true)
            }
            XError::RateLimited { reset_at, .. } => {
                let next = reset_at.checked_add(Duration::from_secs(1))?;
                self.wait_until(job, next, true)
            }
            XError::Server { status } if in_flight => {
                // A 5xx on a create may still have created the post: look before retrying.
                match self.reconcile(client, job, idx).await {
                    Ok(Found::Yes(x_id)) => {
                        self.record_part(job, idx, &x_id)?;
                        Ok(Step::Posted)
                    }
                    Ok(Found::No) => self.server_error(job, status, opts),
                    Err(e) => self.reconcile_failed(job, e, opts),
                }
            }
            XError::Server { status } => self.server_error(job, status, opts),
            // An upload (never a post) that may have reached X: uploading again is harmless.
            XError::Transport { .. } if !in_flight => {
                job.state.retries += 1;
                let next = self.now().checked_add(backoff(job.state.retries, opts))?;
                self.wait_until(job, next, true)
            }
            XError::Duplicate | XError::Transport { .. } if in_flight => {
                let duplicate = matches!(e, XError::Duplicate);
                match self.reconcile(client, job, idx).await {
                    Ok(Found::Yes(x_id)) => {
                        self.record_part(job, idx, &x_id)?;
                        Ok(Step::Posted)
                    }
                    Ok(Found::No) if duplicate => self.needs_check(
                        job,
                        format!(
                            "X refused part {} as a duplicate of a recent post, but no such post \
                             is on the account's timeline. Check the account on X, then mark as \
                             posted (with the link), edit it, or drop it",
                            idx + 1
                        ),
                    ),
                    // The answer was lost: keep the in-flight mark and look again shortly.
                    Ok(Found::No) => {
                        let next = self.now().checked_add(Duration::from_secs(5))?;
                        self.wait_until(job, next, false)
                    }
                    Err(e) => self.reconcile_failed(job, e, opts),
                }
            }
            XError::Unauthorized | XError::NeedsReconnect | XError::TokenStore(_) => {
                let why = e.to_string();
                self.note_x_error(&XError::NeedsReconnect)?;
                if matches!(e, XError::TokenStore(_)) {
                    tracing::warn!("the keychain refused the X tokens: {why}");
                }
                self.release(job)?;
                Ok(Step::Blocked(why))
            }
            other => {
                let reason = format!("X refused part {}: {other} [{}]", idx + 1, other.code());
                self.fail(job, reason)
            }
        }
    }

    fn server_error(&self, job: &mut Job, status: u16, opts: &PublishOptions) -> Result<Step> {
        job.state.server_errors += 1;
        if job.state.server_errors >= opts.max_server_errors {
            return self.fail(
                job,
                format!(
                    "X answered with server errors {} times in a row (last: {status}); \
                     publish again later, reschedule or drop",
                    job.state.server_errors
                ),
            );
        }
        let next = self
            .now()
            .checked_add(backoff(job.state.server_errors, opts))?;
        self.wait_until(job, next, true)
    }

    /// Reading the timeline failed: keep the in-flight mark and try again later.
    fn reconcile_failed(&self, job: &mut Job, e: XError, opts: &PublishOptions) -> Result<Step> {
        tracing::warn!(post = %job.post.id, code = e.code(), "could not read the timeline to reconcile");
        match e {
            XError::RateLimited { reset_at, .. } => {
                let next = reset_at.checked_add(Duration::from_secs(1))?;
                self.wait_until(job, next, false)
            }
            XError::Unauthorized | XError::NeedsReconnect => {
                self.note_x_error(&XError::NeedsReconnect)?;
                Ok(Step::Blocked(e.to_string()))
            }
            _ => {
                job.state.retries += 1;
                let next = self.now().checked_add(backoff(job.state.retries, opts))?;
                self.wait_until(job, next, false)
            }
        }
    }

    /// Stores "try again at `next`". With `clear_in_flight`, the last request surely did not
    /// create anything (its outcome is known).
    fn wait_until(&self, job: &mut Job, next: Timestamp, clear_in_flight: bool) -> Result<Step> {
        let id = job.post.id;
        if clear_in_flight {
            job.state.in_flight_at = None;
        }
        job.state.next_attempt_at = Some(next);
        let state = job.state.clone();
        self.write(|tx| {
            fence(tx, id, &state)?;
            tx.publishing().save_state(id, &state)
        })?;
        Ok(Step::Waiting)
    }

    /// Gives a post back to the schedule when nothing of it reached X (the account must be
    /// reconnected first); a thread partly on X stays claimed and continues later.
    fn release(&self, job: &mut Job) -> Result<()> {
        let id = job.post.id;
        job.state.in_flight_at = None;
        let state = job.state.clone();
        let now = self.now();
        self.write(|tx| {
            fence(tx, id, &state)?;
            let mut p = tx.post(id)?;
            if p.status == Status::Publishing && state.parts.is_empty() {
                p.status = Status::Scheduled;
                p.updated_at = now;
                tx.posts().update(&p)?;
            }
            tx.publishing().save_state(id, &state)
        })
    }

    fn fail(&self, job: &mut Job, reason: String) -> Result<Step> {
        self.settle(job, Status::Failed, AuditAction::PublishFailed, &reason)?;
        self.events.emit(Event::Failed {
            post_id: job.post.id,
            reason,
        });
        Ok(Step::Failed)
    }

    fn needs_check(&self, job: &Job, reason: String) -> Result<Step> {
        self.settle(job, Status::NeedsCheck, AuditAction::NeedsCheck, &reason)?;
        self.events.emit(Event::NeedsCheck {
            post_id: job.post.id,
            reason,
        });
        Ok(Step::NeedsCheck)
    }

    /// Ends the attempt in `status` with the reason a person reads. The in-flight mark stays
    /// as evidence until a person decides.
    fn settle(&self, job: &Job, status: Status, action: AuditAction, reason: &str) -> Result<()> {
        let now = self.now();
        let id = job.post.id;
        let state = job.state.clone();
        let by = self.publisher_signer()?;
        self.write(|tx| {
            fence(tx, id, &state)?;
            let account = tx.account()?;
            let mut p = tx.post(id)?;
            p.status = status;
            p.status_reason = Some(reason.to_string());
            p.updated_at = now;
            tx.posts().update(&p)?;
            tx.publishing().save_state(
                id,
                &PublishState {
                    next_attempt_at: None,
                    ..state.clone()
                },
            )?;
            tx.record(
                now,
                AuditNote::by_any(by.as_ref(), action)
                    .about(&p, &account)
                    .detail(json!({"reason": reason, "parts_posted": state.parts})),
            )
        })
    }

    /// Looks for part `idx` on the account's timeline.
    async fn reconcile(
        &self,
        client: &XClient,
        job: &Job,
        idx: usize,
    ) -> std::result::Result<Found, XError> {
        let Some(user_id) = job.account.x_user_id.clone() else {
            return Err(XError::Config {
                detail: "the account's X user id is unknown; reconnect the account".into(),
            });
        };
        let wanted = comparable(&part_text(&job.post, idx));
        if let Some(ReplyTarget::Dm { participant_id }) = &job.post.content.reply {
            // An answer by direct message: the brand's own message in that conversation, sent
            // since a little before the claim, with this text.
            let since = job
                .state
                .claimed_at
                .and_then(|t| t.checked_sub(SignedDuration::from_mins(10)).ok());
            // The brand answers with the same words more than once ("DM us your order
            // number"): a message recorded for another post is not this one.
            let dms = client.direct_messages(None, 8).await?;
            let mut found = None;
            for m in dms.messages {
                if m.sender_id == user_id
                    && m.conversation_id.split('-').any(|p| p == participant_id)
                    && since.is_none_or(|s| m.created_at.is_none_or(|at| at >= s))
                    && comparable(&m.text) == wanted
                    && !self
                        .read(|tx| tx.publishing().is_recorded(&m.id))
                        .map_err(|e| XError::Config {
                            detail: format!("cannot read what this workspace recorded: {e}"),
                        })?
                {
                    found = Some(m);
                    break;
                }
            }
            return Ok(match found {
                Some(m) => {
                    tracing::info!(post = %job.post.id, dm = %m.id, "reconciled: the direct message is on X");
                    Found::Yes(m.id)
                }
                None => Found::No,
            });
        }
        // A later part replies to the one before it, so it is newer than that part's id; the
        // first part is looked for from a little before the claim (clocks differ).
        let query = RecentQuery {
            since_id: job.state.parts.last().cloned(),
            start_time: match job.state.parts.last() {
                Some(_) => None,
                None => job
                    .state
                    .claimed_at
                    .and_then(|t| t.checked_sub(SignedDuration::from_mins(10)).ok()),
            },
            max_results: 100,
            pages: 3,
        };
        let posts = client.recent_posts(&user_id, query).await?;
        // What the part replies to: the part before it, or for an answer's first part the
        // mention it answers. The same words sent elsewhere (a canned answer to someone else)
        // are not this part.
        let parent = match (job.state.parts.last(), &job.post.content.reply) {
            (Some(previous), _) => Some(previous.clone()),
            (None, Some(ReplyTarget::Post { x_id })) => Some(x_id.clone()),
            (None, _) => None,
        };
        Ok(
            match posts
                .into_iter()
                .rev()
                .find(|p| comparable(&p.text) == wanted && p.replied_to.as_ref() == parent.as_ref())
            {
                Some(p) => {
                    tracing::info!(post = %job.post.id, part = idx + 1, x_id = %p.id, "reconciled: the part is on X");
                    Found::Yes(p.id)
                }
                None => Found::No,
            },
        )
    }

    /// Media files are read again before upload: a file changed since approval is not sent.
    fn check_media(&self, post: &Post) -> std::result::Result<(), String> {
        for (i, part) in post.content.parts.iter().enumerate() {
            for a in &part.media {
                let path = self.media_dir().join(media::stored_name(&a.media));
                let bytes = std::fs::read(&path).map_err(|e| {
                    let server = if self.is_team() {
                        ", and the team server has no copy that matches it"
                    } else {
                        ""
                    };
                    format!(
                        "the media file of part {} ({}) cannot be read: {e}{server}; nothing was \
                         sent. Attach it again and have the post approved again",
                        i + 1,
                        a.media.original_name
                    )
                })?;
                let hash = hex::encode(Sha256::digest(&bytes));
                if hash != a.media.hash {
                    return Err(format!(
                        "the media file of part {} ({}) changed since it was approved; nothing \
                         was sent. Attach it again and have the post approved again",
                        i + 1,
                        a.media.original_name
                    ));
                }
            }
        }
        Ok(())
    }
}

/// How long a claim holds without renewal by default (see [`PublishOptions::lease`]): short
/// enough that a dead laptop's post is taken over within a minute or two.
pub const LEASE: Duration = Duration::from_secs(90);

/// Whether the claim stored now is still the one this job holds (same claimant, laptop and
/// epoch): every write after the claim is fenced on it.
fn holds(now: &PublishState, job: &PublishState) -> bool {
    now.claimed_by == job.claimed_by
        && now.claim_device == job.claim_device
        && now.claim_epoch == job.claim_epoch
}

/// Part `idx` is on X as `x_id`: recorded under the claim `held`, the in-flight mark cleared.
fn record_part_in(
    tx: &Tx<'_>,
    now: Timestamp,
    held: &PublishState,
    id: Uuid,
    idx: usize,
    x_id: &str,
) -> Result<()> {
    let mut state = tx.publishing().state(id)?;
    if !holds(&state, held) {
        return Err(Error::ClaimLost { id: id.to_string() });
    }
    tx.publishing()
        .record_part(id, idx, x_id, now, held.claimed_by)?;
    state.in_flight_at = None;
    state.retries = 0;
    tx.publishing().save_state(id, &state)
}

/// Every part is on X: the post is posted, audited with who and which laptop published it.
fn finish_in(
    tx: &Tx<'_>,
    now: Timestamp,
    id: Uuid,
    done: &PublishState,
    url: &str,
    by: Option<&Signer>,
) -> Result<()> {
    fence(tx, id, done)?;
    let account = tx.account()?;
    let mut p = tx.post(id)?;
    p.status = Status::Posted;
    p.status_reason = None;
    p.posted_at = Some(now);
    p.post_url = Some(url.to_string());
    p.updated_at = now;
    tx.posts().update(&p)?;
    let answered = super::inbox::answered_in(tx, id, now)?;
    let mut state = tx.publishing().state(id)?;
    state.in_flight_at = None;
    state.next_attempt_at = None;
    tx.publishing().save_state(id, &state)?;
    let mut detail = json!({
        "x_ids": done.parts, "url": url,
        "by": done.claimed_by, "laptop": done.claim_device,
        "epoch": done.claim_epoch,
    });
    // An answer's going out says which conversation it answered and how long the person waited.
    if let Some(a) = answered {
        detail["answers"] = a;
    }
    tx.record(
        now,
        AuditNote::by_any(by, AuditAction::Posted)
            .about(&p, &account)
            .detail(detail),
    )
}

/// Refuses a write of a claim this laptop no longer holds.
fn fence(tx: &Tx<'_>, id: Uuid, held: &PublishState) -> Result<()> {
    if holds(&tx.publishing().state(id)?, held) {
        Ok(())
    } else {
        Err(Error::ClaimLost { id: id.to_string() })
    }
}

/// Moves a post whose approval does not hold to `needs_check`, audited (signed by this
/// laptop's publisher in team mode).
fn refuse(
    tx: &Tx<'_>,
    now: Timestamp,
    by: Option<&Signer>,
    account: &Account,
    post: &mut Post,
    reason: &str,
) -> Result<()> {
    let was = post.status;
    if matches!(
        was,
        Status::Approved | Status::Scheduled | Status::Publishing | Status::Missed
    ) {
        post.status = Status::NeedsCheck;
        post.status_reason = Some(reason.to_string());
        post.updated_at = now;
        tx.posts().update(post)?;
    }
    tx.record(
        now,
        AuditNote::by_any(by, AuditAction::PublishRefused)
            .about(post, account)
            .detail(json!({"reason": reason, "status_was": was})),
    )?;
    Ok(())
}

/// The wait before retry `n` (1-based): doubling from the base, capped, with up to 25% jitter
/// so that many waiting posts do not retry in step.
fn backoff(n: u32, opts: &PublishOptions) -> Duration {
    let exp = opts
        .backoff_base
        .saturating_mul(1u32 << n.saturating_sub(1).min(20));
    let capped = exp.min(opts.backoff_cap);
    let jitter = capped.mul_f64(rand_fraction() * 0.25);
    capped + jitter
}

fn rand_fraction() -> f64 {
    let mut b = [0u8; 8];
    // The jitter only needs to differ between processes and posts, not to be secret.
    if getrandom(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

fn getrandom(buf: &mut [u8]) -> std::result::Result<(), ()> {
    use rand_core::RngCore;
    rand_core::OsRng.try_fill_bytes(buf).map_err(|_| ())
}

/// Exactly what X receives for part `idx`.
fn part_text(post: &Post, idx: usize) -> String {
    content::published_text(
        &post.content.parts[idx],
        post.content
            .signature
            .then_some(post.author.initials.as_str()),
    )
}

fn x_kind(kind: MediaKind) -> XMediaKind {
    match kind {
        MediaKind::Image => XMediaKind::Image,
        MediaKind::Gif => XMediaKind::Gif,
        MediaKind::Video => XMediaKind::Video,
    }
}

fn reply_setting(r: ReplySettings) -> Option<String> {
    match r {
        ReplySettings::Everyone => None,
        ReplySettings::Following => Some("following".into()),
        ReplySettings::MentionedUsers => Some("mentionedUsers".into()),
        ReplySettings::Subscribers => Some("subscribers".into()),
        ReplySettings::Verified => Some("verified".into()),
    }
}

/// A post's text in the form that survives X's rewriting: HTML entities undone, NFC, every URL
/// masked (X turns them into t.co links), trailing links dropped (X appends one for media),
/// whitespace collapsed. Our text and X's copy of it compare equal in this form.
pub fn comparable(text: &str) -> String {
    let unescaped = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let nfc: String = unescaped.nfc().collect();
    let units: Vec<u16> = nfc.encode_utf16().collect();
    let mut out: Vec<u16> = Vec::with_capacity(units.len());
    let mut at = 0;
    for u in count::extract_urls(&nfc) {
        out.extend_from_slice(&units[at..u.start.min(units.len())]);
        out.extend("\u{FFFC}".encode_utf16());
        at = u.end.min(units.len());
    }
    out.extend_from_slice(&units[at.min(units.len())..]);
    let masked = String::from_utf16_lossy(&out);
    let mut words: Vec<&str> = masked.split_whitespace().collect();
    while words.last() == Some(&"\u{FFFC}") {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_rewrites_compare_equal() {
        assert_eq!(
            comparable("Launch day! https://example.com/a?b=1 &amp; more"),
            comparable("Launch day! https://t.co/abc123 & more https://t.co/media9")
        );
        assert_eq!(comparable("Cafe\u{301}  ^JS"), comparable("Café ^JS"));
        assert_ne!(comparable("Launch day"), comparable("Launch night"));
        assert_eq!(
            comparable("see example.com"),
            comparable("see https://t.co/x")
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let o = PublishOptions {
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(60),
            ..PublishOptions::default()
        };
        let first = backoff(1, &o);
        assert!(first >= Duration::from_secs(2) && first <= Duration::from_millis(2500));
        let third = backoff(3, &o);
        assert!(third >= Duration::from_secs(8) && third <= Duration::from_secs(10));
        let late = backoff(30, &o);
        assert!(late >= Duration::from_secs(60) && late <= Duration::from_secs(75));
    }
}
