//! Finding the emoji sequences that v3 counting weighs as a single character.
//!
//! The reference (twitter-text JS) finds emoji with `twemoji-parser`: a regex generated from the
//! list of recommended (RGI) emoji of its day. X keeps its lists current, so this matches the
//! same kinds of sequences from Unicode 15.0's RGI data instead of a frozen regex:
//!
//! - keycaps `[#*0-9] FE0F? 20E3`;
//! - flags (two regional indicators naming an RGI region) and the RGI subdivision flags;
//! - RGI ZWJ sequences (families, professions, `❤️‍🔥`, ...), fully qualified: like the
//!   reference, one missing any of its `FE0F`s (`🏳‍🌈`) is weighed piece by piece;
//! - an emoji with a skin-tone modifier, when it takes one;
//! - a character with an emoji variation sequence followed by `FE0F` (`❤️`, `©️`, `☕️`), except
//!   after an emoji-style character outside the BMP (`💻️`), where the reference weighs `FE0F`
//!   on its own.
//!
//! Only sequences need finding: a single emoji code point weighs the default weight anyway,
//! except `©` and `®`, which sit in the light range and weigh 1 without `FE0F`, as in the
//! reference. Like the reference, anything that is not an RGI sequence (an arbitrary ZWJ
//! join, a redundant `FE0F`, an unknown tag sequence) is weighed piece by piece.

use std::sync::LazyLock;

use super::emoji_data::{FLAGS, MODIFIER_BASE, PRESENTATION_BASES, TAG_SEQUENCES, ZWJ_SEQUENCES};
use super::fixed_table::FixedTable;

const ZWJ: char = '\u{200D}';
const VS16: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';
/// The base of every subdivision flag.
const BLACK_FLAG: char = '\u{1F3F4}';
/// Code points in the longest subdivision flag (🏴 + up to six tags + cancel tag).
const TAG_SEQUENCE_MAX: usize = 8;

/// RGI ZWJ sequences, fully qualified, plus the longest one in code points. Only the fully
/// qualified form is one sequence: the reference weighs a ZWJ sequence missing any of its
/// `FE0F`s (`🏳‍🌈`, `🏃‍♂`) piece by piece, and so does this counter.
#[derive(Debug)]
struct ZwjTable {
    sequences: FixedTable<Vec<char>, ()>,
    max_len: usize,
}

static ZWJ_TABLE: LazyLock<ZwjTable> = LazyLock::new(|| {
    let mut sequences = FixedTable::default();
    let mut max_len = 0;
    for seq in ZWJ_SEQUENCES.split('|') {
        let chars: Vec<char> = seq.chars().collect();
        max_len = max_len.max(chars.len());
        sequences.insert(chars, ());
    }
    ZwjTable { sequences, max_len }
});

fn in_ranges(c: char, ranges: &[(u32, u32)]) -> bool {
    let c = u32::from(c);
    let i = ranges.partition_point(|&(_, end)| end < c);
    ranges.get(i).is_some_and(|&(start, _)| start <= c)
}

fn is_modifier(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Where the emoji sequences of `text` are, as `(start, len)` in UTF-16 code units, leftmost
/// first and never overlapping.
#[cfg(test)]
fn find(text: &str) -> Vec<(usize, usize)> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut found = Vec::new();
    find_in_units(&units, &mut found, &mut Vec::new());
    found
}

/// Appends to `found` where the emoji sequences of `units` (well-formed UTF-16) are, as
/// `(start, len)` in code units, leftmost first and never overlapping. `window` is scratch
/// space.
///
/// Every sequence's second code point is `FE0F`, a keycap, a ZWJ, a regional indicator, a
/// skin-tone modifier or a tag (`data_fits_the_shortcuts` checks the data): only the code
/// point before one of those can start a sequence, so the scan looks for those units alone
/// and tries the full match there, in text order, as a scan of every position would.
pub(super) fn find_in_units(
    units: &[u16],
    found: &mut Vec<(usize, usize)>,
    window: &mut Vec<char>,
) {
    // Units before `done` belong to a sequence already found.
    let mut done = 0;
    let mut j = 1;
    while let Some(at) = next_follower_unit(units, j) {
        j = at;
        let follower = match units[j] {
            // Regional indicators and modifiers (U+1F1E6-1F1FF, U+1F3FB-1F3FF).
            0xD83C => matches!(units.get(j + 1), Some(0xDDE6..=0xDDFF | 0xDFFB..=0xDFFF)),
            // Tags (U+E0020-E007F).
            0xDB40 => matches!(units.get(j + 1), Some(0xDC20..=0xDC7F)),
            _ => true,
        };
        if follower {
            let pair = j >= 2
                && (0xDC00..=0xDFFF).contains(&units[j - 1])
                && (0xD800..=0xDBFF).contains(&units[j - 2]);
            let start = j - 1 - usize::from(pair);
            if start >= done
                && let Some(len) = sequence_len_at(units, start, window)
            {
                found.push((start, len));
                done = start + len;
                j = done + 1;
                continue;
            }
        }
        j += 1;
    }
}

/// The first index at or after `from` holding `FE0F`, a keycap, a ZWJ or the first unit of a
/// regional indicator, modifier or tag.
fn next_follower_unit(units: &[u16], from: usize) -> Option<usize> {
    let candidate = |u: u16| matches!(u, 0xFE0F | 0x20E3 | 0x200D | 0xD83C | 0xDB40);
    Some(from + units.get(from..)?.iter().position(|&u| candidate(u))?)
}

/// The length in UTF-16 units of the emoji sequence starting at unit `start`, if one does.
fn sequence_len_at(units: &[u16], start: usize, window: &mut Vec<char>) -> Option<usize> {
    let mut chars = char::decode_utf16(units.get(start..)?.iter().copied())
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER));
    // [`sequence_at`] looks no further than the third code point that is not FE0F, and one
    // after it, unless that reaches a ZWJ or the sequence starts with 🏴: then it may look as
    // far as the longest ZWJ sequence or subdivision flag (again not counting FE0F), and one
    // after. Decode that much.
    window.clear();
    let mut take = |window: &mut Vec<char>, reach: usize| {
        let mut core = window.iter().filter(|&&c| c != VS16).count();
        while core <= reach {
            let Some(c) = chars.next() else {
                break;
            };
            window.push(c);
            core += usize::from(c != VS16);
        }
    };
    take(window, 3);
    if window.first() == Some(&BLACK_FLAG) || window.contains(&ZWJ) {
        take(window, ZWJ_TABLE.max_len.max(TAG_SEQUENCE_MAX));
    }
    let end = sequence_at(window, 0)?;
    Some(window[..end].iter().map(|c| c.len_utf16()).sum())
}

/// The end (exclusive, in chars) of the emoji sequence starting at `i`, if one does.
fn sequence_at(chars: &[char], i: usize) -> Option<usize> {
    let c = chars[i];
    let next = |k: usize| chars.get(k).copied();
    if matches!(c, '#' | '*' | '0'..='9') {
        return match (next(i + 1), next(i + 2)) {
            (Some(VS16), Some(KEYCAP)) => Some(i + 3),
            (Some(KEYCAP), _) => Some(i + 2),
            _ => None,
        };
    }
    if is_regional_indicator(c) {
        let d = next(i + 1).filter(|&d| is_regional_indicator(d))?;
        let letter = |x: char| b'A' + (u32::from(x) - 0x1F1E6) as u8;
        return FLAGS
            .binary_search(&[letter(c), letter(d)])
            .is_ok()
            .then_some(i + 2);
    }
    if let Some(end) = zwj_sequence_at(chars, i) {
        return Some(end);
    }
    if c == BLACK_FLAG {
        let rest: String = chars[i..].iter().take(TAG_SEQUENCE_MAX).collect();
        if let Some(tag) = TAG_SEQUENCES.iter().find(|seq| rest.starts_with(*seq)) {
            return Some(i + tag.chars().count());
        }
    }
    match next(i + 1) {
        Some(m) if is_modifier(m) && in_ranges(c, MODIFIER_BASE) => Some(i + 2),
        Some(VS16) if PRESENTATION_BASES.binary_search(&u32::from(c)).is_ok() => Some(i + 2),
        _ => None,
    }
}

/// The longest RGI ZWJ sequence starting at `i`, exactly as fully qualified.
fn zwj_sequence_at(chars: &[char], i: usize) -> Option<usize> {
    // Every ZWJ sequence joins within its first three code points (not counting FE0F): check
    // that cheaply before looking anything up.
    if chars[i].is_ascii()
        || chars[i] == VS16
        || !chars[i + 1..]
            .iter()
            .filter(|&&c| c != VS16)
            .take(2)
            .any(|&c| c == ZWJ)
    {
        return None;
    }
    let table = &*ZWJ_TABLE;
    let candidate = &chars[i..chars.len().min(i + table.max_len)];
    // No sequence ends with a ZWJ: those lengths need no lookup.
    (3..=candidate.len())
        .rev()
        .filter(|&n| candidate[n - 1] != ZWJ)
        .find(|&n| table.sequences.contains_key(&candidate[..n]))
        .map(|n| i + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_are_single_entities() {
        assert_eq!(find("👨‍👩‍👧‍👦"), [(0, 11)]);
        assert_eq!(find("🙋🏽"), [(0, 4)]);
        assert_eq!(find("🇯🇵🇫🇷"), [(0, 4), (4, 4)]);
        assert_eq!(find("1⃣ #️⃣"), [(0, 2), (3, 3)]);
        assert_eq!(
            find("🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"),
            [(0, 14)]
        );
        // Only the fully qualified form is a sequence, as in the reference (checked there for
        // every RGI sequence with an FE0F: without any one of them it is weighed piece by
        // piece, the rainbow flag included).
        assert_eq!(find("❤️‍🔥 ❤‍🔥"), [(0, 5)]);
        assert_eq!(find("🏳️‍🌈 🏳‍🌈 🏃‍♂️ 🏃‍♂"), [(0, 6), (13, 5)]);
        assert_eq!(find("🏳️‍⚧️"), [(0, 6)]);
        assert_eq!(find("👩🏽‍💻"), [(0, 7)]);
    }

    #[test]
    fn data_fits_the_shortcuts() {
        for seq in ZWJ_SEQUENCES.split('|') {
            let core: Vec<char> = seq.chars().filter(|&c| c != VS16).collect();
            assert!(core.iter().take(3).any(|&c| c == ZWJ), "{seq:?} joins late");
            assert!(core.last() != Some(&ZWJ), "{seq:?} ends with a ZWJ");
        }
        for seq in TAG_SEQUENCES {
            assert!(seq.starts_with(BLACK_FLAG) && seq.chars().count() <= TAG_SEQUENCE_MAX);
        }
        // find_in_units only tries the code point before one of these.
        let follows = |c: char| {
            matches!(c, VS16 | KEYCAP | ZWJ | '\u{E0020}'..='\u{E007F}')
                || is_regional_indicator(c)
                || is_modifier(c)
        };
        for seq in ZWJ_SEQUENCES
            .split('|')
            .chain(TAG_SEQUENCES.iter().copied())
        {
            // The second code point as written, and as matched when FE0Fs are left out.
            let second = seq.chars().nth(1).unwrap();
            let unqualified = seq.chars().filter(|&c| c != VS16).nth(1).unwrap();
            assert!(follows(second), "{seq:?}: {second:?} does not follow");
            assert!(
                follows(unqualified),
                "{seq:?}: {unqualified:?} does not follow"
            );
        }
    }

    #[test]
    fn non_rgi_combinations_are_weighed_apart() {
        assert!(find("😀\u{200D}😀").is_empty());
        assert!(find("😀\u{FE0F}").is_empty()); // 😀 has no presentation sequence
        // Emoji style already and outside the BMP: FE0F weighs apart, as in the reference (the
        // differential test against twitter-text found these counted 2 short).
        assert!(find("💻\u{FE0F}").is_empty());
        assert!(find("👍\u{FE0F}").is_empty());
        assert_eq!(find("☕\u{FE0F}"), [(0, 2)]);
        assert!(find("🐱🏽").is_empty()); // not a modifier base
        assert!(find("🇦🇦").is_empty()); // not a region
        assert!(find("a © b").is_empty());
        assert_eq!(find("©\u{FE0F}"), [(0, 2)]);
        assert!(find("☺\u{FE0E}").is_empty());
    }
}
