//! `countersign history`: what went out, newest first.

use countersign_core::Error;

use crate::output::Out;
use crate::session::Session;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Full-text search over every part.
    #[arg(long)]
    search: Option<String>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

/// The top-level entry point for `countersign history`.
pub fn run(session: &Session, out: &Out, args: &HistoryArgs) -> Result<(), Error> {
    let app = session.open()?;
    out.history(&app.history(args.search.as_deref(), args.limit)?);
    Ok(())
}
