//! Who publishes for a data dir, and how to wake them.
//!
//! The lease is an OS file lock on `publisher.lock`: it is released when the process ends
//! however it ends (even `kill -9`), and the file names the process that holds it (so a second
//! publisher is told who is publishing) and the loopback port it listens on, so that a change
//! made by another process on the same data dir (the CLI while the app publishes) wakes it with
//! one UDP datagram. It sits below `App`: the use cases wake the publisher through it, and the
//! publisher, which drives `App` from above, holds it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lease file inside a data dir.
pub const LEASE_FILE: &str = "publisher.lock";

/// The right to publish for one data dir, held while this value lives.
#[derive(Debug)]
pub struct Lease {
    file: File,
    path: PathBuf,
}

impl Lease {
    /// Takes the lease, or tells which process holds it.
    pub fn take(data_dir: &Path) -> Result<Lease> {
        let path = data_dir.join(LEASE_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let pid = field(&text, "pid").unwrap_or_else(|| "unknown".into());
                return Err(Error::PublisherRunning { pid });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", path.display()), e));
            }
        }
        let lease = Lease { file, path };
        lease.write(None)?;
        Ok(lease)
    }

    /// Records who holds the lease and where to wake them.
    pub(crate) fn write(&self, port: Option<u16>) -> Result<()> {
        let mut f = &self.file;
        let text = match port {
            Some(p) => format!("pid={}\nport={p}\n", std::process::id()),
            None => format!("pid={}\n", std::process::id()),
        };
        (|| {
            f.set_len(0)?;
            f.seek(SeekFrom::Start(0))?;
            f.write_all(text.as_bytes())?;
            f.flush()
        })()
        .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))
    }
}

fn field(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
        .map(|v| v.trim().to_string())
}

/// Wakes the publisher of `data_dir` in another process, if one runs. Best effort: a
/// publisher that is not woken still notices within a minute.
pub(crate) fn wake_other_process(data_dir: &Path) {
    let Ok(text) = std::fs::read_to_string(data_dir.join(LEASE_FILE)) else {
        return;
    };
    let Some(port) = field(&text, "port").and_then(|p| p.parse::<u16>().ok()) else {
        return;
    };
    if let Ok(sock) = std::net::UdpSocket::bind(("127.0.0.1", 0)) {
        let _ = sock.send_to(b"w", ("127.0.0.1", port));
    }
}
