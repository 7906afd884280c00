//! `countersign member …`: the team, its roles and the signed roster of their keys.

use clap::Subcommand;
use countersign_core::app::RosterLine;
use countersign_core::{App, Error, NewMember, Role};

use crate::output::Out;
use crate::session::{Session, unlock, with_new_passphrase};

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member.
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        initials: Option<String>,
        /// The admin adding them (recorded in the audit trail).
        #[arg(long = "as", value_name = "ADMIN")]
        actor: Option<String>,
    },
    /// List members.
    List,
    /// The signed roster: each entry's member, role, public key and whether it counts.
    Roster,
    /// Give a member a role (or sign in one added without --as), signed by an admin.
    Role {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
    },
    /// Give a member a new key pair (lost passphrase or key), signed by an admin.
    Rekey {
        name: String,
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
    },
    /// Deactivate a member; their history stays.
    Deactivate {
        name: String,
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
    },
}

pub(crate) fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("{s:?} is not a role: use contributor, approver or admin"))
}

/// The top-level entry point for `countersign member …`.
pub fn run(session: &Session, out: &Out, cmd: &MemberCommand) -> Result<(), Error> {
    let app = session.open()?;
    match cmd {
        MemberCommand::Add {
            name,
            role,
            initials,
            actor,
        } => {
            unlock(&app, actor.as_deref())?;
            let m = with_new_passphrase(|passphrase| {
                app.add_member(
                    actor.as_deref(),
                    NewMember {
                        name: name.clone(),
                        role: *role,
                        initials: initials.clone(),
                        passphrase,
                    },
                )
            })?;
            out.member(&m);
        }
        MemberCommand::List => out.members(&app.members()?),
        MemberCommand::Roster => roster(&app, out)?,
        MemberCommand::Role { name, role, actor } => {
            unlock(&app, Some(actor))?;
            let m = with_new_passphrase(|p| app.set_role(actor, name, *role, p))?;
            out.member(&m);
        }
        MemberCommand::Rekey { name, actor } => {
            unlock(&app, Some(actor))?;
            let line = with_new_passphrase(|p| app.rekey(actor, name, p))?;
            out.done(
                &format!(
                    "{} has a new key ({}); approvals made with the old one stay verifiable.",
                    line.name,
                    &line.fingerprint[..16]
                ),
                &serde_json::json!(line),
            );
        }
        MemberCommand::Deactivate { name, actor } => {
            unlock(&app, Some(actor))?;
            out.member(&app.deactivate_member(actor, name)?)
        }
    }
    Ok(())
}

/// `member roster`: one line per roster entry for people, the entries themselves as JSON.
fn roster(app: &App, out: &Out) -> Result<(), Error> {
    let lines = app.roster()?;
    let human: Vec<String> = lines.iter().map(roster_line).collect();
    out.done(&human.join("\n"), &serde_json::json!(lines));
    Ok(())
}

fn roster_line(l: &RosterLine) -> String {
    format!(
        "{:>3} {} {} {}{} key {} {}",
        l.seq,
        l.name,
        l.role,
        if l.active { "" } else { "(deactivated) " },
        l.member_id,
        &l.fingerprint[..16],
        if l.counts { "signed" } else { "DOES NOT COUNT" }
    )
}
