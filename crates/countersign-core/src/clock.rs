//! Time comes from a [`Clock`], so tests can set and move "now" instead of sleeping.

use std::fmt;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// The source of "now" for every use case.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The machine's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to: for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.saturating_add(by).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The server's time, as this machine reckons it: a local clock plus the offset last measured
/// against the server (team mode). Due-ness, leases and approval times follow the server, so a
/// laptop whose clock runs ahead neither publishes early nor stamps approvals with its own
/// time. Until the first measurement the offset is zero.
#[derive(Debug)]
pub struct ServerClock {
    local: std::sync::Arc<dyn Clock>,
    /// Server minus local, in milliseconds.
    offset_ms: std::sync::atomic::AtomicI64,
}

impl ServerClock {
    pub fn new(local: std::sync::Arc<dyn Clock>) -> Self {
        ServerClock {
            local,
            offset_ms: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Records a measurement: the server said `server_now` in a round trip that began at
    /// `sent` and ended at `received`, both by the local clock. The server read its clock
    /// somewhere in between; the middle is the best guess, off by at most half the trip.
    pub fn measured(&self, server_now: Timestamp, sent: Timestamp, received: Timestamp) {
        let (sent, received) = (sent.as_millisecond(), received.as_millisecond());
        let middle = sent + (received.saturating_sub(sent).max(0)) / 2;
        let offset = server_now.as_millisecond().saturating_sub(middle);
        self.offset_ms
            .store(offset, std::sync::atomic::Ordering::Relaxed);
    }

    /// The local clock's time: what round trips to the server are measured with.
    pub fn local_now(&self) -> Timestamp {
        self.local.now()
    }

    /// Server minus local, as last measured.
    pub fn offset(&self) -> SignedDuration {
        SignedDuration::from_millis(self.offset_ms.load(std::sync::atomic::Ordering::Relaxed))
    }
}

impl Clock for ServerClock {
    fn now(&self) -> Timestamp {
        let local = self.local.now();
        local.saturating_add(self.offset()).unwrap_or(local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_laptop_ahead_of_the_server_keeps_the_servers_time() {
        let server: Timestamp = "2031-01-01T12:00:00Z".parse().unwrap();
        // The laptop's clock runs 10 minutes ahead.
        let laptop = std::sync::Arc::new(ManualClock::new(server + SignedDuration::from_mins(10)));
        let clock = ServerClock::new(laptop.clone());
        assert_eq!(clock.now(), laptop.now(), "no measurement yet");
        // A 40 ms round trip; the server answered with its time.
        let sent = laptop.now();
        laptop.advance(SignedDuration::from_millis(40));
        let received = laptop.now();
        clock.measured(server + SignedDuration::from_millis(20), sent, received);
        assert_eq!(clock.now(), server + SignedDuration::from_millis(40));
        assert_eq!(clock.offset(), SignedDuration::from_mins(-10));
        laptop.advance(SignedDuration::from_secs(60));
        assert_eq!(clock.now(), server + SignedDuration::from_millis(60_040));
        // A reply that came "before" it was sent (a clock step) does not throw it off.
        clock.measured(server, received, sent);
        assert_eq!(
            clock.offset(),
            SignedDuration::from_millis(server.as_millisecond() - received.as_millisecond())
        );
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start: Timestamp = "2026-03-29T00:00:00Z".parse().unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_mins(90));
        assert_eq!(clock.now(), "2026-03-29T01:30:00Z".parse().unwrap());
    }
}
