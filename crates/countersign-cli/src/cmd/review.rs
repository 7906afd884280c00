//! `countersign submit`, `approve`, `request-changes`, `reject` and `comment`: the review of a
//! post, from asking for it to the countersignature.
//!
//! These stay top-level commands (`countersign approve ID`), so [`ReviewCommand`] is flattened
//! into the top-level command list rather than nested under a `review` subcommand.

use clap::Subcommand;
use countersign_core::{Edit, Error};

use crate::output::Out;
use crate::session::{Session, post_id, unlock};

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Ask for review.
    Submit {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// Countersign a post in review.
    Approve {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        /// Edit this part (1-based) in the act of approving.
        #[arg(long, requires = "text")]
        part: Option<usize>,
        /// The new text for --part.
        #[arg(long, requires = "part")]
        text: Option<String>,
        /// Countersign "now" as its time too, so it goes out at once (an answer, say).
        #[arg(long, conflicts_with = "part")]
        send_now: bool,
    },
    /// Send a post back to its author.
    RequestChanges {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// Reject a post.
    Reject {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        #[arg(long)]
        comment: String,
    },
    /// Comment on a post.
    Comment {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        #[arg(long)]
        text: String,
    },
}

impl ReviewCommand {
    /// The member acting, whose key is unlocked before the step.
    fn actor(&self) -> &str {
        match self {
            ReviewCommand::Submit { actor, .. }
            | ReviewCommand::Approve { actor, .. }
            | ReviewCommand::RequestChanges { actor, .. }
            | ReviewCommand::Reject { actor, .. }
            | ReviewCommand::Comment { actor, .. } => actor,
        }
    }
}

/// The top-level entry point for `countersign submit`, `approve`, `request-changes`, `reject`
/// and `comment`.
pub fn run(session: &Session, out: &Out, cmd: &ReviewCommand) -> Result<(), Error> {
    let app = session.open()?;
    let actor = cmd.actor();
    unlock(&app, Some(actor))?;
    match cmd {
        ReviewCommand::Submit { id, .. } => {
            out.moved(&app.submit(post_id(id)?, actor)?, "submitted for review");
            out.waiting(&app);
        }
        ReviewCommand::Approve {
            id, send_now: true, ..
        } => {
            out.moved(
                &app.approve_and_send(post_id(id)?, actor)?,
                "approved, and sent now",
            );
        }
        ReviewCommand::Approve { id, part, text, .. } => {
            let edit = match (part, text) {
                (Some(part), Some(text)) => Some(Edit::Text {
                    part: *part,
                    text: text.clone(),
                }),
                _ => None,
            };
            out.moved(&app.approve(post_id(id)?, actor, edit)?, "approved");
        }
        ReviewCommand::RequestChanges { id, comment, .. } => {
            out.moved(
                &app.request_changes(post_id(id)?, actor, comment)?,
                "sent back for changes",
            );
        }
        ReviewCommand::Reject { id, comment, .. } => {
            out.moved(&app.reject(post_id(id)?, actor, comment)?, "rejected");
        }
        ReviewCommand::Comment { id, text, .. } => {
            out.comment(&app.comment(post_id(id)?, actor, text)?);
            out.waiting(&app);
        }
    }
    Ok(())
}
