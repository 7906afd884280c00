//! `countersign`: every Countersign use case, headless.
//!
//! Each command parses its input, makes one call into [`countersign_core::App`] and prints
//! the result: for people by default, as JSON with `--json`. A refusal exits non-zero with a
//! one-line reason on stderr (`{code, message}` JSON with `--json`).

mod output;
mod session;

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use countersign_core::app::{AccountChange, ReviewDiff};
use countersign_core::count::{self, CountConfig};
use countersign_core::schedule::Fold;
use countersign_core::x_account::Target;
use countersign_core::{
    App, Decision, DraftInput, Edit, Error, InitOptions, MediaInput, NewMember, PartInput, Role,
    Status, When,
};
use serde::Serialize;

use crate::output::Out;
use crate::session::{Session, post_id, runtime, unlock, with_new_passphrase};

#[derive(Debug, Parser)]
#[command(
    name = "countersign",
    version,
    about = "Draft, countersign and schedule posts for one brand X account"
)]
struct Cli {
    /// The workspace folder (default: the platform's data folder for Countersign).
    #[arg(long, global = true, env = "COUNTERSIGN_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Count text from stdin exactly as X does.
    Count {
        /// Read one JSON string per line and print one result per line.
        #[arg(long)]
        lines: bool,
        /// The length limit (280 unless the account has Premium).
        #[arg(long, default_value_t = 280)]
        limit: u32,
    },
    /// Create a workspace for a brand account.
    Init {
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
    },
    /// Manage members.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Show or change the brand account's settings.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Write and read drafts.
    #[command(subcommand)]
    Draft(DraftCommand),
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
    Decide {
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
    },
    /// The brand's weekly posting slots and the queue.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Posts with a time in a date range (scheduled, missed, posted, ...), in the brand's zone.
    Calendar {
        /// First day, YYYY-MM-DD (default: today).
        #[arg(long)]
        from: Option<String>,
        /// Number of days.
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// Publish everything that is due, then exit.
    Publish {
        /// Required: one pass, then exit (`countersign run` keeps publishing).
        #[arg(long, required = true)]
        once: bool,
        #[command(flatten)]
        pacing: Pacing,
    },
    /// The always-on publisher, for a machine that stays awake. Logs to stdout; stops cleanly
    /// on SIGTERM or Ctrl-C.
    Run {
        #[command(flatten)]
        pacing: Pacing,
    },
    /// The claim-time check the publisher runs: the four checks of a signed approval. A post
    /// that fails it moves to needs_check with the reason.
    Check { id: String },
    /// Posted posts, newest first.
    History {
        /// Full-text search over every part.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Check or read the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the workspace database to FILE.
    Backup { file: PathBuf },
    /// Run a local X API sandbox.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Check the OS keychain where Countersign keeps its secrets.
    #[command(subcommand)]
    Keychain(KeychainCommand),
}

#[derive(Debug, clap::Args)]
struct Pacing {
    /// Seconds a post whose outcome is unknown may stay unconfirmed on the timeline before a
    /// person is asked.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    reconcile_grace: u64,
    /// Seconds before the first retry after a failure that surely sent nothing.
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    backoff: f64,
}

impl Pacing {
    fn options(&self) -> countersign_core::publish::PublishOptions {
        countersign_core::publish::PublishOptions {
            reconcile_grace: std::time::Duration::from_secs(self.reconcile_grace),
            backoff_base: std::time::Duration::from_secs_f64(self.backoff.clamp(0.01, 3600.0)),
            ..Default::default()
        }
    }
}

#[derive(Debug, Subcommand)]
enum QueueCommand {
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
enum SlotCommand {
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

#[derive(Debug, Subcommand)]
enum KeychainCommand {
    /// Write, read back and remove a probe secret.
    Check,
}

#[derive(Debug, Subcommand)]
enum MemberCommand {
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

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Run an x-sandbox (a local X API v2 server) until Ctrl-C; prints its URL first.
    Serve {
        /// The loopback port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Keep the sandbox's posts and tokens in DIR (in memory otherwise).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// The handle of the account the sandbox hosts.
        #[arg(long, default_value = "sandbox_brand")]
        handle: String,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Show the account and its settings.
    Show,
    /// Connect the brand's X account (a browser opens), or a running sandbox with --sandbox URL.
    Connect {
        /// Connect to an x-sandbox at this URL instead of X: no browser, no X account.
        #[arg(long, value_name = "URL")]
        sandbox: Option<String>,
        /// Your X app's OAuth 2.0 client id (Native App); see README.
        #[arg(long, env = "COUNTERSIGN_X_CLIENT_ID")]
        client_id: Option<String>,
        /// The loopback port registered as the redirect URI (http://127.0.0.1:PORT/callback).
        #[arg(long, default_value_t = countersign_x::DEFAULT_REDIRECT_PORT)]
        port: u16,
        /// The admin connecting it (recorded in the audit trail).
        #[arg(long = "as", value_name = "ADMIN")]
        actor: Option<String>,
    },
    /// The connection, whether it works (one request to X), and the budget left.
    Status {
        /// Don't ask X; show what is known.
        #[arg(long)]
        offline: bool,
    },
    /// Revoke the tokens and forget the connection.
    Disconnect {
        #[arg(long = "as", value_name = "ADMIN")]
        actor: Option<String>,
    },
    /// Change settings (admins only).
    Set {
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
        /// on or off.
        #[arg(long, value_parser = parse_on_off)]
        solo: Option<bool>,
        /// Minutes a due post may be late and still go out.
        #[arg(long)]
        grace_minutes: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum DraftCommand {
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

#[derive(Debug, Subcommand)]
enum AuditCommand {
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

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("{s:?} is not a role: use contributor, approver or admin"))
}

fn parse_status(s: &str) -> Result<Status, String> {
    Status::parse(s).ok_or_else(|| {
        let all: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
        format!("{s:?} is not a status: use one of {}", all.join(", "))
    })
}

fn parse_fold(s: &str) -> Result<Fold, String> {
    Fold::parse(s).ok_or_else(|| format!("{s:?}: use earlier or later"))
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("{s:?}: use on or off")),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: not errors.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // Bad input gets one line, like every other refusal.
            let text = e.to_string();
            let reason = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            let reason = format!("{reason} (see `countersign --help`)");
            if std::env::args().any(|a| a == "--json") {
                eprintln!(
                    "{}",
                    serde_json::json!({"code": "invalid_input", "message": reason})
                );
            } else {
                eprintln!("countersign: {reason} [invalid_input]");
            }
            return ExitCode::from(2);
        }
    };
    init_logging(matches!(cli.command, Command::Run { .. }));
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!(
                    "{}",
                    serde_json::to_string(&e).unwrap_or_else(|_| e.to_string())
                );
            } else {
                eprintln!("countersign: {e} [{}]", e.code());
            }
            ExitCode::FAILURE
        }
    }
}

/// Opens X's consent page in the system browser, and says where it is in case that fails.
fn open_browser(url: &url::Url) -> Result<(), String> {
    eprintln!(
        "Opening X in your browser to connect the account. If nothing opens, visit:\n  {url}"
    );
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener).arg(url.as_str()).spawn() {
        Ok(_) => Ok(()),
        // The URL is printed above: a person can still open it by hand.
        Err(_) => Ok(()),
    }
}

/// Logs go to stderr, filtered by COUNTERSIGN_LOG (e.g. `info`, `debug`); warnings by default.
/// The always-on publisher (`run`) logs to stdout, `info` by default: its log is its output.
fn init_logging(publisher: bool) {
    let default = if publisher { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // Colours only for a terminal: a log file or journal gets plain lines.
    use std::io::IsTerminal;
    let _ = if publisher {
        builder
            .with_ansi(std::io::stdout().is_terminal())
            .with_writer(std::io::stdout)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .try_init()
    };
}

fn run(cli: Cli) -> Result<(), Error> {
    let session = Session::new(cli.data_dir);
    let out = Out::new(cli.json);
    match &cli.command {
        Command::Count { lines, limit } => count_stdin(*lines, *limit),
        Command::Init {
            handle,
            name,
            timezone,
            solo,
            limit,
        } => {
            let app = session.init(InitOptions {
                handle: handle.clone(),
                display_name: name.clone(),
                timezone: timezone.clone(),
                solo: *solo,
                max_weighted_length: *limit,
            })?;
            out.account(&app.account()?, Some(&session.data_dir()?));
            Ok(())
        }
        Command::Member(cmd) => {
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
                MemberCommand::Roster => {
                    let lines = app.roster()?;
                    let human: Vec<String> = lines
                        .iter()
                        .map(|l| {
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
                        })
                        .collect();
                    out.done(&human.join("\n"), &serde_json::json!(lines));
                }
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
        Command::Account(cmd) => {
            let app = session.open()?;
            match cmd {
                AccountCommand::Show => out.account(&app.account()?, None),
                AccountCommand::Connect {
                    sandbox,
                    client_id,
                    port,
                    actor,
                } => {
                    let target = match sandbox {
                        Some(url) => Target::Sandbox(url.clone()),
                        None => Target::X {
                            client_id: client_id.clone(),
                            redirect_port: *port,
                        },
                    };
                    unlock(&app, actor.as_deref())?;
                    let c =
                        runtime()?.block_on(app.connect(actor.as_deref(), target, open_browser))?;
                    out.connected(&c);
                }
                AccountCommand::Status { offline } => {
                    let status = runtime()?.block_on(app.account_status(!offline))?;
                    out.status(&status);
                }
                AccountCommand::Disconnect { actor } => {
                    unlock(&app, actor.as_deref())?;
                    let c = runtime()?.block_on(app.disconnect(actor.as_deref()))?;
                    out.done(&format!("Disconnected from {}; the tokens are revoked and removed from the keychain.", c.target()), &serde_json::json!(c));
                }
                AccountCommand::Set {
                    actor,
                    name,
                    timezone,
                    limit,
                    solo,
                    grace_minutes,
                } => {
                    unlock(&app, Some(actor))?;
                    let a = app.update_account(
                        actor,
                        AccountChange {
                            display_name: name.clone(),
                            timezone: timezone.clone(),
                            max_weighted_length: *limit,
                            solo_mode: *solo,
                            grace_minutes: *grace_minutes,
                        },
                    )?;
                    out.account(&a, None);
                }
            }
            Ok(())
        }
        Command::Draft(cmd) => draft(&session, &out, cmd),
        Command::Submit { id, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(&app.submit(post_id(id)?, actor)?, "submitted for review");
            Ok(())
        }
        Command::Approve {
            id,
            actor,
            part,
            text,
        } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            let edit = match (part, text) {
                (Some(part), Some(text)) => Some(Edit::Text {
                    part: *part,
                    text: text.clone(),
                }),
                _ => None,
            };
            out.moved(&app.approve(post_id(id)?, actor, edit)?, "approved");
            Ok(())
        }
        Command::RequestChanges { id, actor, comment } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(
                &app.request_changes(post_id(id)?, actor, comment)?,
                "sent back for changes",
            );
            Ok(())
        }
        Command::Reject { id, actor, comment } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(&app.reject(post_id(id)?, actor, comment)?, "rejected");
            Ok(())
        }
        Command::Comment { id, actor, text } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.comment(&app.comment(post_id(id)?, actor, text)?);
            Ok(())
        }
        Command::Schedule {
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
            Ok(())
        }
        Command::Unschedule { id, actor } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(&app.unschedule(post_id(id)?, actor)?, "unscheduled");
            Ok(())
        }
        Command::Drop { id, actor, reason } => {
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(&app.drop_post(post_id(id)?, actor, reason)?, "dropped");
            Ok(())
        }
        Command::Decide {
            id,
            actor,
            publish_now,
            reschedule,
            tz,
            fold,
            mark_posted,
            drop_reason,
        } => {
            let decision = match (publish_now, reschedule, mark_posted, drop_reason) {
                (true, _, _, _) => Decision::PublishNow,
                (_, Some(wall), _, _) => Decision::Reschedule(When {
                    wall: wall.clone(),
                    zone: tz.clone(),
                    fold: *fold,
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
            };
            let app = session.open()?;
            unlock(&app, Some(actor))?;
            out.moved(&app.decide(post_id(id)?, actor, decision)?, "decided");
            Ok(())
        }
        Command::Queue(cmd) => queue(&session, &out, cmd),
        Command::Calendar { from, days } => {
            let app = session.open()?;
            let zone = app.account()?.timezone;
            let (start, end) = output::day_range(from.as_deref(), *days, &zone, app.now())?;
            out.calendar(&app.calendar(start, end)?, &zone);
            Ok(())
        }
        Command::Publish { pacing, .. } => {
            let app = session.open()?;
            let report = runtime()?.block_on(async {
                let _lease = countersign_core::publisher::Lease::take(app.data_dir())?;
                app.publish_due(&pacing.options()).await
            })?;
            out.pass(&report);
            Ok(())
        }
        Command::Run { pacing } => {
            let app = Arc::new(session.open()?);
            runtime()?.block_on(publish_until_stopped(app, pacing.options()))
        }
        Command::History { search, limit } => {
            let app = session.open()?;
            out.history(&app.history(search.as_deref(), *limit)?);
            Ok(())
        }
        Command::Check { id } => {
            let app = session.open()?;
            let a = app.check_before_publish(post_id(id)?)?;
            out.done(
                &format!(
                    "The approval by {} holds: signed, for exactly this content and time.",
                    a.approver.name
                ),
                &serde_json::json!(a),
            );
            Ok(())
        }
        Command::Audit(AuditCommand::Export { file }) => {
            let app = session.open()?;
            let n = app.audit_export(file)?;
            out.done(
                &format!("Wrote {n} audit entries to {}.", file.display()),
                &serde_json::json!({"entries": n, "file": file}),
            );
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { file }) => {
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
        Command::Audit(AuditCommand::List { post }) => {
            let app = session.open()?;
            let post = post.as_deref().map(post_id).transpose()?;
            out.audit_trail(&app.audit_trail(post)?);
            Ok(())
        }
        Command::Sandbox(SandboxCommand::Serve {
            port,
            state,
            handle,
        }) => {
            let config = x_sandbox::SandboxConfig {
                port: *port,
                state_dir: state.clone(),
                user: x_sandbox::SandboxUser {
                    username: handle.clone(),
                    name: handle.clone(),
                    ..Default::default()
                },
                ..Default::default()
            };
            x_sandbox::serve_forever_blocking(config).map_err(|e| Error::Io {
                context: "the sandbox could not run".into(),
                source: std::io::Error::other(e.to_string()),
            })
        }
        Command::Keychain(KeychainCommand::Check) => {
            let keychain = session.keychain();
            keychain.check()?;
            out.done(
                &format!("The keychain works (service {}).", keychain.service()),
                &serde_json::json!({"ok": true, "service": keychain.service()}),
            );
            Ok(())
        }
        Command::Backup { file } => {
            let app = session.open()?;
            app.backup(file)?;
            out.done(
                &format!("Backed up the workspace to {}", file.display()),
                &serde_json::json!({"backup": file}),
            );
            Ok(())
        }
    }
}

fn queue(session: &Session, out: &Out, cmd: &QueueCommand) -> Result<(), Error> {
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

/// `countersign run`: publishes until SIGTERM or Ctrl-C, then stops after recording the
/// request in flight.
async fn publish_until_stopped(
    app: Arc<App>,
    opts: countersign_core::publish::PublishOptions,
) -> Result<(), Error> {
    // Listen for the stop signal before anything starts, so a SIGTERM at any moment is a
    // clean stop rather than the default kill.
    let stop = StopSignal::listen()?;
    // Every outcome a person must hear about goes to the log as it happens.
    let events = app.subscribe();
    std::thread::spawn(move || {
        for event in events {
            output::log_event(&event);
        }
    });
    let publisher = countersign_core::publisher::Publisher::start(app, opts, |report| {
        output::log_pass(report);
    })
    .await?;
    tracing::info!("publishing; stop with SIGTERM or Ctrl-C");
    stop.wait().await;
    tracing::info!("stopping: finishing the request in flight");
    publisher.stop(std::time::Duration::from_secs(60)).await;
    Ok(())
}

/// SIGTERM or Ctrl-C.
struct StopSignal {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn listen() -> Result<StopSignal, Error> {
        Ok(StopSignal {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| Error::io("cannot listen for SIGTERM", e))?,
        })
    }

    #[cfg(unix)]
    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }

    #[cfg(not(unix))]
    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn draft(session: &Session, out: &Out, cmd: &DraftCommand) -> Result<(), Error> {
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
        }
        DraftCommand::Show { id } => out.post(&app.post(post_id(id)?)?),
        DraftCommand::List { status } => out.posts(&app.posts(*status)?),
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

/// The `count` output: exactly these fields, in this order.
#[derive(Serialize)]
struct CountLine {
    weighted_length: u32,
    valid: bool,
    permillage: u32,
    valid_range_end: u32,
}

fn count_line(text: &str, config: &CountConfig) -> CountLine {
    let c = count::count(text, config);
    CountLine {
        weighted_length: c.weighted_length,
        valid: c.valid,
        permillage: c.permillage,
        valid_range_end: c.valid_range_end,
    }
}

fn count_stdin(lines: bool, limit: u32) -> Result<(), Error> {
    let config = CountConfig::v3().with_max_weighted_length(limit);
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let io = |e| Error::Io {
        context: "cannot read or write the count".into(),
        source: e,
    };
    if !lines {
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| Error::Io {
                context: "stdin is not UTF-8 text".into(),
                source: e,
            })?;
        let line = serde_json::to_string(&count_line(&text, &config))
            .map_err(|e| io(std::io::Error::other(e)))?;
        writeln!(w, "{line}").map_err(io)?;
        return w.flush().map_err(io);
    }
    let mut bad = None;
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(io)?;
        let out = match serde_json::from_str::<String>(&line) {
            Ok(text) => serde_json::to_string(&count_line(&text, &config)),
            Err(_) => {
                bad.get_or_insert(n + 1);
                serde_json::to_string(&serde_json::json!({"error": {"code": "invalid_input", "message": format!("line {} is not a JSON string", n + 1)}}))
            }
        }
        .map_err(|e| io(std::io::Error::other(e)))?;
        writeln!(w, "{out}").map_err(io)?;
    }
    w.flush().map_err(io)?;
    match bad {
        Some(n) => Err(Error::InvalidInput {
            detail: format!(
                "line {n} of the input is not a JSON string (its result line holds an error)"
            ),
        }),
        None => Ok(()),
    }
}
