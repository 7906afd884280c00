//! The end-to-end test's world: a private X display (Xvfb), a private D-Bus session with an
//! unlocked, headless GNOME Keyring (the real OS keychain), temp XDG folders and a temp
//! workspace, and tauri-driver on free ports. All of it runs in one process group that is
//! ended when the test is done, so nothing is left running and nothing touches the user's
//! own display, keyring or data.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why the end-to-end test cannot run here.
#[derive(Debug)]
pub struct Unavailable(pub String);

/// Finds a program on PATH (or in ~/.cargo/bin, where `cargo install` puts tauri-driver).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The running world. Dropping it stops everything it started and removes its temp folders.
#[derive(Debug)]
pub struct World {
    /// Holds the XDG folders, the keyring's files and the workspace.
    pub tmp: tempfile::TempDir,
    /// The app's data dir (`COUNTERSIGN_DATA_DIR`).
    pub data_dir: PathBuf,
    /// tauri-driver's URL.
    pub driver_url: String,
    /// Where tauri-driver's (and so the app's) output goes.
    pub log: PathBuf,
    child: Option<Child>,
}

/// An X display and the cookie file that opens it.
#[derive(Debug, Clone)]
pub struct XDisplay {
    pub display: String,
    pub xauthority: String,
}

impl World {
    /// Starts Xvfb, the private session bus and keyring, and tauri-driver.
    ///
    /// `out_dir` receives the driver log. `app_env` is passed to the app (through the driver).
    pub fn start(out_dir: &Path, app_env: &[(&str, &str)]) -> Result<World, Unavailable> {
        let mut missing = Vec::new();
        let mut need = |name: &str, package: &str| {
            let found = find_program(name);
            if found.is_none() {
                missing.push(format!("{name} ({package})"));
            }
            found
        };
        let xvfb_run = need("xvfb-run", "apt: xvfb");
        need("Xvfb", "apt: xvfb");
        need("xauth", "apt: xauth");
        let dbus = need("dbus-run-session", "apt: dbus");
        need("gnome-keyring-daemon", "apt: gnome-keyring");
        need("WebKitWebDriver", "apt: webkit2gtk-driver");
        let driver = need(
            "tauri-driver",
            "cargo install tauri-driver --locked --version 2.1.0",
        );
        let (Some(xvfb_run), Some(dbus), Some(driver)) = (xvfb_run, dbus, driver) else {
            return Err(Unavailable(format!("missing: {}", missing.join(", "))));
        };
        if !missing.is_empty() {
            return Err(Unavailable(format!("missing: {}", missing.join(", "))));
        }

        let tmp = tempfile::Builder::new()
            .prefix("countersign-e2e.")
            .tempdir()
            .map_err(|e| Unavailable(format!("temp dir: {e}")))?;
        let dir = |name: &str| -> Result<PathBuf, Unavailable> {
            let p = tmp.path().join(name);
            std::fs::create_dir_all(&p)
                .map_err(|e| Unavailable(format!("creating {}: {e}", p.display())))?;
            Ok(p)
        };
        let run = dir("run")?;
        std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .map_err(|e| Unavailable(format!("chmod {}: {e}", run.display())))?;
        let data_home = dir("data")?;
        let config_home = dir("config")?;
        let cache_home = dir("cache")?;
        let data_dir = dir("workspace")?;

        let port = free_port().map_err(|e| Unavailable(format!("a free port: {e}")))?;
        let native_port = free_port().map_err(|e| Unavailable(format!("a free port: {e}")))?;
        let log = out_dir.join("driver.log");
        let log_file = std::fs::File::create(&log)
            .map_err(|e| Unavailable(format!("creating {}: {e}", log.display())))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| Unavailable(format!("log: {e}")))?;

        // A throwaway password for the throwaway keyring; it only ever sits in the
        // environment of the shell that unlocks the keyring, never in a file or a log.
        let keyring_pass = {
            use std::hash::{BuildHasher as _, Hasher as _};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u16(port);
            format!("e2e-{}-{:016x}", std::process::id(), h.finish())
        };
        let mut cmd = Command::new(xvfb_run);
        cmd.args(["-a", "-s", "-screen 0 1280x800x24 -nolisten tcp"])
            .arg(dbus)
            .args([
                "--",
                "sh",
                "-c",
                "printf %s \"$CS_E2E_KEYRING_PASS\" | \
                 gnome-keyring-daemon --unlock --components=secrets >/dev/null; \
                 unset CS_E2E_KEYRING_PASS; \
                 printf '%s\\n%s\\n' \"$DISPLAY\" \"$XAUTHORITY\" >\"$XDG_RUNTIME_DIR/x-display\"; \
                 exec \"$@\"",
                "sh",
            ])
            .arg(driver)
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            // The D-Bus-activated keyring inherits these from the bus: set them first.
            .env("XDG_RUNTIME_DIR", &run)
            .env("XDG_DATA_HOME", &data_home)
            .env("XDG_CONFIG_HOME", &config_home)
            .env("XDG_CACHE_HOME", &cache_home)
            .env("CS_E2E_KEYRING_PASS", keyring_pass)
            .env("COUNTERSIGN_DATA_DIR", &data_dir)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .envs(app_env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            // One process group for Xvfb, the bus, the keyring, the drivers and the app.
            .process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| Unavailable(format!("starting xvfb-run: {e}")))?;
        let mut world = World {
            tmp,
            data_dir,
            driver_url: format!("http://127.0.0.1:{port}"),
            log,
            child: Some(child),
        };
        // tauri-driver listens at once, WebKitWebDriver (behind it) a moment later: a session
        // asked for before both listen fails with "tcp connect error".
        world.wait_for_driver(port, Duration::from_secs(30))?;
        world.wait_for_driver(native_port, Duration::from_secs(30))?;
        Ok(world)
    }

    /// The virtual display's `DISPLAY` and `XAUTHORITY` (for screenshots taken from the X
    /// server), as the session's shell wrote them down.
    pub fn x_display(&self) -> Result<XDisplay, String> {
        let file = self.tmp.path().join("run/x-display");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading {}: {e}", file.display()))?;
        let mut lines = text.lines();
        match (lines.next(), lines.next()) {
            (Some(display), Some(xauthority)) if !display.is_empty() => Ok(XDisplay {
                display: display.to_string(),
                xauthority: xauthority.to_string(),
            }),
            _ => Err(format!("{} names no display: {text:?}", file.display())),
        }
    }

    fn wait_for_driver(&mut self, port: u16, timeout: Duration) -> Result<(), Unavailable> {
        let deadline = Instant::now() + timeout;
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(Unavailable(format!(
                    "tauri-driver (under xvfb-run and dbus-run-session) exited with {status}: {}",
                    self.log_tail()
                )));
            }
            if Instant::now() >= deadline {
                return Err(Unavailable(format!(
                    "the drivers (tauri-driver, WebKitWebDriver) did not listen on port {port} within {timeout:?}: {}",
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of the driver's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Stops everything: SIGTERM to the whole process group, then SIGKILL if it lingers.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (the keyring daemon, a stuck web process) goes too.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = child.wait();
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop();
    }
}
