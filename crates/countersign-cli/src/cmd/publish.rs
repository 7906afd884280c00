//! `countersign publish --once`, `run` and `check`: the publisher, one pass or always on, and
//! the claim-time check it makes of each approval.
//!
//! Top-level commands like the review steps: [`PublishCommand`] is flattened into the
//! top-level command list.

use std::sync::Arc;

use clap::Subcommand;
use countersign_core::publish::PublishOptions;
use countersign_core::publisher::{Lease, Publisher};
use countersign_core::{App, Error};

use crate::output::{self, Out};
use crate::session::{Session, post_id, runtime};

#[derive(Debug, Subcommand)]
pub enum PublishCommand {
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
}

#[derive(Debug, clap::Args)]
pub struct Pacing {
    /// Seconds a post whose outcome is unknown may stay unconfirmed on the timeline before a
    /// person is asked.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    reconcile_grace: u64,
    /// Seconds before the first retry after a failure that surely sent nothing.
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    backoff: f64,
    /// Seconds this laptop's claim on a post holds without renewal. In team mode another
    /// laptop takes a post over only after its claimant's lease ran out; keep it longer than
    /// any one request to X.
    #[arg(long, default_value_t = 90, value_name = "SECS")]
    lease: u64,
}

impl Pacing {
    fn options(&self) -> PublishOptions {
        PublishOptions {
            reconcile_grace: std::time::Duration::from_secs(self.reconcile_grace),
            backoff_base: std::time::Duration::from_secs_f64(self.backoff.clamp(0.01, 3600.0)),
            lease: std::time::Duration::from_secs(self.lease.clamp(2, 3600)),
            ..Default::default()
        }
    }
}

impl PublishCommand {
    /// Whether this is the always-on publisher, whose log is its output.
    pub fn is_always_on(&self) -> bool {
        matches!(self, PublishCommand::Run { .. })
    }
}

/// The top-level entry point for `countersign publish --once`, `run` and `check`.
pub fn run(session: &Session, out: &Out, cmd: &PublishCommand) -> Result<(), Error> {
    match cmd {
        PublishCommand::Publish { pacing, .. } => {
            let app = session.open()?;
            let report = runtime()?.block_on(async {
                let _lease = Lease::take(app.data_dir())?;
                app.publish_due(&pacing.options()).await
            })?;
            out.pass(&report);
            Ok(())
        }
        PublishCommand::Run { pacing } => {
            let app = Arc::new(session.open()?);
            runtime()?.block_on(publish_until_stopped(app, pacing.options()))
        }
        PublishCommand::Check { id } => {
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
    }
}

/// `countersign run`: publishes until SIGTERM or Ctrl-C, then stops after recording the
/// request in flight.
async fn publish_until_stopped(app: Arc<App>, opts: PublishOptions) -> Result<(), Error> {
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
    let publisher = Publisher::start(app, opts, |report| {
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
