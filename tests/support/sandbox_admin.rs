//! x-sandbox's admin API (`/_sandbox/…`) over plain HTTP/1.1, and a small seeded random
//! source, for the publishing journeys. Only std: these tests add no HTTP client.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// The sandbox at `base` ("http://127.0.0.1:PORT").
pub struct Admin {
    addr: String,
}

impl Admin {
    pub fn new(base: &str) -> Admin {
        Admin {
            addr: base
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string(),
        }
    }

    pub fn get(&self, path: &str) -> Value {
        self.call("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Value {
        self.call("POST", path, Some(body))
    }

    pub fn delete(&self, path: &str) -> Value {
        self.call("DELETE", path, None)
    }

    /// Queues a fault on `POST /2/tweets`: after `skip` creates get through, the next `count`
    /// fail as `kind`.
    pub fn fault(&self, kind: &str, count: u32, skip: u32) {
        self.post(
            "faults",
            &serde_json::json!({
                "kind": kind, "count": count, "path": "/2/tweets", "method": "POST", "skip": skip
            }),
        );
    }

    /// How many faults are still queued.
    pub fn faults_pending(&self) -> usize {
        self.get("faults")["faults"]
            .as_array()
            .map_or(0, |f| f.len())
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request = format!(
            "{method} /_sandbox/{path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        s.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw);
        let (head, rest) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP answer from {method} {path}: {text}"));
        let status = head.split_whitespace().nth(1).unwrap_or_default();
        assert!(
            status.starts_with('2'),
            "{method} /_sandbox/{path} answered {status}: {rest}"
        );
        let chunked = head
            .lines()
            .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
        let payload = if chunked {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        if payload.trim().is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&payload)
            .unwrap_or_else(|e| panic!("{method} /_sandbox/{path}: not JSON ({e}): {payload}"))
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
}

/// splitmix64: reproducible from its seed, which the tests print.
pub struct Dice(u64);

impl Dice {
    /// Seeded from `COUNTERSIGN_TEST_SEED` if set, else from the clock.
    pub fn from_env_or_clock() -> Dice {
        let seed = std::env::var("COUNTERSIGN_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        println!("random seed {seed} (COUNTERSIGN_TEST_SEED={seed} repeats this run)");
        Dice(seed)
    }

    pub fn roll(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.roll() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
