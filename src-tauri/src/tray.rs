//! The tray icon: open the window, pause publishing, quit. Closing the window destroys it and
//! its web view (WebKit's web process exits), so the app stays light while it keeps publishing;
//! "Open Countersign" builds the window again. The first close shows a notice saying so.

use std::sync::Mutex;
use std::time::{Duration, Instant};
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};

use tauri::{AppHandle, Manager, WebviewWindow, WebviewWindowBuilder, Wry};
use tauri_plugin_notification::NotificationExt as _;

use crate::workspace::Workspace;

const TRAY_ID: &str = "main";
/// The window's label, as in tauri.conf.json (which has it `create: false`: this module builds it).
pub const WINDOW_LABEL: &str = "main";
const PAUSE_ID: &str = "pause";
/// A marker file in the data folder: the close notice was shown once.
const CLOSE_NOTICE_FILE: &str = "close-notice-shown";

/// The pause item, kept to tick it when publishing is paused from the window.
struct PauseItem(CheckMenuItem<Wry>);

/// Builds the tray icon and its menu. A desktop without a tray only loses the icon.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Countersign", true, None::<&str>)?;
    let pause =
        CheckMenuItem::with_id(app, PAUSE_ID, "Pause publishing", true, false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Countersign", true, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &pause, &sep, &quit])?;
    app.manage(PauseItem(pause));
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Countersign")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            PAUSE_ID => {
                let ws = app.state::<Workspace>();
                let paused = !ws.publishing_paused();
                set_paused(app, &ws, paused);
            }
            "quit" => {
                app.state::<Workspace>().stop_publishing();
                app.exit(0);
            }
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Pauses or resumes publishing and ticks the tray item to match. Returns the new state.
pub fn set_paused(app: &AppHandle, ws: &Workspace, paused: bool) -> bool {
    ws.set_publishing_paused(paused);
    if let Some(item) = app.try_state::<PauseItem>() {
        let _ = item.0.set_checked(paused);
    }
    let _ = tauri::Emitter::emit(app, "publishing-paused", paused);
    paused
}

/// When the window was last asked for, so its page load and its first screen being ready can
/// be logged against that moment (scripts/bench-app.sh reads `window page loaded` and
/// `window interactive` to time a reopen from the tray). Each is taken once: a reload is not
/// a reopen.
#[derive(Debug)]
pub struct WindowRequested {
    /// When the app began (its `run`), to log the first screen against start too.
    app_started: Instant,
    for_page_load: Mutex<Option<Instant>>,
    for_first_screen: Mutex<Option<Instant>>,
}

impl WindowRequested {
    pub fn new(app_started: Instant) -> Self {
        Self {
            app_started,
            for_page_load: Mutex::default(),
            for_first_screen: Mutex::default(),
        }
    }

    fn request(&self) {
        let now = Instant::now();
        for at in [&self.for_page_load, &self.for_first_screen] {
            if let Ok(mut at) = at.lock() {
                *at = Some(now);
            }
        }
    }

    /// How long ago the window was asked for, the first time its page has loaded since.
    pub fn take_page_loaded(&self) -> Option<Duration> {
        self.for_page_load.lock().ok()?.take().map(|t| t.elapsed())
    }

    /// How long ago the window was asked for, the first time its first screen is ready since.
    fn take_first_screen(&self) -> Option<Duration> {
        self.for_first_screen
            .lock()
            .ok()?
            .take()
            .map(|t| t.elapsed())
    }
}

/// The window says its first screen is ready: logs how long that took since it was asked for.
pub fn first_screen_ready(app: &AppHandle) {
    let Some(requested) = app.try_state::<WindowRequested>() else {
        return;
    };
    // The page may have its first screen before it has finished loading (an image still
    // coming): show the window now if it is not yet.
    if let Some(w) = app.get_webview_window(WINDOW_LABEL) {
        reveal(&w.as_ref().window());
    }
    if let Some(elapsed) = requested.take_first_screen() {
        crate::background::release_start_up_pages();
        tracing::info!(
            ms = elapsed.as_millis() as u64,
            since_start_ms = requested.app_started.elapsed().as_millis() as u64,
            "window interactive"
        );
    }
}

/// Shows the main window, building it (and its web view) first when it was closed.
pub fn show_window(app: &AppHandle) {
    if let Some(w) = app.get_webview_window(WINDOW_LABEL) {
        let _ = w.show();
        let _ = w.unminimize();
        focus_once_shown(&w.as_ref().window());
        return;
    }
    if let Some(requested) = app.try_state::<WindowRequested>() {
        requested.request();
    }
    if let Err(e) = build_window(app) {
        tracing::error!("the window could not be opened: {e}");
    }
}

/// How long a window built hidden waits for its page before it is shown anyway: a page that
/// never finishes loading must still be seen, with whatever WebKit shows for it.
const REVEAL_AT_LATEST: Duration = Duration::from_secs(3);

/// Builds the main window from its entry in tauri.conf.json. The window-state plugin gives it
/// back its last size and position.
///
/// It is built hidden and shown by [`reveal`] once its page has loaded. Shown at once, GTK
/// asks WebKit to paint the view while WebKit's web process is still starting, and in about
/// a third of cold starts both then sat idle for 500 ms: `perf sched` showed this process's
/// main thread in a futex wait ended by its 500 ms timeout, the web process waiting too (by
/// its timing, WebKit's UI process waiting for the web process's first update; WebKit has no
/// symbols here to show the frame). Showing the window after the page has loaded, when the
/// web process answers at once, removed it: the window stayed hidden for no more than the
/// page load it was waiting on anyway.
fn build_window(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == WINDOW_LABEL)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    let window = WebviewWindowBuilder::from_config(app, &config)?
        .visible(false)
        .build()?;
    // This window's, not whichever has the label by then: one closed and opened again
    // meanwhile waits for its own page.
    let this = window.as_ref().window();
    let spawned = std::thread::Builder::new()
        .name("reveal-window".into())
        .spawn(move || {
            std::thread::sleep(REVEAL_AT_LATEST);
            reveal(&this);
        });
    if let Err(e) = spawned {
        tracing::warn!("showing the window without waiting for its page: {e}");
        reveal(&window.as_ref().window());
    }
    Ok(window)
}

/// Shows a window built hidden, once its page has loaded, its first screen is ready or
/// [`REVEAL_AT_LATEST`] has passed, whichever comes first, and gives it the focus. A window
/// already shown is left as it is: a reload does not take the focus. One closed meanwhile only
/// makes the calls fail.
pub fn reveal(window: &tauri::Window) {
    if window.is_visible().unwrap_or(false) {
        return;
    }
    let _ = window.show();
    focus_once_shown(window);
    let since_start = window
        .try_state::<WindowRequested>()
        .map_or(0, |r| r.app_started.elapsed().as_millis() as u64);
    tracing::info!(since_start_ms = since_start, "window shown");
}

/// Gives `window` the focus once a `show` asked for just before has been carried out. On
/// Linux both are requests to the main loop, and a focus request for a window not yet visible
/// is dropped: asked from the main loop's next turn, after the show, it is not.
fn focus_once_shown(window: &tauri::Window) {
    let w = window.clone();
    let _ = window.run_on_main_thread(move || {
        let _ = w.set_focus();
    });
}

/// The window is closing: the first time, tells the person that publishing goes on and where
/// the app went.
pub fn notice_on_close(app: &AppHandle) {
    let ws = app.state::<Workspace>();
    let marker = ws.data_dir().join(CLOSE_NOTICE_FILE);
    if marker.exists() {
        return;
    }
    let _ = std::fs::write(&marker, b"");
    let _ = app
        .notification()
        .builder()
        .title("Countersign is still running")
        .body(
            "Scheduled posts keep going out while the window is closed. Open it again or quit \
             from the Countersign icon in the tray.",
        )
        .show();
}
