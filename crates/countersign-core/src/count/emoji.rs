//! Finding emoji the way v3 counting sees them: each one, however many code points it spans,
//! weighs as one default-weight character.
//!
//! The reference delegates this to `twemoji-parser`, a generated list of the emoji of its day.
//! A list goes stale (X keeps counting newer emoji as 2), so this follows the grammar of
//! Unicode's emoji sequences (UTS #51) over the `Emoji` property instead:
//!
//! - keycaps `[#*0-9] FE0F? 20E3`;
//! - flags: two regional indicators forming an RGI region (any other indicator stands alone);
//! - tag sequences: `🏴` + tag characters + `E007F` (England, Scotland, Wales, ...);
//! - an emoji with a skin-tone modifier (when it takes one) or with `FE0F`;
//! - ZWJ sequences of the above, joined by `U+200D`.
//!
//! An emoji followed by the text selector `FE0E` is not an emoji sequence, and `©`/`®` count as
//! emoji only with `FE0F` (as in the reference, where they would otherwise weigh 1). Everything
//! else agrees with the reference on its list; sequences newer than it weigh 2 here.

use super::emoji_data::{EMOJI, FLAGS, MODIFIER_BASE};

const ZWJ: char = '\u{200D}';
const VS15: char = '\u{FE0E}';
const VS16: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';
const BLACK_FLAG: char = '\u{1F3F4}';
const CANCEL_TAG: char = '\u{E007F}';

fn in_ranges(c: char, ranges: &[(u32, u32)]) -> bool {
    let c = u32::from(c);
    ranges
        .binary_search_by(|&(start, end)| {
            if end < c {
                std::cmp::Ordering::Less
            } else if start > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

fn is_emoji(c: char) -> bool {
    // ASCII digits, '#' and '*' have the property too, but are emoji only as keycaps.
    !c.is_ascii() && in_ranges(c, EMOJI)
}

fn is_modifier(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007E}').contains(&c)
}

/// Emoji that are plain text unless `FE0F` follows (weighing 1 in every config).
fn needs_vs16(c: char) -> bool {
    matches!(c, '\u{A9}' | '\u{AE}')
}

/// Where the emoji sequences of `text` are, as `(start, len)` in UTF-16 code units, leftmost
/// first and never overlapping.
pub(super) fn find(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut offset16 = 0;
    let mut i = 0;
    while i < chars.len() {
        let end = sequence_at(&chars, i);
        let len16: usize = chars[i..end.unwrap_or(i + 1)].iter().map(|c| c.len_utf16()).sum();
        if end.is_some() {
            found.push((offset16, len16));
        }
        offset16 += len16;
        i = end.unwrap_or(i + 1);
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
        let pair = next(i + 1).filter(|&d| is_regional_indicator(d)).map(|d| {
            let letter = |x: char| b'A' + (u32::from(x) - 0x1F1E6) as u8;
            [letter(c), letter(d)]
        });
        return Some(if pair.is_some_and(|p| FLAGS.binary_search(&p).is_ok()) { i + 2 } else { i + 1 });
    }
    let mut end = element_at(chars, i)?;
    while next(end) == Some(ZWJ) {
        match next(end + 1).filter(|&d| is_emoji(d)).and_then(|_| element_at(chars, end + 1)) {
            Some(e) => end = e,
            None => break,
        }
    }
    Some(end)
}

/// One emoji with what may decorate it (tags, a modifier, or `FE0F`): its end, in chars.
fn element_at(chars: &[char], i: usize) -> Option<usize> {
    let c = chars[i];
    if !is_emoji(c) {
        return None;
    }
    let next = chars.get(i + 1).copied();
    if c == BLACK_FLAG {
        let tags = chars[i + 1..].iter().take_while(|&&t| is_tag(t)).count();
        if tags > 0 && chars.get(i + 1 + tags) == Some(&CANCEL_TAG) {
            return Some(i + 2 + tags);
        }
    }
    match next {
        Some(m) if is_modifier(m) && in_ranges(c, MODIFIER_BASE) => Some(i + 2),
        Some(VS16) => Some(i + 2),
        Some(VS15) => None,
        _ if needs_vs16(c) => None,
        _ => Some(i + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(s: &str) -> Vec<(usize, usize)> {
        find(s)
    }

    #[test]
    fn sequences_are_single_entities() {
        assert_eq!(spans("👨‍👩‍👧‍👦"), [(0, 11)]);
        assert_eq!(spans("🙋🏽"), [(0, 4)]);
        assert_eq!(spans("🇯🇵🇫🇷"), [(0, 4), (4, 4)]);
        assert_eq!(spans("1⃣ #️⃣"), [(0, 2), (3, 3)]);
        assert_eq!(spans("🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"), [(0, 14)]);
        assert_eq!(spans("❤️‍🔥"), [(0, 5)]);
    }

    #[test]
    fn text_presentation_is_not_an_emoji() {
        assert!(spans("a © b").is_empty());
        assert_eq!(spans("©\u{FE0F}"), [(0, 2)]);
        assert!(spans("☺\u{FE0E}").is_empty());
        assert_eq!(spans("x☺"), [(1, 1)]);
    }
}
