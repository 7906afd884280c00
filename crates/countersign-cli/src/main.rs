//! `countersign`: every Countersign use case, headless.
//!
//! Each command parses its input, makes one call into [`countersign_core::App`] and prints
//! the result: for people by default, as JSON with `--json`. A refusal exits non-zero with a
//! one-line reason on stderr (`{code, message}` JSON with `--json`).
//!
//! This file holds the command line itself and hands each command to its entry point in
//! [`cmd`]; what those share (opening the workspace, passphrases) is in [`session`], and how
//! results print is in [`output`].

mod cmd;
mod hints;
mod output;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use countersign_core::Error;

use crate::cmd::{
    account, audit, count, draft, history, inbox, keychain, member, publish, queue, review,
    sandbox, schedule, team, workspace,
};
use crate::output::Out;
use crate::session::Session;

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

/// Every command, in the order `--help` lists them. The review, scheduling and publishing
/// groups are flattened so that their commands stay top-level (`countersign approve`) while
/// each group's arguments and entry point live in one module.
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
    // submit, approve, request-changes, reject, comment
    #[command(flatten)]
    Review(review::ReviewCommand),
    // schedule, unschedule, drop, decide
    #[command(flatten)]
    Schedule(schedule::ScheduleCommand),
    /// The brand's weekly posting slots and the queue.
    #[command(subcommand)]
    Queue(queue::QueueCommand),
    /// Posts with a time in a date range (scheduled, missed, posted, ...), in the brand's zone.
    Calendar(schedule::CalendarArgs),
    // publish, run, check
    #[command(flatten)]
    Publish(publish::PublishCommand),
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
    /// Share the workspace with a team through a PostgreSQL server.
    #[command(subcommand)]
    Team(team::TeamCommand),
    /// The brand's conversations: mentions and direct messages, and their answers.
    #[command(subcommand)]
    Inbox(inbox::InboxCommand),
}

/// Parses the command line and runs the command. A refusal becomes one line on stderr (JSON
/// with `--json`) and a failing exit status: 2 for bad arguments, 1 for everything else.
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
    init_logging(matches!(&cli.command, Command::Publish(cmd) if cmd.is_always_on()));
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!("{}", hints::json(&e));
            } else {
                eprintln!("countersign: {} [{}]", hints::message(&e), e.code());
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs the parsed command: each arm hands it to the top-level entry point for that command
/// (or group of commands), with the session (where the workspace is) and the output format.
fn run(cli: Cli) -> Result<(), Error> {
    let session = Session::new(cli.data_dir);
    let out = Out::new(cli.json);
    match &cli.command {
        Command::Count(args) => count::run(args),
        Command::Init(args) => workspace::init(&session, &out, args),
        Command::Member(cmd) => member::run(&session, &out, cmd),
        Command::Account(cmd) => account::run(&session, &out, cmd),
        Command::Draft(cmd) => draft::run(&session, &out, cmd),
        Command::Review(cmd) => review::run(&session, &out, cmd),
        Command::Schedule(cmd) => schedule::run(&session, &out, cmd),
        Command::Queue(cmd) => queue::run(&session, &out, cmd),
        Command::Calendar(args) => schedule::calendar(&session, &out, args),
        Command::Publish(cmd) => publish::run(&session, &out, cmd),
        Command::History(args) => history::run(&session, &out, args),
        Command::Audit(cmd) => audit::run(&session, &out, cmd),
        Command::Backup(args) => workspace::backup(&session, &out, args),
        Command::Sandbox(cmd) => sandbox::run(cmd),
        Command::Keychain(cmd) => keychain::run(&session, &out, cmd),
        Command::Team(cmd) => team::run(&session, &out, cmd),
        Command::Inbox(cmd) => inbox::run(&session, &out, cmd),
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

/// Random command lines and option values (issue 15): every one is parsed or refused with a
/// usage error, never a panic. `COUNTERSIGN_FUZZ_CASES` sets the number of cases (10,000).
#[cfg(test)]
mod input_fuzz {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use super::Cli;

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "draft",
                "new",
                "edit",
                "list",
                "schedule",
                "decide",
                "calendar",
                "queue",
                "slots",
                "add",
                "history",
                "team",
                "join",
                "member",
                "account",
                "--as",
                "--text",
                "--part",
                "--at",
                "--tz",
                "--fold",
                "--status",
                "--role",
                "--from",
                "--days",
                "--limit",
                "--to",
                "--media",
                "--reschedule",
                "--json",
                "--",
                "-",
            ])
            .prop_map(String::from),
            ".{0,12}",
            "-?[0-9]{1,25}",
        ]
    }

    #[test]
    fn any_command_line_is_parsed_or_refused_with_a_reason() {
        use clap::Parser;
        let cases = std::env::var("COUNTERSIGN_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000);
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let now: jiff::Timestamp = "2026-12-07T09:00:00Z".parse().unwrap();
        let result = runner.run(
            &(prop::collection::vec(word(), 0..7), ".{0,20}", ".{0,20}"),
            |(args, from, id)| {
                let argv = std::iter::once("countersign".to_string()).chain(args);
                if let Err(e) = Cli::try_parse_from(argv) {
                    prop_assert!(!e.to_string().trim().is_empty());
                }
                // What the commands parse themselves: dates, days, post ids.
                if let Err(e) = crate::output::day_range(Some(&from), u32::MAX, "UTC", now) {
                    prop_assert!(matches!(e.code(), "invalid_time" | "invalid_input"), "{e}");
                }
                if let Err(e) = crate::session::post_id(&id) {
                    prop_assert_eq!(e.code(), "unknown_post");
                }
                Ok(())
            },
        );
        println!(
            "cli arguments: {cases} cases run, {} failures",
            u32::from(result.is_err())
        );
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
