//! `countersign schedule`, `unschedule`, `drop`, `decide` and `calendar`: when a post goes out,
//! and what happens to one that did not.
//!
//! Like the review steps, these are top-level commands: [`ScheduleCommand`] is flattened into
//! the top-level command list.

use clap::Subcommand;
use countersign_core::schedule::Fold;
use countersign_core::{Decision, Error, When};

use crate::output::{self, Out};
use crate::session::{Session, post_id, unlock};

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Set or move the publish time (an approver's countersignature of content and time).
    Schedule {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        /// Wall time, "YYYY-MM-DD HH:MM".
        #[arg(long, required_unless_present = "queue", conflicts_with = "queue")]
        at: Option<String>,
        /// Take the next free weekly queue slot instead of an exact time.
        #[arg(long)]
        queue: bool,
        /// The zone of --at (default: the brand's).
        #[arg(long)]
        tz: Option<String>,
        /// For a time that happens twice when clocks fall back: earlier or later.
        #[arg(long, value_parser = parse_fold)]
        fold: Option<Fold>,
    },
    /// Take a post off the schedule (it stays approved when you may countersign it).
    Unschedule {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// Take a post off the road for good: it will never be published.
    Drop {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Decide what happens to a missed, failed or needs-check post.
    Decide(DecideArgs),
}

#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    id: String,
    #[arg(long = "as", value_name = "NAME")]
    actor: String,
    /// Publish it now (a thread continues after its posted parts).
    #[arg(long, group = "decision")]
    publish_now: bool,
    /// Countersign a new time, "YYYY-MM-DD HH:MM" in the brand's zone (or --tz).
    #[arg(long, group = "decision", value_name = "WALL")]
    reschedule: Option<String>,
    #[arg(long, requires = "reschedule")]
    tz: Option<String>,
    #[arg(long, requires = "reschedule", value_parser = parse_fold)]
    fold: Option<Fold>,
    /// It is on X after all: the link to it.
    #[arg(long, group = "decision", value_name = "URL")]
    mark_posted: Option<String>,
    /// Let it go, with a reason.
    #[arg(long = "drop", group = "decision", value_name = "REASON")]
    drop_reason: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CalendarArgs {
    /// First day, YYYY-MM-DD (default: today).
    #[arg(long)]
    from: Option<String>,
    /// Number of days.
    #[arg(long, default_value_t = 7)]
    days: u32,
}

fn parse_fold(s: &str) -> Result<Fold, String> {
    Fold::parse(s).ok_or_else(|| format!("{s:?}: use earlier or later"))
}

/// The top-level entry point for `countersign schedule`, `unschedule`, `drop` and `decide`.
pub fn run(session: &Session, out: &Out, cmd: &ScheduleCommand) -> Result<(), Error> {
    match cmd {
        ScheduleCommand::Schedule {
            id,
            actor,
            at,
            queue,
            tz,
            fold,
        } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let post = match at {
                Some(wall) if !*queue => app.schedule(
                    post_id(id)?,
                    actor,
                    When {
                        wall: wall.clone(),
                        zone: tz.clone(),
                        fold: *fold,
                    },
                )?,
                _ => app.schedule_to_queue(post_id(id)?, actor)?,
            };
            out.moved(&post, "scheduled");
        }
        ScheduleCommand::Unschedule { id, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(&app.unschedule(post_id(id)?, actor)?, "unscheduled");
        }
        ScheduleCommand::Drop { id, actor, reason } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(&app.drop_post(post_id(id)?, actor, reason)?, "dropped");
        }
        ScheduleCommand::Decide(args) => decide(session, out, args)?,
    }
    Ok(())
}

fn decide(session: &Session, out: &Out, args: &DecideArgs) -> Result<(), Error> {
    // Before the workspace opens: a call without a choice is refused as bad input, even where
    // there is no workspace.
    let decision = args.decision()?;
    let app = session.open()?;
    unlock(&app, Some(&args.actor))?;
    let post = app.decide(post_id(&args.id)?, &args.actor, decision)?;
    out.moved(&post, "decided");
    Ok(())
}

impl DecideArgs {
    /// The one choice given; clap's "decision" group allows at most one.
    fn decision(&self) -> Result<Decision, Error> {
        let choice = (
            self.publish_now,
            &self.reschedule,
            &self.mark_posted,
            &self.drop_reason,
        );
        Ok(match choice {
            (true, _, _, _) => Decision::PublishNow,
            (_, Some(wall), _, _) => Decision::Reschedule(When {
                wall: wall.clone(),
                zone: self.tz.clone(),
                fold: self.fold,
            }),
            (_, _, Some(url), _) => Decision::MarkPosted { url: url.clone() },
            (_, _, _, Some(reason)) => Decision::Drop {
                reason: reason.clone(),
            },
            _ => {
                return Err(Error::InvalidInput {
                    detail: "decide needs one of --publish-now, --reschedule WALL, \
                             --mark-posted URL or --drop REASON"
                        .into(),
                });
            }
        })
    }
}

/// The top-level entry point for `countersign calendar`.
pub fn calendar(session: &Session, out: &Out, args: &CalendarArgs) -> Result<(), Error> {
    let app = session.open()?;
    let zone = app.account()?.timezone;
    let (start, end) = output::day_range(args.from.as_deref(), args.days, &zone, app.now())?;
    out.calendar(&app.calendar(start, end)?, &zone);
    Ok(())
}
