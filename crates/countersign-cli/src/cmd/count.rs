//! `countersign count`: X's weighted length of text from stdin, with no workspace needed.

use std::borrow::Cow;
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
        let mut bytes = Vec::new();
        stdin.lock().read_to_end(&mut bytes).map_err(io)?;
        let text = count::text_from_wtf8(&bytes).map_err(|at| Error::InvalidInput {
            detail: format!("stdin is not UTF-8 text (byte {at} is not); nothing was counted"),
        })?;
        let line = serde_json::to_string(&count_line(&text, &config))
            .map_err(|e| io(std::io::Error::other(e)))?;
        writeln!(w, "{line}").map_err(io)?;
        return w.flush().map_err(io);
    }
    // Lines are counted in batches, each split across the machine's cores, and printed in
    // input order: a batch of texts is independent work, and one core is the bottleneck of a
    // long file (tens of microseconds a text, against a read and a write of a few).
    // COUNTERSIGN_COUNT_THREADS caps the workers (1 to time a single core).
    let workers = std::env::var("COUNTERSIGN_COUNT_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut input = stdin.lock();
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    let (mut first, mut bad) = (1usize, None);
    loop {
        batch.clear();
        while batch.len() < BATCH {
            let mut line = Vec::new();
            if input.read_until(b'\n', &mut line).map_err(io)? == 0 {
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            batch.push(line);
        }
        if batch.is_empty() {
            break;
        }
        let share = batch.len().div_ceil(workers);
        let outputs: Vec<(String, Option<usize>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(share)
                .enumerate()
                .map(|(k, lines)| {
                    let config = &config;
                    let from = first + k * share;
                    scope.spawn(move || count_lines(lines, from, config))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for (out, first_bad) in outputs {
            w.write_all(out.as_bytes()).map_err(io)?;
            if bad.is_none() {
                bad = first_bad;
            }
        }
        first += batch.len();
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

/// A JSON string's bytes, lone surrogates (`"\ud800"`) kept as WTF-8: serde_json hands a
/// string over as bytes this way, where as a `String` it would refuse it.
struct Wtf8(Vec<u8>);

impl<'de> serde::Deserialize<'de> for Wtf8 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Wtf8;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Wtf8, E> {
                Ok(Wtf8(v.as_bytes().to_vec()))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Wtf8, E> {
                Ok(Wtf8(v.to_vec()))
            }
        }
        d.deserialize_bytes(Visitor)
    }
}

/// Lines read and counted per batch (a few megabytes of typical posts).
const BATCH: usize = 8192;

/// The result lines of `lines` (numbered from `first`), and the number of the first line that
/// is not a JSON string. Written by hand rather than through serde: four integers and a bool
/// per line, and this is the whole of the command's output.
fn count_lines(lines: &[Vec<u8>], first: usize, config: &CountConfig) -> (String, Option<usize>) {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(lines.len() * 80);
    let mut bad = None;
    for (k, line) in lines.iter().enumerate() {
        let n = first + k;
        // `fmt::Write` into a String cannot fail.
        let text = serde_json::from_slice::<Wtf8>(line)
            .ok()
            .and_then(|Wtf8(bytes)| count::text_from_wtf8(&bytes).ok().map(Cow::into_owned));
        let _ = match text {
            Some(text) => {
                let c = count_line(&text, config);
                writeln!(
                    out,
                    r#"{{"weighted_length":{},"valid":{},"permillage":{},"valid_range_end":{}}}"#,
                    c.weighted_length, c.valid, c.permillage, c.valid_range_end
                )
            }
            None => {
                bad.get_or_insert(n);
                writeln!(
                    out,
                    r#"{{"error":{{"code":"invalid_input","message":"line {n} is not a JSON string"}}}}"#
                )
            }
        };
    }
    (out, bad)
}
