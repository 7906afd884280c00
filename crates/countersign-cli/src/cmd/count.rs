//! `countersign count`: X's weighted length of text from stdin, with no workspace needed.

use std::io::{BufRead, Read, Write};

use countersign_core::Error;
use countersign_core::count::{self, CountConfig};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct CountArgs {
    /// Read one JSON string per line and print one result per line.
    #[arg(long)]
    lines: bool,
    /// The length limit (280 unless the account has Premium).
    #[arg(long, default_value_t = 280)]
    limit: u32,
}

/// The top-level entry point for `countersign count`.
pub fn run(args: &CountArgs) -> Result<(), Error> {
    count_stdin(args.lines, args.limit)
}

/// The `count` output: exactly these fields, in this order.
#[derive(Serialize)]
struct CountLine {
    weighted_length: u32,
    valid: bool,
    permillage: u32,
    valid_range_end: u32,
}

fn count_line(text: &str, config: &CountConfig) -> CountLine {
    let c = count::count(text, config);
    CountLine {
        weighted_length: c.weighted_length,
        valid: c.valid,
        permillage: c.permillage,
        valid_range_end: c.valid_range_end,
    }
}

fn count_stdin(lines: bool, limit: u32) -> Result<(), Error> {
    let config = CountConfig::v3().with_max_weighted_length(limit);
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let io = |e| Error::Io {
        context: "cannot read or write the count".into(),
        source: e,
    };
    if !lines {
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| Error::Io {
                context: "stdin is not UTF-8 text".into(),
                source: e,
            })?;
        let line = serde_json::to_string(&count_line(&text, &config))
            .map_err(|e| io(std::io::Error::other(e)))?;
        writeln!(w, "{line}").map_err(io)?;
        return w.flush().map_err(io);
    }
    let mut bad = None;
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(io)?;
        let out = match serde_json::from_str::<String>(&line) {
            Ok(text) => serde_json::to_string(&count_line(&text, &config)),
            Err(_) => {
                bad.get_or_insert(n + 1);
                serde_json::to_string(&serde_json::json!({"error": {"code": "invalid_input", "message": format!("line {} is not a JSON string", n + 1)}}))
            }
        }
        .map_err(|e| io(std::io::Error::other(e)))?;
        writeln!(w, "{out}").map_err(io)?;
    }
    w.flush().map_err(io)?;
    match bad {
        Some(n) => Err(Error::InvalidInput {
            detail: format!(
                "line {n} of the input is not a JSON string (its result line holds an error)"
            ),
        }),
        None => Ok(()),
    }
}
