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
    // A batch's lines back to back in one buffer, and where each ends: no allocation per line.
    let (mut data, mut ends) = (Vec::new(), Vec::with_capacity(BATCH));
    let (mut first, mut bad) = (1usize, None);
    loop {
        data.clear();
        ends.clear();
        while ends.len() < BATCH {
            if input.read_until(b'\n', &mut data).map_err(io)? == 0 {
                break;
            }
            ends.push(data.len());
        }
        if ends.is_empty() {
            break;
        }
        let mut start = 0;
        let batch: Vec<&[u8]> = ends
            .iter()
            .map(|&end| {
                let line = &data[start..end];
                start = end;
                let line = line.strip_suffix(b"\n").unwrap_or(line);
                line.strip_suffix(b"\r").unwrap_or(line)
            })
            .collect();
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

/// Where a JSON string's bytes go, lone surrogates (`"\ud800"`) kept as WTF-8: serde_json
/// hands a string over as bytes this way, where as a `String` it would refuse it. The buffer is
/// the caller's, reused from line to line.
struct Wtf8Into<'a>(&'a mut Vec<u8>);

impl<'de> serde::de::DeserializeSeed<'de> for Wtf8Into<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_bytes(self)
    }
}

impl serde::de::Visitor<'_> for Wtf8Into<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.visit_bytes(v.as_bytes())
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<(), E> {
        self.0.clear();
        self.0.extend_from_slice(v);
        Ok(())
    }
}

/// The text of a line holding one JSON string, or `None` when it holds something else.
///
/// Most lines are a string with nothing to unescape: the text is then the bytes between the
/// quotes, as they are, once they are UTF-8 with no quote, backslash or control character
/// (which JSON does not allow raw). Any other line goes through serde_json, into `scratch`.
fn json_text<'a>(line: &'a [u8], scratch: &'a mut Vec<u8>) -> Option<Cow<'a, str>> {
    if let [b'"', inner @ .., b'"'] = line
        && !inner.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20)
        && let Ok(text) = std::str::from_utf8(inner)
    {
        return Some(Cow::Borrowed(text));
    }
    let mut de = serde_json::Deserializer::from_slice(line);
    serde::de::DeserializeSeed::deserialize(Wtf8Into(scratch), &mut de).ok()?;
    de.end().ok()?;
    count::text_from_wtf8(scratch).ok()
}

/// Lines read and counted per batch (a few megabytes of typical posts).
const BATCH: usize = 8192;

/// The result lines of `lines` (numbered from `first`), and the number of the first line that
/// is not a JSON string. Written by hand rather than through serde or `format!`: four integers
/// and a bool per line, and this is the whole of the command's output.
fn count_lines(lines: &[&[u8]], first: usize, config: &CountConfig) -> (String, Option<usize>) {
    let mut out = String::with_capacity(lines.len() * 80);
    let mut bad = None;
    let mut counter = count::Counter::default();
    let mut scratch = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let n = first + k;
        match json_text(line, &mut scratch) {
            Some(text) => {
                let c = counter.count(&text, config);
                out.push_str(r#"{"weighted_length":"#);
                push_decimal(&mut out, c.weighted_length.into());
                out.push_str(if c.valid {
                    r#","valid":true,"permillage":"#
                } else {
                    r#","valid":false,"permillage":"#
                });
                push_decimal(&mut out, c.permillage.into());
                out.push_str(r#","valid_range_end":"#);
                push_decimal(&mut out, c.valid_range_end.into());
                out.push_str("}\n");
            }
            None => {
                bad.get_or_insert(n);
                out.push_str(r#"{"error":{"code":"invalid_input","message":"line "#);
                push_decimal(&mut out, n as u64);
                out.push_str(r#" is not a JSON string"}}"#);
                out.push('\n');
            }
        }
    }
    (out, bad)
}

/// `n` in decimal, as `Display` writes it, without the formatting machinery.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}
