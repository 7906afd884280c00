//! `countersign-app`: the Countersign desktop app. Everything is in the library crate.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    #[cfg(target_os = "linux")]
    render_on_cpu();
    countersign_app::run();
}

/// Countersign's window is forms and text: WebKitGTK draws it well on the CPU. Its default,
/// compositing through OpenGL, costs about 90 MB more in the web process (and, on machines
/// without a GPU driver, runs Mesa's software GL anyway). `COUNTERSIGN_GPU=1`, or setting
/// `WEBKIT_DISABLE_COMPOSITING_MODE` yourself, keeps WebKit's own choice.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn render_on_cpu() {
    const WEBKIT_CPU: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    let gpu = std::env::var_os("COUNTERSIGN_GPU").is_some_and(|v| v == "1");
    if gpu || std::env::var_os(WEBKIT_CPU).is_some() {
        return;
    }
    // SAFETY: this is the first thing `main` does, before any other thread exists, so nothing
    // can read the environment while it changes. WebKit reads it later, in this process and in
    // the web processes it starts (which inherit it).
    unsafe { std::env::set_var(WEBKIT_CPU, "1") };
}
