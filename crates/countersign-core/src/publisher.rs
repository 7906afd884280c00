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
//! Only one publisher runs per data dir. The lease is an OS file lock on `publisher.lock`: it
//! is released when the process ends however it ends (even `kill -9`), and the file names the
//! process that holds it, so a second publisher is told who is publishing.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::error::{Error, Result};
use crate::publish::{PassReport, PublishOptions};

/// The lease file inside a data dir.
pub const LEASE_FILE: &str = "publisher.lock";

/// The longest the publisher sleeps without looking at the wall clock.
const MAX_NAP: Duration = Duration::from_secs(60);

/// A wall-clock jump beyond what the monotonic clock measured, by more than this, counts as a
/// wake from sleep (or a clock change).
const JUMP: Duration = Duration::from_secs(5);

/// After a pass fails (the database busy in another process, ...), try again this soon.
const AFTER_ERROR: Duration = Duration::from_secs(5);

/// The right to publish for one data dir, held while this value lives.
#[derive(Debug)]
pub struct Lease {
    file: File,
    path: PathBuf,
}

impl Lease {
    /// Takes the lease, or tells which process holds it.
    pub fn take(data_dir: &Path) -> Result<Lease> {
        let path = data_dir.join(LEASE_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let pid = field(&text, "pid").unwrap_or_else(|| "unknown".into());
                return Err(Error::PublisherRunning { pid });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", path.display()), e));
            }
        }
        let lease = Lease { file, path };
        lease.write(None)?;
        Ok(lease)
    }

    /// Records who holds the lease and where to wake them.
    fn write(&self, port: Option<u16>) -> Result<()> {
        let mut f = &self.file;
        let text = match port {
            Some(p) => format!("pid={}\nport={p}\n", std::process::id()),
            None => format!("pid={}\n", std::process::id()),
        };
        (|| {
            f.set_len(0)?;
            f.seek(SeekFrom::Start(0))?;
            f.write_all(text.as_bytes())?;
            f.flush()
        })()
        .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))
    }
}

fn field(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
        .map(|v| v.trim().to_string())
}

/// Wakes the publisher of `data_dir` in another process, if one runs. Best effort: a
/// publisher that is not woken still notices within a minute.
pub(crate) fn wake_other_process(data_dir: &Path) {
    let Ok(text) = std::fs::read_to_string(data_dir.join(LEASE_FILE)) else {
        return;
    };
    let Some(port) = field(&text, "port").and_then(|p| p.parse::<u16>().ok()) else {
        return;
    };
    if let Ok(sock) = std::net::UdpSocket::bind(("127.0.0.1", 0)) {
        let _ = sock.send_to(b"w", ("127.0.0.1", port));
    }
}

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
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let mut nap = MAX_NAP;
        if !paused.load(Ordering::SeqCst) {
            match app.publish_due(&opts).await {
                Ok(report) => on_pass(&report),
                Err(e) => {
                    tracing::warn!(code = e.code(), "publish pass failed: {e}");
                    nap = AFTER_ERROR;
                }
            }
            if stop.load(Ordering::SeqCst) {
                break;
            }
            match app.next_due() {
                Ok(Some(due)) => nap = nap.min(until(due, app.now())),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(code = e.code(), "cannot read the schedule: {e}");
                    nap = AFTER_ERROR;
                }
            }
        }
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
