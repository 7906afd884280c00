//! `countersign inbox …`: the brand's conversations (mentions and direct messages), who
//! answers each, and drafting an answer. An answer then goes through `submit`, `approve`,
//! `schedule` or `approve --send-now` like any post.

use clap::Subcommand;
use countersign_core::Error;
use countersign_core::conversation::{ConversationKind, ConversationState, InboxQuery};

use crate::output::Out;
use crate::session::{Session, runtime, unlock};

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Conversations, latest first.
    List {
        /// new, assigned, answered, closed, or open (new and assigned).
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// Only those NAME is answering.
        #[arg(long, value_name = "NAME")]
        mine: Option<String>,
        /// mention or dm.
        #[arg(long)]
        kind: Option<String>,
        /// Words in the messages, or the person's name or handle.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One conversation: the person's messages, who answers, and the answers.
    Show { id: String },
    /// Read new mentions and direct messages from X now (the publisher does it every few
    /// minutes).
    Poll,
    /// How the inbox is read, the reads spent this month, and how long people wait.
    Status,
    /// How often the publisher reads the inbox, in minutes (0: never). Admins.
    Every {
        minutes: u32,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// Whether NAME hears of new mentions and direct messages on this laptop (`on` or `off`).
    Duty {
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// "I'll answer": the conversation is yours.
    Take {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// Give a conversation to a member to answer. Approvers and admins.
    Assign {
        id: String,
        #[arg(long, value_name = "NAME")]
        to: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// Close without an answer, saying why.
    Close {
        id: String,
        #[arg(long)]
        note: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// Draft an answer: a reply to the mention, or a direct message. Prints the draft's id.
    Reply {
        id: String,
        #[arg(long)]
        text: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
}

/// The top-level entry point for `countersign inbox …`.
pub fn run(session: &Session, out: &Out, cmd: &InboxCommand) -> Result<(), Error> {
    match cmd {
        InboxCommand::List {
            state,
            mine,
            kind,
            search,
            limit,
        } => {
            let app = session.open()?;
            let mut q = InboxQuery {
                search: search.clone(),
                limit: *limit,
                ..InboxQuery::default()
            };
            match state.as_deref() {
                None => {}
                Some("open") => q.open = true,
                Some(s) => {
                    q.state =
                        Some(
                            ConversationState::parse(s).ok_or_else(|| Error::InvalidInput {
                                detail: format!(
                                    "--state {s:?}: use new, assigned, answered, closed or open"
                                ),
                            })?,
                        );
                }
            }
            if let Some(k) = kind {
                q.kind = Some(
                    ConversationKind::parse(k).ok_or_else(|| Error::InvalidInput {
                        detail: format!("--kind {k:?}: use mention or dm"),
                    })?,
                );
            }
            if let Some(name) = mine {
                q.assignee = Some(app.member(name)?.id);
            }
            out.conversations(&app.inbox(&q)?, app.now());
        }
        InboxCommand::Show { id } => {
            let app = session.open()?;
            out.conversation(&app.conversation(id)?, app.now());
        }
        InboxCommand::Poll => {
            let app = session.open()?;
            let poll = runtime()?.block_on(app.poll_inbox())?;
            out.inbox_poll(&poll);
        }
        InboxCommand::Status => {
            let app = session.open()?;
            out.inbox_status(&app.inbox_status()?);
        }
        InboxCommand::Every { minutes, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let c = app.set_inbox_poll(actor, *minutes)?;
            out.done(
                &match c.poll_minutes {
                    0 => "The inbox is not read any more".to_owned(),
                    m => format!("The inbox is read every {m} minute(s)"),
                },
                &serde_json::json!({"poll_minutes": c.poll_minutes}),
            );
        }
        InboxCommand::Duty { state, actor } => {
            let app = session.open()?;
            let on = app.set_on_duty(actor, state == "on")?;
            out.done(
                &if on {
                    format!("{actor} is on duty: told of new mentions and direct messages here")
                } else {
                    format!("{actor} is off duty: not told of new conversations here")
                },
                &serde_json::json!({"member": actor, "on_duty": on}),
            );
        }
        InboxCommand::Take { id, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let c = app.take(id, actor)?;
            out.done(
                &format!("{actor} answers @{} ({})", c.person.handle, c.id),
                &serde_json::json!({"id": c.id, "state": c.state, "assignee": actor}),
            );
        }
        InboxCommand::Assign { id, to, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let c = app.assign(id, to, actor)?;
            out.done(
                &format!("{to} answers @{} ({})", c.person.handle, c.id),
                &serde_json::json!({"id": c.id, "state": c.state, "assignee": to}),
            );
        }
        InboxCommand::Close { id, note, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let c = app.close(id, actor, note)?;
            out.done(
                &format!(
                    "Closed the conversation with @{} without an answer",
                    c.person.handle
                ),
                &serde_json::json!({"id": c.id, "state": c.state}),
            );
        }
        InboxCommand::Reply { id, text, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let post = app.answer(id, actor, text)?;
            out.done(
                &format!(
                    "Saved answer {} (a draft; next: countersign submit {} --as {actor})",
                    post.id, post.id
                ),
                &serde_json::json!({"id": post.id, "conversation_id": id, "reply": post.content.reply}),
            );
        }
    }
    Ok(())
}
