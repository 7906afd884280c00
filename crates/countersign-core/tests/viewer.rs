//! What the member at the screen may do beyond one post (`App::viewer_may`) agrees with what the
//! acts then do, and `App::needing_decision` finds the posts that wait for a person.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use countersign_core::{App, DraftInput, ManualClock, PartInput, Permit, Role, Status, When};
use jiff::SignedDuration;

/// Ada (admin), Ann (contributor), Bob (approver), each key open.
fn workspace() -> (tempfile::TempDir, Arc<ManualClock>, App) {
    let clock = Arc::new(ManualClock::new("2031-01-06T08:00:00Z".parse().unwrap()));
    let team = common::team(
        "UTC",
        clock.clone(),
        &[("Ann", Role::Contributor), ("Bob", Role::Approver)],
    );
    (team.dir, clock, team.app)
}

fn refused(p: &Permit) -> &str {
    assert!(!p.allowed, "{p:?} should be refused");
    p.code.as_deref().unwrap()
}

#[test]
fn each_role_may_what_the_acts_allow() {
    let (_dir, _clock, app) = workspace();

    let ann = app.viewer_may("Ann").unwrap();
    for p in [
        &ann.review,
        &ann.edit_slots,
        &ann.decide,
        &ann.reorder_queue,
        &ann.manage_members,
        &ann.change_account,
    ] {
        assert_eq!(refused(p), "role_not_allowed");
    }
    // The acts refuse with the same code and message.
    let act = app.add_queue_slot("Ann", "monday", "09:00").unwrap_err();
    assert_eq!(Some(act.code()), ann.edit_slots.code.as_deref());
    assert_eq!(Some(act.to_string()), ann.edit_slots.reason);

    let bob = app.viewer_may("Bob").unwrap();
    for p in [
        &bob.review,
        &bob.edit_slots,
        &bob.decide,
        &bob.reorder_queue,
    ] {
        assert!(p.allowed, "{p:?}");
    }
    assert_eq!(refused(&bob.manage_members), "role_not_allowed");
    assert_eq!(refused(&bob.change_account), "role_not_allowed");
    let act = app.deactivate_member("Bob", "Ann").unwrap_err();
    assert_eq!(Some(act.to_string()), bob.manage_members.reason);
    app.add_queue_slot("Bob", "monday", "09:00").unwrap();

    let ada = app.viewer_may("Ada").unwrap();
    for p in [
        &ada.review,
        &ada.edit_slots,
        &ada.decide,
        &ada.reorder_queue,
        &ada.manage_members,
        &ada.change_account,
    ] {
        assert!(p.allowed, "{p:?}");
    }

    app.deactivate_member("Ada", "Bob").unwrap();
    let gone = app.viewer_may("Bob").unwrap();
    assert_eq!(refused(&gone.review), "member_inactive");
    assert_eq!(refused(&gone.edit_slots), "member_inactive");
    assert_eq!(
        app.viewer_may("Nobody").unwrap_err().code(),
        "unknown_member"
    );
}

#[test]
fn missed_posts_need_a_decision() {
    let (_dir, clock, app) = workspace();
    assert!(app.needing_decision().unwrap().is_empty());
    let post = app
        .create_draft(
            "Ann",
            DraftInput {
                parts: vec![PartInput {
                    text: "Doors open at nine".into(),
                    media: vec![],
                }],
                ..DraftInput::default()
            },
        )
        .unwrap();
    app.submit(post.id, "Ann").unwrap();
    app.approve(post.id, "Bob", None).unwrap();
    app.schedule(
        post.id,
        "Bob",
        When {
            wall: "2031-01-06 09:00".into(),
            zone: None,
            fold: None,
        },
    )
    .unwrap();
    assert!(app.needing_decision().unwrap().is_empty());

    // The machine slept through the time and the grace window.
    clock.advance(SignedDuration::from_mins(90));
    assert_eq!(app.mark_missed().unwrap(), [post.id]);
    let waiting = app.needing_decision().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].id, waiting[0].status),
        (post.id, Status::Missed)
    );
}
