//! `countersign`: every Countersign use case, headless.
//!
//! Each command parses its input, makes one call into [`countersign_core::App`] and prints
//! the result: for people by default, as JSON with `--json`. A refusal exits non-zero with a
//! one-line reason on stderr (`{code, message}` JSON with `--json`).

mod cmd;
mod output;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use countersign_core::schedule::Fold;
use countersign_core::{App, Decision, Edit, Error, When};

use crate::cmd::{
    account, audit, count, draft, history, keychain, member, queue, sandbox, workspace,
};
use crate::output::Out;
use crate::session::{Session, post_id, runtime, unlock};

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
    Count(count::CountArgs),
    /// Create a workspace for a brand account.
    Init(workspace::InitArgs),
    /// Manage members.
    #[command(subcommand)]
    Member(member::MemberCommand),
    /// Show or change the brand account's settings.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Write and read drafts.
    #[command(subcommand)]
    Draft(draft::DraftCommand),
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
    Queue(queue::QueueCommand),
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
    History(history::HistoryArgs),
    /// Check or read the audit trail.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Write a consistent copy of the workspace database to FILE.
    Backup(workspace::BackupArgs),
    /// Run a local X API sandbox.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// Check the OS keychain where Countersign keeps its secrets.
    #[command(subcommand)]
    Keychain(keychain::KeychainCommand),
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

fn parse_fold(s: &str) -> Result<Fold, String> {
    Fold::parse(s).ok_or_else(|| format!("{s:?}: use earlier or later"))
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
        Command::Count(args) => count::run(args),
        Command::Init(args) => workspace::init(&session, &out, args),
        Command::Member(cmd) => member::run(&session, &out, cmd),
        Command::Account(cmd) => account::run(&session, &out, cmd),
        Command::Draft(cmd) => draft::run(&session, &out, cmd),
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
        Command::Queue(cmd) => queue::run(&session, &out, cmd),
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
        Command::History(args) => history::run(&session, &out, args),
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
        Command::Audit(cmd) => audit::run(&session, &out, cmd),
        Command::Sandbox(cmd) => sandbox::run(cmd),
        Command::Keychain(cmd) => keychain::run(&session, &out, cmd),
        Command::Backup(args) => workspace::backup(&session, &out, args),
    }
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
