//! One module per group of `countersign` commands, following the clap subcommand structure.
//!
//! Each module holds its clap arguments next to the entry point that runs them (`run`, or one
//! named for the command when a group is not one subcommand): parse the input, make one call
//! into [`countersign_core::App`] through [`crate::session`], print the result with
//! [`crate::output::Out`].

pub mod account;
pub mod audit;
pub mod count;
pub mod draft;
pub mod history;
pub mod inbox;
pub mod keychain;
pub mod member;
pub mod publish;
pub mod queue;
pub mod review;
pub mod sandbox;
pub mod schedule;
pub mod team;
pub mod workspace;
