//! `countersign team …`: sharing one brand workspace between laptops through a team server.

use std::io::Read as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use countersign_core::secrets::SecretString;
use countersign_core::store::ServerLogin;
use countersign_core::{App, Error, Role};
use serde_json::json;

use crate::cmd::member::parse_role;
use crate::output::Out;
use crate::session::{Session, unlock, with_new_passphrase};

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Share this workspace through a PostgreSQL server (the operator's login; its password from
    /// PGPASSWORD or a prompt, never stored).
    Init {
        /// postgres://OPERATOR@HOST:PORT/DATABASE
        #[arg(long)]
        server: String,
        /// The server's CA certificate (PEM), for a server with its own CA. Without it, a
        /// server on this machine is reached without TLS and any other is checked against this
        /// machine's trusted roots (verify-full either way).
        #[arg(long)]
        ca: Option<PathBuf>,
        /// The admin whose laptop this is.
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
    },
    /// Invite a member: prints the bundle their laptop joins with (or writes it to FILE).
    Invite {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
        /// Write the bundle to this file (readable by you only) instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How many hours the bundle stays usable.
        #[arg(long, default_value_t = 72)]
        hours: u64,
    },
    /// Join a team with an invite bundle (text, a file, or - for stdin), in a new data dir.
    Join {
        bundle: String,
        #[arg(long = "as", value_name = "NAME")]
        name: String,
    },
    /// Admit a member's laptop after comparing the fingerprint it showed them.
    Admit {
        name: String,
        #[arg(long)]
        fingerprint: String,
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
    },
    /// The server, online or offline, how far behind this laptop is, and the team's laptops.
    Status,
    /// Pull what changed on the server now, and send what waits in this laptop's outbox.
    Sync {
        /// Unlock this member's key first (an approver's or admin's acts made offline are
        /// signed as they are sent).
        #[arg(long = "as", value_name = "NAME")]
        actor: Option<String>,
    },
    /// What this laptop did offline that waits to be sent, and what the server refused.
    Outbox {
        /// Drop this act (its number in the list): one the server refused, or one you no
        /// longer want sent.
        #[arg(long, value_name = "N")]
        drop: Option<i64>,
    },
}

/// The top-level entry point for `countersign team …`.
pub fn run(session: &Session, out: &Out, cmd: &TeamCommand) -> Result<(), Error> {
    match cmd {
        TeamCommand::Init { server, ca, actor } => {
            let operator = operator_login(server, ca.as_deref())?;
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let started = app.start_team(operator, actor)?;
            out.done(
                &format!(
                    "This workspace is now shared through {}.\nworkspace {}\nroster genesis {}\n\
                     Invite members with: countersign team invite NAME --role ROLE --as {actor}",
                    started.server, started.workspace_id, started.genesis_hash
                ),
                &json!(started),
            );
        }
        TeamCommand::Invite {
            name,
            role,
            actor,
            out: file,
            hours,
        } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let invite = app.invite(actor, name, *role, Duration::from_secs(hours * 3600))?;
            let bundle = invite.encode()?;
            match file {
                Some(path) => {
                    countersign_core::team::invite::save(path, bundle.expose())?;
                    out.done(
                        &format!(
                            "The invite for {} is in {}. Hand it over privately; it expires at {}.\n\
                             The fingerprint they will see for you (the inviting admin): {}",
                            invite.member,
                            path.display(),
                            invite.expires_at,
                            invite.admin_fingerprint
                        ),
                        &json!({"member": invite.member, "file": path, "expires_at": invite.expires_at,
                                "admin_fingerprint": invite.admin_fingerprint}),
                    );
                }
                None => out.done(
                    bundle.expose(),
                    &json!({"member": invite.member, "bundle": bundle.expose(),
                            "expires_at": invite.expires_at,
                            "admin_fingerprint": invite.admin_fingerprint}),
                ),
            }
        }
        TeamCommand::Join { bundle, name } => {
            let text = read_bundle(bundle)?;
            let joined = with_new_passphrase(|passphrase| {
                App::join(
                    &session.data_dir()?,
                    session.parts(),
                    &text,
                    name,
                    passphrase,
                )
            })?;
            out.done(
                &format!(
                    "Joined the workspace of {} on {} as {} ({}).\nThe admin who invited you: {}\n\
                     Your fingerprint: {}\nRead it out to your admin, who \
                     runs: countersign team admit {} --fingerprint {} --as ADMIN",
                    joined.brand,
                    joined.server,
                    joined.member,
                    joined.role.as_str(),
                    joined.admin_fingerprint,
                    joined.fingerprint,
                    joined.member,
                    joined.fingerprint
                ),
                &json!(joined),
            );
        }
        TeamCommand::Admit {
            name,
            fingerprint,
            actor,
        } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let line = app.admit(actor, name, fingerprint)?;
            out.done(
                &format!(
                    "{} is admitted: key {} now counts.",
                    line.name, line.fingerprint
                ),
                &json!(line),
            );
        }
        TeamCommand::Status => {
            let app = session.open()?;
            let s = app.team_status()?;
            let mut human = format!(
                "server {} ({})\nthis laptop: {} as {}\nreplica at change {}{}",
                s.server,
                if s.online { "online" } else { "offline" },
                s.device,
                s.member,
                s.high_water,
                match s.behind {
                    Some(n) => format!(", {n} behind"),
                    None => String::new(),
                }
            );
            if let Some(why) = &s.offline_because {
                human.push_str(&format!("\noffline: {why}"));
            }
            human.push_str(&format!("\noutbox: {} waiting to send", s.waiting));
            if s.refused > 0 {
                human.push_str(&format!(
                    ", {} refused by the server (see `countersign team outbox`)",
                    s.refused
                ));
            }
            for l in &s.laptops {
                human.push_str(&format!(
                    "\nlaptop {} ({}){}: last seen {}",
                    l.device,
                    l.member,
                    if l.can_publish { ", publishes" } else { "" },
                    l.last_seen
                ));
            }
            out.done(&human, &json!(s));
        }
        TeamCommand::Sync { actor } => {
            let app = session.open()?;
            if let Some(name) = actor {
                unlock(&app, Some(name))?;
            }
            let (n, sent) = app.sync_and_send()?;
            let mut human = format!("pulled {n} changes");
            if sent.sent > 0 {
                human.push_str(&format!("\nsent {} change(s) made offline", sent.sent));
            }
            for c in &sent.conflict_copies {
                human.push_str(&format!(
                    "\npost {} changed on the server while you were offline: your edit is kept \
                     as draft {} (a conflict copy)",
                    c.post_id, c.copy_id
                ));
            }
            if sent.waiting > 0 {
                human.push_str(&format!(
                    "\n{} change(s) still wait to be sent (an approver's or admin's are signed \
                     as they go: run `countersign team sync --as NAME` to unlock their key)",
                    sent.waiting
                ));
            }
            for r in &sent.refused {
                human.push_str(&format!(
                    "\nnot sent: {} {} on post {}: {} (it stays in `countersign team outbox`)",
                    r.actor,
                    r.act.as_str(),
                    r.post_id,
                    r.refused.as_deref().unwrap_or_default()
                ));
            }
            out.done(&human, &json!({"pulled": n, "outbox": sent}));
        }
        TeamCommand::Outbox { drop } => {
            let app = session.open()?;
            if let Some(seq) = drop {
                let w = app.drop_waiting(*seq)?;
                out.done(
                    &format!(
                        "Dropped {} {} by {}; it will not be sent. Its text was:\n{}",
                        w.act.as_str(),
                        w.seq,
                        w.actor,
                        w.text
                    ),
                    &json!(w),
                );
                return Ok(());
            }
            let list = app.outbox()?;
            let mut human = if list.is_empty() {
                "Nothing waits to be sent.".to_string()
            } else {
                String::new()
            };
            for w in &list {
                human.push_str(&format!(
                    "{:>3}  {:<8} {:<10} post {}  {}  {}\n",
                    w.seq,
                    w.act.as_str(),
                    w.actor,
                    w.post_id,
                    w.made_at,
                    w.text.lines().next().unwrap_or_default()
                ));
                if let Some(why) = &w.refused {
                    human.push_str(&format!(
                        "     refused by the server: {why}\n     (drop it with: countersign team outbox --drop {})\n",
                        w.seq
                    ));
                }
            }
            out.done(human.trim_end(), &json!(list));
        }
    }
    Ok(())
}

/// The operator's login from `postgres://USER@HOST:PORT/DB` and `--ca`; the password from
/// PGPASSWORD or a prompt, never from the URL (it would stay in shell history).
fn operator_login(url: &str, ca: Option<&std::path::Path>) -> Result<ServerLogin, Error> {
    let ca = match ca {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            Error::io(
                format!("cannot read the CA certificate {}", path.display()),
                e,
            )
        })?),
        None => None,
    };
    // The address is checked before anyone is asked for a password.
    ServerLogin::operator(url, SecretString::new(String::new()), ca.clone())?;
    let password = match std::env::var("PGPASSWORD") {
        Ok(p) => SecretString::new(p),
        Err(_) => {
            let user = url::Url::parse(url)
                .map(|u| u.username().to_string())
                .unwrap_or_default();
            rpassword::prompt_password(format!("Password for {user}: "))
                .map(SecretString::new)
                .map_err(|_| Error::InvalidInput {
                    detail: "the operator's password is needed (PGPASSWORD, or type it)".into(),
                })?
        }
    };
    ServerLogin::operator(url, password, ca)
}

/// The bundle as given: `-` for stdin, a file's path, or the text itself.
fn read_bundle(arg: &str) -> Result<String, Error> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(countersign_core::team::invite::MAX_LEN as u64 + 1)
            .read_to_string(&mut s)
            .map_err(|e| Error::io("cannot read the invite from stdin", e))?;
        return Ok(s);
    }
    // Pasted text may carry a stray space or newline in front; taken for a file name, it would
    // be echoed in the error, one-time password and all.
    if arg
        .trim_start()
        .starts_with(countersign_core::team::invite::PREFIX)
    {
        return Ok(arg.to_string());
    }
    // At most one byte past the longest bundle: a huge file chosen by mistake is refused as
    // too long without being read whole.
    let mut s = String::new();
    std::fs::File::open(arg)
        .and_then(|f| {
            f.take(countersign_core::team::invite::MAX_LEN as u64 + 1)
                .read_to_string(&mut s)
        })
        .map_err(|e| Error::io(format!("cannot read the invite {arg}"), e))?;
    Ok(s)
}
