//! `countersign queue …`: the brand's weekly posting slots and the posts waiting for them.

use clap::Subcommand;
use countersign_core::Error;

use crate::output::Out;
use crate::session::{Session, post_id, unlock};

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Weekly slots: add, list, remove.
    #[command(subcommand)]
    Slots(SlotCommand),
    /// The posts in the queue, in order.
    List,
    /// Move a queued post to a position (1 = next out). Moved posts are countersigned again.
    Move {
        id: String,
        #[arg(long)]
        to: usize,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SlotCommand {
    /// Add a weekly slot: a weekday and a wall time in the brand's zone.
    Add {
        /// monday..sunday (or mon..sun).
        weekday: String,
        /// HH:MM.
        time: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    List,
    Remove {
        weekday: String,
        time: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
}

/// The top-level entry point for `countersign queue …`.
pub fn run(session: &Session, out: &Out, cmd: &QueueCommand) -> Result<(), Error> {
    let app = session.open()?;
    match cmd {
        QueueCommand::Slots(SlotCommand::List) => out.slots(&app.queue_slots()?),
        QueueCommand::Slots(SlotCommand::Add {
            weekday,
            time,
            actor,
        }) => {
            unlock(&app, Some(actor))?;
            app.add_queue_slot(actor, weekday, time)?;
            out.slots(&app.queue_slots()?);
        }
        QueueCommand::Slots(SlotCommand::Remove {
            weekday,
            time,
            actor,
        }) => {
            unlock(&app, Some(actor))?;
            app.remove_queue_slot(actor, weekday, time)?;
            out.slots(&app.queue_slots()?);
        }
        QueueCommand::List => out.calendar(&app.queue()?, &app.account()?.timezone),
        QueueCommand::Move { id, to, actor } => {
            unlock(&app, Some(actor))?;
            app.move_in_queue(post_id(id)?, actor, *to)?;
            out.calendar(&app.queue()?, &app.account()?.timezone);
        }
    }
    Ok(())
}
