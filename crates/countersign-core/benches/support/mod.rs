//! What the team benches share: the latency proxy, a team's laptops (the admin's, who shares
//! the workspace, and each member joining on a laptop of their own), and small figures helpers.
//! Each bench includes it with `mod support;`; `team.rs` and `team_scale.rs` use different
//! parts of it.
#![allow(dead_code, reason = "each bench uses a part of it")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use countersign_core::secrets::{MemorySecrets, SecretString};
use countersign_core::store::ServerLogin;
use countersign_core::{
    App, DraftInput, InitOptions, NewMember, PartInput, Parts, Role, SystemClock, When,
};
use jiff::Timestamp;

#[path = "../../tests/pg/harness.rs"]
pub mod pg;

pub const PASS: &str = "a bench passphrase";

pub fn pass() -> SecretString {
    SecretString::new(PASS)
}

/// A TCP proxy that delays every chunk by half the round trip, each way, keeping order.
pub struct Proxy {
    pub port: u16,
    /// Chunks the laptops sent towards the server: one per round trip of the protocol.
    sends: Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(upstream: u16, rtt: Duration) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sends = Arc::new(AtomicU64::new(0));
        let counted = sends.clone();
        let one_way = rtt / 2;
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    one_way,
                    Some(counted.clone()),
                );
                pipe(server, client, one_way, None);
            }
        });
        Proxy { port, sends }
    }

    pub fn sends(&self) -> u64 {
        self.sends.load(Ordering::SeqCst)
    }
}

/// Copies `from` to `to`, each chunk `delay` after it was read.
fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration, count: Option<Arc<AtomicU64>>) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Some(c) = &count {
                        c.fetch_add(1, Ordering::SeqCst);
                    }
                    if tx
                        .send((Instant::now() + delay, buf[..n].to_vec()))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (due, bytes) in rx {
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Both);
    });
}

/// A laptop's parts: keys and grants in memory (the keychain is not what is measured), a
/// reviewer's key unlocked for the whole run.
pub fn parts() -> Parts {
    Parts {
        secrets: Arc::new(MemorySecrets::new()),
        ..Parts::in_memory(Arc::new(SystemClock))
    }
    .with_unlock_for(Duration::from_secs(24 * 3600))
}

pub struct Laptop {
    pub dir: tempfile::TempDir,
    pub app: Arc<App>,
}

/// Ada's laptop: a new workspace, Ada its admin, shared on `db` through `proxy`.
pub fn share(db: &pg::TestDb, proxy: &Proxy) -> Laptop {
    let dir = tempfile::tempdir().unwrap();
    let p = parts();
    let solo = App::init(
        dir.path(),
        InitOptions {
            handle: "acme".into(),
            timezone: Some("UTC".into()),
            ..Default::default()
        },
        p.clone(),
    )
    .unwrap();
    solo.add_member(
        None,
        NewMember {
            name: "Ada".into(),
            role: Role::Admin,
            initials: None,
            passphrase: Some(pass()),
        },
    )
    .unwrap();
    solo.unlock("Ada", &pass()).unwrap();
    let (user, password) = db.operator();
    solo.start_team(
        ServerLogin {
            host: "127.0.0.1".into(),
            port: proxy.port,
            database: db.name.clone(),
            user,
            password: SecretString::new(password),
            tls: countersign_core::store::Tls::Loopback,
        },
        "Ada",
    )
    .unwrap();
    let ada = App::open(dir.path(), p).unwrap();
    ada.unlock("Ada", &pass()).unwrap();
    Laptop {
        dir,
        app: Arc::new(ada),
    }
}

/// `name` invited by Ada, joined on a new laptop and admitted; from then on the laptop reaches
/// the server through `port` (a proxy of its own, so what Ada's laptop sends is not counted as
/// theirs, or the same one). A reviewer's key is unlocked.
pub fn join(ada: &App, name: &str, role: Role, port: u16) -> Laptop {
    let bundle = ada
        .invite("Ada", name, role, Duration::from_secs(3600))
        .unwrap()
        .encode()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = parts();
    let joined = App::join(
        dir.path(),
        p.clone(),
        bundle.expose(),
        name,
        role.reviews().then(pass),
    )
    .unwrap();
    ada.sync().unwrap();
    ada.admit("Ada", name, &joined.fingerprint).unwrap();
    move_to(dir.path(), port);
    let app = App::open(dir.path(), p).unwrap();
    if role.reviews() {
        app.unlock(name, &pass()).unwrap();
    }
    Laptop {
        dir,
        app: Arc::new(app),
    }
}

/// Points the laptop in `dir` at the server through `port` (its team.json).
fn move_to(dir: &Path, port: u16) {
    let file = dir.join("team.json");
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    cfg["port"] = serde_json::json!(port);
    std::fs::write(&file, serde_json::to_vec(&cfg).unwrap()).unwrap();
}

pub fn text(t: &str) -> DraftInput {
    DraftInput {
        parts: vec![PartInput {
            text: t.into(),
            media: vec![],
        }],
        ..DraftInput::default()
    }
}

pub fn wall(at: Timestamp) -> When {
    When {
        wall: at
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        zone: None,
        fold: None,
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The upper median.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The nearest-rank percentile (`p` in 0..=1) of `v`, which must not be empty.
pub fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Warnings (a publish pass that failed, a pull that did not reach the server) go to stderr.
pub fn log_warnings() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
}
