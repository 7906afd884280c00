//! Turning a wall time in a time zone into the instant to publish, correctly across daylight
//! saving changes.
//!
//! A brand says "Tuesday 09:00 Berlin time", not an instant. Two wall times need a person:
//! one that does not exist (clocks spring forward over it) is refused with the gap named; one
//! that happens twice (clocks fall back) must say which of the two is meant.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which of two instants an ambiguous wall time means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
            // The transition is the instant where `before` stops: find the wall clock's jump.
            let probe = to_instant(wall, after)?;
            let transition = tz.preceding(probe).next().map(|t| t.timestamp());
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
}
