//! The soak (issue 5): `countersign run` for 30 minutes with 10,000 approved posts falling due
//! across that time while x-sandbox fails on purpose throughout. Nothing may go out twice and
//! nothing may be lost; the publisher's memory must stay flat and its CPU near zero between
//! posts.
//!
//! ```sh
//! COUNTERSIGN_CHANNEL=test nice -n 10 bash scripts/with-keychain.sh \
//!     cargo bench -p countersign-cli --bench soak
//! # a short run: 3 minutes, 1,000 posts
//! COUNTERSIGN_SOAK_MINUTES=3 COUNTERSIGN_SOAK_POSTS=1000 COUNTERSIGN_CHANNEL=test \
//!     bash scripts/with-keychain.sh cargo bench -p countersign-cli --bench soak
//! ```
//!
//! The full run takes about 40 minutes (seeding, 30 minutes of posts, the drain); run it in the
//! background with `nohup … > /tmp/countersign-soak.log 2>&1 &`. It exits non-zero (a panic)
//! when any post went out twice or was lost.
//!
//! What runs: x-sandbox in this process on loopback (real HTTP); a workspace on a real SQLite
//! file with Ada (admin), Ann (contributor) and Bob (approver), keys in the OS keychain (the
//! private one `with-keychain.sh` starts), connected to the sandbox. Every post is drafted by
//! Ann, submitted, approved and scheduled by Bob in process through [`App`] (the CLI per post
//! would take longer than the soak), each with its own text. Then the real `countersign run`
//! binary, with its default pacing, publishes them as a separate process.
//!
//! Posts fall due evenly over the first part of every minute; the last
//! `COUNTERSIGN_SOAK_QUIET_SECS` (15) of each minute nothing is due, so the publisher's CPU
//! between posts can be measured over real gaps.
//!
//! Faults, one every `COUNTERSIGN_SOAK_FAULT_SECS` (15) for the whole run, each after a random
//! number of requests let through: 500 and 503 on creates, creates that hang (the client times
//! out; nothing was sent), creates processed and then dropped or left hanging (the outcome is
//! unknown: the publisher must reconcile, never resend), 503 on reads, a rate-limit squeeze
//! (15-second windows of 20 posts: X's 429 with a reset) and 300 ms latency, each undone after
//! 30 s. The sandbox's duplicate-text check is off, so a resend would land as a second post
//! instead of being refused and hidden: the timeline then shows every duplicate.
//!
//! Every second the bench reads the publisher's CPU (utime + stime, `/proc/PID/stat`), its RSS
//! (`VmRSS`, `/proc/PID/status`), PSS (`/proc/PID/smaps_rollup`) and the sandbox's request
//! counter. A second is quiet when no post was due around it and no X request arrived around
//! it; the CPU of the quiet seconds is the CPU between posts.
//!
//! In the end every approved post is one of: posted (`posted` in the workspace, on the sandbox
//! exactly once under the X id the workspace recorded); told (`failed`, `needs_check` or
//! `missed`, and the publisher's log said so with the post's id, as a person watching it would
//! see); lost (anything else, including `posted` without being on the sandbox).
//!
//! Sizes: `COUNTERSIGN_SOAK_MINUTES` (30), `COUNTERSIGN_SOAK_POSTS` (10000),
//! `COUNTERSIGN_SOAK_QUIET_SECS` (15), `COUNTERSIGN_SOAK_FAULT_SECS` (15),
//! `COUNTERSIGN_SOAK_DRAIN_MINUTES` (6: how long after the last due time the posts may take to
//! settle); `COUNTERSIGN_TEST_SEED` repeats a run's faults. The workspace, the publisher's log
//! and a CSV of the samples stay in the directory printed at the start.
#![allow(clippy::unwrap_used)]

mod support;

use support::{PASS, env_num, member, start_publisher, stop, wall};

#[path = "../../../tests/support/sandbox_admin.rs"]
mod sandbox_admin;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use countersign_core::secrets::{Channel, SecretString};
use countersign_core::x_account::Target;
use countersign_core::{App, DraftInput, InitOptions, PartInput, Parts, Role, Status};
use jiff::{SignedDuration, Timestamp};
use sandbox_admin::{Admin, Dice};
use serde_json::json;
use uuid::Uuid;
use x_sandbox::{Limits, Sandbox, SandboxConfig};

/// How long a rate-limit squeeze or added latency lasts before it is undone.
const EPISODE: Duration = Duration::from_secs(30);
/// The part of the run before the "start" memory figure: connections, caches and the first
/// passes settle.
const WARM_UP: Duration = Duration::from_secs(60);

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// What the bench reads of the publisher and the sandbox each second.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Since the first post's due time (negative before it).
    at: f64,
    cpu_secs: f64,
    rss_kb: u64,
    pss_kb: u64,
    x_requests: u64,
    posts_created: u64,
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32, ticks_per_sec: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The command name is in parentheses and may hold spaces: count fields after it.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) are the 12th and 13th after the name.
    let utime: f64 = fields[11].parse().unwrap();
    let stime: f64 = fields[12].parse().unwrap();
    (utime + stime) / ticks_per_sec
}

/// A "Name:   1234 kB" line of a /proc file, in kB.
fn proc_kb(path: &str, name: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn sample(pid: u32, ticks: f64, admin: &Admin, first_due: Instant) -> Sample {
    let counts = admin.get("requests");
    let now = Instant::now();
    let at = if now >= first_due {
        now.duration_since(first_due).as_secs_f64()
    } else {
        -first_due.duration_since(now).as_secs_f64()
    };
    Sample {
        at,
        cpu_secs: cpu_seconds(pid, ticks),
        rss_kb: proc_kb(&format!("/proc/{pid}/status"), "VmRSS:"),
        pss_kb: proc_kb(&format!("/proc/{pid}/smaps_rollup"), "Pss:"),
        x_requests: counts["x_requests"].as_u64().unwrap(),
        posts_created: counts["posts_created"].as_u64().unwrap(),
    }
}

/// One kind of trouble the sandbox is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Trouble {
    CreateFails500,
    CreateFails503,
    CreateHangs,
    CreateAcceptedThenDropped,
    CreateAcceptedThenHangs,
    ReadFails503,
    RateLimitSqueeze,
    Latency,
}

impl Trouble {
    /// Weights out of 100. Hangs cost the publisher its 30 s request timeout each, so they
    /// are rarer: too many and the soak measures a stalled publisher, not a busy one.
    const MIX: [(Trouble, u64); 8] = [
        (Trouble::CreateFails500, 22),
        (Trouble::CreateFails503, 18),
        (Trouble::CreateHangs, 7),
        (Trouble::CreateAcceptedThenDropped, 16),
        (Trouble::CreateAcceptedThenHangs, 7),
        (Trouble::ReadFails503, 12),
        (Trouble::RateLimitSqueeze, 10),
        (Trouble::Latency, 8),
    ];

    fn pick(dice: &mut Dice) -> Trouble {
        let mut roll = dice.below(100);
        for (trouble, weight) in Self::MIX {
            if roll < weight {
                return trouble;
            }
            roll -= weight;
        }
        Trouble::CreateFails500
    }

    fn name(self) -> &'static str {
        match self {
            Trouble::CreateFails500 => "create: 500",
            Trouble::CreateFails503 => "create: 503",
            Trouble::CreateHangs => "create: hang (nothing sent)",
            Trouble::CreateAcceptedThenDropped => "create: accepted, connection dropped",
            Trouble::CreateAcceptedThenHangs => "create: accepted, never answered",
            Trouble::ReadFails503 => "read: 503",
            Trouble::RateLimitSqueeze => "rate limit: 20 posts / 15 s for 30 s (429 + reset)",
            Trouble::Latency => "latency: 300 ms for 30 s",
        }
    }
}

/// Queues one fault after `skip` matching requests; `path` and `method` as the admin API.
fn queue_fault(admin: &Admin, kind: &str, count: u32, path: &str, method: &str, skip: u32) {
    admin.post(
        "faults",
        &json!({"kind": kind, "count": count, "path": path, "method": method, "skip": skip}),
    );
}

/// The generous limits the soak runs under between squeezes: X's 100 posts per 15 minutes
/// would otherwise hold back all but the first hundred.
fn open_limits() -> serde_json::Value {
    json!({"window_secs": 900, "posts_per_window": 1_000_000})
}

/// Asks the sandbox for trouble every `every` until `stop`; returns how many of each.
fn make_trouble(
    admin: &Admin,
    mut dice: Dice,
    every: Duration,
    stop: &AtomicBool,
) -> HashMap<Trouble, u32> {
    let mut made: HashMap<Trouble, u32> = HashMap::new();
    let mut next = Instant::now() + every;
    let mut undo_squeeze: Option<Instant> = None;
    let mut undo_latency: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(250));
        let now = Instant::now();
        if undo_squeeze.is_some_and(|t| now >= t) {
            admin.post("limits", &open_limits());
            undo_squeeze = None;
        }
        if undo_latency.is_some_and(|t| now >= t) {
            admin.post("latency", &json!({"ms": 0}));
            undo_latency = None;
        }
        if now < next {
            continue;
        }
        next = now + every;
        // Faults wait for matching requests; in a quiet stretch they pile up. Keep a few.
        if admin.get("faults")["faults"]
            .as_array()
            .is_some_and(|f| f.len() >= 3)
        {
            continue;
        }
        let trouble = Trouble::pick(&mut dice);
        let skip = dice.below(40) as u32;
        match trouble {
            Trouble::CreateFails500 => {
                let count = 1 + dice.below(3) as u32;
                queue_fault(admin, "status_500", count, "/2/tweets", "POST", skip);
            }
            Trouble::CreateFails503 => {
                let count = 1 + dice.below(2) as u32;
                queue_fault(admin, "status_503", count, "/2/tweets", "POST", skip);
            }
            Trouble::CreateHangs => queue_fault(admin, "hang", 1, "/2/tweets", "POST", skip),
            Trouble::CreateAcceptedThenDropped => {
                queue_fault(admin, "accept_then_drop", 1, "/2/tweets", "POST", skip);
            }
            Trouble::CreateAcceptedThenHangs => {
                queue_fault(admin, "accept_then_hang", 1, "/2/tweets", "POST", skip);
            }
            Trouble::ReadFails503 => {
                // Reads: the timeline a reconcile reads, the inbox, the account.
                queue_fault(admin, "status_503", 1, "/2/users", "GET", 0);
            }
            Trouble::RateLimitSqueeze => {
                if undo_squeeze.is_some() {
                    continue;
                }
                admin.post(
                    "limits",
                    &json!({"window_secs": 15, "posts_per_window": 20}),
                );
                undo_squeeze = Some(now + EPISODE);
            }
            Trouble::Latency => {
                if undo_latency.is_some() {
                    continue;
                }
                admin.post("latency", &json!({"ms": 300}));
                undo_latency = Some(now + EPISODE);
            }
        }
        *made.entry(trouble).or_default() += 1;
    }
    admin.delete("faults");
    admin.post("latency", &json!({"ms": 0}));
    admin.post("limits", &open_limits());
    made
}

/// When post `i` of `n` falls due, in seconds after the first: evenly over the busy part of
/// each minute, nothing in its last `quiet` seconds.
fn due_offset(i: usize, n: usize, minutes: u64, quiet: u64) -> f64 {
    let busy = (60 - quiet) as f64;
    let b = i as f64 * (minutes as f64 * busy) / n as f64;
    let minute = (b / busy).floor();
    minute * 60.0 + (b - minute * busy)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// The sample nearest to `at` seconds.
fn nearest(samples: &[Sample], at: f64) -> Sample {
    *samples
        .iter()
        .min_by(|a, b| (a.at - at).abs().total_cmp(&(b.at - at).abs()))
        .unwrap()
}

/// Posts a person was told about: the publisher logged the id with the outcome.
fn told_in_log(log: &Path) -> HashMap<Uuid, String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut told = HashMap::new();
    for line in text.lines() {
        let outcome = ["failed", "needs a check by a person", "missed its time"]
            .into_iter()
            .find(|o| line.contains(o));
        let Some(outcome) = outcome else { continue };
        if let Some(id) = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("post_id="))
            .and_then(|id| Uuid::parse_str(id.trim_matches('"')).ok())
        {
            told.insert(id, outcome.to_string());
        }
    }
    told
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too: then only say so.
    if !std::env::args().any(|a| a == "--bench") {
        println!("soak: run with `cargo bench -p countersign-cli --bench soak` (see its docs)");
        return;
    }
    let minutes = env_num("COUNTERSIGN_SOAK_MINUTES", 30).max(1);
    let n = env_num("COUNTERSIGN_SOAK_POSTS", 10_000).max(1) as usize;
    let quiet = env_num("COUNTERSIGN_SOAK_QUIET_SECS", 15).min(50);
    let fault_every = Duration::from_secs(env_num("COUNTERSIGN_SOAK_FAULT_SECS", 15).max(1));
    let drain = Duration::from_secs(env_num("COUNTERSIGN_SOAK_DRAIN_MINUTES", 6) * 60);
    let dir: PathBuf = tempfile::Builder::new()
        .prefix("countersign-soak.")
        .tempdir()
        .unwrap()
        .keep();
    let log = dir.join("publisher.log");
    println!(
        "soak: {n} posts over {minutes} min (the last {quiet} s of each minute quiet), a fault \
         every {} s; workspace, publisher log and samples in {}",
        fault_every.as_secs(),
        dir.display()
    );

    let sandbox = Sandbox::start_blocking(SandboxConfig {
        limits: Limits {
            posts_per_window: 1_000_000,
            posts_per_24h_user: 1_000_000,
            posts_per_24h_app: 1_000_000,
            reads_per_window: 1_000_000,
            // Off, so that a resend shows up on the timeline instead of X refusing it.
            duplicate_window: Duration::ZERO,
            ..Limits::default()
        },
        ..SandboxConfig::default()
    })
    .unwrap();
    let admin = Admin::new(&sandbox.base_url());

    let parts = Parts::for_channel(Channel::named(
        std::env::var("COUNTERSIGN_CHANNEL").ok().as_deref(),
    ))
    .with_unlock_for(Duration::from_secs(24 * 3600));
    let app = App::init(
        &dir,
        InitOptions {
            handle: "sandbox_brand".into(),
            timezone: Some("UTC".into()),
            ..InitOptions::default()
        },
        parts,
    )
    .unwrap();
    app.add_member(None, member("Ada", Role::Admin)).unwrap();
    app.unlock("Ada", &SecretString::new(PASS)).unwrap();
    app.add_member(Some("Ada"), member("Ann", Role::Contributor))
        .unwrap();
    app.add_member(Some("Ada"), member("Bob", Role::Approver))
        .unwrap();
    app.unlock("Bob", &SecretString::new(PASS)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(app.connect(Some("Ada"), Target::Sandbox(sandbox.base_url()), |_| Ok(())))
        .unwrap();

    // Seed: drafted, submitted, approved; then a countersigned time each.
    let began = Instant::now();
    let mut ids: Vec<Uuid> = Vec::with_capacity(n);
    for i in 0..n {
        let text = format!("Soak post {i} of {n}: the spring menu, table {}", i % 97);
        let post = app
            .create_draft(
                "Ann",
                DraftInput {
                    parts: vec![PartInput {
                        text,
                        media: vec![],
                    }],
                    ..DraftInput::default()
                },
            )
            .unwrap();
        app.submit(post.id, "Ann").unwrap();
        app.approve(post.id, "Bob", None).unwrap();
        ids.push(post.id);
    }
    let seeded = began.elapsed();
    println!(
        "seed: {n} posts drafted, submitted and approved in {:.1} s",
        seeded.as_secs_f64()
    );
    // Scheduling takes about as long as approving; the first post falls due once it is done.
    let lead = seeded.mul_f64(0.8) + Duration::from_secs(15);
    let first_due_at = Timestamp::now() + SignedDuration::try_from(lead).unwrap();
    let first_due = Instant::now() + lead;
    let began = Instant::now();
    let mut due: Vec<f64> = Vec::with_capacity(n);
    let mut text_of: HashMap<String, Uuid> = HashMap::with_capacity(n);
    for (i, id) in ids.iter().enumerate() {
        let offset = due_offset(i, n, minutes, quiet);
        let post = app
            .schedule(
                *id,
                "Bob",
                wall(first_due_at + SignedDuration::from_secs_f64(offset)),
            )
            .unwrap();
        due.push(offset);
        text_of.insert(post.content.parts[0].text.clone(), *id);
    }
    println!(
        "schedule: {n} countersigned times in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    assert!(
        Instant::now() < first_due,
        "scheduling ran past the first due time"
    );
    assert_eq!(text_of.len(), n, "every post has its own text");

    // Run.
    let publisher = start_publisher(&dir, &log);
    let pid = publisher.id();
    let ticks = clock_ticks();
    let stop_trouble = Arc::new(AtomicBool::new(false));
    let troublemaker = {
        let admin = Admin::new(&sandbox.base_url());
        let stop = stop_trouble.clone();
        let dice = Dice::from_env_or_clock();
        std::thread::spawn(move || make_trouble(&admin, dice, fault_every, &stop))
    };
    let last_due = due.last().copied().unwrap_or(0.0);
    let window_end = first_due + Duration::from_secs_f64(last_due);
    let give_up = window_end + drain;
    let mut samples: Vec<Sample> = Vec::new();
    let mut next_report = first_due;
    let mut next_settle_check = window_end;
    let mut tick = Instant::now();
    loop {
        tick += Duration::from_secs(1);
        if let Some(wait) = tick.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let s = sample(pid, ticks, &admin, first_due);
        samples.push(s);
        let now = Instant::now();
        if now >= next_report {
            next_report += Duration::from_secs(60);
            let due_by_now = due.iter().filter(|d| **d <= s.at).count();
            println!(
                "  {:>5.0} s: {} due, {} created on the sandbox; RSS {:.1} MB, PSS {:.1} MB, \
                 CPU {:.2} s",
                s.at,
                due_by_now,
                s.posts_created,
                mb(s.rss_kb),
                mb(s.pss_kb),
                s.cpu_secs
            );
        }
        if now >= next_settle_check {
            next_settle_check = now + Duration::from_secs(5);
            let open = app
                .posts(None)
                .unwrap()
                .iter()
                .filter(|p| {
                    matches!(
                        p.status,
                        Status::Approved | Status::Scheduled | Status::Publishing
                    )
                })
                .count();
            // A further minute of nothing due: the idle publisher's memory and CPU.
            if open == 0 && now >= window_end + Duration::from_secs(60) {
                break;
            }
            if now >= give_up {
                println!("  drain: {open} posts still not settled after {drain:?}");
                break;
            }
        }
    }
    stop_trouble.store(true, Ordering::Relaxed);
    let made = troublemaker.join().unwrap();
    stop(publisher);
    let ran_for = samples.last().unwrap().at;

    // Outcomes.
    let on_x = sandbox.posts();
    let mut copies: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in &on_x {
        copies
            .entry(p.text.as_str())
            .or_default()
            .push(p.id.as_str());
    }
    let stranger_texts = copies.keys().filter(|t| !text_of.contains_key(**t)).count();
    let mut duplicate_ids: Vec<Uuid> = copies
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .filter_map(|(t, _)| text_of.get(*t).copied())
        .collect();
    duplicate_ids.sort_unstable();
    let mut x_ids: Vec<&str> = on_x.iter().map(|p| p.id.as_str()).collect();
    x_ids.sort_unstable();
    x_ids.dedup();
    let repeated_x_ids = on_x.len() - x_ids.len();
    let told_log = told_in_log(&log);
    let mut posted = 0usize;
    let mut told: HashMap<Status, usize> = HashMap::new();
    let mut told_but_on_x = 0usize;
    let mut lost: Vec<(Uuid, Status, String)> = Vec::new();
    for id in &ids {
        let view = app.post(*id).unwrap();
        let post = &view.post;
        let text = &post.content.parts[0].text;
        let here = copies.get(text.as_str()).map_or(&[][..], |v| &v[..]);
        match post.status {
            Status::Posted => {
                // The link ends in the X id (`…/status/ID`, the Sandbox's `…/timeline#ID`).
                let recorded = post.post_url.as_deref().map_or("", |u| {
                    u.trim_start_matches(|c: char| !c.is_ascii_digit())
                        .rsplit(|c: char| !c.is_ascii_digit())
                        .next()
                        .unwrap_or_default()
                });
                if here.len() == 1 && here[0] == recorded {
                    posted += 1;
                } else {
                    lost.push((
                        *id,
                        post.status,
                        format!(
                            "posted as {:?} but on the sandbox as {here:?}",
                            post.post_url
                        ),
                    ));
                }
            }
            Status::Failed | Status::NeedsCheck | Status::Missed if told_log.contains_key(id) => {
                *told.entry(post.status).or_default() += 1;
                if !here.is_empty() {
                    told_but_on_x += 1;
                }
            }
            other => lost.push((
                *id,
                other,
                format!(
                    "{} on the sandbox; reason {:?}",
                    here.len(),
                    post.status_reason
                ),
            )),
        }
    }
    let told_total: usize = told.values().sum();

    // Memory and CPU.
    let run: Vec<Sample> = samples.iter().copied().filter(|s| s.at >= 0.0).collect();
    let start = nearest(&run, WARM_UP.as_secs_f64().min(last_due / 5.0));
    let middle = nearest(&run, last_due / 2.0);
    let end = *run.last().unwrap();
    let max_rss = run.iter().map(|s| s.rss_kb).max().unwrap();
    let max_pss = run.iter().map(|s| s.pss_kb).max().unwrap();
    let mut per_minute = String::new();
    for m in 0..=(ran_for / 60.0) as usize {
        let (from, to) = (m as f64 * 60.0, (m + 1) as f64 * 60.0);
        let inside: Vec<&Sample> = run.iter().filter(|s| s.at >= from && s.at < to).collect();
        let (Some(a), Some(b)) = (inside.first(), inside.last()) else {
            continue;
        };
        let _ = writeln!(
            per_minute,
            "    min {m:>2}: CPU {:>6.2} s, {:>4} posts created, RSS {:>6.1} MB, PSS {:>6.1} MB",
            b.cpu_secs - a.cpu_secs,
            b.posts_created - a.posts_created,
            mb(b.rss_kb),
            mb(b.pss_kb)
        );
    }
    // Quiet seconds: nothing due from a second before to a second after, and no X request
    // arriving in it or the second before (a request in flight finishes in that time).
    let (mut quiet_secs, mut quiet_cpu) = (0.0f64, 0.0f64);
    let mut sorted_due = due.clone();
    sorted_due.sort_by(f64::total_cmp);
    for w in samples.windows(3) {
        let (before, a, b) = (w[0], w[1], w[2]);
        if a.at < 0.0 || before.x_requests != b.x_requests {
            continue;
        }
        let lo = sorted_due.partition_point(|d| *d < a.at - 1.0);
        if sorted_due.get(lo).is_some_and(|d| *d <= b.at + 1.0) {
            continue;
        }
        quiet_secs += b.at - a.at;
        quiet_cpu += b.cpu_secs - a.cpu_secs;
    }
    let mut csv = String::from("at_secs,cpu_secs,rss_kb,pss_kb,x_requests,posts_created\n");
    for s in &samples {
        let _ = writeln!(
            csv,
            "{:.2},{:.2},{},{},{},{}",
            s.at, s.cpu_secs, s.rss_kb, s.pss_kb, s.x_requests, s.posts_created
        );
    }
    std::fs::write(dir.join("samples.csv"), csv).unwrap();
    let counts = admin.get("requests");

    println!(
        "\nsoak figures ({minutes} min, {n} posts; ran {ran_for:.0} s from the first due time)"
    );
    println!("  approved:              {n}");
    println!("  posted:                {posted}");
    println!(
        "  failed and told:       {told_total} (failed {}, needs_check {}, missed {}; of them on \
         the sandbox after all: {told_but_on_x})",
        told.get(&Status::Failed).unwrap_or(&0),
        told.get(&Status::NeedsCheck).unwrap_or(&0),
        told.get(&Status::Missed).unwrap_or(&0)
    );
    println!(
        "  duplicates:            {} (texts twice or more on the sandbox; X ids repeated: \
         {repeated_x_ids}; posts on the sandbox: {}, of texts not ours: {stranger_texts})",
        duplicate_ids.len(),
        on_x.len()
    );
    println!("  lost:                  {}", lost.len());
    println!(
        "  RSS  start {:.1} MB (at {:.0} s), middle {:.1} MB, end {:.1} MB, max {:.1} MB",
        mb(start.rss_kb),
        start.at,
        mb(middle.rss_kb),
        mb(end.rss_kb),
        mb(max_rss)
    );
    println!(
        "  PSS  start {:.1} MB, middle {:.1} MB, end {:.1} MB, max {:.1} MB",
        mb(start.pss_kb),
        mb(middle.pss_kb),
        mb(end.pss_kb),
        mb(max_pss)
    );
    println!(
        "  CPU  {:.1} s in all, {:.2} s per minute on average; between posts: {:.2} ms per second \
         over {quiet_secs:.0} quiet seconds ({:.3} % of a core)",
        end.cpu_secs,
        end.cpu_secs / (ran_for / 60.0).max(1.0 / 60.0),
        quiet_cpu * 1000.0 / quiet_secs.max(1.0),
        quiet_cpu * 100.0 / quiet_secs.max(1.0)
    );
    println!("  CPU and memory by minute:\n{per_minute}");
    let mut made: Vec<(Trouble, u32)> = made.into_iter().collect();
    made.sort_by_key(|(t, _)| t.name());
    println!(
        "  faults asked of the sandbox ({} in all):",
        made.iter().map(|(_, c)| c).sum::<u32>()
    );
    for (t, c) in &made {
        println!("    {c:>4} × {}", t.name());
    }
    println!(
        "  sandbox: {} X requests, {} create requests, {} posts created",
        counts["x_requests"], counts["create_requests"], counts["posts_created"]
    );
    for (id, status, why) in lost.iter().take(20) {
        println!("  lost: {id} {status:?}: {why}");
    }
    for id in duplicate_ids.iter().take(20) {
        println!("  duplicate: {id}");
    }
    assert!(
        duplicate_ids.is_empty() && repeated_x_ids == 0,
        "{} posts went out twice; see {}",
        duplicate_ids.len(),
        dir.display()
    );
    assert!(
        lost.is_empty(),
        "{} posts lost; see {}",
        lost.len(),
        dir.display()
    );
}
