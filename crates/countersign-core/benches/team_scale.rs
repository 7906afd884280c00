//! Team mode at scale: 20 laptops share one workspace through one real PostgreSQL server (the
//! test harness's throwaway cluster, from the Debian package), each laptop reaching it through
//! a latency-injecting proxy, while a driver makes 10 acts a second between them.
//!
//! The team: Ada (admin), 8 approvers and 11 contributors, each an `App` with a data dir, a
//! replica and a member key of its own (keys in memory: the keychain is not what is measured).
//! Each laptop keeps its replica as the running app does: it listens (`LISTEN cs_changes`) and
//! runs [`App::team_tick`] on every notification and every 5 s regardless (a pull, and the
//! 15-second heartbeat, which is a write of its own).
//!
//! The driver issues an act every 100 ms on a fixed timetable (open loop: a slow act does not
//! slow the timetable; it queues behind the acting laptop's previous act, which shows as start
//! lateness): 22 % drafts (three in four by contributors), 20 % submits by the author, 20 %
//! comments by anyone on a recent post, 19 % approvals by a reviewer who is not the author,
//! 19 % schedules (a day ahead) by the approver; a step with nothing waiting for it drafts.
//!
//! Figures:
//! - acts: done, failed (with the error codes), achieved acts per second, each kind's time
//!   p50 / p99, and start lateness;
//! - replica lag, per act and per other laptop: from the act returning on its laptop (the
//!   server has committed it) to the other laptop's replica holding the change (its high-water
//!   mark, read from its SQLite file after each pull and each act), p50 / p95 / p99 / max;
//!   target p99 < 2 s;
//! - lock waits, on the server: `log_lock_waits = on` with `deadlock_timeout = 100ms`, so every
//!   wait of 100 ms or more is logged with its length when the lock is granted; the count, the
//!   max, and how many waited over 1 s (target: none); and, sampled every 100 ms from
//!   `pg_stat_activity`, the most sessions seen waiting for a lock at once.
//!
//! Run: `cargo bench -p countersign-core --bench team_scale` (needs the `postgresql` package,
//! which `scripts/test.sh` installs). Ten minutes by default; `TEAM_SCALE_SECS=60` shortens it,
//! `TEAM_SCALE_RTT=50` sets the round trip in ms (default 20: a server in the team's region),
//! `TEAM_SCALE_RATE=10` the acts per second. Everything runs on this one machine, server and
//! 20 laptops alike, so say how many cores it had beside the figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_core::Role;
use jiff::{SignedDuration, Timestamp};
use support::{Laptop, Proxy, env_u64, ms, percentile, pg, text, wall};
use uuid::Uuid;

/// The team: Ada shares the workspace; then 8 approvers and 11 contributors join.
const APPROVERS: [&str; 8] = ["Ben", "Dan", "Omar", "Pia", "Quin", "Rosa", "Sami", "Tova"];
const CONTRIBUTORS: [&str; 11] = [
    "Cleo", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kit", "Lea", "Max", "Noor",
];

/// How the app pulls regardless of notifications (`countersign_core::app::team::TEAM_POLL`).
const POLL: Duration = Duration::from_secs(5);

const LAG_TARGET_MS: f64 = 2000.0;
const LOCK_WAIT_TARGET_MS: f64 = 1000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Draft,
    Submit,
    Comment,
    Approve,
    Schedule,
}

/// One act the driver hands to a laptop.
#[derive(Debug, Clone, Copy)]
enum Act {
    Draft { n: usize },
    Submit { post: Uuid },
    Comment { post: Uuid, n: usize },
    Approve { post: Uuid },
    Schedule { post: Uuid, at: Timestamp },
}

impl Act {
    fn kind(&self) -> Kind {
        match self {
            Act::Draft { .. } => Kind::Draft,
            Act::Submit { .. } => Kind::Submit,
            Act::Comment { .. } => Kind::Comment,
            Act::Approve { .. } => Kind::Approve,
            Act::Schedule { .. } => Kind::Schedule,
        }
    }
}

/// Posts waiting for their next step, oldest first, with who takes it.
#[derive(Default)]
struct Pipeline {
    /// Drafts and their authors, waiting to be submitted.
    drafts: VecDeque<(Uuid, usize)>,
    /// Submitted posts and their authors, waiting for an approval.
    submitted: VecDeque<(Uuid, usize)>,
    /// Approved posts and their approvers, waiting to be scheduled (by the same approver: the
    /// time is countersigned with the approval).
    approved: VecDeque<(Uuid, usize)>,
    /// Recent posts, for comments.
    recent: VecDeque<Uuid>,
}

/// What became of one act.
struct Done {
    kind: Kind,
    laptop: usize,
    due: Instant,
    began: Instant,
    ended: Instant,
    /// The acting laptop's high-water mark once the act returned: the act's last change (or,
    /// if its pull loop ran in between, a later one, which only lengthens the lag measured).
    seq: i64,
    error: Option<String>,
}

/// A laptop's replica as it grew: when its high-water mark reached what.
type Progress = Mutex<Vec<(Instant, i64)>>;

/// A small deterministic generator (xorshift64*), so runs pick the same acts.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Reads a laptop's replica high-water mark straight from its SQLite file: what the replica
/// shows, without going through (and waiting on) the app.
struct Replica(rusqlite::Connection);

impl Replica {
    fn open(laptop: &Laptop) -> Replica {
        let path = laptop.dir.path().join(countersign_core::app::DB_FILE);
        let conn =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        Replica(conn)
    }

    fn high_water(&self) -> i64 {
        self.0
            .query_row("SELECT high_water FROM replica WHERE id = 1", [], |r| {
                r.get(0)
            })
            .unwrap_or(0)
    }
}

fn main() {
    support::log_warnings();
    let secs = env_u64("TEAM_SCALE_SECS", 600);
    let rtt = env_u64("TEAM_SCALE_RTT", 20);
    let rate = env_u64("TEAM_SCALE_RATE", 10).max(1);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());

    let db = pg::database();
    // Every lock wait of 100 ms or more goes to the server log, with its length once granted.
    {
        let mut su = db.superuser();
        su.batch_execute("ALTER SYSTEM SET log_lock_waits = on")
            .unwrap();
        su.batch_execute("ALTER SYSTEM SET deadlock_timeout = '100ms'")
            .unwrap();
        su.batch_execute("SELECT pg_reload_conf()").unwrap();
    }
    let server_version: String = db
        .superuser()
        .query_one("SHOW server_version", &[])
        .unwrap()
        .get(0);
    let proxy = Proxy::start(pg::cluster().port(), Duration::from_millis(rtt));

    let began = Instant::now();
    let mut names = vec!["Ada"];
    let mut laptops = vec![support::share(&db, &proxy)];
    for name in APPROVERS {
        laptops.push(support::join(
            &laptops[0].app,
            name,
            Role::Approver,
            proxy.port,
        ));
        names.push(name);
    }
    for name in CONTRIBUTORS {
        laptops.push(support::join(
            &laptops[0].app,
            name,
            Role::Contributor,
            proxy.port,
        ));
        names.push(name);
    }
    let reviewers: Vec<usize> = (0..=APPROVERS.len()).collect();
    let contributors: Vec<usize> = (APPROVERS.len() + 1..laptops.len()).collect();
    let n = laptops.len();
    println!(
        "team at scale: {n} laptops ({} reviewers, {} contributors), PostgreSQL {server_version}, \
         rtt {rtt} ms through a latency proxy, {rate} acts/s for {secs} s; server and laptops \
         on this one machine ({cores} cores, shared with other work); set up in {:.1} s",
        reviewers.len(),
        contributors.len(),
        began.elapsed().as_secs_f64()
    );

    // Each laptop's pull loop, as the app runs it.
    let stop = Arc::new(AtomicBool::new(false));
    let progress: Arc<Vec<Progress>> = Arc::new((0..n).map(|_| Progress::default()).collect());
    let mut listeners = Vec::new();
    let mut loops = Vec::new();
    for (i, laptop) in laptops.iter().enumerate() {
        let (tx, rx) = mpsc::channel::<()>();
        listeners.push(laptop.app.listen_for_changes(move || {
            let _ = tx.send(());
        }));
        let app = laptop.app.clone();
        let replica = Replica::open(laptop);
        let (stop, progress) = (stop.clone(), progress.clone());
        loops.push(std::thread::spawn(move || {
            let mut next = POLL;
            while !stop.load(Ordering::SeqCst) {
                match rx.recv_timeout(next) {
                    Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {
                        while rx.try_recv().is_ok() {}
                        next = app.team_tick();
                        progress[i]
                            .lock()
                            .unwrap()
                            .push((Instant::now(), replica.high_water()));
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_secs(2));

    // The server's view while the acts run: how many sessions wait for a lock at once.
    let log_from = db.server_log().len();
    let most_waiting = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let (stop, most) = (stop.clone(), most_waiting.clone());
        let mut su = db.superuser();
        let name = db.name.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let waiting: i64 = su
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity
                         WHERE datname = $1 AND wait_event_type = 'Lock'",
                        &[&name],
                    )
                    .map_or(0, |r| r.get(0));
                most.fetch_max(waiting as usize, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    // One worker per laptop: its acts run in the order the driver gave them.
    let pipeline = Arc::new(Mutex::new(Pipeline::default()));
    let done: Arc<Mutex<Vec<Done>>> = Arc::default();
    let mut queues = Vec::new();
    let mut workers = Vec::new();
    for (i, laptop) in laptops.iter().enumerate() {
        let (tx, rx) = mpsc::channel::<(Instant, Act)>();
        queues.push(tx);
        let app = laptop.app.clone();
        let me = names[i];
        let replica = Replica::open(laptop);
        let (pipeline, done, progress) = (pipeline.clone(), done.clone(), progress.clone());
        workers.push(std::thread::spawn(move || {
            for (due, act) in rx {
                let began = Instant::now();
                let out: Result<(), countersign_core::Error> = match act {
                    Act::Draft { n } => app
                        .create_draft(me, text(&format!("Scale post {n} by {me}")))
                        .map(|p| {
                            let mut pl = pipeline.lock().unwrap();
                            pl.drafts.push_back((p.id, i));
                            pl.recent.push_back(p.id);
                            if pl.recent.len() > 50 {
                                pl.recent.pop_front();
                            }
                        }),
                    Act::Submit { post } => app.submit(post, me).map(|_| {
                        pipeline.lock().unwrap().submitted.push_back((post, i));
                    }),
                    Act::Comment { post, n } => app
                        .comment(post, me, &format!("Comment {n}: looks fine to {me}"))
                        .map(|_| ()),
                    Act::Approve { post } => app.approve(post, me, None).map(|_| {
                        pipeline.lock().unwrap().approved.push_back((post, i));
                    }),
                    Act::Schedule { post, at } => app.schedule(post, me, wall(at)).map(|_| ()),
                };
                let ended = Instant::now();
                let seq = replica.high_water();
                progress[i].lock().unwrap().push((ended, seq));
                done.lock().unwrap().push(Done {
                    kind: act.kind(),
                    laptop: i,
                    due,
                    began,
                    ended,
                    seq,
                    error: out.err().map(|e| format!("{}: {e}", e.code())),
                });
            }
        }));
    }

    // The driver: an act every 1/rate s on a fixed timetable.
    let mut dice = Dice(0x5eed_cafe_f00d_0001);
    let tomorrow = Timestamp::now() + SignedDuration::from_hours(24);
    let total = (secs * rate) as usize;
    let start = Instant::now() + Duration::from_millis(100);
    let mut planned = BTreeMap::<Kind, usize>::new();
    for k in 0..total {
        let due = start + Duration::from_secs_f64(k as f64 / rate as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let roll = dice.below(100);
        let (laptop, act) = {
            let mut pl = pipeline.lock().unwrap();
            let step = if roll < 22 {
                None
            } else if roll < 42 {
                pl.drafts
                    .pop_front()
                    .map(|(post, author)| (author, Act::Submit { post }))
            } else if roll < 62 {
                (!pl.recent.is_empty()).then(|| {
                    let post = pl.recent[dice.below(pl.recent.len())];
                    (dice.below(n), Act::Comment { post, n: k })
                })
            } else if roll < 81 {
                pl.submitted.pop_front().map(|(post, author)| {
                    let others: Vec<usize> =
                        reviewers.iter().copied().filter(|r| *r != author).collect();
                    (others[dice.below(others.len())], Act::Approve { post })
                })
            } else {
                pl.approved.pop_front().map(|(post, approver)| {
                    let at = tomorrow + SignedDuration::from_secs(k as i64);
                    (approver, Act::Schedule { post, at })
                })
            };
            step.unwrap_or_else(|| {
                let author = if dice.below(4) < 3 {
                    contributors[dice.below(contributors.len())]
                } else {
                    reviewers[dice.below(reviewers.len())]
                };
                (author, Act::Draft { n: k })
            })
        };
        *planned.entry(act.kind()).or_default() += 1;
        queues[laptop].send((due, act)).unwrap();
        if k > 0 && k % (rate as usize * 60) == 0 {
            let d = done.lock().unwrap();
            let failed = d.iter().filter(|d| d.error.is_some()).count();
            eprintln!(
                "  … {:.0} s: {} acts done, {failed} failed",
                start.elapsed().as_secs_f64(),
                d.len()
            );
        }
    }
    drop(queues);
    for w in workers {
        w.join().unwrap();
    }
    let driven = start.elapsed();

    // Let every replica catch up with the last act (or say which did not).
    let last = done
        .lock()
        .unwrap()
        .iter()
        .map(|d| d.seq)
        .max()
        .unwrap_or(0);
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until
        && progress
            .iter()
            .any(|p| p.lock().unwrap().last().is_none_or(|l| l.1 < last))
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::SeqCst);
    drop(listeners);
    sampler.join().unwrap();
    for l in loops {
        l.join().unwrap();
    }
    let log = db.server_log();
    let log = log.get(log_from..).unwrap_or_default();

    // Acts.
    let done = std::mem::take(&mut *done.lock().unwrap());
    let failed: Vec<&Done> = done.iter().filter(|d| d.error.is_some()).collect();
    let mut errors = BTreeMap::<String, usize>::new();
    for d in &failed {
        let e = d.error.clone().unwrap_or_default();
        *errors.entry(e.chars().take(160).collect()).or_default() += 1;
    }
    let ok = done.len() - failed.len();
    println!(
        "acts: {} planned {planned:?}, {ok} done, {} failed; achieved {:.2} acts/s (target {rate}) \
         over {:.1} s",
        total,
        failed.len(),
        ok as f64 / driven.as_secs_f64(),
        driven.as_secs_f64()
    );
    for (e, count) in &errors {
        println!("  failed ×{count}: {e}");
    }
    for kind in [
        Kind::Draft,
        Kind::Submit,
        Kind::Comment,
        Kind::Approve,
        Kind::Schedule,
    ] {
        let t: Vec<f64> = done
            .iter()
            .filter(|d| d.kind == kind && d.error.is_none())
            .map(|d| ms(d.ended - d.began))
            .collect();
        if !t.is_empty() {
            println!(
                "  {:<9} ×{:<5} p50 {:>6.0} ms, p99 {:>6.0} ms, max {:>6.0} ms",
                format!("{kind:?}").to_lowercase(),
                t.len(),
                percentile(t.clone(), 0.5),
                percentile(t.clone(), 0.99),
                percentile(t, 1.0)
            );
        }
    }
    let late: Vec<f64> = done
        .iter()
        .map(|d| ms(d.began.saturating_duration_since(d.due)))
        .collect();
    if !late.is_empty() {
        println!(
            "  start lateness (behind the laptop's previous act): p50 {:.0} ms, p99 {:.0} ms, \
             max {:.0} ms",
            percentile(late.clone(), 0.5),
            percentile(late.clone(), 0.99),
            percentile(late, 1.0)
        );
    }

    // Replica lag: each successful act, on every other laptop.
    let progress: Vec<Vec<(Instant, i64)>> = progress
        .iter()
        .map(|p| std::mem::take(&mut *p.lock().unwrap()))
        .collect();
    let mut lag = Vec::with_capacity(ok * (n - 1));
    let mut never = 0usize;
    for d in done.iter().filter(|d| d.error.is_none()) {
        for (j, seen) in progress.iter().enumerate() {
            if j == d.laptop {
                continue;
            }
            let at = seen.partition_point(|(_, hw)| *hw < d.seq);
            match seen.get(at) {
                Some((t, _)) => lag.push(ms(t.saturating_duration_since(d.ended))),
                None => never += 1,
            }
        }
    }
    if lag.is_empty() {
        println!("replica lag: no samples");
    } else {
        let p99 = percentile(lag.clone(), 0.99);
        println!(
            "replica lag over {} (act, other laptop) pairs: p50 {:.0} ms, p95 {:.0} ms, p99 {p99:.0} \
             ms, max {:.0} ms; {never} never caught up; target p99 < {LAG_TARGET_MS:.0} ms: {}",
            lag.len(),
            percentile(lag.clone(), 0.5),
            percentile(lag.clone(), 0.95),
            percentile(lag, 1.0),
            verdict(p99 < LAG_TARGET_MS && never == 0)
        );
    }

    // Lock waits, from the server's log.
    let waits = lock_waits(log);
    let still = log.matches(" still waiting for ").count();
    let over: Vec<&(String, f64)> = waits.iter().filter(|w| w.1 > LOCK_WAIT_TARGET_MS).collect();
    let max = waits.iter().map(|w| w.1).fold(0.0, f64::max);
    let mut by_lock = BTreeMap::<&str, (usize, f64)>::new();
    for (what, wait) in &waits {
        let e = by_lock.entry(what.as_str()).or_default();
        e.0 += 1;
        e.1 = e.1.max(*wait);
    }
    println!(
        "lock waits ≥ 100 ms (server log): {} granted, {} began (a wait that began and was never \
         granted ended in an error), max {max:.0} ms, {} over {LOCK_WAIT_TARGET_MS:.0} ms; at \
         most {} sessions waiting at once (sampled every 100 ms); target none over 1 s: {}",
        waits.len(),
        still,
        over.len(),
        most_waiting.load(Ordering::SeqCst),
        verdict(over.is_empty() && still == waits.len())
    );
    for (what, (count, max)) in by_lock {
        println!("  {what}: ×{count}, max {max:.0} ms");
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at the end (1, 5, 15 min): {}", load.trim());
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// The lock waits the server logged (`log_lock_waits`): what was waited for (the lock's kind,
/// the workspace's advisory lock told apart) and how long, in ms, from lines such as
/// `process 123 acquired ExclusiveLock on advisory lock [16384,0,7262,1] after 1001.2 ms`.
fn lock_waits(log: &str) -> Vec<(String, f64)> {
    log.lines()
        .filter_map(|line| {
            let rest = &line[line.find(" acquired ")? + " acquired ".len()..];
            let (what, after) = rest.rsplit_once(" after ")?;
            let wait: f64 = after.trim().strip_suffix(" ms")?.parse().ok()?;
            let what = match what.split_once(" [") {
                Some((kind, id)) if kind.ends_with("advisory lock") && id.contains(",7262,") => {
                    "the workspace lock (advisory 7262)".to_string()
                }
                Some((kind, _)) => kind.to_string(),
                None => what.to_string(),
            };
            Some((what, wait))
        })
        .collect()
}
