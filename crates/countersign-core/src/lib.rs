//! Countersign's core: the domain rules and use cases behind the app, the CLI and every test.
//!
//! A brand team drafts posts for one X account; an approver countersigns before anything goes
//! out. This crate holds all of that and nothing about windows or HTTP:
//!
//! - [`App`] is the one handle every adapter (the Tauri shell, the `countersign` CLI, tests)
//!   calls: one method per use case, each returning [`Error`] with a stable code. It is
//!   assembled from explicit [`Parts`] (clock, secret store, key-derivation cost), and its use
//!   cases live in one module per area under [`app`].
//! - [`workflow`] is the state machine: who may move a post from which state.
//! - [`content`] decides what exactly is published and computes the digest an approval binds;
//!   [`approval::verify`] is the single check every publishing path runs.
//! - [`count`] counts text exactly as X does (twitter-text v3).
//! - [`store`] is the only place with SQL (SQLite today; a PostgreSQL store for teams later).
//! - [`audit`] keeps the hash-chained audit trail.
//! - [`schedule`] turns wall times in a brand's zone into instants, DST-correctly.
//! - [`media`] checks attachments against X's limits and keeps them by content hash.
//! - [`secrets`] keeps secrets in the OS keychain (or, for domain tests, in memory), and
//!   nowhere else.
//! - [`viewer`] says what the member at the screen may do beyond any one post.
//! - Time comes from a [`Clock`], so tests move time instead of sleeping.

mod acts;
pub mod app;
pub mod approval;
pub mod audit;
pub mod clock;
pub mod connection;
pub mod content;
pub mod conversation;
pub mod count;
pub mod diff;
pub mod error;
pub mod events;
pub mod keys;
pub mod lease;
pub mod media;
pub mod model;
pub mod publisher;
pub mod roster;
pub mod schedule;
pub mod secrets;
mod signer;
pub mod store;
pub mod team;
pub mod workflow;

// The use-case areas under their old names, which adapters and scripts know.
pub use app::account as x_account;
pub use app::history;
pub use app::publishing as publish;
pub use app::time as queue;
pub use app::viewer;

pub use app::account::AccountChange;
pub use app::drafting::{DraftInput, Edit, MediaInput, PartInput};
pub use app::history::ExportFormat;
pub use app::members::{NewMember, RosterLine};
pub use app::review::{Permissions, Permit, PostView, ReviewDiff};
pub use app::time::Decision;
pub use app::time::When;
pub use app::{App, InitOptions, Parts};
pub use clock::{Clock, ManualClock, ServerClock, SystemClock};
pub use error::{Error, Result};
pub use events::Event;
pub use model::{Account, Approval, Comment, Member, Post, Role, Status};
pub use store::{HistoryQuery, HistoryRow};
pub use viewer::{PassphraseRule, ViewerPermissions};
