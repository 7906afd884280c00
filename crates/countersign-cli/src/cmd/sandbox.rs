//! `countersign sandbox …`: a local X API server to connect to instead of X.

use std::path::PathBuf;

use clap::Subcommand;
use countersign_core::Error;

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run an x-sandbox (a local X API v2 server) until Ctrl-C; prints its URL first.
    Serve {
        /// The loopback port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Keep the sandbox's posts and tokens in DIR (in memory otherwise).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// The handle of the account the sandbox hosts.
        #[arg(long, default_value = "sandbox_brand")]
        handle: String,
        /// Other people write the account N messages a minute (mentions and direct messages in
        /// turn), so the inbox has something in it; 0: nobody does.
        #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=6000))]
        chatter: u32,
    },
}

/// The top-level entry point for `countersign sandbox …`.
pub fn run(cmd: &SandboxCommand) -> Result<(), Error> {
    let SandboxCommand::Serve {
        port,
        state,
        handle,
        chatter,
    } = cmd;
    let config = x_sandbox::SandboxConfig {
        port: *port,
        state_dir: state.clone(),
        user: x_sandbox::SandboxUser {
            username: handle.clone(),
            name: handle.clone(),
            ..Default::default()
        },
        chatter_per_minute: *chatter,
        ..Default::default()
    };
    x_sandbox::serve_forever_blocking(config).map_err(|e| Error::Io {
        context: "the sandbox could not run".into(),
        source: std::io::Error::other(e.to_string()),
    })
}
