//! `countersign keychain …`: whether the OS keychain, where Countersign keeps its secrets,
//! works for this install.

use clap::Subcommand;
use countersign_core::Error;

use crate::output::Out;
use crate::session::Session;

#[derive(Debug, Subcommand)]
pub enum KeychainCommand {
    /// Write, read back and remove a probe secret.
    Check,
}

/// The top-level entry point for `countersign keychain …`.
pub fn run(session: &Session, out: &Out, cmd: &KeychainCommand) -> Result<(), Error> {
    let KeychainCommand::Check = cmd;
    // No workspace needed: the probe touches only the keychain.
    let keychain = session.keychain();
    keychain.check()?;
    out.done(
        &format!("The keychain works (service {}).", keychain.service()),
        &serde_json::json!({"ok": true, "service": keychain.service()}),
    );
    Ok(())
}
