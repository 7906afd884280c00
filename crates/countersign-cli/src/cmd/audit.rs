//! `countersign audit …`: the hash-chained, signed trail of everything that happened.

use std::path::PathBuf;

use clap::Subcommand;
use countersign_core::{App, Error};

use crate::output::Out;
use crate::session::{Session, post_id};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain and every signature; names the first broken entry.
    Verify {
        /// Check an export (JSON Lines) instead of this workspace's trail.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Write the trail as JSON Lines that anyone can verify (docs/audit-export.md).
    Export { file: PathBuf },
    /// Print the trail (of one post with --post).
    List {
        #[arg(long)]
        post: Option<String>,
    },
}

/// The top-level entry point for `countersign audit …`.
pub fn run(session: &Session, out: &Out, cmd: &AuditCommand) -> Result<(), Error> {
    match cmd {
        AuditCommand::Export { file } => {
            let app = session.open()?;
            let n = app.audit_export(file)?;
            out.done(
                &format!("Wrote {n} audit entries to {}.", file.display()),
                &serde_json::json!({"entries": n, "file": file}),
            );
            Ok(())
        }
        AuditCommand::Verify { file } => {
            // An export is checked on its own, without a workspace.
            let report = match file {
                Some(f) => App::verify_audit_export(f)?,
                None => session.open()?.audit_verify()?,
            };
            out.audit_report(&report);
            if report.ok {
                Ok(())
            } else {
                // The report is the output; the exit status says it failed.
                std::process::exit(1);
            }
        }
        AuditCommand::List { post } => {
            let app = session.open()?;
            let post = post.as_deref().map(post_id).transpose()?;
            out.audit_trail(&app.audit_trail(post)?);
            Ok(())
        }
    }
}
