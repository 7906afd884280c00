//! The keystroke counter (`App::count_part`, which takes no store lock) follows the account when an admin changes its
//! length limit, without reading the store for each count.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{member, pass};
use countersign_core::AccountChange;
use countersign_core::{App, InitOptions, ManualClock, Role};

#[test]
fn a_new_limit_counts_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new("2031-01-01T00:00:00Z".parse().unwrap()));
    let app = App::init(
        dir.path(),
        InitOptions {
            handle: "acme".into(),
            ..Default::default()
        },
        common::parts(clock).0,
    )
    .unwrap();
    app.add_member(None, member("Ada", Role::Admin)).unwrap();
    app.unlock("Ada", &pass()).unwrap();
    let text = "a".repeat(300);
    assert_eq!(app.count_part(&text, None).unwrap().remaining, -20);
    app.update_account(
        "Ada",
        AccountChange {
            max_weighted_length: Some(25_000),
            ..Default::default()
        },
    )
    .unwrap();
    let c = app.count_part(&text, Some("AD")).unwrap();
    assert!(c.valid);
    // A refused change keeps the limit that holds.
    let refused = AccountChange {
        max_weighted_length: Some(0),
        ..Default::default()
    };
    assert_eq!(
        app.update_account("Ada", refused).unwrap_err().code(),
        "invalid_limit"
    );
    assert!(app.count_part(&text, None).unwrap().valid);
}
