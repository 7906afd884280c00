//! A throwaway PostgreSQL cluster for tests: one per test binary, one database per test.
//!
//! Include it with `#[path = "pg/harness.rs"] mod pg;`. [`database`] starts the cluster on first
//! use (a `OnceLock`) from the Debian package's binaries (`pg_config --bindir`, else the newest
//! `/usr/lib/postgresql/*/bin`), in a fresh `/tmp/cs-pg-*` directory, listening only on a free
//! loopback port with `-A scram-sha-256`, `fsync=off`; the superuser `cs_super`'s random password
//! is written to a file inside that postgres-owned directory (initdb's `--pwfile`; process
//! substitution does not survive `runuser`). When the tests run as root (detected with
//! `id -u`: the workspace denies unsafe code, so no `geteuid`), initdb and pg_ctl run as the
//! `postgres` user through `runuser -u postgres --`, since initdb refuses root.
//!
//! Stopping: statics are never dropped, so the cluster is stopped by a watchdog, a small shell
//! started with it whose stdin is a pipe this process holds. When the test process ends for
//! any reason (normal exit, a panic, SIGKILL), the kernel closes the pipe, the watchdog reads
//! EOF, runs `pg_ctl stop -m immediate` and removes the directory, within about a second. Only
//! if the watchdog is killed too (say, `kill -9` on the whole process group) is the server left
//! running: `pgrep -a postgres` shows it, and `pg_ctl -D /tmp/cs-pg-*/data stop -m immediate`
//! (as postgres) stops it. A [`Cluster`] made with [`Cluster::start`] and not kept in the
//! static is also a guard: dropping it stops the server at once.
#![allow(dead_code, reason = "each test binary uses a part of the harness")]

use std::fs;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use postgres::{Client, NoTls};

/// The superuser initdb creates.
pub const SUPERUSER: &str = "cs_super";

/// A running throwaway cluster.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    password: String,
    as_postgres: bool,
    /// The watchdog and the pipe that keeps it waiting; `None` once stopped.
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
    /// How long initdb and the start took.
    pub started_in: Duration,
}

/// One test's database in the shared cluster.
#[derive(Debug)]
pub struct TestDb {
    pub name: String,
    /// A random tag, `[a-z0-9]{12}`, that the database's name is made from.
    pub tag: String,
    cluster: &'static Cluster,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// The cluster of this test binary, started on first use; panics with what is missing.
pub fn cluster() -> &'static Cluster {
    CLUSTER
        .get_or_init(|| Cluster::start().unwrap_or_else(|e| panic!("PostgreSQL test cluster: {e}")))
}

/// A fresh, empty database for one test (`t_<random>`), owned by the superuser.
pub fn database() -> TestDb {
    let cluster = cluster();
    let tag = random_tag();
    let name = format!("t_{tag}");
    let mut c = cluster.connect(SUPERUSER, &cluster.password, "postgres");
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create the test database");
    TestDb { name, tag, cluster }
}

impl TestDb {
    /// The superuser's URL for this database.
    pub fn url(&self) -> String {
        self.cluster
            .url(SUPERUSER, &self.cluster.password, &self.name)
    }

    /// A URL for `user` with `password` on this database.
    pub fn url_as(&self, user: &str, password: &str) -> String {
        self.cluster.url(user, password, &self.name)
    }

    /// A connection as the superuser.
    pub fn superuser(&self) -> Client {
        self.cluster
            .connect(SUPERUSER, &self.cluster.password, &self.name)
    }

    /// A connection as `user`, or the error the server gave.
    pub fn connect_as(&self, user: &str, password: &str) -> Result<Client, postgres::Error> {
        Client::connect(&self.url_as(user, password), NoTls)
    }

    /// What the real `pg_dump` of this database prints (schema and data), as the superuser.
    pub fn pg_dump(&self) -> String {
        let out = Command::new(self.cluster.bin.join("pg_dump"))
            .args(["-h", "127.0.0.1", "-p", &self.cluster.port.to_string()])
            .args(["-U", SUPERUSER, "-d", &self.name])
            .env("PGPASSWORD", &self.cluster.password)
            .output()
            .unwrap_or_else(|e| panic!("run pg_dump: {e}"));
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The cluster's server log so far.
    pub fn server_log(&self) -> String {
        fs::read_to_string(self.cluster.dir.join("log")).unwrap_or_default()
    }
}

impl TestDb {
    /// The cluster's superuser login (its name and password), for code that connects by itself.
    pub fn superuser_login(&self) -> (String, String) {
        (SUPERUSER.to_string(), self.cluster.password.clone())
    }

    /// What a team's operator sets up once: a login that owns this database and may create
    /// roles. Returns its name and password.
    pub fn operator(&self) -> (String, String) {
        let (user, password) = (format!("op_{}", self.tag), random_tag());
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        self.superuser()
            .batch_execute(&format!(
                "CREATE ROLE {user} LOGIN CREATEROLE PASSWORD '{verifier}';
                 ALTER DATABASE {} OWNER TO {user};",
                self.name
            ))
            .unwrap_or_else(|e| panic!("make the operator's login: {e}"));
        (user, password)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Best effort: the whole cluster goes at exit anyway.
        if let Ok(mut c) = Client::connect(
            &self
                .cluster
                .url(SUPERUSER, &self.cluster.password, "postgres"),
            NoTls,
        ) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl Cluster {
    /// initdb and start a cluster in a new temp dir; an error says what is missing.
    pub fn start() -> Result<Cluster, String> {
        let t0 = Instant::now();
        let bin = bindir()?;
        let as_postgres = running_as_root()?;
        let dir =
            std::env::temp_dir().join(format!("cs-pg-{}-{}", std::process::id(), random_tag()));
        fs::create_dir(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let password = random_tag() + &random_tag();
        let pwfile = dir.join("pw");
        fs::write(&pwfile, format!("{password}\n"))
            .map_err(|e| format!("write the password file: {e}"))?;
        run(Command::new("chmod").arg("600").arg(&pwfile))?;
        make_certificates(&dir)?;
        if as_postgres {
            run(Command::new("chown").arg("-R").arg("postgres:").arg(&dir))?;
        }
        let data = dir.join("data");
        let pg = |tool: &str| -> Command {
            let exe = bin.join(tool);
            if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(exe);
                c
            } else {
                Command::new(exe)
            }
        };
        // Watching from before initdb: a process killed at any point leaves nothing behind.
        let watchdog = watchdog(&pg("pg_ctl"), &data, &dir)?;
        run(pg("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "scram-sha-256",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["--no-sync", "--no-instructions"]))?;
        // A free port can be taken between here and the start: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let opts = format!(
                "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=100 -c ssl=on \
                 -c ssl_cert_file={} -c ssl_key_file={}",
                dir.display(),
                dir.join("server.pem").display(),
                dir.join("server.key").display()
            );
            let started = run(pg("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("log"))
                .args(["-w", "-t", "60", "-o", &opts, "start"]));
            match started {
                Ok(()) => {
                    return Ok(Cluster {
                        dir,
                        bin,
                        port,
                        password,
                        as_postgres,
                        watchdog: Mutex::new(Some(watchdog)),
                        started_in: t0.elapsed(),
                    });
                }
                Err(e) => last = e,
            }
        }
        let log = fs::read_to_string(dir.join("log")).unwrap_or_default();
        Err(format!("pg_ctl start failed: {last}\n{log}"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CA (PEM) that signed the server's certificate, which names `localhost` only: TLS
    /// to `localhost` with it verifies in full; to `127.0.0.1` the host name does not match.
    pub fn ca_pem(&self) -> String {
        fs::read_to_string(self.dir.join("ca.pem")).unwrap_or_default()
    }

    /// A CA that signed nothing this server holds.
    pub fn other_ca_pem(&self) -> String {
        fs::read_to_string(self.dir.join("other-ca.pem")).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A connection URL (TCP on loopback, SCRAM).
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "postgresql://{user}:{password}@127.0.0.1:{}/{db}",
            self.port
        )
    }

    fn connect(&self, user: &str, password: &str, db: &str) -> Client {
        Client::connect(&self.url(user, password, db), NoTls)
            .unwrap_or_else(|e| panic!("connect to {db} as {user}: {e}"))
    }

    /// Stops the server now (fast shutdown) and removes its directory.
    pub fn stop(&self) {
        let Some((mut child, stdin)) = self
            .watchdog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        drop(stdin); // the watchdog stops the server and removes the directory
        let _ = child.wait();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where the PostgreSQL binaries are.
fn bindir() -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    let mut debian: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    debian.sort_by_key(|p| {
        let v = p
            .parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok());
        std::cmp::Reverse(v.unwrap_or(0))
    });
    candidates.extend(debian);
    candidates
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
        .ok_or_else(|| {
            "no PostgreSQL server binaries (initdb, pg_ctl) found via `pg_config --bindir` or in \
             /usr/lib/postgresql/*/bin: install the Debian package `postgresql` \
             (scripts/test.sh does)"
                .to_owned()
        })
}

fn running_as_root() -> Result<bool, String> {
    let out = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("run `id -u`: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("find a free port: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// The shell that stops the cluster once this process's end closes its stdin.
fn watchdog(pg_ctl: &Command, data: &Path, dir: &Path) -> Result<(Child, ChildStdin), String> {
    let mut stop: Vec<String> = vec![pg_ctl.get_program().to_string_lossy().into_owned()];
    stop.extend(pg_ctl.get_args().map(|a| a.to_string_lossy().into_owned()));
    let script = format!(
        "cat >/dev/null; {} -D '{}' -m immediate -w stop >>'{}/watchdog.log' 2>&1; rm -rf '{}'",
        stop.join(" "),
        data.display(),
        dir.display(),
        dir.display()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("start the watchdog: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("the watchdog has no stdin")?;
    let _ = stdin.flush();
    Ok((child, stdin))
}

/// A test CA, the server's certificate (for `localhost`) signed by it, and a second CA that
/// signed nothing, with `openssl`.
fn make_certificates(dir: &Path) -> Result<(), String> {
    let openssl = |args: &[&str]| run(Command::new("openssl").current_dir(dir).args(args));
    for (name, cn) in [
        ("ca", "Countersign test CA"),
        ("other-ca", "Someone else's CA"),
    ] {
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-days",
            "3",
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])?;
    }
    openssl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ])?;
    fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| format!("write server.ext: {e}"))?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "3",
        "-extfile",
        "server.ext",
    ])?;
    run(Command::new("chmod").arg("600").arg(dir.join("server.key")))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} {:?} failed ({}): {}{}",
            cmd.get_program(),
            cmd.get_args().collect::<Vec<_>>(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// 12 random characters of `[0-9a-f]` (the random tail of a UUIDv7).
pub fn random_tag() -> String {
    let s = uuid::Uuid::now_v7().simple().to_string();
    s[s.len() - 12..].to_owned()
}
