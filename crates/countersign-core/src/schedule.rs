//! Turning a wall time in a time zone into the instant to publish, correctly across daylight
//! saving changes.
//!
//! A brand says "Tuesday 09:00 Berlin time", not an instant. Two wall times need a person:
//! one that does not exist (clocks spring forward over it) is refused with the gap named; one
//! that happens twice (clocks fall back) must say which of the two is meant.

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::{DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which of two instants an ambiguous wall time means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Fold {
    /// The first time the wall clock shows it (still on summer time).
    Earlier,
    /// The second time (after clocks fell back).
    Later,
}

impl Fold {
    pub fn parse(s: &str) -> Option<Fold> {
        match s.trim().to_ascii_lowercase().as_str() {
            "earlier" => Some(Fold::Earlier),
            "later" => Some(Fold::Later),
            _ => None,
        }
    }
}

/// Looks up an IANA time zone by name.
pub fn zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|_| Error::UnknownTimezone {
        zone: name.to_string(),
    })
}

/// Reads "YYYY-MM-DD HH:MM" (seconds and a `T` separator are accepted too).
pub fn parse_wall(input: &str) -> Result<DateTime> {
    let s = input.trim().replacen('T', " ", 1);
    let bad = || Error::InvalidTime {
        input: input.to_string(),
    };
    let (date, time) = s.split_once(' ').ok_or_else(bad)?;
    let time = if time.matches(':').count() == 1 {
        format!("{time}:00")
    } else {
        time.to_string()
    };
    format!("{date}T{time}")
        .parse::<DateTime>()
        .map_err(|_| bad())
}

/// The instant a wall time in `zone_name` stands for.
pub fn resolve(wall: DateTime, zone_name: &str, fold: Option<Fold>) -> Result<Timestamp> {
    let tz = zone(zone_name)?;
    let amb = tz.to_ambiguous_zoned(wall);
    let fmt_wall = |dt: DateTime| dt.strftime("%Y-%m-%d %H:%M").to_string();
    match amb.offset() {
        AmbiguousOffset::Unambiguous { offset } => to_instant(wall, offset),
        AmbiguousOffset::Gap { before, after } => {
            // The transition is the instant where `before` stops. Read with `after`, the wall
            // time is an instant just before it (read with `before`, one just after), so the
            // jump is the first transition following that instant. (The one preceding it is
            // the previous autumn's, which named 01:00 to 02:00 for New York's 02:00 gap.)
            let probe = to_instant(wall, after)?;
            let transition = tz.following(probe).next().map(|t| t.timestamp());
            let (gap_start, gap_end) = match transition {
                Some(t) => (
                    before.to_datetime(t).strftime("%H:%M").to_string(),
                    after.to_datetime(t).strftime("%H:%M").to_string(),
                ),
                None => (format!("UTC{before}"), format!("UTC{after}")),
            };
            Err(Error::NonexistentTime {
                wall: fmt_wall(wall),
                zone: zone_name.to_string(),
                gap_start,
                gap_end,
            })
        }
        AmbiguousOffset::Fold { before, after } => match fold {
            Some(Fold::Earlier) => to_instant(wall, before),
            Some(Fold::Later) => to_instant(wall, after),
            None => Err(Error::AmbiguousTime {
                wall: fmt_wall(wall),
                zone: zone_name.to_string(),
                earlier: format!("{} (UTC{before})", to_instant(wall, before)?),
                later: format!("{} (UTC{after})", to_instant(wall, after)?),
            }),
        },
    }
}

fn to_instant(wall: DateTime, offset: jiff::tz::Offset) -> Result<Timestamp> {
    offset.to_timestamp(wall).map_err(|_| Error::InvalidTime {
        input: wall.to_string(),
    })
}

/// The wall time of an instant in a zone, "YYYY-MM-DD HH:MM", for people.
pub fn wall_time(at: Timestamp, zone_name: &str) -> String {
    match zone(zone_name) {
        Ok(tz) => at.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// A weekly posting slot: a weekday and a wall time in the brand's zone ("Tuesday 09:00").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub weekday: Weekday,
    pub time: Time,
}

/// The instant of the first slot strictly after `after` that is not in `taken`, looking up to
/// `horizon_weeks` ahead; `None` when every slot in that time is taken (or there are none).
///
/// Slots are wall times, resolved day by day in `zone`, so a 09:00 slot stays at 09:00 local
/// across daylight-saving changes instead of drifting an hour. On the day a slot's wall time
/// falls into a spring-forward gap it moves forward by the gap (02:30 becomes 03:30); a wall
/// time that happens twice takes the first instant. These are the usual calendar rules
/// (RFC 5545's), and a person is never asked: a queue slot is a habit, not a promise.
pub fn next_slot(
    slots: &[Slot],
    zone: &TimeZone,
    after: Timestamp,
    taken: &HashSet<Timestamp>,
    horizon_weeks: u32,
) -> Option<Timestamp> {
    let mut ordered = slots.to_vec();
    ordered.sort_by_key(|s| s.time);
    let mut day = after.to_zoned(zone.clone()).date();
    for _ in 0..=(horizon_weeks * 7) {
        for slot in ordered.iter().filter(|s| s.weekday == day.weekday()) {
            let at = zone
                .to_ambiguous_zoned(day.to_datetime(slot.time))
                .compatible()
                .ok()?
                .timestamp();
            if at > after && !taken.contains(&at) {
                return Some(at);
            }
        }
        day = day.tomorrow().ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_times_resolve() {
        let at = resolve(
            parse_wall("2030-01-15 09:00").unwrap(),
            "Europe/Berlin",
            None,
        )
        .unwrap();
        assert_eq!(at.to_string(), "2030-01-15T08:00:00Z");
        assert_eq!(wall_time(at, "Europe/Berlin"), "2030-01-15 09:00");
    }

    #[test]
    fn a_spring_forward_gap_is_refused_with_the_gap_named() {
        let err = resolve(
            parse_wall("2026-03-29 02:30").unwrap(),
            "Europe/Berlin",
            None,
        )
        .unwrap_err();
        assert_eq!(err.code(), "nonexistent_time");
        let msg = err.to_string();
        assert!(msg.contains("02:00") && msg.contains("03:00"), "{msg}");
        // New York springs forward at 02:00 local too, but 07:00 UTC, not 06:00 like its
        // autumn change: the gap named must be this March's.
        let msg = resolve(
            parse_wall("2027-03-14 02:30").unwrap(),
            "America/New_York",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("from 02:00 to 03:00"), "{msg}");
    }

    #[test]
    fn a_fall_back_time_needs_a_fold() {
        let wall = parse_wall("2026-11-01 01:30").unwrap();
        let err = resolve(wall, "America/New_York", None).unwrap_err();
        assert_eq!(err.code(), "ambiguous_time");
        let earlier = resolve(wall, "America/New_York", Some(Fold::Earlier)).unwrap();
        let later = resolve(wall, "America/New_York", Some(Fold::Later)).unwrap();
        assert_eq!(earlier.to_string(), "2026-11-01T05:30:00Z");
        assert_eq!(later.to_string(), "2026-11-01T06:30:00Z");
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(parse_wall("tomorrow").unwrap_err().code(), "invalid_time");
        assert_eq!(
            parse_wall("2030-02-30 09:00").unwrap_err().code(),
            "invalid_time"
        );
        assert_eq!(zone("Mars/Olympus").unwrap_err().code(), "unknown_timezone");
        assert!(parse_wall("2030-01-15T09:00").is_ok());
        assert!(parse_wall("2030-01-15 09:00:30").is_ok());
    }

    fn slot(weekday: Weekday, hh: i8, mm: i8) -> Slot {
        Slot {
            weekday,
            time: Time::constant(hh, mm, 0, 0),
        }
    }

    /// A year of weekly 09:00 slots in a zone: every one is at 09:00 local on its weekday, and
    /// the year crosses both transitions (one week is 167 hours long, another 169).
    fn a_year_at_nine(zone_name: &str) {
        let tz = zone(zone_name).unwrap();
        let slots = [slot(Weekday::Tuesday, 9, 0)];
        let mut after: Timestamp = "2031-01-01T00:00:00Z".parse().unwrap();
        let mut weeks = Vec::new();
        for _ in 0..53 {
            let at = next_slot(&slots, &tz, after, &HashSet::new(), 2).unwrap();
            let local = at.to_zoned(tz.clone());
            assert_eq!(
                (local.hour(), local.minute()),
                (9, 0),
                "{zone_name}: {local}"
            );
            assert_eq!(local.weekday(), Weekday::Tuesday);
            weeks.push(at);
            after = at;
        }
        let hours: HashSet<i64> = weeks
            .windows(2)
            .map(|w| w[1].duration_since(w[0]).as_hours())
            .collect();
        assert_eq!(hours, HashSet::from([167, 168, 169]), "{zone_name}");
    }

    #[test]
    fn queue_slots_stay_at_nine_local_across_both_transitions() {
        a_year_at_nine("Europe/Berlin");
        a_year_at_nine("America/New_York");
    }

    #[test]
    fn the_next_free_slot_skips_taken_ones_and_orders_by_time() {
        let tz = zone("Europe/Berlin").unwrap();
        let slots = [slot(Weekday::Monday, 17, 0), slot(Weekday::Monday, 9, 0)];
        // Monday 2031-01-06, 08:00 Berlin.
        let after: Timestamp = "2031-01-06T07:00:00Z".parse().unwrap();
        let first = next_slot(&slots, &tz, after, &HashSet::new(), 4).unwrap();
        assert_eq!(first.to_string(), "2031-01-06T08:00:00Z");
        let second = next_slot(&slots, &tz, after, &HashSet::from([first]), 4).unwrap();
        assert_eq!(second.to_string(), "2031-01-06T16:00:00Z");
        let third = next_slot(&slots, &tz, after, &HashSet::from([first, second]), 4).unwrap();
        assert_eq!(third.to_string(), "2031-01-13T08:00:00Z");
        assert_eq!(next_slot(&[], &tz, after, &HashSet::new(), 4), None);
        assert_eq!(
            next_slot(
                &slots,
                &tz,
                after,
                &HashSet::from([first, second, third]),
                0
            ),
            None
        );
    }

    #[test]
    fn a_slot_in_the_spring_forward_gap_moves_past_it() {
        let tz = zone("Europe/Berlin").unwrap();
        // Sunday 2031-03-30 is the spring-forward day: 02:30 does not exist, so the slot is 03:30.
        let slots = [slot(Weekday::Sunday, 2, 30)];
        let after: Timestamp = "2031-03-29T12:00:00Z".parse().unwrap();
        let at = next_slot(&slots, &tz, after, &HashSet::new(), 1).unwrap();
        let local = at.to_zoned(tz);
        assert_eq!((local.hour(), local.minute()), (3, 30));
        assert_eq!(at.to_string(), "2031-03-30T01:30:00Z");
    }
}
