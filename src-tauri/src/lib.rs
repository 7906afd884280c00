//! The Countersign desktop app: a thin Tauri shell over `countersign-core`.
//!
//! - [`workspace`] opens the data folder (`COUNTERSIGN_DATA_DIR`, or the platform's), creating
//!   a workspace on the built-in Sandbox account on first run, and runs that sandbox.
//! - [`commands`] are what the window calls: one core call each, errors as `{code, message}`.
//! - [`bridge`] forwards core events to the window and to native notifications.
//! - [`tray`] is the tray icon; closing the window hides it so publishing goes on.
//! - [`bindings`] generates the TypeScript types the UI uses.
//!
//! The binary is `countersign-app`.

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
        .on_page_load(move |_, payload| {
            let stage = match payload.event() {
                tauri::webview::PageLoadEvent::Started => "page load started",
                tauri::webview::PageLoadEvent::Finished => "page load finished",
            };
            tracing::info!(ms = started.elapsed().as_millis() as u64, "{stage}");
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
            match tray::build(&handle) {
                Ok(()) if std::env::args().any(|a| a == HIDDEN_ARG) => {
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.hide();
                    }
                }
                Ok(()) => {}
                // Without a tray there is no way back to a hidden window: stay visible.
                Err(e) => tracing::warn!("no tray icon: {e}"),
            }
            tracing::info!(ms = started.elapsed().as_millis() as u64, "set up");
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                tray::hide_on_close(window.app_handle());
            }
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event
                && let Some(ws) = handle.try_state::<Workspace>()
            {
                ws.stop_publishing();
            }
        }),
        Err(e) => {
            tracing::error!("Countersign could not run: {e}");
            std::process::exit(1);
        }
    }
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
