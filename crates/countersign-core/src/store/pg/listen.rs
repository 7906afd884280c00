//! Being told when the team changed something: `LISTEN cs_changes` on a connection of its own.
//!
//! Every committed change on the server notifies `cs_changes` (one notification per
//! transaction, see migration 0002), so a laptop that listens pulls another's act within a
//! round trip or two instead of at its next poll. The listener only wakes: what changed still
//! comes by the ordinary pull, in commit order, so a missed or doubled notification costs a
//! pull and nothing else. It runs on a thread of its own (the blocking client), reconnects
//! with a capped backoff while the server is away, and stops within a second of being dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use super::server::{PgServer, ServerLogin};

/// How long one wait for a notification lasts before the stop flag is looked at again.
const TICK: Duration = Duration::from_millis(500);
/// The longest wait between attempts to reach a server that is away.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A running listener; dropping it stops it.
#[derive(Debug)]
pub struct ChangeListener {
    stop: Arc<AtomicBool>,
}

impl ChangeListener {
    /// Listens as `login`, calling `on_change` after each notification and after each
    /// (re)connection (changes may have come while it was away).
    pub fn start(login: ServerLogin, on_change: impl Fn() + Send + 'static) -> ChangeListener {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("team-listener".into())
            .spawn(move || listen(&login, &flag, &on_change));
        if let Err(e) = spawned {
            tracing::warn!("cannot start the team listener ({e}); changes come with each poll");
        }
        ChangeListener { stop }
    }
}

impl Drop for ChangeListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn listen(login: &ServerLogin, stop: &AtomicBool, on_change: &dyn Fn()) {
    let mut backoff = Duration::from_secs(1);
    while !stop.load(Ordering::SeqCst) {
        match PgServer::connect_only(login).and_then(PgServer::listen_for_changes) {
            Ok(mut client) => {
                backoff = Duration::from_secs(1);
                tracing::debug!("listening for the team's changes");
                on_change();
                while !stop.load(Ordering::SeqCst) {
                    let mut notes = client.notifications();
                    let next = notes.timeout_iter(TICK).next().map(|n| n.is_some());
                    match next {
                        Ok(true) => {
                            // Fold a burst into one wake-up.
                            while let Ok(Some(_)) = notes.iter().next() {}
                            on_change();
                        }
                        Ok(false) => {}
                        Err(e) => {
                            tracing::info!("the team listener lost the server: {e}");
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                tracing::debug!(
                    code = e.code(),
                    "the team listener cannot reach the server: {e}"
                );
                // Sleep in short steps so a stop is seen quickly.
                let mut slept = Duration::ZERO;
                while slept < backoff && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(TICK);
                    slept += TICK;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
