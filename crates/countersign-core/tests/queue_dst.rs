//! Queue slots across a year of daylight-saving changes, through the use cases: a 09:00 slot
//! stays at 09:00 local in Berlin and New York across both transitions, and an exact time in
//! a spring-forward gap is refused with the gap named.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use countersign_core::{App, DraftInput, ManualClock, PartInput, Role, When};
use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;

/// A workspace in `zone` on 2031-01-01, with Ann (contributor) and Bob (approver).
fn workspace(zone: &str) -> (tempfile::TempDir, App) {
    let clock = Arc::new(ManualClock::new("2031-01-01T00:00:00Z".parse().unwrap()));
    let team = common::team(
        zone,
        clock,
        &[("Ann", Role::Contributor), ("Bob", Role::Approver)],
    );
    (team.dir, team.app)
}

fn approved(app: &App, text: &str) -> uuid::Uuid {
    let p = app
        .create_draft(
            "Ann",
            DraftInput {
                parts: vec![PartInput {
                    text: text.into(),
                    media: vec![],
                }],
                ..DraftInput::default()
            },
        )
        .unwrap();
    app.submit(p.id, "Ann").unwrap();
    app.approve(p.id, "Bob", None).unwrap();
    p.id
}

/// Queues a year of weekly posts into a Tuesday 09:00 slot and checks each lands at
/// 09:00 local, a week apart in wall time, with the weeks of the changes 167 and 169 hours.
fn a_year_of_tuesdays(zone: &str) {
    let (_dir, app) = workspace(zone);
    app.add_queue_slot("Bob", "tuesday", "09:00").unwrap();
    let tz = TimeZone::get(zone).unwrap();
    let mut times: Vec<Timestamp> = Vec::new();
    for week in 0..52 {
        let id = approved(&app, &format!("Week {week} in {zone}"));
        let post = app.schedule_to_queue(id, "Bob").unwrap();
        times.push(post.scheduled.unwrap().at);
    }
    // The queue looks a year ahead; past that it says so instead of guessing.
    let extra = approved(&app, "One too many");
    assert_eq!(
        app.schedule_to_queue(extra, "Bob").unwrap_err().code(),
        "queue_full"
    );
    for t in &times {
        let local = t.to_zoned(tz.clone());
        assert_eq!(
            (local.weekday(), local.hour(), local.minute()),
            (Weekday::Tuesday, 9, 0),
            "{local}"
        );
    }
    let hours: Vec<i64> = times
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_hours())
        .collect();
    assert_eq!(hours.iter().filter(|h| **h == 167).count(), 1, "{hours:?}");
    assert_eq!(hours.iter().filter(|h| **h == 169).count(), 1, "{hours:?}");
    assert!(hours.iter().all(|h| [167, 168, 169].contains(h)));
}

#[test]
fn berlin_slots_stay_at_nine_across_both_changes() {
    a_year_of_tuesdays("Europe/Berlin");
}

#[test]
fn new_york_slots_stay_at_nine_across_both_changes() {
    a_year_of_tuesdays("America/New_York");
}

#[test]
fn an_exact_time_in_the_spring_gap_is_refused_with_the_gap_named() {
    let (_dir, app) = workspace("Europe/Berlin");
    let id = approved(&app, "Spring forward");
    // 2031-03-30 is the last Sunday of March: Berlin's clocks jump from 02:00 to 03:00.
    let err = app
        .schedule(
            id,
            "Bob",
            When {
                wall: "2031-03-30 02:30".into(),
                zone: None,
                fold: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "nonexistent_time");
    let msg = err.to_string();
    assert!(
        msg.contains("2031-03-30 02:30") && msg.contains("02:00") && msg.contains("03:00"),
        "{msg}"
    );
    // The same wall time in New York that day is an ordinary time.
    app.schedule(
        id,
        "Bob",
        When {
            wall: "2031-03-30 02:30".into(),
            zone: Some("America/New_York".into()),
            fold: None,
        },
    )
    .unwrap();
}
