//! Why a sandbox could not start or stopped.

use std::path::PathBuf;

/// A sandbox failed to start or run. X-facing errors are HTTP responses, never this type.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Could not listen on 127.0.0.1 at the configured port (in use, or not permitted).
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The state directory or its SQLite file could not be created, opened or read.
    #[error("cannot use sandbox state in {}: {message}", path.display())]
    State {
        /// The state file or directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The in-memory store failed (should not happen).
    #[error("sandbox store: {0}")]
    Store(#[from] rusqlite::Error),
    /// The tokio runtime or the sandbox thread could not be started, or waiting for a signal
    /// failed.
    #[error("sandbox runtime: {0}")]
    Runtime(String),
}
