//! The always-on publisher: a tokio task that publishes what is due, and sleeps otherwise.
//!
//! The schedule lives in SQLite, not in timers: after each pass the task reads the next due
//! instant and sleeps until then, or until it is woken because the schedule changed. Changes
//! made in this process wake it through a [`tokio::sync::Notify`]; changes made by another
//! process on the same data dir (the CLI while the app publishes) send one UDP datagram to the
//! loopback port the publisher wrote into its lease file. No polling loop: an idle publisher
//! wakes at most once a minute, to notice a jump in wall time (a laptop waking from sleep,
//! when the monotonic clock the timer runs on has stood still) and look for missed posts.
//!
//! Only one publisher runs per data dir: it holds the [`Lease`] (see [`crate::lease`]).
//!
//! The publisher drives [`App`] from above, as an adapter does: it is the one module in core
//! that imports the handle, and nothing below `App` imports it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::error::{Error, Result};
pub use crate::lease::{LEASE_FILE, Lease};
use crate::publish::{PassReport, PublishOptions};

/// The longest the publisher sleeps without looking at the wall clock.
const MAX_NAP: Duration = Duration::from_secs(60);

/// A wall-clock jump beyond what the monotonic clock measured, by more than this, counts as a
/// wake from sleep (or a clock change).
const JUMP: Duration = Duration::from_secs(5);

/// How soon to look again at a post that a pass left due (it skipped it).
const RETRY_DUE: Duration = Duration::from_millis(200);

/// After a pass fails (the database busy in another process, ...), try again this soon.
const AFTER_ERROR: Duration = Duration::from_secs(5);

/// A running publisher. Dropping it without [`Publisher::stop`] aborts the task; any request
/// in flight then stays marked and is reconciled by the next publisher.
#[derive(Debug)]
pub struct Publisher {
    task: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    wake: Arc<Notify>,
    _lease: Lease,
}

impl Publisher {
    /// Takes the data dir's lease and starts publishing. Must be called inside a tokio
    /// runtime. `on_pass` sees every pass's report (the CLI logs them).
    pub async fn start(
        app: Arc<App>,
        mut opts: PublishOptions,
        on_pass: impl Fn(&PassReport) + Send + 'static,
    ) -> Result<Publisher> {
        let lease = Lease::take(app.data_dir())?;
        let socket = UdpSocket::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::io("cannot open the publisher's wake-up socket", e))?;
        let port = socket
            .local_addr()
            .map_err(|e| Error::io("cannot read the wake-up socket's port", e))?
            .port();
        lease.write(Some(port))?;
        let stop = Arc::new(AtomicBool::new(false));
        opts.stop = stop.clone();
        let paused = Arc::new(AtomicBool::new(false));
        let wake = app.wake_handle();
        let task = tokio::spawn(run(
            app,
            opts,
            socket,
            stop.clone(),
            paused.clone(),
            wake.clone(),
            on_pass,
        ));
        Ok(Publisher {
            task: Some(task),
            stop,
            paused,
            wake,
            _lease: lease,
        })
    }

    /// Stops sending new requests until [`Publisher::resume`]. A request already on its way
    /// finishes and is recorded.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.wake.notify_one();
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Wakes the task now (a test moved the clock, say).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops cleanly: no new request starts; one already sent is waited for (up to `patience`)
    /// and its outcome recorded. Past `patience` the task is aborted and the request stays
    /// marked in flight, to be reconciled by the next publisher.
    pub async fn stop(mut self, patience: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(patience, task).await.is_err() {
                tracing::warn!(
                    "the request in flight did not finish in time; it stays marked for reconciliation"
                );
                abort.abort();
            }
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn run(
    app: Arc<App>,
    opts: PublishOptions,
    socket: UdpSocket,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    wake: Arc<Notify>,
    on_pass: impl Fn(&PassReport) + Send + 'static,
) {
    tracing::info!(data_dir = %app.data_dir().display(), "publisher started");
    let mut buf = [0u8; 16];
    // Team mode: the server tells this laptop when another acted, and it pulls at once.
    let _listener = {
        let wake = wake.clone();
        app.listen_for_changes(move || wake.notify_one())
    };
    let mut inbox_retry: Option<Instant> = None;
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let mut nap = MAX_NAP;
        // Team mode: how soon to pull (and send what waits offline) again.
        let mut next_tick = MAX_NAP;
        if app.is_team() {
            // Other laptops' acts arrive by pulling; the blocking client runs off this worker.
            let a = app.clone();
            next_tick = tokio::task::spawn_blocking(move || a.team_tick())
                .await
                .unwrap_or(crate::app::team::TEAM_POLL);
        }
        if !paused.load(Ordering::SeqCst) {
            let failed = match app.publish_due(&opts).await {
                Ok(report) => {
                    on_pass(&report);
                    false
                }
                Err(e) => {
                    tracing::warn!(code = e.code(), "publish pass failed: {e}");
                    nap = AFTER_ERROR;
                    true
                }
            };
            if stop.load(Ordering::SeqCst) {
                break;
            }
            // The inbox is read by the laptop that publishes, at the interval an admin set; a
            // failed read waits a minute rather than asking X again on every pass.
            if inbox_retry.is_none_or(|t| Instant::now() >= t) && app.inbox_due().unwrap_or(false) {
                inbox_retry = None;
                match app.poll_inbox().await {
                    Ok(poll) => tracing::debug!(?poll, "inbox read"),
                    Err(Error::InboxNotConnected) => inbox_retry = Some(Instant::now() + MAX_NAP),
                    Err(e) => {
                        tracing::warn!(code = e.code(), "reading the inbox failed: {e}");
                        inbox_retry = Some(Instant::now() + MAX_NAP);
                    }
                }
            }
            match app.next_due() {
                // After a failed pass a post still due must not make the next try immediate:
                // with the team server away (or the file busy) that would spin.
                // A post due already after a pass was skipped by it (another laptop's claim,
                // the server refusing a step): look again shortly, never in a tight loop.
                Ok(Some(due)) if !failed => {
                    let wait = until(due, app.now());
                    nap = nap.min(if wait.is_zero() { RETRY_DUE } else { wait });
                }
                Ok(Some(_)) => {}
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(code = e.code(), "cannot read the schedule: {e}");
                    nap = AFTER_ERROR;
                }
            }
        }
        nap = nap.min(next_tick);
        let wall_before = Timestamp::now();
        let mono_before = Instant::now();
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = wake.notified() => {}
            _ = socket.recv_from(&mut buf) => {}
        }
        let wall = Timestamp::now().duration_since(wall_before).unsigned_abs();
        let mono = mono_before.elapsed();
        if wall > mono + JUMP {
            tracing::info!(
                jumped_secs = (wall - mono).as_secs(),
                "the wall clock jumped (woke from sleep?): looking for missed posts"
            );
        }
    }
    tracing::info!("publisher stopped");
}

/// How long from `now` until `due` (zero if it has passed).
fn until(due: Timestamp, now: Timestamp) -> Duration {
    let d = due.duration_since(now);
    if d.is_negative() {
        Duration::ZERO
    } else {
        d.unsigned_abs()
    }
}
