//! `countersign-app`: the Countersign desktop app. Everything is in the library crate.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    countersign_app::run();
}
