//! Finding the emoji sequences that v3 counting weighs as a single character.
//!
//! The reference (twitter-text JS) finds emoji with `twemoji-parser`: a regex generated from the
//! list of recommended (RGI) emoji of its day. X keeps its lists current, so this matches the
//! same kinds of sequences from Unicode 15.0's RGI data instead of a frozen regex:
//!
//! - keycaps `[#*0-9] FE0F? 20E3`;
//! - flags (two regional indicators naming an RGI region) and the RGI subdivision flags;
//! - RGI ZWJ sequences (families, professions, `❤️‍🔥`, ...), with or without their `FE0F`s;
//! - an emoji with a skin-tone modifier, when it takes one;
//! - a character with an emoji variation sequence followed by `FE0F` (`❤️`, `©️`, `☕️`), except
//!   after an emoji-style character outside the BMP (`💻️`), where the reference weighs `FE0F`
//!   on its own.
//!
//! Only sequences need finding: a single emoji code point weighs the default weight anyway,
//! except `©` and `®`, which sit in the light range and weigh 1 without `FE0F`, as in the
//! reference. Like the reference, anything that is not an RGI sequence (an arbitrary ZWJ
//! join, a redundant `FE0F`, an unknown tag sequence) is weighed piece by piece.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::emoji_data::{FLAGS, MODIFIER_BASE, PRESENTATION_BASES, TAG_SEQUENCES, ZWJ_SEQUENCES};

const ZWJ: char = '\u{200D}';
const VS16: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';
/// The base of every subdivision flag.
const BLACK_FLAG: char = '\u{1F3F4}';
/// Code points in the longest subdivision flag (🏴 + up to six tags + cancel tag).
const TAG_SEQUENCE_MAX: usize = 8;

/// RGI ZWJ sequences without their `FE0F`s, each to whether the fully qualified form ends with
/// `FE0F` (as `🏳️‍⚧️` does), plus the longest one in code points.
#[derive(Debug)]
struct ZwjTable {
    sequences: HashMap<Vec<char>, bool>,
    max_len: usize,
}

static ZWJ_TABLE: LazyLock<ZwjTable> = LazyLock::new(|| {
    let mut sequences = HashMap::new();
    let mut max_len = 0;
    for seq in ZWJ_SEQUENCES.split('|') {
        let core: Vec<char> = seq.chars().filter(|&c| c != VS16).collect();
        max_len = max_len.max(core.len());
        sequences.insert(core, seq.ends_with(VS16));
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
pub(super) fn find(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut offset16 = 0;
    let mut i = 0;
    while i < chars.len() {
        let end = sequence_at(&chars, i).unwrap_or(i + 1);
        let len16: usize = chars[i..end].iter().map(|c| c.len_utf16()).sum();
        if end > i + 1 {
            found.push((offset16, len16));
        }
        offset16 += len16;
        i = end;
    }
    found
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

/// The longest RGI ZWJ sequence starting at `i`, ignoring `FE0F`s inside it; it takes a final
/// `FE0F` along when its fully qualified form ends with one.
fn zwj_sequence_at(chars: &[char], i: usize) -> Option<usize> {
    // Every ZWJ sequence joins within its first three code points (not counting FE0F): check
    // that cheaply before collecting anything.
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
    // The sequence's code points without FE0F, and where each ends in `chars`.
    let mut core = Vec::with_capacity(table.max_len);
    let mut ends = Vec::with_capacity(table.max_len);
    for (k, &c) in chars.iter().enumerate().skip(i) {
        if core.len() == table.max_len {
            break;
        }
        if c != VS16 {
            core.push(c);
            ends.push(k + 1);
        }
    }
    (3..=core.len()).rev().find_map(|len| {
        let &ends_with_vs16 = table.sequences.get(&core[..len])?;
        let end = ends[len - 1];
        Some(if ends_with_vs16 && chars.get(end) == Some(&VS16) {
            end + 1
        } else {
            end
        })
    })
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
        assert_eq!(find("❤️‍🔥 ❤‍🔥"), [(0, 5), (6, 4)]);
        assert_eq!(find("🏳️‍⚧️"), [(0, 6)]);
        assert_eq!(find("👩🏽‍💻"), [(0, 7)]);
    }

    #[test]
    fn data_fits_the_shortcuts() {
        for seq in ZWJ_SEQUENCES.split('|') {
            let core: Vec<char> = seq.chars().filter(|&c| c != VS16).collect();
            assert!(core.iter().take(3).any(|&c| c == ZWJ), "{seq:?} joins late");
        }
        for seq in TAG_SEQUENCES {
            assert!(seq.starts_with(BLACK_FLAG) && seq.chars().count() <= TAG_SEQUENCE_MAX);
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
