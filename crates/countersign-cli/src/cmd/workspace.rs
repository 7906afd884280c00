//! `countersign init` and `countersign backup`: creating the workspace and copying it.

use std::path::PathBuf;

use countersign_core::{Error, InitOptions};

use crate::output::Out;
use crate::session::Session;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[arg(long)]
    handle: String,
    /// The account's display name.
    #[arg(long)]
    name: Option<String>,
    /// The brand's IANA time zone (default: this machine's).
    #[arg(long)]
    timezone: Option<String>,
    /// Let a lone admin approve their own posts.
    #[arg(long)]
    solo: bool,
    /// The length limit, for Premium accounts.
    #[arg(long)]
    limit: Option<u32>,
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    file: PathBuf,
}

/// The top-level entry point for `countersign init`.
pub fn init(session: &Session, out: &Out, args: &InitArgs) -> Result<(), Error> {
    let app = session.init(InitOptions {
        handle: args.handle.clone(),
        display_name: args.name.clone(),
        timezone: args.timezone.clone(),
        solo: args.solo,
        max_weighted_length: args.limit,
    })?;
    out.account(&app.account()?, Some(&session.data_dir()?));
    Ok(())
}

/// The top-level entry point for `countersign backup`.
pub fn backup(session: &Session, out: &Out, args: &BackupArgs) -> Result<(), Error> {
    let file = &args.file;
    let app = session.open()?;
    app.backup(file)?;
    out.done(
        &format!("Backed up the workspace to {}", file.display()),
        &serde_json::json!({"backup": file}),
    );
    Ok(())
}
