//! The keystroke counter (`App::count_part`) follows the account when an admin changes its
//! length limit, without taking the store's lock or reading it for each count.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use countersign_core::AccountChange;
use countersign_core::ManualClock;

#[test]
fn a_new_limit_counts_at_once() {
    let clock = Arc::new(ManualClock::new("2031-01-01T00:00:00Z".parse().unwrap()));
    let team = common::team("UTC", clock, &[]);
    let app = team.app;
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
