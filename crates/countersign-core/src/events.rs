//! Events the core emits after a change is committed, for notifications in the app.
//!
//! Subscribers get their own channel; a subscriber that went away is dropped on the next send.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// Something a person may need to know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A post waits for an approver.
    NeedsReview {
        post_id: Uuid,
        author: String,
    },
    ChangesRequested {
        post_id: Uuid,
        by: String,
    },
    Rejected {
        post_id: Uuid,
        by: String,
    },
    Approved {
        post_id: Uuid,
        by: String,
    },
    Scheduled {
        post_id: Uuid,
        at: Timestamp,
    },
    /// X refused the refresh token: a person must connect the account again.
    NeedsReconnect,
    /// An approval stopped counting because the post changed.
    ApprovalVoided {
        post_id: Uuid,
        reason: String,
    },
}

#[derive(Debug, Default)]
pub struct Events {
    subscribers: Mutex<Vec<Sender<Event>>>,
}

impl Events {
    pub fn subscribe(&self) -> Receiver<Event> {
        let (tx, rx) = channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(tx);
        rx
    }

    pub fn emit(&self, event: Event) {
        let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subs.retain(|s| s.send(event.clone()).is_ok());
    }
}
