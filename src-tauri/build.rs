//! Declares the app's own commands, so the capability in capabilities/ must grant each one
//! (a test checks that this list, the capability and the registered commands agree).

const COMMANDS: &[&str] = &[
    "startup",
    "reopen",
    "account",
    "account_status",
    "update_account",
    "members",
    "roster",
    "add_member",
    "set_role",
    "rekey",
    "deactivate_member",
    "viewer_may",
    "passphrase_rule",
    "unlock",
    "needs_passphrase",
    "lock_keys",
    "count_text",
    "check_media_mix",
    "create_draft",
    "edit_post",
    "submit",
    "approve",
    "request_changes",
    "reject",
    "comment",
    "schedule",
    "schedule_to_queue",
    "unschedule",
    "queue_slots",
    "add_queue_slot",
    "remove_queue_slot",
    "queue",
    "move_in_queue",
    "calendar",
    "decide",
    "post",
    "posts",
    "needing_decision",
    "diff_since_review",
    "versions",
    "history",
    "export_history",
    "connect_x",
    "use_sandbox",
    "disconnect",
    "autostart",
    "set_autostart",
    "open_link",
    "set_publishing_paused",
    "publishing_paused",
    "stage_media",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri-build failed: {e:#}"));
}
