//! `countersign draft …`: writing posts and threads, and reading them back with X's counts.

use std::path::PathBuf;

use clap::Subcommand;
use countersign_core::app::ReviewDiff;
use countersign_core::{DraftInput, Edit, Error, MediaInput, PartInput, Status};

use crate::output::Out;
use crate::session::{Session, post_id, unlock};

#[derive(Debug, Subcommand)]
pub enum DraftCommand {
    /// Write a new post; several --text make a thread.
    New {
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        #[arg(long, required = true)]
        text: Vec<String>,
        /// Attach a file: FILE for part 1, or N:FILE for part N.
        #[arg(long, value_name = "[N:]FILE")]
        media: Vec<String>,
        /// Alt text for each --media, in order.
        #[arg(long)]
        alt: Vec<String>,
        /// Append your initials (" ^JS") to every part.
        #[arg(long)]
        signature: bool,
    },
    /// Change a part's text (the part after the last adds one).
    Edit {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
        #[arg(long, default_value_t = 1)]
        part: usize,
        #[arg(long)]
        text: String,
    },
    /// Show a post with X's counts, approval and comments.
    Show { id: String },
    /// List posts.
    List {
        #[arg(long, value_parser = parse_status)]
        status: Option<Status>,
    },
    /// What changed since NAME last reviewed the post.
    Diff {
        id: String,
        #[arg(long = "as", value_name = "NAME")]
        actor: String,
    },
    /// Every saved version of a post.
    Versions { id: String },
}

fn parse_status(s: &str) -> Result<Status, String> {
    Status::parse(s).ok_or_else(|| {
        let all: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
        format!("{s:?} is not a status: use one of {}", all.join(", "))
    })
}

/// The top-level entry point for `countersign draft …`.
pub fn run(session: &Session, out: &Out, cmd: &DraftCommand) -> Result<(), Error> {
    let app = session.open()?;
    match cmd {
        DraftCommand::New {
            actor,
            text,
            media,
            alt,
            signature,
        } => {
            let (input, notes) = draft_input(text, media, alt, *signature)?;
            unlock(&app, Some(actor))?;
            let post = app.create_draft(actor, input)?;
            let view = app.post(post.id)?;
            out.created(&view);
            out.notes(&notes);
            out.waiting(&app);
        }
        DraftCommand::Edit {
            id,
            actor,
            part,
            text,
        } => {
            unlock(&app, Some(actor))?;
            let post = app.edit(
                post_id(id)?,
                actor,
                Edit::Text {
                    part: *part,
                    text: text.clone(),
                },
            )?;
            out.moved(&post, "saved");
            out.waiting(&app);
        }
        DraftCommand::Show { id } => out.post(&app.post(post_id(id)?)?),
        DraftCommand::List { status } => {
            out.posts(&app.posts(*status)?);
            out.waiting(&app);
        }
        DraftCommand::Diff { id, actor } => {
            let d: ReviewDiff = app.diff_since_review(post_id(id)?, actor)?;
            out.diff(&d);
        }
        DraftCommand::Versions { id } => out.versions(&app.versions(post_id(id)?)?),
    }
    Ok(())
}

/// Builds a draft from `--text`, `--media [N:]FILE` and `--alt` (paired with --media in order).
/// Also returns notes for the person (missing alt text), to print once the draft is saved.
fn draft_input(
    texts: &[String],
    media: &[String],
    alts: &[String],
    signature: bool,
) -> Result<(DraftInput, Vec<String>), Error> {
    if alts.len() > media.len() {
        return Err(Error::InvalidInput {
            detail: "each --alt belongs to a --media given before it, and there are more --alt than --media".into(),
        });
    }
    let mut notes = Vec::new();
    let mut parts: Vec<PartInput> = texts
        .iter()
        .map(|t| PartInput {
            text: t.clone(),
            media: Vec::new(),
        })
        .collect();
    for (i, spec) in media.iter().enumerate() {
        let (part, path) = split_media_spec(spec);
        let count = parts.len();
        let slot = part
            .checked_sub(1)
            .and_then(|i| parts.get_mut(i))
            .ok_or(Error::NoSuchPart { part, count })?;
        let alt_text = alts.get(i).cloned().unwrap_or_default();
        if alt_text.trim().is_empty() {
            notes.push(format!(
                "{} has no alt text; people using screen readers will miss it",
                path.display()
            ));
        }
        slot.media.push(MediaInput::File { path, alt_text });
    }
    Ok((
        DraftInput {
            parts,
            signature,
            reply_settings: Default::default(),
        },
        notes,
    ))
}

/// "2:photo.png" attaches to part 2, unless a file by that whole name exists.
fn split_media_spec(spec: &str) -> (usize, PathBuf) {
    if !std::path::Path::new(spec).exists()
        && let Some((n, path)) = spec.split_once(':')
        && let Ok(n) = n.parse::<usize>()
    {
        return (n, PathBuf::from(path));
    }
    (1, PathBuf::from(spec))
}
