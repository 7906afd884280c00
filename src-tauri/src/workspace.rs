//! The workspace the window works on: where its data lives, opening it (or creating it on the
//! Sandbox account on first run), and the x-sandbox that runs in this process when the
//! workspace posts to the Sandbox.
//!
//! Every rule about posts, members and approvals is in `countersign-core`; this only decides
//! which folder to open and keeps the running pieces together.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use std::time::Duration;

use countersign_core::app::team::{Joined, TeamStarted};
use countersign_core::connection::Connection;
use countersign_core::publish::PublishOptions;
use countersign_core::publisher::Publisher;
use countersign_core::secrets::{Channel, SecretString};
use countersign_core::store::ServerLogin;
use countersign_core::x_account::Target;
use countersign_core::{App, Error, InitOptions, Parts};
use serde::Serialize;
use ts_rs::TS;
use x_sandbox::{Sandbox, SandboxConfig, SandboxUser};

/// The environment variable that points the app at a data folder (tests use a temp folder).
pub const DATA_DIR_ENV: &str = "COUNTERSIGN_DATA_DIR";
/// The handle of the Sandbox account a first run creates.
pub const SANDBOX_HANDLE: &str = "sandbox_brand";
/// Where the in-process sandbox keeps its timeline and tokens, inside the data folder.
const SANDBOX_DIR: &str = "sandbox";
/// Where attached files wait until a draft is saved, inside the data folder.
const STAGING_DIR: &str = "staging";

/// What the window needs to know about the workspace before anything else.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Startup {
    pub data_dir: String,
    /// Where attached media are kept (files named by their SHA-256).
    pub media_dir: String,
    /// This run created the workspace (on the Sandbox account).
    pub first_run: bool,
    /// The workspace could not be opened: the error, for the person to act on.
    pub error: Option<ErrorBody>,
    /// Something went wrong that does not stop the app (e.g. the sandbox could not connect).
    pub warning: Option<ErrorBody>,
    /// The base URL of the sandbox running in this process, if any.
    pub sandbox_url: Option<String>,
    pub version: String,
}

/// An error as it crosses into the UI: core's `{code, message}`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ErrorBody {
    #[ts(type = "ErrorCode")]
    pub code: String,
    pub message: String,
}

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        ErrorBody {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

/// What runs once the workspace is open (the event bridge, the media scope).
type OnOpen = Box<dyn Fn(&Arc<App>) + Send + Sync>;

/// The open workspace and the pieces that run with it.
pub struct Workspace {
    data_dir: PathBuf,
    app: Mutex<Option<Arc<App>>>,
    sandbox: Mutex<Option<Sandbox>>,
    startup: Mutex<Startup>,
    paused: AtomicBool,
    publisher: Mutex<Option<Publisher>>,
    on_open: OnOpen,
    /// Becomes true once the first attempt to open (see [`Workspace::open_at_start`]) is over.
    settled: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// The data folder: `COUNTERSIGN_DATA_DIR` when set, the platform's data folder otherwise (the
/// same one the `countersign` CLI uses).
pub fn data_dir() -> Result<PathBuf, Error> {
    if let Some(d) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("app", "Countersign", "countersign")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| Error::Io {
            context: "cannot find a data folder for this user".into(),
            source: std::io::Error::other(format!("set {DATA_DIR_ENV}")),
        })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Workspace {
    /// The workspace in `data_dir`, not open yet: [`Workspace::open_at_start`] opens it (or
    /// creates it on the Sandbox account when there is none). `on_open` runs once the
    /// workspace is open (then, or when a later command manages to open it).
    pub fn new(
        data_dir: PathBuf,
        on_open: impl Fn(&Arc<App>) + Send + Sync + 'static,
    ) -> Workspace {
        Workspace {
            startup: Mutex::new(Startup {
                data_dir: data_dir.display().to_string(),
                media_dir: data_dir
                    .join(countersign_core::app::MEDIA_DIR)
                    .display()
                    .to_string(),
                first_run: false,
                error: None,
                warning: None,
                sandbox_url: None,
                version: env!("CARGO_PKG_VERSION").to_string(),
            }),
            data_dir,
            app: Mutex::new(None),
            sandbox: Mutex::new(None),
            paused: AtomicBool::new(false),
            publisher: Mutex::new(None),
            on_open: Box::new(on_open),
            settled: tokio::sync::watch::Sender::new(false),
        }
    }

    /// Opens the workspace, starts its Sandbox and its publisher. Never fails: what went wrong
    /// is kept for the window to show. Blocks (the keychain, the Sandbox's port): the app runs
    /// it on its own thread while the window starts, and commands wait for it in
    /// [`Workspace::settled`].
    pub fn open_at_start(&self) {
        let started = std::time::Instant::now();
        if let Err(e) = self.open() {
            tracing::warn!(code = e.code(), "the workspace did not open");
            lock(&self.startup).error = Some(ErrorBody::from(&e));
        }
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "workspace opened"
        );
        self.settled.send_replace(true);
    }

    /// Waits until the first attempt to open the workspace is over.
    pub async fn settled(&self) {
        let mut settled = self.settled.subscribe();
        // Only fails when the sender is gone, and `self` holds it.
        let _ = settled.wait_for(|done| *done).await;
    }

    pub fn startup(&self) -> Startup {
        lock(&self.startup).clone()
    }

    /// The open workspace, or why it is not open.
    pub fn app(&self) -> Result<Arc<App>, Error> {
        if let Some(app) = lock(&self.app).as_ref() {
            return Ok(app.clone());
        }
        let why = lock(&self.startup)
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| "it is still opening; try again in a moment".into());
        Err(Error::WorkspaceNotOpen { detail: why })
    }

    /// Tries again to open the workspace that did not open at start. Blocks: call it off the
    /// async runtime.
    pub fn reopen(&self) -> Startup {
        if lock(&self.app).is_none()
            && let Err(e) = self.open()
        {
            lock(&self.startup).error = Some(ErrorBody::from(&e));
        }
        self.startup()
    }

    /// Whether publishing is paused (from the tray or the window).
    pub fn publishing_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    pub fn set_publishing_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
        if let Some(p) = lock(&self.publisher).as_ref() {
            if paused {
                p.pause();
            } else {
                p.resume();
            }
        }
    }

    /// Stops the publisher: a request already sent is waited for (a few seconds) and
    /// recorded. Blocks: call it off the async runtime.
    pub fn stop_publishing(&self) {
        if let Some(p) = lock(&self.publisher).take() {
            tauri::async_runtime::block_on(p.stop(Duration::from_secs(10)));
        }
    }

    /// Starts publishing scheduled posts from this process, unless another process (the CLI's
    /// `publish --watch`) holds the workspace's publisher lease.
    fn start_publishing(&self, app: &Arc<App>) -> Result<(), Error> {
        if lock(&self.publisher).is_some() {
            return Ok(());
        }
        let publisher = tauri::async_runtime::block_on(Publisher::start(
            app.clone(),
            PublishOptions::default(),
            |report| tracing::debug!(?report, "publishing pass"),
        ))?;
        if self.publishing_paused() {
            publisher.pause();
        }
        *lock(&self.publisher) = Some(publisher);
        Ok(())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The folder attached files are copied to until a draft takes them.
    pub fn staging_dir(&self) -> PathBuf {
        self.data_dir.join(STAGING_DIR)
    }

    pub fn sandbox_url(&self) -> Option<String> {
        lock(&self.sandbox).as_ref().map(Sandbox::base_url)
    }

    fn open(&self) -> Result<(), Error> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| Error::Io {
            context: format!("cannot create {}", self.data_dir.display()),
            source: e,
        })?;
        // Files attached to a draft that was never saved.
        let _ = std::fs::remove_dir_all(self.staging_dir());
        // The app's parts: the system clock and the OS keychain of this install's channel,
        // read here once (core reads no environment).
        let parts = self.parts();
        let (app, first_run) = match App::open(&self.data_dir, parts.clone()) {
            Ok(app) => (app, false),
            Err(Error::NoWorkspace { .. }) => {
                let app = App::init(
                    &self.data_dir,
                    InitOptions {
                        handle: SANDBOX_HANDLE.into(),
                        display_name: Some("Sandbox Brand".into()),
                        timezone: None,
                        solo: false,
                        max_weighted_length: None,
                    },
                    parts,
                )?;
                (app, true)
            }
            Err(e) => return Err(e),
        };
        let app = Arc::new(app);
        *lock(&self.app) = Some(app.clone());
        (self.on_open)(&app);
        lock(&self.startup).first_run |= first_run;
        // The Sandbox account: a workspace connected to a sandbox, or one made on first run
        // that never got connected (say the keychain was not running then).
        let conn = app.connection()?;
        let never_connected = conn.sandbox_url.is_none() && conn.client_id.is_none();
        // A team laptop connects only when its member chooses to (a contributor's never holds
        // the brand's token), from the Team & account screen.
        let on_sandbox = first_run
            || conn.sandbox_url.is_some()
            || (never_connected && !app.is_team() && app.account()?.handle == SANDBOX_HANDLE);
        if on_sandbox && let Err(e) = self.run_sandbox(&app, first_run || never_connected) {
            tracing::warn!(code = e.code(), "the Sandbox account is not available");
            lock(&self.startup).warning = Some(ErrorBody::from(&e));
        }
        if let Err(e) = self.start_publishing(&app) {
            tracing::warn!(code = e.code(), "this window does not publish");
            lock(&self.startup).warning = Some(ErrorBody::from(&e));
        }
        lock(&self.startup).error = None;
        Ok(())
    }

    /// Runs the built-in x-sandbox for this workspace (its timeline kept in the data folder),
    /// on the port it had before if that is free, and connects the workspace to it when the
    /// workspace is new or the sandbox's address changed. Blocks: call it off the async runtime.
    fn run_sandbox(&self, app: &App, connect: bool) -> Result<String, Error> {
        let previous = app.connection()?.sandbox_url;
        let url = self.ensure_sandbox(app, previous.as_deref())?;
        if connect || previous.as_deref() != Some(url.as_str()) {
            tauri::async_runtime::block_on(app.connect(
                None,
                Target::Sandbox(url.clone()),
                |_| Ok(()),
            ))?;
        }
        Ok(url)
    }

    /// Starts the sandbox unless it runs already; returns its base URL.
    fn ensure_sandbox(&self, app: &App, previous: Option<&str>) -> Result<String, Error> {
        if let Some(url) = self.sandbox_url() {
            return Ok(url);
        }
        let account = app.account()?;
        let port = previous
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.port())
            .unwrap_or(0);
        let config = |port| SandboxConfig {
            port,
            state_dir: Some(self.data_dir.join(SANDBOX_DIR)),
            user: SandboxUser {
                username: account.handle.clone(),
                name: account.display_name.clone(),
                ..SandboxUser::default()
            },
            ..SandboxConfig::default()
        };
        let sandbox = tauri::async_runtime::block_on(async {
            match Sandbox::start(config(port)).await {
                Ok(s) => Ok(s),
                // The old port is taken: any free one will do (the workspace reconnects).
                Err(_) if port != 0 => Sandbox::start(config(0)).await,
                Err(e) => Err(e),
            }
        })
        .map_err(|e| Error::Io {
            context: "the built-in Sandbox could not start".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let url = sandbox.base_url();
        *lock(&self.sandbox) = Some(sandbox);
        lock(&self.startup).sandbox_url = Some(url.clone());
        Ok(url)
    }

    /// "Join my team" on a laptop that has only the workspace its first run made: that
    /// workspace is put aside (in a folder of the data folder, nothing deleted) and this data
    /// folder becomes `name`'s laptop in the team the invite `bundle` names. Returns the
    /// fingerprint to read out to the admin. Refused once the workspace here holds posts: a
    /// laptop with work of its own joins from a new data folder (`countersign team join`).
    /// Blocks: call it off the async runtime.
    pub fn join(
        &self,
        bundle: &str,
        name: &str,
        passphrase: Option<SecretString>,
    ) -> Result<Joined, Error> {
        let app = self.app()?;
        if app.is_team() {
            return Err(Error::TeamSetup(
                "this laptop is in a team already; join another team from a new data folder".into(),
            ));
        }
        if !app.posts(None)?.is_empty() || app.account()?.handle != SANDBOX_HANDLE {
            return Err(Error::TeamSetup(
                "this workspace holds work of its own, so joining would hide it: join from a new \
                 data folder (countersign --data-dir DIR team join BUNDLE --as NAME)"
                    .into(),
            ));
        }
        // Decoded first: a bundle that cannot be used changes nothing here.
        countersign_core::team::invite::Invite::decode(bundle, app.now())?;
        self.stop_publishing();
        *lock(&self.app) = None;
        drop(app);
        if let Some(sandbox) = lock(&self.sandbox).take() {
            drop(sandbox);
        }
        lock(&self.startup).sandbox_url = None;
        let aside = self.data_dir.join(format!(
            "solo-before-joining-{}",
            jiff::Timestamp::now().as_second()
        ));
        let moved = std::fs::create_dir_all(&aside).and_then(|()| {
            for entry in std::fs::read_dir(&self.data_dir)? {
                let entry = entry?;
                let name = entry.file_name();
                if name.to_string_lossy().starts_with("solo-before-joining-") {
                    continue;
                }
                std::fs::rename(entry.path(), aside.join(name))?;
            }
            Ok(())
        });
        if let Err(e) = moved {
            let _ = self.open();
            return Err(Error::Io {
                context: format!(
                    "cannot put the first-run workspace aside in {}",
                    aside.display()
                ),
                source: e,
            });
        }
        let joined = App::join(&self.data_dir, self.parts(), bundle, name, passphrase);
        if joined.is_err() {
            // Nothing joined: the first-run workspace comes back as it was.
            if let Ok(entries) = std::fs::read_dir(&aside) {
                for entry in entries.flatten() {
                    let _ = std::fs::rename(entry.path(), self.data_dir.join(entry.file_name()));
                }
            }
            let _ = std::fs::remove_dir(&aside);
        }
        let reopened = self.open();
        let joined = joined?;
        reopened?;
        Ok(joined)
    }

    /// "Share this workspace": uploads it to the team server `operator` logs in to (the
    /// operator's password used once, kept nowhere) and makes this laptop `admin`'s in the
    /// team. The workspace is closed meanwhile and opened again as a team laptop, whatever
    /// happens. Blocks: call it off the async runtime.
    pub fn share(&self, operator: ServerLogin, admin: &str) -> Result<TeamStarted, Error> {
        self.stop_publishing();
        let Some(shared) = lock(&self.app).take() else {
            return Err(self.app().err().unwrap_or(Error::WorkspaceNotOpen {
                detail: "it is not open".into(),
            }));
        };
        // A command still running holds the workspace for a moment: wait for it.
        let mut shared = Some(shared);
        let mut app = None;
        for _ in 0..50 {
            match Arc::try_unwrap(shared.take().expect("held until unwrapped")) {
                Ok(a) => {
                    app = Some(a);
                    break;
                }
                Err(still) => {
                    shared = Some(still);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        let Some(app) = app else {
            *lock(&self.app) = shared;
            return Err(Error::Busy);
        };
        let started = app.start_team(operator, admin);
        // Opened again either way: as the team laptop, or as the solo workspace it still is.
        let reopened = self.open();
        let started = started?;
        reopened?;
        Ok(started)
    }

    fn parts(&self) -> Parts {
        Parts::for_channel(Channel::named(
            std::env::var("COUNTERSIGN_CHANNEL").ok().as_deref(),
        ))
    }

    /// Connects the workspace to the built-in Sandbox, starting it if needed. `actor` must be
    /// an admin. Blocks: call it off the async runtime.
    pub fn use_sandbox(&self, actor: &str) -> Result<Connection, Error> {
        let app = self.app()?;
        let url = self.ensure_sandbox(&app, app.connection()?.sandbox_url.as_deref())?;
        tauri::async_runtime::block_on(app.connect(Some(actor), Target::Sandbox(url), |_| Ok(())))
    }
}
