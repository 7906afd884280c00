//! Team mode's figures, through a latency-injecting TCP proxy in front of a real PostgreSQL
//! (the test harness's throwaway cluster, from the Debian package) at 0, 20, 50 and 100 ms
//! round trip:
//!
//! - each act (draft, submit, approve, schedule): round trips (what the acting laptops send
//!   through their proxy; the listening laptop has a proxy of its own) and milliseconds,
//!   median of 10;
//! - replica lag: from the end of a contributor's act to another laptop that listens having it
//!   in its replica, median of 10;
//! - publish lateness p50 / p99 with three publishing laptops (in-process `Publisher`s, each
//!   with its own sandbox grant) on an x-sandbox: by default 120 posts over 60 s per round
//!   trip; `TEAM_BENCH_POSTS=1000 TEAM_BENCH_SECS=600` runs the full figure (about 10 minutes
//!   per round trip), `TEAM_BENCH_RTTS=50` only the round trips listed.
//!
//! Targets (issue 12): approve < 500 ms and publish lateness p99 < 1 s at 50 ms.
//!
//! Run: `cargo bench -p countersign-core --bench team` (needs the `postgresql` package, which
//! `scripts/test.sh` installs). The members' keys and grants are in memory here: the keychain
//! is not what is measured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_core::publish::PublishOptions;
use countersign_core::publisher::Publisher;
use countersign_core::{Role, Status};
use jiff::{SignedDuration, Timestamp};
use support::{Laptop, Proxy, env_u64, median, ms, percentile, pg, text, wall};
use uuid::Uuid;
use x_sandbox::{Sandbox, SandboxConfig};

/// Ada's workspace, shared through `ada_proxy`; then Cleo (contributor), Ben and Dan
/// (approvers) joined and admitted, each on a laptop of their own, reaching the server through
/// `proxy` (so what Ada's laptop sends is not counted as theirs).
fn team(db: &pg::TestDb, ada_proxy: &Proxy, proxy: &Proxy) -> (Laptop, Laptop, Laptop, Laptop) {
    let ada = support::share(db, ada_proxy);
    let cleo = support::join(&ada.app, "Cleo", Role::Contributor, proxy.port);
    let ben = support::join(&ada.app, "Ben", Role::Approver, proxy.port);
    let dan = support::join(&ada.app, "Dan", Role::Approver, proxy.port);
    (ada, cleo, ben, dan)
}

/// Times `act` and counts the sends it made through the proxy.
fn measure<T>(proxy: &Proxy, act: impl FnOnce() -> T) -> (T, f64, u64) {
    let sends = proxy.sends();
    let t = Instant::now();
    let out = act();
    (out, ms(t.elapsed()), proxy.sends() - sends)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let rtts: Vec<u64> = std::env::var("TEAM_BENCH_RTTS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 20, 50, 100]);
    // The publishers' warnings (a post skipped, a pass that failed) go to stderr.
    support::log_warnings();
    let posts = env_u64("TEAM_BENCH_POSTS", 120) as usize;
    let secs = env_u64("TEAM_BENCH_SECS", 60);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = SandboxConfig::default();
    config.limits.posts_per_window = 1_000_000;
    config.limits.reads_per_window = 1_000_000;
    config.limits.posts_per_24h_user = 1_000_000;
    config.limits.posts_per_24h_app = 1_000_000;
    let sandbox = Sandbox::start_blocking(config).unwrap();
    let url = sandbox.base_url();
    println!(
        "team mode through a latency proxy (PostgreSQL {}), acts: median of 10; lateness: {posts} posts over {secs} s, 3 publishing laptops",
        pg::cluster().port()
    );
    for rtt in rtts {
        let db = pg::database();
        let ada_proxy = Proxy::start(pg::cluster().port(), Duration::from_millis(rtt));
        let proxy = Proxy::start(pg::cluster().port(), Duration::from_millis(rtt));
        let began = Instant::now();
        let (ada, cleo, ben, dan) = team(&db, &ada_proxy, &proxy);
        let setup = began.elapsed();

        // Ada's laptop listens and pulls when told, as a running app does.
        let (tx, rx) = mpsc::channel::<()>();
        let _listener = ada.app.listen_for_changes(move || {
            let _ = tx.send(());
        });
        let seen: Arc<Mutex<Vec<(Uuid, Instant)>>> = Arc::default();
        {
            let ada = ada.app.clone();
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut known: std::collections::HashSet<Uuid> = Default::default();
                while rx.recv().is_ok() {
                    while rx.try_recv().is_ok() {}
                    if ada.sync().is_err() {
                        continue;
                    }
                    for p in ada.posts(None).unwrap_or_default() {
                        if known.insert(p.id) {
                            seen.lock().unwrap().push((p.id, Instant::now()));
                        }
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(500));

        let tomorrow = Timestamp::now() + SignedDuration::from_hours(24);
        let (mut draft, mut submit, mut approve, mut schedule, mut lag) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut trips = [0u64; 4];
        for i in 0..10 {
            let (post, t, n) = measure(&proxy, || {
                cleo.app
                    .create_draft("Cleo", text(&format!("Bench {rtt} ms, {i}")))
                    .unwrap()
            });
            let done = Instant::now();
            draft.push(t);
            trips[0] = n;
            let (_, t, n) = measure(&proxy, || cleo.app.submit(post.id, "Cleo").unwrap());
            submit.push(t);
            trips[1] = n;
            let (_, t, n) = measure(&proxy, || ben.app.approve(post.id, "Ben", None).unwrap());
            approve.push(t);
            trips[2] = n;
            let at = tomorrow + SignedDuration::from_mins(i);
            let (_, t, n) = measure(&proxy, || {
                ben.app.schedule(post.id, "Ben", wall(at)).unwrap()
            });
            schedule.push(t);
            trips[3] = n;
            // Ada's replica had the draft when?
            let until = Instant::now() + Duration::from_secs(10);
            loop {
                let at = seen
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|(id, _)| *id == post.id)
                    .map(|s| s.1);
                if let Some(at) = at {
                    lag.push(ms(at.saturating_duration_since(done)));
                    break;
                }
                assert!(Instant::now() < until, "Ada's laptop never saw the draft");
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        println!(
            "rtt {rtt:>3} ms (team set up in {:.1} s):",
            setup.as_secs_f64()
        );
        for (name, v, n) in [
            ("draft", draft, trips[0]),
            ("submit", submit, trips[1]),
            ("approve", approve, trips[2]),
            ("schedule", schedule, trips[3]),
        ] {
            println!("  {name:<9} {n} round trips, {:>7.1} ms", median(v));
        }
        println!("  replica lag after a remote act: {:.1} ms", median(lag));

        // Publish lateness: three reviewer laptops publish what Cleo wrote and Ben approved.
        let mut ids = Vec::with_capacity(posts);
        for i in 0..posts {
            let post = cleo
                .app
                .create_draft("Cleo", text(&format!("Lateness {rtt} ms, post {i}")))
                .unwrap();
            cleo.app.submit(post.id, "Cleo").unwrap();
            ben.app.approve(post.id, "Ben", None).unwrap();
            ids.push(post.id);
        }
        let per_schedule = Duration::from_millis(150 + 3 * rtt);
        let first = Timestamp::now()
            + SignedDuration::try_from(per_schedule * posts as u32).unwrap()
            + SignedDuration::from_secs(5);
        let spacing = Duration::from_millis(secs * 1000 / posts.max(1) as u64);
        for (i, id) in ids.iter().enumerate() {
            let at = first + SignedDuration::try_from(spacing * i as u32).unwrap();
            ben.app.schedule(*id, "Ben", wall(at)).unwrap();
        }
        let publishers: Vec<Publisher> = runtime.block_on(async {
            let mut out = Vec::new();
            for l in [&ada, &ben, &dan] {
                l.app
                    .connect(
                        None,
                        countersign_core::x_account::Target::Sandbox(url.clone()),
                        |_| Ok(()),
                    )
                    .await
                    .unwrap();
                out.push(
                    Publisher::start(l.app.clone(), PublishOptions::default(), |_| {})
                        .await
                        .unwrap(),
                );
            }
            out
        });
        // Every post has had 120 s past its own time: the last one is due `spacing` apart from
        // `first`, and `first` itself leaves room for the scheduling above.
        let last_due =
            first + SignedDuration::try_from(spacing * (posts.max(1) - 1) as u32).unwrap();
        let deadline = Instant::now()
            + last_due.duration_since(Timestamp::now()).unsigned_abs()
            + Duration::from_secs(120);
        let mut last_report = Instant::now();
        loop {
            ada.app.sync().unwrap();
            let left: Vec<_> = ids
                .iter()
                .map(|id| ada.app.post(*id).unwrap().post)
                .filter(|p| p.status != Status::Posted)
                .collect();
            if left.is_empty() {
                break;
            }
            if last_report.elapsed() >= Duration::from_secs(30) {
                // A backlog shows here before the deadline: posts due but not yet posted.
                let now = Timestamp::now();
                let overdue: Vec<f64> = left
                    .iter()
                    .filter_map(|p| p.scheduled.as_ref().map(|s| s.at))
                    .filter(|at| *at < now)
                    .map(|at| now.duration_since(at).as_secs_f64())
                    .collect();
                eprintln!(
                    "  … {} left, {} overdue (the oldest by {:.1} s)",
                    left.len(),
                    overdue.len(),
                    overdue.iter().copied().fold(0.0, f64::max)
                );
                last_report = Instant::now();
            }
            if Instant::now() >= deadline {
                let mut by_status = std::collections::BTreeMap::<String, usize>::new();
                for p in &left {
                    *by_status.entry(format!("{:?}", p.status)).or_default() += 1;
                }
                let first = &left[0];
                panic!(
                    "{} posts not posted in time: {by_status:?}; the first, due {:?}: {:?}",
                    left.len(),
                    first.scheduled.as_ref().map(|s| s.at),
                    first.status_reason
                );
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        runtime.block_on(async {
            for p in publishers {
                p.stop(Duration::from_secs(10)).await;
            }
        });
        let late: Vec<f64> = ids
            .iter()
            .map(|id| {
                let p = ada.app.post(*id).unwrap().post;
                let due = p.scheduled.as_ref().unwrap().at;
                let posted = p.posted_at.unwrap();
                posted.duration_since(due).as_secs_f64() * 1000.0
            })
            .collect();
        println!(
            "  publish lateness over {posts} posts: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            percentile(late.clone(), 0.5),
            percentile(late.clone(), 0.99),
            percentile(late, 1.0)
        );
    }
}
