//! The store: the only place in Countersign that speaks SQL.
//!
//! Today's one backend, SQLite, lives in [`sqlite`]; this module re-exports its types while
//! the backend-neutral facades are put in front of it.

mod sqlite;

pub use sqlite::{
    Approvals, AuditLog, CalendarItem, Comments, HistoryQuery, HistoryRow, ImportedPost,
    MediaFiles, Members, NewAuditEntry, PostSummary, Posts, PublishState, Publishing, QueueSlot,
    Reviews, RosterLog, SCHEMA_VERSION, Store, Tx, Workspace,
};
