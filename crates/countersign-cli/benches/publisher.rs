//! The always-on publisher's figures (issue 5): how late posts go out when 10,000 fall due
//! within a short window, and how much CPU the publisher burns while nothing is due.
//!
//! ```sh
//! COUNTERSIGN_CHANNEL=test bash scripts/with-keychain.sh \
//!     cargo bench -p countersign-cli --bench publisher
//! ```
//!
//! The real `countersign run` binary (built by cargo for this bench) publishes to an x-sandbox
//! started in this process, on the same machine. The workspace is seeded in process through
//! [`App`] (draft, submit, a signed approval, a countersigned time for every post), as people
//! would do over weeks. The sandbox's rate limits are raised: X's 100 posts per 15 minutes would
//! otherwise hold back all but the first hundred, and the bench measures the publisher, not
//! the budget. The sandbox clock is not offset, so a post's `created_at` on the sandbox is
//! the wall-clock instant the create request reached it.
//!
//! 1. Idle: every post scheduled a week ahead; the publisher's CPU time (utime + stime from
//!    `/proc/PID/stat`) over 60 s.
//! 2. Lateness: every post rescheduled within a window (90 s by default), then published;
//!    lateness = the sandbox's `created_at` minus the post's due instant; p50, p99, max.
//!
//! `COUNTERSIGN_BENCH_POSTS` (10000), `COUNTERSIGN_BENCH_WINDOW_SECS` (90) and
//! `COUNTERSIGN_BENCH_IDLE_SECS` (60) change the sizes; `COUNTERSIGN_BENCH_INBOX_MINUTES` (2,
//! the default) how often the publisher reads the inbox meanwhile (0: never, as before the
//! inbox existed), so the idle CPU of both can be compared.
#![allow(clippy::unwrap_used)]

mod support;

use support::{PASS, env_num, member, start_publisher, stop, wall};

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use countersign_core::secrets::{Channel, SecretString};
use countersign_core::x_account::Target;
use countersign_core::{App, DraftInput, InitOptions, PartInput, Parts, Role};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;
use x_sandbox::{Limits, Sandbox, SandboxConfig};

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

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too: then only say so.
    if !std::env::args().any(|a| a == "--bench") {
        println!("publisher bench: run with `cargo bench -p countersign-cli --bench publisher`");
        return;
    }
    let n = env_num("COUNTERSIGN_BENCH_POSTS", 10_000) as usize;
    let window = Duration::from_secs(env_num("COUNTERSIGN_BENCH_WINDOW_SECS", 90));
    let idle = Duration::from_secs(env_num("COUNTERSIGN_BENCH_IDLE_SECS", 60));
    let inbox_minutes = env_num("COUNTERSIGN_BENCH_INBOX_MINUTES", 2) as u32;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("publisher.log");

    let sandbox = Sandbox::start_blocking(SandboxConfig {
        limits: Limits {
            posts_per_window: 1_000_000,
            posts_per_24h_user: 1_000_000,
            posts_per_24h_app: 1_000_000,
            reads_per_window: 1_000_000,
            ..Limits::default()
        },
        ..SandboxConfig::default()
    })
    .unwrap();

    let parts = Parts::for_channel(Channel::named(
        std::env::var("COUNTERSIGN_CHANNEL").ok().as_deref(),
    ))
    .with_unlock_for(Duration::from_secs(24 * 3600));
    let app = App::init(
        dir.path(),
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
    app.set_inbox_poll("Ada", inbox_minutes).unwrap();

    // Seed: n posts written, submitted and approved (each approval signed by Bob).
    let began = Instant::now();
    let mut ids: Vec<(Uuid, String)> = Vec::with_capacity(n);
    for i in 0..n {
        let text = format!("Bench post {i}: spring menu, table {}", i % 97);
        let post = app
            .create_draft(
                "Ann",
                DraftInput {
                    parts: vec![PartInput {
                        text: text.clone(),
                        media: vec![],
                    }],
                    ..DraftInput::default()
                },
            )
            .unwrap();
        app.submit(post.id, "Ann").unwrap();
        app.approve(post.id, "Bob", None).unwrap();
        ids.push((post.id, text));
    }
    let seeded = began.elapsed();
    println!(
        "seed: {n} posts drafted, submitted and approved in {:.1} s ({:.2} ms a post)",
        seeded.as_secs_f64(),
        seeded.as_secs_f64() * 1000.0 / n as f64
    );

    // 1. Idle: everything a week ahead.
    let began = Instant::now();
    let week = Timestamp::now() + SignedDuration::from_hours(7 * 24);
    for (i, (id, _)) in ids.iter().enumerate() {
        let at = week + SignedDuration::from_secs(i as i64);
        app.schedule(*id, "Bob", wall(at)).unwrap();
    }
    let scheduling = began.elapsed();
    println!(
        "schedule: {n} countersigned times in {:.1} s ({:.2} ms a post)",
        scheduling.as_secs_f64(),
        scheduling.as_secs_f64() * 1000.0 / n as f64
    );
    let publisher = start_publisher(dir.path(), &log);
    let pid = publisher.id();
    std::thread::sleep(Duration::from_secs(5));
    let ticks = clock_ticks();
    let cpu_before = cpu_seconds(pid, ticks);
    std::thread::sleep(idle);
    let cpu_after = cpu_seconds(pid, ticks);
    stop(publisher);
    assert!(sandbox.posts().is_empty(), "nothing was due");
    let reads = app.inbox_status().unwrap().cursor.reads;
    println!(
        "idle: `countersign run` with {n} posts a week ahead used {:.3} s of CPU over {} s \
         (startup excluded: {cpu_before:.3} s in its first 5 s); inbox read every {inbox_minutes} \
         min: {reads} requests to X in all",
        cpu_after - cpu_before,
        idle.as_secs()
    );

    // 2. Lateness: everything due within `window`, starting once the reschedule is done.
    let lead = scheduling.mul_f64(1.5) + Duration::from_secs(10);
    let first = Timestamp::now() + SignedDuration::try_from(lead).unwrap();
    let step = window.as_secs_f64() / n as f64;
    let mut due: HashMap<String, Timestamp> = HashMap::with_capacity(n);
    for (i, (id, text)) in ids.iter().enumerate() {
        let at = first + SignedDuration::from_secs_f64(step * i as f64);
        app.schedule(*id, "Bob", wall(at)).unwrap();
        due.insert(
            text.clone(),
            app.post(*id).unwrap().post.scheduled.unwrap().at,
        );
    }
    assert!(
        Timestamp::now() < first,
        "the reschedule ran past the first due time"
    );
    let publisher = start_publisher(dir.path(), &log);
    let deadline = Instant::now() + lead + window + Duration::from_secs(600);
    let posts = loop {
        let posts = sandbox.posts();
        if posts.len() >= n || Instant::now() > deadline {
            break posts;
        }
        std::thread::sleep(Duration::from_secs(2));
    };
    stop(publisher);
    assert_eq!(posts.len(), n, "every post went out once");
    let mut late_ms: Vec<i64> = posts
        .iter()
        .map(|p| {
            let created: Timestamp = p.created_at.parse().unwrap();
            created.duration_since(due[&p.text]).as_millis() as i64
        })
        .collect();
    late_ms.sort_unstable();
    let last_due = due.values().max().copied().unwrap();
    let last_out = posts
        .iter()
        .map(|p| p.created_at.parse::<Timestamp>().unwrap())
        .max()
        .unwrap();
    println!(
        "lateness over {n} posts due within {} s: p50 {} ms, p99 {} ms, max {} ms, min {} ms \
         (the last went out {:.1} s after the last due instant)",
        window.as_secs(),
        percentile(&late_ms, 0.50),
        percentile(&late_ms, 0.99),
        late_ms[late_ms.len() - 1],
        late_ms[0],
        last_out.duration_since(last_due).as_secs_f64()
    );
    let statuses = app.posts(None).unwrap();
    let not_posted = statuses
        .iter()
        .filter(|p| p.status != countersign_core::Status::Posted)
        .count();
    println!("posts not `posted` in the workspace afterwards: {not_posted}");
}
