//! Team mode: one brand workspace shared by laptops through a PostgreSQL server that no laptop
//! has to trust (see `../shared/design/team-mode.md`).
//!
//! The server is the write store; each laptop's SQLite file is a replica it pulls from. What
//! protects a post is not the server but the signatures every laptop checks against the roster
//! genesis it pinned when it joined. This module holds the team-side facts that need no
//! server connection:
//!
//! - [`invite`]: the bundle an admin hands a new member out of band, and its checks.

pub mod config;
pub mod invite;
