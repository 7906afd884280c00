//! Use cases around time: countersigning a time (exact, the next queue slot, or now), the
//! brand's weekly queue slots, reordering the queue, unscheduling and dropping, and the
//! calendar.
//!
//! Every change to a post's time is an approver's countersignature of content *and* time, so
//! all of them go through [`App::countersign_time`]. Every change that can move what is due
//! wakes the publisher ([`App::schedule_changed`]).

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use serde_json::json;
use uuid::Uuid;

use super::App;
use crate::acts::{Acts, AuditNote, Countersignature, count_config, subject};
use crate::audit::AuditAction;
use crate::content;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::model::{Account, Post, Schedule, Status};
use crate::schedule::{self, Fold, Slot};
use crate::signer::{Prepared, Signer};
use crate::store::{CalendarItem, PublishState, QueueSlot, Tx};
use crate::workflow::{self, AccountAction, Action};

/// How far ahead "add to queue" looks for a free slot.
pub const QUEUE_HORIZON_WEEKS: u32 = 52;

/// When to publish: a wall time in a zone (the brand's when `None`).
#[derive(Debug, Clone)]
pub struct When {
    pub wall: String,
    pub zone: Option<String>,
    pub fold: Option<Fold>,
}

/// The time an approver countersigns.
#[derive(Debug, Clone)]
pub(crate) enum TimePick {
    /// A wall time a person gave.
    Wall(When),
    /// The next free queue slot.
    NextSlot,
    /// At once: the decision to publish a missed, failed or unclear post now.
    Now,
    /// An instant already resolved (a queue reorder swaps two posts' slots).
    At { at: Timestamp, queued: bool },
}

/// What a person decides for a post that missed its time, failed, or needs a check.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Countersign "now": it goes out at once (a thread continues after its posted parts).
    PublishNow,
    /// Countersign a new time.
    Reschedule(When),
    /// It is on X after all: record the link.
    MarkPosted { url: String },
    /// Let it go: it will never be published.
    Drop { reason: String },
}

impl App {
    /// Sets or moves the publish time. This is a countersignature of content and time, so only
    /// an approver who is not the author (or a solo admin) may do it.
    pub fn schedule(&self, id: Uuid, actor: &str, when: When) -> Result<Post> {
        self.countersign_time(id, actor, TimePick::Wall(when))
    }

    /// Sets the post's time, as a countersignature of content and time by `actor`.
    pub(crate) fn countersign_time(&self, id: Uuid, actor: &str, pick: TimePick) -> Result<Post> {
        let now = self.now();
        let key = self.prepare(actor)?;
        let pin = self.pin()?;
        let post = self.write_for("scheduling", |tx| {
            let account = tx.account()?;
            let mut post = tx.post(id)?;
            let approver = tx.countersigner(actor, pin.as_ref())?;
            let next = workflow::check(
                &approver,
                Action::Schedule,
                subject(&post),
                tx.solo_allowed()?,
            )?;
            tx.check_not_own_edit(&post, &approver)?;
            tx.check_authorship(&post, &approver, pin.as_ref())?;
            let approver = key.signer(approver)?;
            let (at, zone, queued) = match &pick {
                TimePick::Wall(when) => {
                    let zone = when
                        .zone
                        .clone()
                        .unwrap_or_else(|| account.timezone.clone());
                    let at =
                        schedule::resolve(schedule::parse_wall(&when.wall)?, &zone, when.fold)?;
                    (at, zone, false)
                }
                TimePick::NextSlot => {
                    let at = next_free_slot(tx, &account.timezone, now, Some(id))?;
                    (at, account.timezone.clone(), true)
                }
                TimePick::Now => (now, account.timezone.clone(), false),
                TimePick::At { at, queued } => (*at, account.timezone.clone(), *queued),
            };
            if at < now || (at == now && !matches!(pick, TimePick::Now)) {
                return Err(Error::ScheduleInPast {
                    at: format!("{} {zone}", schedule::wall_time(at, &zone)),
                    now: format!("{} {zone}", schedule::wall_time(now, &zone)),
                });
            }
            content::check_publishable(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            )?;
            post.scheduled = Some(Schedule {
                at,
                zone: zone.clone(),
            });
            post.status_reason = None;
            tx.publishing().set_queued(id, queued)?;
            // A new countersigned time starts a new attempt; parts already on X stay recorded,
            // so a thread continues after them.
            let state = tx.publishing().state(id)?;
            let parts = state.parts.clone();
            tx.publishing().save_state(id, &state.new_attempt())?;
            let detail = json!({
                "at": at, "zone": zone, "wall": schedule::wall_time(at, &zone),
                "queued": queued, "parts_already_posted": parts.len(),
                "decision": matches!(pick, TimePick::Now).then_some("publish_now"),
            });
            tx.countersign(
                now,
                Countersignature {
                    account: &account,
                    post: &mut post,
                    approver: &approver,
                    next,
                    edited: false,
                    action: AuditAction::Scheduled,
                    detail,
                },
            )?;
            Ok(post)
        })?;
        if let Some(s) = &post.scheduled {
            self.events.emit(Event::Scheduled {
                post_id: id,
                at: s.at,
            });
        }
        self.schedule_changed();
        Ok(post)
    }

    /// Approves the post and countersigns "now" as its time, so the publisher sends it at once
    /// (an approver answering a conversation: "approve and send"). Two countersignatures, one
    /// of the content and one of content and time, as when approving and scheduling apart.
    pub fn approve_and_send(&self, id: Uuid, actor: &str) -> Result<Post> {
        self.approve(id, actor, None)?;
        // countersign_time wakes the publisher, here or in another process.
        self.countersign_time(id, actor, TimePick::Now)
    }

    /// "Add to queue": countersigns the next free weekly slot.
    pub fn schedule_to_queue(&self, id: Uuid, actor: &str) -> Result<Post> {
        self.countersign_time(id, actor, TimePick::NextSlot)
    }

    /// The brand's weekly posting slots, Monday first.
    pub fn queue_slots(&self) -> Result<Vec<QueueSlot>> {
        self.read(|tx| tx.publishing().slots())
    }

    /// Adds a weekly slot ("tuesday", "09:00"). Approvers and admins.
    pub fn add_queue_slot(&self, actor: &str, weekday: &str, time: &str) -> Result<QueueSlot> {
        let slot = QueueSlot {
            id: Uuid::now_v7(),
            weekday: parse_weekday(weekday)?,
            time: parse_slot_time(time)?,
        };
        let now = self.now();
        let key = self.prepare(actor)?;
        self.write(|tx| {
            let who = key.signer(tx.allowed(actor, AccountAction::EditQueueSlots, key.pin())?)?;
            if !tx.publishing().add_slot(&slot, now)? {
                return Err(Error::SlotExists {
                    weekday: day_name(slot.weekday),
                    time: hh_mm(slot.time),
                });
            }
            tx.record(
                now,
                AuditNote::by(&who, AuditAction::QueueSlotAdded)
                    .detail(json!({"weekday": day_name(slot.weekday), "time": hh_mm(slot.time)})),
            )
        })?;
        Ok(slot)
    }

    /// Removes a weekly slot. Posts already scheduled into it keep their time.
    pub fn remove_queue_slot(&self, actor: &str, weekday: &str, time: &str) -> Result<QueueSlot> {
        let weekday = parse_weekday(weekday)?;
        let time = parse_slot_time(time)?;
        let now = self.now();
        let key = self.prepare(actor)?;
        self.write(|tx| {
            let who = key.signer(tx.allowed(actor, AccountAction::EditQueueSlots, key.pin())?)?;
            let slot = tx
                .publishing()
                .slots()?
                .into_iter()
                .find(|s| s.weekday == weekday && s.time == time)
                .ok_or_else(|| Error::UnknownSlot {
                    weekday: day_name(weekday),
                    time: hh_mm(time),
                })?;
            tx.publishing().remove_slot(slot.id)?;
            tx.record(
                now,
                AuditNote::by(&who, AuditAction::QueueSlotRemoved)
                    .detail(json!({"weekday": day_name(weekday), "time": hh_mm(time)})),
            )?;
            Ok(slot)
        })
    }

    /// The posts in the queue, in the order they will go out.
    pub fn queue(&self) -> Result<Vec<CalendarItem>> {
        self.read(|tx| {
            let queued = tx.publishing().queue()?;
            let (Some(first), Some(last)) = (queued.first(), queued.last()) else {
                return Ok(Vec::new());
            };
            let end = last.1.checked_add(jiff::SignedDuration::from_millis(1))?;
            Ok(tx
                .publishing()
                .calendar(first.1, end)?
                .into_iter()
                .filter(|c| c.queued && c.status == Status::Scheduled)
                .collect())
        })
    }

    /// Moves a queued post to `position` (1-based) in the queue. The queue keeps its set of
    /// slot times; the posts between shift by one. Each post whose time changes is
    /// countersigned again by `actor`, so `actor` must be allowed to countersign all of them.
    pub fn move_in_queue(&self, id: Uuid, actor: &str, position: usize) -> Result<Vec<Post>> {
        let queue = self.read(|tx| tx.publishing().queue())?;
        let from = queue
            .iter()
            .position(|(p, _)| *p == id)
            .ok_or_else(|| Error::NotInQueue { id: id.to_string() })?;
        if position == 0 || position > queue.len() {
            return Err(Error::NoSuchPosition {
                position,
                len: queue.len(),
            });
        }
        let times: Vec<Timestamp> = queue.iter().map(|(_, t)| *t).collect();
        let mut order: Vec<Uuid> = queue.iter().map(|(p, _)| *p).collect();
        let moved = order.remove(from);
        order.insert(position - 1, moved);
        let pin = self.pin()?;
        // Check every countersignature first so that a refusal changes nothing.
        self.read(|tx| {
            let approver = tx.confirmed(tx.member(actor)?, pin.as_ref())?;
            for (p, at) in order.iter().zip(&times) {
                let post = tx.post(*p)?;
                if post.scheduled.as_ref().map(|s| s.at) != Some(*at) {
                    workflow::check(
                        &approver,
                        Action::Schedule,
                        subject(&post),
                        tx.solo_allowed()?,
                    )?;
                    tx.check_not_own_edit(&post, &approver)?;
                }
            }
            Ok(())
        })?;
        let mut changed = Vec::new();
        for (p, at) in order.iter().zip(&times) {
            let current = queue.iter().find(|(q, _)| q == p).map(|(_, t)| *t);
            if current != Some(*at) {
                changed.push(self.countersign_time(
                    *p,
                    actor,
                    TimePick::At {
                        at: *at,
                        queued: true,
                    },
                )?);
            }
        }
        Ok(changed)
    }

    /// Takes the post off the schedule. An approver who may countersign it keeps it approved
    /// (a fresh countersignature of the content, with no time); otherwise its approval is
    /// voided and it goes back to review. A post being sent right now cannot be stopped.
    pub fn unschedule(&self, id: Uuid, actor: &str) -> Result<Post> {
        let now = self.now();
        let key = self.prepare(actor)?;
        let post = self.write_for("taking a post off the schedule", |tx| {
            let SettledAct {
                account,
                mut post,
                next,
                who,
            } = self.settled_act(tx, &key, id, actor, Action::Unschedule)?;
            let may_countersign = workflow::check(
                &who.member,
                Action::Approve,
                crate::workflow::Subject {
                    status: Status::InReview,
                    author: &post.author,
                },
                tx.solo_allowed()?,
            )
            .is_ok()
                && tx.check_not_own_edit(&post, &who.member).is_ok();
            let was = post.scheduled.take();
            tx.publishing().set_queued(id, false)?;
            let state = tx.publishing().state(id)?.new_attempt();
            tx.publishing().save_state(
                id,
                &PublishState {
                    parts: Vec::new(),
                    ..state
                },
            )?;
            post.status_reason = None;
            let detail = json!({"was": was.as_ref().map(|s| s.at)});
            if may_countersign {
                tx.countersign(
                    now,
                    Countersignature {
                        account: &account,
                        post: &mut post,
                        approver: &who,
                        next,
                        edited: false,
                        action: AuditAction::Unscheduled,
                        detail,
                    },
                )?;
            } else {
                tx.approvals().void(id, now, "unscheduled")?;
                post.status = Status::InReview;
                post.updated_at = now;
                tx.posts().update(&post)?;
                tx.record(
                    now,
                    AuditNote::by(&who, AuditAction::Unscheduled)
                        .about(&post, &account)
                        .detail(detail),
                )?;
            }
            Ok(post)
        })?;
        self.taken_off_schedule(id, actor);
        Ok(post)
    }

    /// Takes the post off the road for good: it will never be published. Its history stays.
    pub fn drop_post(&self, id: Uuid, actor: &str, reason: &str) -> Result<Post> {
        let now = self.now();
        let key = self.prepare(actor)?;
        let post = self.write(|tx| {
            let SettledAct {
                account,
                mut post,
                next,
                who,
            } = self.settled_act(tx, &key, id, actor, Action::Drop)?;
            let voided = tx.approvals().void(id, now, "dropped")?;
            tx.publishing().set_queued(id, false)?;
            let reason = reason.trim();
            post.status = next;
            post.status_reason = Some(if reason.is_empty() {
                format!("dropped by {}", who.member.name)
            } else {
                format!("dropped by {}: {reason}", who.member.name)
            });
            post.updated_at = now;
            tx.posts().update(&post)?;
            tx.record(
                now,
                AuditNote::by(&who, AuditAction::Dropped)
                    .about(&post, &account)
                    .detail(json!({"reason": reason, "approvals_voided": voided})),
            )?;
            Ok(post)
        })?;
        self.taken_off_schedule(id, actor);
        Ok(post)
    }

    /// The start that unscheduling, dropping and marking as posted share: the post, the
    /// state `action` leads it to, and the actor with their key open. Refused when the actor
    /// may not, and while a request for the post is on its way to X (its outcome decides).
    fn settled_act(
        &self,
        tx: &Tx<'_>,
        key: &Prepared,
        id: Uuid,
        actor: &str,
        action: Action,
    ) -> Result<SettledAct> {
        let account = tx.account()?;
        let post = tx.post(id)?;
        let who = tx.confirmed(tx.member(actor)?, key.pin())?;
        // None of these countersigns, so solo mode does not matter.
        let next = workflow::check(&who, action, subject(&post), false)?;
        guard_not_in_flight(tx, &post)?;
        let who = key.signer(who)?;
        Ok(SettledAct {
            account,
            post,
            next,
            who,
        })
    }

    fn taken_off_schedule(&self, id: Uuid, actor: &str) {
        self.events.emit(Event::Unscheduled {
            post_id: id,
            by: actor.to_string(),
        });
        self.schedule_changed();
    }

    /// A person's decision on a post that missed its time, failed, or needs a check.
    pub fn decide(&self, id: Uuid, actor: &str, decision: Decision) -> Result<Post> {
        match decision {
            Decision::PublishNow => self.countersign_time(id, actor, TimePick::Now),
            Decision::Reschedule(when) => self.countersign_time(id, actor, TimePick::Wall(when)),
            Decision::Drop { reason } => self.drop_post(id, actor, &reason),
            Decision::MarkPosted { url } => self.mark_posted(id, actor, &url),
        }
    }

    fn mark_posted(&self, id: Uuid, actor: &str, url: &str) -> Result<Post> {
        let x_id = post_id_from_url(url)?;
        let now = self.now();
        let key = self.prepare(actor)?;
        let post = self.write(|tx| {
            let SettledAct {
                account,
                mut post,
                next,
                who,
            } = self.settled_act(tx, &key, id, actor, Action::MarkPosted)?;
            let mut state = tx.publishing().state(id)?;
            if state.parts.is_empty() {
                tx.publishing()
                    .record_part(id, 0, &x_id, now, Some(who.member.id))?;
            }
            state.in_flight_at = None;
            state.next_attempt_at = None;
            tx.publishing().save_state(id, &state)?;
            post.status = next;
            post.status_reason = Some(format!("marked as posted by {}", who.member.name));
            post.posted_at = Some(now);
            post.post_url = Some(url.trim().to_string());
            post.updated_at = now;
            tx.posts().update(&post)?;
            // An answer marked posted by hand answers its conversation as one sent would.
            let mut detail = json!({"url": url.trim(), "x_id": x_id});
            if let Some(a) = super::inbox::answered_in(tx, id, now)? {
                detail["answers"] = a;
            }
            tx.record(
                now,
                AuditNote::by(&who, AuditAction::MarkedPosted)
                    .about(&post, &account)
                    .detail(detail),
            )?;
            Ok(post)
        })?;
        self.schedule_changed();
        Ok(post)
    }

    /// Posts with a time in `[from, to)`, for the calendar: scheduled ones at their time,
    /// posted ones at the time they went out.
    pub fn calendar(&self, from: Timestamp, to: Timestamp) -> Result<Vec<CalendarItem>> {
        self.read(|tx| tx.publishing().calendar(from, to))
    }
}

/// What [`App::settled_act`] found and checked.
struct SettledAct {
    account: Account,
    post: Post,
    next: Status,
    who: Signer,
}

/// The first queue slot after `now` that no waiting post has taken (`except` is the post being
/// placed, whose own current time does not count as taken).
fn next_free_slot(
    tx: &Tx<'_>,
    zone: &str,
    now: Timestamp,
    except: Option<Uuid>,
) -> Result<Timestamp> {
    let slots: Vec<Slot> = tx
        .publishing()
        .slots()?
        .into_iter()
        .map(|s| Slot {
            weekday: s.weekday,
            time: s.time,
        })
        .collect();
    let mut taken = tx.publishing().taken(now)?;
    if let Some(id) = except
        && let Some(s) = tx.posts().get(id)?.and_then(|p| p.scheduled)
    {
        taken.remove(&s.at);
    }
    schedule::next_slot(
        &slots,
        &schedule::zone(zone)?,
        now,
        &taken,
        QUEUE_HORIZON_WEEKS,
    )
    .ok_or(Error::QueueFull {
        weeks: QUEUE_HORIZON_WEEKS,
    })
}

/// Refuses to touch a post while a request for it may be on its way to X.
pub(crate) fn guard_not_in_flight(tx: &Tx<'_>, post: &Post) -> Result<()> {
    if post.status != Status::Publishing {
        return Ok(());
    }
    let state = tx.publishing().state(post.id)?;
    if state.in_flight_at.is_some() {
        return Err(Error::InFlight {
            id: post.id.to_string(),
        });
    }
    Ok(())
}

pub(crate) fn parse_weekday(input: &str) -> Result<Weekday> {
    let s = input.trim().to_ascii_lowercase();
    let days = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    days.iter()
        .find(|(name, _)| s.len() >= 3 && name.starts_with(&s))
        .map(|(_, d)| *d)
        .ok_or_else(|| Error::InvalidWeekday {
            input: input.to_string(),
        })
}

fn parse_slot_time(input: &str) -> Result<Time> {
    let bad = || Error::InvalidTime {
        input: input.to_string(),
    };
    let (h, m) = input.trim().split_once(':').ok_or_else(bad)?;
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

fn day_name(d: Weekday) -> String {
    format!("{d:?}").to_lowercase()
}

fn hh_mm(t: Time) -> String {
    t.strftime("%H:%M").to_string()
}

/// X's post id from a post link (`https://x.com/acme/status/123`), or a bare id.
fn post_id_from_url(url: &str) -> Result<String> {
    let u = url.trim();
    let bad = || Error::InvalidPostUrl { url: u.to_string() };
    let id = match u.rsplit_once("/status/") {
        Some((_, rest)) => rest.split(['?', '#', '/']).next().unwrap_or_default(),
        None if u.starts_with("http") => return Err(bad()),
        None => u,
    };
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_times_parse() {
        assert_eq!(parse_weekday("Tue").unwrap(), Weekday::Tuesday);
        assert_eq!(parse_weekday("sunday").unwrap(), Weekday::Sunday);
        assert_eq!(parse_weekday("t").unwrap_err().code(), "invalid_weekday");
        assert_eq!(
            parse_weekday("funday").unwrap_err().code(),
            "invalid_weekday"
        );
        assert_eq!(hh_mm(parse_slot_time("9:05").unwrap()), "09:05");
        assert_eq!(parse_slot_time("25:00").unwrap_err().code(), "invalid_time");
    }

    #[test]
    fn post_links_give_ids() {
        assert_eq!(
            post_id_from_url("https://x.com/acme/status/1234?s=20").unwrap(),
            "1234"
        );
        assert_eq!(post_id_from_url("987").unwrap(), "987");
        assert_eq!(
            post_id_from_url("https://x.com/acme").unwrap_err().code(),
            "invalid_post_url"
        );
    }
}
