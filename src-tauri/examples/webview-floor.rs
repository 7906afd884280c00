//! The memory floor of any Tauri window on this machine: GTK, WebKitGTK and the GL stack they
//! load, showing a one-line page, with nothing of Countersign in the process. Set up as the app
//! is (WebKit drawing on the CPU), so that `scripts/bench-app.sh` can print the app's idle
//! memory beside it: the difference is what Countersign itself costs.
//!
//!   cargo build --release -p countersign-app --example webview-floor --features tauri/custom-protocol

use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
    let mut context = tauri::generate_context!();
    // Not the app's window and UI: one window with a one-line page, served the way the app's
    // own pages are (a custom protocol). Not about:blank: WebKit shows that without starting a
    // web process, which every real page needs.
    context.config_mut().app.windows.clear();
    let built = tauri::Builder::default()
        .register_uri_scheme_protocol("floor", |_ctx, _request| {
            tauri::http::Response::builder()
                .header("content-type", "text/html")
                .body(b"<!doctype html><title>floor</title><p>An empty window.</p>".to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let page = WebviewUrl::CustomProtocol("floor://localhost/".parse()?);
            WebviewWindowBuilder::new(app, "floor", page)
                .title("webview-floor")
                .build()?;
            Ok(())
        })
        .build(context);
    match built {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => eprintln!("webview-floor: {e}"),
    }
}
