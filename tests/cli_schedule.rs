//! Scheduling through the real binary: queue slots stay at 09:00 local in Berlin and New York,
//! wall times on daylight-saving days are refused or need a fold, and the queue's slots,
//! unschedule, drop and the calendar work and refuse as documented.
//!
//! The CLI schedules relative to the real clock, so the dates here are derived from today:
//! the next Tuesdays and Fridays, and the next spring-forward and fall-back days.
#![allow(clippy::unwrap_used)]

mod support;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde_json::Value;
use support::{Workspace, require_keychain};

/// A workspace in `zone` with Ada (admin), Ann (contributor) and Bob (approver), all signed in.
fn workspace(zone: &str) -> Workspace {
    let w = Workspace::empty();
    w.ok(&["init", "--handle", "acme", "--timezone", zone]);
    w.sign_in_team();
    w
}

/// Ann writes it, Bob approves it.
fn approved(w: &Workspace, text: &str) -> String {
    let id = w.draft("Ann", &[text]);
    w.ok(&["submit", &id, "--as", "Ann"]);
    w.ok(&["approve", &id, "--as", "Bob"]);
    id
}

fn instant(v: &Value) -> Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {v}"))
        .parse()
        .unwrap()
}

/// The first `n` slot times (weekdays at 09:00 in `zone`) after now, in order.
fn next_slots(zone: &str, days: &[Weekday], n: usize) -> Vec<Zoned> {
    let tz = TimeZone::get(zone).unwrap();
    let now = Zoned::now().with_time_zone(tz.clone());
    let mut out = Vec::new();
    let mut date = now.date();
    while out.len() < n {
        if days.contains(&date.weekday()) {
            let at = date.at(9, 0, 0, 0).to_zoned(tz.clone()).unwrap();
            if at.timestamp() > now.timestamp() {
                out.push(at);
            }
        }
        date = date.tomorrow().unwrap();
    }
    out
}

/// The first day after today, in `zone`, whose UTC offset at noon is larger than the day
/// before's (`forward`: clocks spring forward) or smaller (they fall back).
fn next_change(zone: &str, forward: bool) -> Date {
    let tz = TimeZone::get(zone).unwrap();
    let mut date = Zoned::now().with_time_zone(tz.clone()).date();
    for _ in 0..800 {
        let next = date.tomorrow().unwrap();
        let offset = |d: Date| {
            d.at(12, 0, 0, 0)
                .to_zoned(tz.clone())
                .unwrap()
                .offset()
                .seconds()
        };
        let (before, after) = (offset(date), offset(next));
        if (forward && after > before) || (!forward && after < before) {
            return next;
        }
        date = next;
    }
    panic!("{zone} has no daylight-saving change in the next two years");
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn queued_posts_land_at_nine_local_in_berlin_and_new_york() {
    require_keychain();
    for zone in ["Europe/Berlin", "America/New_York"] {
        let w = workspace(zone);
        let slots = w.ok(&["queue", "slots", "add", "tue", "09:00", "--as", "Bob"]);
        assert_eq!(slots[0]["weekday"], "tuesday");
        let slots = w.ok(&["queue", "slots", "add", "friday", "9:00", "--as", "Bob"]);
        assert_eq!(slots.as_array().unwrap().len(), 2);
        assert_eq!(slots[1]["time"], "09:00");

        let expected = next_slots(zone, &[Weekday::Tuesday, Weekday::Friday], 4);
        let mut ids = Vec::new();
        for (n, want) in expected.iter().enumerate() {
            let id = approved(&w, &format!("Queued post {n} in {zone}"));
            let moved = w.ok(&["schedule", &id, "--as", "Bob", "--queue"]);
            assert_eq!(moved["status"], "scheduled");
            assert_eq!(
                instant(&moved["scheduled_at"]),
                want.timestamp(),
                "post {n} takes the next free slot, {want}"
            );
            ids.push(id);
        }

        let tz = TimeZone::get(zone).unwrap();
        let queue = w.ok(&["queue", "list"]);
        let queue = queue.as_array().unwrap();
        assert_eq!(queue.len(), 4);
        for ((item, id), want) in queue.iter().zip(&ids).zip(&expected) {
            assert_eq!(item["id"], id.as_str(), "the queue is in slot order");
            assert_eq!(item["queued"], true);
            let local = instant(&item["at"]).to_zoned(tz.clone());
            assert_eq!((local.hour(), local.minute()), (9, 0), "{local} in {zone}");
            assert_eq!(local.weekday(), want.weekday());
            assert_eq!(local.date(), want.date());
        }

        // The calendar shows the same posts at the same times.
        let today = Zoned::now().with_time_zone(tz.clone()).date().to_string();
        let calendar = w.ok(&["calendar", "--from", &today, "--days", "15"]);
        for (id, want) in ids.iter().zip(&expected) {
            let item = calendar
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id.as_str())
                .unwrap_or_else(|| panic!("{id} is on the calendar: {calendar}"));
            assert_eq!(instant(&item["at"]), want.timestamp());
            assert_eq!(item["status"], "scheduled");
            assert_eq!(item["zone"], zone);
        }
    }
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn dst_days_refuse_the_gap_and_ask_which_of_the_twice_times() {
    require_keychain();
    // (zone, wall time inside the gap, wall time that happens twice, its UTC offsets
    // before and after the change)
    let cases = [
        ("Europe/Berlin", "02:30", "02:30", 2, 1),
        ("America/New_York", "02:30", "01:30", -4, -5),
    ];
    for (zone, gap_time, fold_time, summer, winter) in cases {
        let w = workspace(zone);
        let id = approved(&w, &format!("A post for {zone}'s clock changes"));

        let spring = next_change(zone, true);
        assert_eq!(spring.weekday(), Weekday::Sunday);
        assert_eq!(spring.month(), 3);
        let gap = format!("{spring} {gap_time}");
        let out = w.run(&["--json", "schedule", &id, "--as", "Bob", "--at", &gap]);
        assert!(!out.status.success(), "{gap} does not exist in {zone}");
        let refusal: Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(refusal["code"], "nonexistent_time");
        let message = refusal["message"].as_str().unwrap();
        assert!(
            message.contains("02:00") && message.contains("03:00") && message.contains(zone),
            "the message names the gap: {message}"
        );
        assert_eq!(w.status(&id), "approved", "a refused time changes nothing");

        let fall = next_change(zone, false);
        assert_eq!(fall.weekday(), Weekday::Sunday);
        let twice = format!("{fall} {fold_time}");
        let out = w.run(&["--json", "schedule", &id, "--as", "Bob", "--at", &twice]);
        assert!(!out.status.success(), "{twice} happens twice in {zone}");
        let refusal: Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(refusal["code"], "ambiguous_time");
        assert!(
            refusal["message"].as_str().unwrap().contains("--fold"),
            "{refusal}"
        );

        let wall = fall
            .at(
                fold_time[..2].parse().unwrap(),
                fold_time[3..].parse().unwrap(),
                0,
                0,
            )
            .to_string();
        let utc = |hours: i8| -> Timestamp {
            format!("{wall}{hours:+03}:00")
                .parse::<Timestamp>()
                .unwrap()
        };
        let later = w.ok(&[
            "schedule", &id, "--as", "Bob", "--at", &twice, "--fold", "later",
        ]);
        assert_eq!(
            instant(&later["scheduled_at"]),
            utc(winter),
            "the second {twice}"
        );
        let earlier = w.ok(&[
            "schedule", &id, "--as", "Bob", "--at", &twice, "--fold", "earlier",
        ]);
        assert_eq!(
            instant(&earlier["scheduled_at"]),
            utc(summer),
            "the first {twice}"
        );
        assert_eq!(
            instant(&later["scheduled_at"]).duration_since(instant(&earlier["scheduled_at"])),
            jiff::SignedDuration::from_hours(1)
        );
    }
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn queue_slots_unschedule_drop_and_calendar() {
    require_keychain();
    let w = workspace("Europe/Berlin");
    assert_eq!(w.ok(&["queue", "slots", "list"]), serde_json::json!([]));
    let id = approved(&w, "Waiting for a slot");
    assert_eq!(
        w.refused(&["schedule", &id, "--as", "Bob", "--queue"]),
        "queue_full",
        "no slots: nothing to queue into"
    );

    // Slots: add, list, remove, and the refusals.
    w.ok(&["queue", "slots", "add", "wednesday", "09:00", "--as", "Bob"]);
    w.ok(&["queue", "slots", "add", "wednesday", "17:30", "--as", "Ada"]);
    assert_eq!(
        w.refused(&["queue", "slots", "add", "funday", "09:00", "--as", "Bob"]),
        "invalid_weekday"
    );
    assert_eq!(
        w.refused(&["queue", "slots", "add", "wed", "09:00", "--as", "Bob"]),
        "slot_exists"
    );
    assert_eq!(
        w.refused(&["queue", "slots", "add", "thursday", "25:00", "--as", "Bob"]),
        "invalid_time"
    );
    assert_eq!(
        w.refused(&["queue", "slots", "add", "thursday", "09:00", "--as", "Ann"]),
        "role_not_allowed",
        "contributors do not edit the queue"
    );
    assert_eq!(
        w.refused(&[
            "queue",
            "slots",
            "remove",
            "wednesday",
            "09:00",
            "--as",
            "Ann"
        ]),
        "role_not_allowed"
    );
    assert_eq!(
        w.refused(&["queue", "slots", "remove", "monday", "09:00", "--as", "Bob"]),
        "unknown_slot"
    );
    let slots = w.ok(&["queue", "slots", "list"]);
    let listed: Vec<(&str, &str)> = slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["weekday"].as_str().unwrap(), s["time"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("wednesday", "09:00"), ("wednesday", "17:30")]);
    let left = w.ok(&[
        "queue",
        "slots",
        "remove",
        "wednesday",
        "17:30",
        "--as",
        "Bob",
    ]);
    assert_eq!(left.as_array().unwrap().len(), 1);

    // Queue two posts; contributors may not schedule; the calendar shows both.
    w.ok(&["schedule", &id, "--as", "Bob", "--queue"]);
    let second = approved(&w, "Second in the queue");
    assert_eq!(
        w.refused(&["schedule", &second, "--as", "Ann", "--queue"]),
        "role_not_allowed"
    );
    w.ok(&["schedule", &second, "--as", "Bob", "--queue"]);
    let queue = w.ok(&["queue", "list"]);
    let order: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [id.as_str(), second.as_str()]);
    let week_apart = instant(&queue[1]["at"]).duration_since(instant(&queue[0]["at"]));
    assert!(
        (167..=169).contains(&week_apart.as_hours()),
        "one Wednesday slot: a week apart ({week_apart})"
    );
    let today = Zoned::now()
        .with_time_zone(TimeZone::get("Europe/Berlin").unwrap())
        .date()
        .to_string();
    let calendar = w.ok(&["calendar", "--from", &today, "--days", "15"]);
    assert_eq!(calendar.as_array().unwrap().len(), 2, "{calendar}");

    // Unschedule: a contributor may not; the approver keeps it approved, off the queue.
    assert_eq!(
        w.refused(&["unschedule", &id, "--as", "Ann"]),
        "role_not_allowed"
    );
    let un = w.ok(&["unschedule", &id, "--as", "Bob"]);
    assert_eq!(un["status"], "approved");
    assert!(un["scheduled_at"].is_null());
    assert_eq!(
        w.refused(&["unschedule", &id, "--as", "Bob"]),
        "invalid_transition",
        "not scheduled any more"
    );
    let queue = w.ok(&["queue", "list"]);
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["id"], second.as_str());
    // The freed slot is the next one again.
    let again = w.ok(&["schedule", &id, "--as", "Bob", "--queue"]);
    assert!(instant(&again["scheduled_at"]) < instant(&queue[0]["at"]));

    // Drop: a contributor may not drop an approved post; the approver can, for good.
    assert_eq!(
        w.refused(&[
            "drop",
            &second,
            "--as",
            "Ann",
            "--reason",
            "changed my mind"
        ]),
        "invalid_transition",
        "once an approver signed it, only a reviewer drops it"
    );
    let dropped = w.ok(&[
        "drop",
        &second,
        "--as",
        "Bob",
        "--reason",
        "the offer ended",
    ]);
    assert_eq!(dropped["status"], "dropped");
    assert!(
        w.show(&second)["status_reason"]
            .as_str()
            .unwrap()
            .contains("the offer ended")
    );
    assert_eq!(
        w.refused(&["schedule", &second, "--as", "Bob", "--queue"]),
        "invalid_transition",
        "a dropped post never goes out"
    );
    let calendar = w.ok(&["calendar", "--from", &today, "--days", "15"]);
    let ids: Vec<&str> = calendar
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [id.as_str()],
        "only the scheduled post is on the calendar"
    );
    assert_eq!(
        w.refused(&["calendar", "--from", "tomorrow"]),
        "invalid_time"
    );
}
