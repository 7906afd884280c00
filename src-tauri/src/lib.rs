//! The Countersign desktop app: a thin Tauri shell over `countersign-core`.
//!
//! - [`workspace`] opens the data folder (`COUNTERSIGN_DATA_DIR`, or the platform's), creating
//!   a workspace on the built-in Sandbox account on first run, and runs that sandbox.
//! - [`commands`] are what the window calls: one core call each, errors as `{code, message}`.
//! - [`bridge`] forwards core events to the window and to native notifications.
//! - [`tray`] is the tray icon; closing the window destroys it (and WebKit's web process) while
//!   publishing goes on in this process, and the tray builds it again.
//! - [`background`] gives back what only the window needed once it is closed.
//! - [`bindings`] generates the TypeScript types the UI uses.
//!
//! The binary is `countersign-app`.

pub mod background;
pub mod bindings;
pub mod bridge;
pub mod commands;
pub mod tray;
pub mod workspace;

use tauri::{Manager, WindowEvent};

use crate::workspace::Workspace;

/// The argument the login item starts the app with: no window, only the tray.
const HIDDEN_ARG: &str = "--hidden";

/// Builds and runs the app until it quits.
pub fn run() {
    // Before any thread exists: arenas made meanwhile would stay.
    background::limit_heap_arenas();
    init_logging();
    // Start-up milestones go to the log (`COUNTERSIGN_LOG=info`): scripts/bench-app.sh reads
    // them to say where start time goes.
    let started = std::time::Instant::now();
    let result = tauri::Builder::default()
        // First, so a second launch only brings the running window forward.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_window(app);
        }))
        // Size, position and maximized state; not visibility: a window closed to the tray
        // before quitting must still open on the next start.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        // Started at login, the app opens in the tray only: publishing goes on, no window.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_ARG]),
        ))
        .plugin(tauri_plugin_opener::init())
        .on_page_load(move |webview, payload| {
            let stage = match payload.event() {
                tauri::webview::PageLoadEvent::Started => "page load started",
                tauri::webview::PageLoadEvent::Finished => "page load finished",
            };
            tracing::info!(ms = started.elapsed().as_millis() as u64, "{stage}");
            if let tauri::webview::PageLoadEvent::Finished = payload.event() {
                // The window was built hidden (see `tray::build_window`): now it can be painted.
                tray::reveal(&webview.window());
                // A window opened again from the tray: how long since it was asked for.
                if let Some(elapsed) = webview
                    .try_state::<tray::WindowRequested>()
                    .and_then(|r| r.take_page_loaded())
                {
                    tracing::info!(ms = elapsed.as_millis() as u64, "window page loaded");
                }
            }
        })
        .setup(move |app| {
            tracing::info!(ms = started.elapsed().as_millis() as u64, "setting up");
            let handle = app.handle().clone();
            let dir = match workspace::data_dir() {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(code = e.code(), "{e}");
                    std::env::temp_dir().join("countersign")
                }
            };
            let on_open = {
                let handle = handle.clone();
                move |core: &std::sync::Arc<countersign_core::App>| {
                    let _ = handle
                        .asset_protocol_scope()
                        .allow_directory(core.media_dir(), false);
                    bridge::start(handle.clone(), core);
                }
            };
            app.manage(Workspace::new(dir, on_open));
            app.manage(tray::WindowRequested::new(started));
            // Opened on its own thread, so the window starts meanwhile: the keychain, the
            // database and the Sandbox's port take about as long as WebKit does.
            let opener = handle.clone();
            let spawned = std::thread::Builder::new()
                .name("open-workspace".into())
                .spawn(move || opener.state::<Workspace>().open_at_start());
            if let Err(e) = spawned {
                tracing::warn!("opening the workspace on this thread: {e}");
                handle.state::<Workspace>().open_at_start();
            }
            // Started hidden, the app builds no window at all (so no WebKit) until the tray
            // opens one. Without a tray there would be no way to it: open it anyway.
            let hidden = std::env::args().any(|a| a == HIDDEN_ARG);
            match tray::build(&handle) {
                // GTK's and the libraries' start-up pages are as idle as a closed window's.
                Ok(()) if hidden => release_when_closed(&handle),
                Ok(()) => tray::show_window(&handle),
                Err(e) => {
                    tracing::warn!("no tray icon: {e}");
                    tray::show_window(&handle);
                }
            }
            tracing::info!(ms = started.elapsed().as_millis() as u64, "set up");
            Ok(())
        })
        // Closing the window really closes it: WebKit's web process, the page and GTK's
        // window go, which is most of the app's memory. Publishing, notifications and the tray
        // live in this process and go on; the tray (or launching the app again) rebuilds it.
        .on_window_event(|window, event| match event {
            WindowEvent::CloseRequested { .. } => tray::notice_on_close(window.app_handle()),
            WindowEvent::Destroyed => release_when_closed(window.app_handle()),
            _ => {}
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| match event {
            // The last window closed (no exit code): keep running in the tray and publishing.
            // Quit from the tray asks with a code, and goes.
            tauri::RunEvent::ExitRequested {
                code: None, api, ..
            } => api.prevent_exit(),
            tauri::RunEvent::Exit => {
                if let Some(ws) = handle.try_state::<Workspace>() {
                    ws.stop_publishing();
                }
            }
            _ => {}
        }),
        Err(e) => {
            tracing::error!("Countersign could not run: {e}");
            std::process::exit(1);
        }
    }
}

/// Gives back what only the window needs, unless it is open again by then.
fn release_when_closed(app: &tauri::AppHandle) {
    let app = app.clone();
    background::release_window_memory(move || app.get_webview_window(tray::WINDOW_LABEL).is_some());
}

/// Logs go to stderr, filtered by COUNTERSIGN_LOG (e.g. `info`, `debug`); warnings by default.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
