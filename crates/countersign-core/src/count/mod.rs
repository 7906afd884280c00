//! Counting a post's length exactly as X does.
//!
//! X refuses a post whose *weighted* length is over the limit, and the weighting is not "number
//! of characters": most scripts weigh 2, Latin and common punctuation weigh 1, every URL weighs
//! 23 whatever its length (bare domains like `example.com` too), and every emoji sequence weighs
//! 2 however many code points it has. X's reference for this is twitter-text's `parseTweet` with
//! its v3 configuration; [`count`] reproduces it field for field, including its UTF-16,
//! end-inclusive ranges, so the composer and the publisher agree with X before anything is sent.
//!
//! This is our own implementation rather than the `twitter-text` crate: that crate's default
//! parser counts bare domains and flags wrongly and needs a C++ toolchain. Conformance with the
//! reference is checked against twitter-text's own YAML suites in `tests/conformance.rs`, and
//! was cross-checked against the reference JS library (twitter-text 3.1.0) on random texts.
//!
//! Where we knowingly differ from that JS library:
//!
//! - Emoji sequences come from Unicode 15.0's RGI lists, not from the `twemoji-parser` 11
//!   regex it bundles (Unicode 11). Sequences added since (`❤️‍🔥`, `🧑‍🤝‍🧑`, the fully
//!   qualified `👁️‍🗨️`) weigh 2 here, as they do on X today, instead of being weighed piece by
//!   piece. Everything that is not an RGI sequence is weighed piece by piece, as there.
//! - `valid_range_end` is clamped at 0: the reference can report a negative index when NFC
//!   normalisation lengthens a text that is invalid from its first character.
//!
//! ```
//! use countersign_core::count::{count, CountConfig};
//!
//! let c = count("Read example.com 🇯🇵", &CountConfig::v3());
//! assert_eq!(c.weighted_length, 5 + 23 + 1 + 2);
//! assert!(c.valid);
//! ```

mod emoji;
mod emoji_data;
mod fixed_table;
mod punycode;
mod tld;
mod tld_data;
mod units;
mod url;

use std::borrow::Cow;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

pub use url::{UrlEntity, extract_urls};

/// A range of code points (by their first UTF-16 unit, as twitter-text does) and its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WeightRange {
    start: u32,
    end: u32,
    weight: u32,
}

/// The "light" ranges of the v2 and v3 configurations: Latin and friends (U+0000-U+10FF) and
/// three runs of General Punctuation weigh 1; everything else weighs the default 2.
const LIGHT_RANGES: &[WeightRange] = &[
    WeightRange {
        start: 0,
        end: 4351,
        weight: 100,
    },
    WeightRange {
        start: 8192,
        end: 8205,
        weight: 100,
    },
    WeightRange {
        start: 8208,
        end: 8223,
        weight: 100,
    },
    WeightRange {
        start: 8242,
        end: 8247,
        weight: 100,
    },
];

/// How to weigh a post: one of twitter-text's configurations (`v1.json`, `v2.json`, `v3.json`),
/// embedded here so the app never reads them at run time.
///
/// Weights are in units of `1/scale` character, as in the JSON files. Use [`CountConfig::v3`]
/// for X as it is today; [`CountConfig::with_max_weighted_length`] raises the limit for
/// accounts allowed longer posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountConfig {
    version: u32,
    max_weighted_length: u32,
    scale: u32,
    default_weight: u32,
    transformed_url_length: u32,
    ranges: &'static [WeightRange],
    emoji_parsing_enabled: bool,
}

impl CountConfig {
    /// twitter-text's v1 configuration: 140 characters, every code point weighs 1.
    pub fn v1() -> Self {
        CountConfig {
            version: 1,
            max_weighted_length: 140,
            scale: 1,
            default_weight: 1,
            transformed_url_length: 23,
            ranges: &[],
            emoji_parsing_enabled: false,
        }
    }

    /// twitter-text's v2 configuration: 280 weighted characters, light ranges weigh 1, the rest
    /// 2, emoji weighed code point by code point.
    pub fn v2() -> Self {
        CountConfig {
            version: 2,
            max_weighted_length: 280,
            scale: 100,
            default_weight: 200,
            transformed_url_length: 23,
            ranges: LIGHT_RANGES,
            emoji_parsing_enabled: false,
        }
    }

    /// twitter-text's v3 configuration, what X enforces: as v2, but every emoji sequence
    /// weighs 2.
    pub fn v3() -> Self {
        CountConfig {
            version: 3,
            emoji_parsing_enabled: true,
            ..Self::v2()
        }
    }

    /// The same weighting with another limit, for accounts allowed longer posts (X Premium
    /// posts go up to 25,000 weighted characters). A limit of 0 makes every text too long.
    #[must_use]
    pub fn with_max_weighted_length(self, max: u32) -> Self {
        CountConfig {
            max_weighted_length: max,
            ..self
        }
    }

    /// The longest weighted length that is still valid.
    pub fn max_weighted_length(&self) -> u32 {
        self.max_weighted_length
    }

    /// The configuration's version number (1, 2 or 3), as in its JSON file.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// What every URL weighs (23: X shortens them all to t.co links).
    pub fn transformed_url_length(&self) -> u32 {
        self.transformed_url_length
    }

    /// Whether emoji sequences weigh as one character (v3) or code point by code point.
    pub fn emoji_parsing_enabled(&self) -> bool {
        self.emoji_parsing_enabled
    }

    /// Weight of one UTF-16 unit, in `1/scale` units. twitter-text weighs a surrogate pair by
    /// one of its units, which falls outside every range, so astral characters get the default.
    #[inline]
    fn weight(&self, unit: u16) -> u64 {
        let u = u32::from(unit);
        // Most units fall in the first range (Latin and friends in v2 and v3), which `find`
        // would pick first anyway: answer those without the search.
        if let Some(first) = self.ranges.first()
            && first.start <= u
            && u <= first.end
        {
            return u64::from(first.weight);
        }
        // And most of the rest (CJK, Hangul, surrogates) lie past the last range.
        if self.ranges.last().is_none_or(|last| u > last.end) {
            return u64::from(self.default_weight);
        }
        let w = self
            .ranges
            .iter()
            .find(|r| (r.start..=r.end).contains(&u))
            .map_or(self.default_weight, |r| r.weight);
        u64::from(w)
    }
}

impl Default for CountConfig {
    /// [`CountConfig::v3`], twitter-text's default and what X enforces.
    fn default() -> Self {
        Self::v3()
    }
}

/// Why a text is not a valid post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    /// Nothing to post: the weighted length is 0. (Whitespace is not empty to X: it weighs.)
    Empty,
    /// Weighted length over the configuration's maximum.
    TooLong,
    /// Contains a character X refuses (U+FFFE, U+FEFF or U+FFFF).
    InvalidCharacter,
}

/// The result of counting a text, with twitter-text's `parseTweet` fields.
///
/// The display and valid ranges are UTF-16 indices into the text as given (not normalised),
/// end-inclusive, exactly as twitter-text reports them, so a UI can highlight the overflow with
/// them directly. The URL ranges are end-exclusive, into the NFC text ([`UrlRange`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Count {
    /// The weighted length X compares to its limit.
    pub weighted_length: u32,
    /// `weighted_length` per thousand of the limit, rounded down.
    pub permillage: u32,
    /// Whether X would accept the text (`invalid` is `None`).
    pub valid: bool,
    /// Always 0.
    pub display_range_start: u32,
    /// Last UTF-16 index of the text (0 for an empty text).
    pub display_range_end: u32,
    /// Always 0.
    pub valid_range_start: u32,
    /// Last UTF-16 index that still fits the limit (and precedes any refused character).
    /// Like twitter-text, it is found on the normalised text and shifted by the difference in
    /// length, so it can be off by that difference around characters NFC changes.
    pub valid_range_end: u32,
    /// `max_weighted_length - weighted_length`; negative when over.
    pub remaining: i64,
    /// Why the text is invalid, `None` when valid. When several reasons apply, the first of
    /// empty, too long, invalid character (twitter-text's `isInvalidTweet` order).
    pub invalid: Option<Invalid>,
    /// The URLs this count weighed at the URL length, in order: what X links, so what a
    /// preview highlights. See [`UrlRange`] for what the indices count.
    pub urls: Vec<UrlRange>,
}

/// Where a URL the counter weighed sits in the text: UTF-16 code units, `start` inclusive and
/// `end` exclusive (JavaScript's `text.slice(start, end)`), into the text's NFC form. That is
/// the text as given when it is already NFC, as the published text of a part always is
/// ([`crate::content::published_text`]), so a preview of a part highlights
/// `text.normalize("NFC")` with these ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UrlRange {
    pub start: u32,
    pub end: u32,
}

/// Counts `text` exactly as twitter-text's `parseTweet` does with `config`.
///
/// The text is NFC-normalised first (X counts `é` the same whether precomposed or not); URLs
/// (as [`extract_urls`] finds them) weigh the configuration's URL length, emoji sequences weigh
/// one default weight when the configuration parses emoji, and every other code point weighs by
/// its range.
///
/// Counting runs on every keystroke and over whole files of posts, so this reuses one
/// [`Counter`] per thread; [`Counter::count`] is the same count with the buffers in the
/// caller's hands.
pub fn count(text: &str, config: &CountConfig) -> Count {
    thread_local! {
        static COUNTER: std::cell::RefCell<Counter> = std::cell::RefCell::new(Counter::default());
    }
    COUNTER.with(|counter| match counter.try_borrow_mut() {
        Ok(mut counter) => counter.count(text, config),
        // Only reachable if counting ever re-entered itself; a fresh counter is as exact.
        Err(_) => Counter::default().count(text, config),
    })
}

/// Counts texts one after another with the same buffers: the normalised text, its UTF-16
/// units, the emoji and URL matches and the URL scanner's tables, which a one-off count would
/// allocate afresh for every text.
#[derive(Debug, Default)]
pub struct Counter {
    normalized: String,
    units: Vec<u16>,
    emojis: Vec<(usize, usize)>,
    emoji_window: Vec<char>,
    urls: url::Finder,
}

/// Buffers that grew past this many elements for a huge text are dropped after it, so that a
/// counter kept for a thread's lifetime (as [`count`]'s is) holds little memory.
const KEPT_CAPACITY: usize = 1 << 16;

impl Counter {
    /// Counts `text` exactly as [`count`] does.
    pub fn count(&mut self, text: &str, config: &CountConfig) -> Count {
        let shortened_by = nfc_into(text, &mut self.normalized);
        let normalized = match shortened_by {
            Some(_) => self.normalized.as_str(),
            None => text,
        };
        encode_utf16(normalized, &mut self.units);
        let units = &self.units[..];
        let original_len = units.len().saturating_add_signed(shortened_by.unwrap_or(0));
        let urls = self.urls.find(units);
        self.emojis.clear();
        if config.emoji_parsing_enabled {
            emoji::find_in_units(units, &mut self.emojis, &mut self.emoji_window);
        }
        let emojis = &self.emojis[..];

        let scale = u64::from(config.scale);
        let max_scaled = u64::from(config.max_weighted_length) * scale;
        let url_weight = u64::from(config.transformed_url_length) * scale;
        let mut weighted: u64 = 0;
        let mut chars_valid = true;
        let mut valid_display_index = 0usize;
        let mut counted_urls = Vec::new();
        let (mut next_url, mut next_emoji) = (0, 0);
        // twitter-text's loop, index for index: an entity is used only if the walk lands on its
        // start, and the validity checks look at the last unit of each step.
        let mut i = 0;
        while i < units.len() {
            while urls.get(next_url).is_some_and(|u| u.start < i) {
                next_url += 1;
            }
            while emojis.get(next_emoji).is_some_and(|&(start, _)| start < i) {
                next_emoji += 1;
            }
            let url = urls.get(next_url);
            let emoji = emojis.get(next_emoji);
            if let Some(u) = url.filter(|u| u.start == i) {
                weighted += url_weight;
                counted_urls.push(UrlRange {
                    start: saturate(u.start as u64),
                    end: saturate(u.end as u64),
                });
                i += u.url_len() - 1;
            } else if let Some(&(_, len)) = emoji.filter(|&&(start, _)| start == i) {
                weighted += u64::from(config.default_weight);
                i += len - 1;
            } else {
                // No entity starts before the next one's start: weigh the units up to there
                // without asking at each step.
                let next = url.map_or(units.len(), |u| u.start);
                let next = emoji.map_or(next, |&(start, _)| next.min(start));
                let next = next.clamp(i + 1, units.len());
                let plain = units.get(i..next).unwrap_or_default();
                // The unit a step at `k` weighs, and where the step ends (inclusive): a
                // surrogate pair is one step, weighed by its second unit.
                let step = |k: usize| {
                    let unit = plain[k];
                    match units.get(i + k + 1) {
                        Some(&low @ 0xDC00..=0xDFFF) if (0xD800..=0xDBFF).contains(&unit) => {
                            (low, k + 1)
                        }
                        _ => (unit, k),
                    }
                };
                let mut k = 0;
                // While the text is valid so far, each step may move the valid range's end.
                while k < plain.len() && chars_valid && weighted <= max_scaled {
                    let (unit, last) = step(k);
                    weighted += config.weight(unit);
                    chars_valid = !units::is_invalid_char(unit);
                    if chars_valid && weighted <= max_scaled {
                        valid_display_index = i + last;
                    }
                    k = last + 1;
                }
                // Past that, the text is invalid whatever follows (the weight only grows, a
                // refused character stays refused, and too long wins over it): only the weight
                // is left to add up.
                while k < plain.len() {
                    let (unit, last) = step(k);
                    weighted += config.weight(unit);
                    k = last + 1;
                }
                i += k;
                continue;
            }
            if chars_valid {
                chars_valid = !units.get(i).copied().is_some_and(units::is_invalid_char);
            }
            if chars_valid && weighted <= max_scaled {
                valid_display_index = i;
            }
            i += 1;
        }
        let units_len = units.len();
        self.shrink();

        let weighted_length = weighted / scale;
        let invalid = if weighted == 0 {
            Some(Invalid::Empty)
        } else if weighted > max_scaled {
            Some(Invalid::TooLong)
        } else if !chars_valid {
            Some(Invalid::InvalidCharacter)
        } else {
            None
        };
        // JavaScript divides in floating point; so do we, so rounding matches to the last digit.
        let permillage = ((weighted as f64 / scale as f64) / f64::from(config.max_weighted_length)
            * 1000.0)
            .floor();
        // The valid range is found on the normalised text and shifted by the length difference,
        // as twitter-text does (it can only go below 0 in contrived cases; clamp there).
        let valid_range_end = valid_display_index as i64 + original_len as i64 - units_len as i64;
        Count {
            weighted_length: saturate(weighted_length),
            permillage: permillage as u32,
            valid: invalid.is_none(),
            display_range_start: 0,
            display_range_end: saturate(original_len.saturating_sub(1) as u64),
            valid_range_start: 0,
            valid_range_end: saturate(valid_range_end.max(0) as u64),
            remaining: i64::from(config.max_weighted_length)
                - i64::try_from(weighted_length).unwrap_or(i64::MAX),
            invalid,
            urls: counted_urls,
        }
    }

    /// Drops the buffers a huge text grew (see [`KEPT_CAPACITY`]).
    fn shrink(&mut self) {
        if self.units.capacity() > KEPT_CAPACITY {
            *self = Counter::default();
        }
    }
}

/// `text`'s UTF-16 units into `out`, replacing what it held.
fn encode_utf16(text: &str, out: &mut Vec<u16>) {
    out.clear();
    // A UTF-8 text has at least as many bytes as UTF-16 units: one reservation does, and no
    // push below reallocates.
    out.reserve(text.len());
    // Valid UTF-8: each character is one to four bytes, told by its first one. (Decoding here
    // rather than through `str::encode_utf16` makes one pass and one branch a character.)
    let mut bytes = text.as_bytes();
    loop {
        bytes = match *bytes {
            [b0, ref more @ ..] if b0 < 0x80 => {
                out.push(u16::from(b0));
                more
            }
            [b0, b1, ref more @ ..] if b0 < 0xE0 => {
                out.push(u16::from(b0 & 0x1F) << 6 | u16::from(b1 & 0x3F));
                more
            }
            [b0, b1, b2, ref more @ ..] if b0 < 0xF0 => {
                out.push(
                    u16::from(b0 & 0x0F) << 12 | u16::from(b1 & 0x3F) << 6 | u16::from(b2 & 0x3F),
                );
                more
            }
            [b0, b1, b2, b3, ref more @ ..] => {
                let c = (u32::from(b0 & 0x07) << 18
                    | u32::from(b1 & 0x3F) << 12
                    | u32::from(b2 & 0x3F) << 6
                    | u32::from(b3 & 0x3F))
                    - 0x1_0000;
                out.push(0xD800 | (c >> 10) as u16);
                out.push(0xDC00 | (c & 0x3FF) as u16);
                more
            }
            _ => break,
        };
    }
}

/// Text that arrives as WTF-8 (UTF-8 that may hold lone UTF-16 surrogates, as a JavaScript
/// string can, or a JSON `"\ud800"` escape) made countable: each lone surrogate becomes
/// U+FFFD. X's reference sees a lone surrogate as one UTF-16 unit of default weight that is
/// neither a URL, an emoji nor an invalid character, and so is U+FFFD: the count, the ranges
/// and the validity come out the same. Bytes that are not WTF-8 at all give the offset of the
/// first one.
pub fn text_from_wtf8(bytes: &[u8]) -> Result<Cow<'_, str>, usize> {
    let mut rest = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(_) => bytes,
    };
    let mut out = String::with_capacity(bytes.len());
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.push_str(text);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // Valid UTF-8 up to `valid_up_to()` by the error's own contract.
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                match bad {
                    [0xED, 0xA0..=0xBF, 0x80..=0xBF, ..] => {
                        out.push('\u{FFFD}');
                        rest = &bad[3..];
                    }
                    _ => return Err(bytes.len() - bad.len()),
                }
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// `text` in NFC, normalising only the stretches that need it: `None` when `text` is NFC
/// already, otherwise `out` holds its NFC form and this says by how many UTF-16 units it is
/// shorter than `text` (negative when NFC lengthens it).
///
/// Normalising a whole text costs a decomposition and a recomposition of every character, and
/// one combining accent is enough to make a quick check say "maybe". A character that passes
/// the NFC quick check and has combining class 0 is a safe boundary (UAX #15, "Detecting
/// Normalization Forms"): nothing before it can reorder or compose across it, so the text is
/// NFC exactly when each stretch between such boundaries is, and only stretches holding some
/// other character are normalised.
fn nfc_into(text: &str, out: &mut String) -> Option<isize> {
    // Every character below U+0300 is a boundary (ICU's "minimum no/maybe" for NFC), and
    // U+0300 is the first whose UTF-8 starts with 0xCC: a text without such a byte, as most
    // Latin text is, has nothing to check.
    let bytes = text.as_bytes();
    let first = bytes.iter().position(|&b| b >= 0xCC)?;
    // The start of the last boundary seen, how much of `text` is already in `out`, and whether
    // the stretch since the last boundary holds anything that may need normalising.
    let (mut stretch, mut copied, mut dirty) = (0, 0, false);
    let mut shortened_by = 0;
    // Normalises `text[stretch..end]` onto `out`, after what is not yet copied before it.
    let mut normalize = |stretch: usize, end: usize, copied: usize| {
        if copied == 0 {
            out.clear();
            out.reserve(text.len() + 8);
        }
        out.push_str(text.get(copied..stretch).unwrap_or_default());
        let part = text.get(stretch..end).unwrap_or_default();
        let mut len = 0;
        for c in part.nfc() {
            out.push(c);
            len += c.len_utf16();
        }
        shortened_by += part.encode_utf16().count() as isize - len as isize;
    };
    let mut i = first;
    while i < bytes.len() {
        if !dirty {
            // Outside a stretch to normalise, skip what needs no look (see
            // `starts_a_known_boundary`) at one test a byte.
            let rest = bytes.get(i..).unwrap_or_default();
            i += rest
                .iter()
                .position(|&b| !is_known_boundary_byte(b))
                .unwrap_or(rest.len());
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        let (boundary, len) = if starts_a_known_boundary(b, bytes.get(i + 1).copied()) {
            (true, 1)
        } else {
            // Not a continuation byte, so `i` starts a character.
            match text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => (is_nfc_boundary(c), c.len_utf8()),
                None => (true, 1),
            }
        };
        if boundary {
            if dirty {
                // `i` starts a character: the first one after the stretch's last.
                normalize(stretch, i, copied);
                copied = i;
                dirty = false;
            }
        } else if !dirty {
            // The stretch starts at the character before, a boundary (or at the text's start).
            stretch = i;
            while stretch > 0 {
                stretch -= 1;
                if !matches!(bytes[stretch], 0x80..=0xBF) {
                    break;
                }
            }
            dirty = true;
        }
        i += len;
    }
    if dirty {
        normalize(stretch, text.len(), copied);
        copied = text.len();
    }
    if copied == 0 {
        return None;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Some(shortened_by)
}

/// Whether the byte `b` (followed by `next`) is a boundary of [`nfc_into`]'s byte scan
/// without decoding: bytes below 0xCC (ASCII, characters below U+0300, and continuation bytes,
/// only ever met after a leading byte this accepts) and the leading bytes of U+4000-9FFF,
/// U+B000-D7FF and U+1F000-1FFFF (CJK, most Hangul, emoji), all inside NFC_BOUNDARY_RUNS.
#[inline]
fn starts_a_known_boundary(b: u8, next: Option<u8>) -> bool {
    is_known_boundary_byte(b) || (b == 0xF0 && next == Some(0x9F))
}

/// [`starts_a_known_boundary`] without the emoji, which needs the next byte.
#[inline]
fn is_known_boundary_byte(b: u8) -> bool {
    (b < 0xCC) | (b.wrapping_sub(0xE4) < 6) | (b.wrapping_sub(0xEB) < 3)
}

/// Whether `c` is a safe NFC boundary (see [`nfc_into`]): combining class 0 and NFC quick
/// check "yes". Asked of every character from U+0300 on; the long runs of such characters
/// that posts mostly draw from (kana after U+309A, CJK, Hangul syllables, emoji) are answered
/// without the two property lookups (`nfc_boundary_runs_hold` checks every one of them).
fn is_nfc_boundary(c: char) -> bool {
    c < '\u{300}' || NFC_BOUNDARY_RUNS.iter().any(|r| r.contains(&c)) || nfc_boundary_by_property(c)
}

/// Runs of safe NFC boundaries (Unicode 15, as `unicode-normalization` has it): U+309B to
/// Yi, Hangul syllables on, and U+1E94B to CJK extension F, which holds the emoji.
const NFC_BOUNDARY_RUNS: [std::ops::RangeInclusive<char>; 3] = [
    '\u{309B}'..='\u{A66E}',
    '\u{ABEE}'..='\u{D7FF}',
    '\u{1E94B}'..='\u{2F7FF}',
];

fn nfc_boundary_by_property(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weighted(text: &str) -> u32 {
        count(text, &CountConfig::v3()).weighted_length
    }

    #[test]
    fn partial_normalisation_is_nfc() {
        for text in [
            "",
            "plain ascii",
            "e\u{301}",
            "cafe\u{301} au lait e\u{301}\u{323} 한국어 \u{1100}\u{1161} 漢 \u{915}\u{94d}\u{937}",
            "\u{301}starts with a mark",
            "a\u{323}\u{302}\u{301}b\u{308}",
            "\u{212B}ngstr\u{F6}m \u{2126}",
        ] {
            let whole: String = text.nfc().collect();
            let mut out = String::new();
            let ours = match nfc_into(text, &mut out) {
                Some(shortened_by) => {
                    let by =
                        text.encode_utf16().count() as isize - out.encode_utf16().count() as isize;
                    assert_eq!(shortened_by, by, "{text:?}");
                    out.as_str()
                }
                None => text,
            };
            assert_eq!(ours, whole, "{text:?}");
        }
    }

    #[test]
    fn nfc_boundary_runs_hold() {
        for run in NFC_BOUNDARY_RUNS {
            for c in run {
                assert!(nfc_boundary_by_property(c), "{c:?}");
            }
        }
    }

    #[test]
    fn known_boundary_bytes_start_boundaries() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut utf8 = [0; 4];
            let bytes = c.encode_utf8(&mut utf8).as_bytes();
            if starts_a_known_boundary(bytes[0], bytes.get(1).copied()) {
                assert!(is_nfc_boundary(c), "{c:?}");
            }
        }
    }

    #[test]
    fn lone_surrogates_count_as_replacement_characters() {
        assert_eq!(text_from_wtf8(b"plain").unwrap(), "plain");
        // "a" U+D800 "b", as WTF-8.
        let wtf8 = [b'a', 0xED, 0xA0, 0x80, b'b'];
        assert_eq!(text_from_wtf8(&wtf8).unwrap(), "a\u{FFFD}b");
        assert_eq!(text_from_wtf8(&[b'a', 0xFF, b'b']), Err(1));
        assert_eq!(text_from_wtf8(&[b'a', 0xED, 0xA0]), Err(1));
    }

    #[test]
    fn bare_domain_counts_as_a_url() {
        assert_eq!(weighted("example.com"), 23);
        assert_eq!(weighted("see example.com/path?q=1 now"), 4 + 23 + 4);
        assert_eq!(weighted("https://example.com/a/very/long/path/indeed"), 23);
    }

    #[test]
    fn flags_and_sequences_weigh_two() {
        assert_eq!(weighted("🇯🇵🇫🇷"), 4);
        assert_eq!(weighted("👨‍👩‍👧‍👦"), 2);
        assert_eq!(weighted("👍🏽"), 2);
        assert_eq!(weighted("1\u{FE0F}\u{20E3}"), 2);
        // v2 weighs code point by code point.
        assert_eq!(count("🇯🇵", &CountConfig::v2()).weighted_length, 4);
    }

    #[test]
    fn cjk_weighs_two_latin_one() {
        assert_eq!(weighted("日本語"), 6);
        assert_eq!(weighted("abc"), 3);
        assert_eq!(weighted("é"), 1);
        assert_eq!(weighted("e\u{301}"), 1); // normalised to é first
        assert_eq!(weighted("\u{2014}"), 1); // em dash: General Punctuation, light
    }

    #[test]
    fn validity_boundary_at_280() {
        // 270 Latin + 5 CJK (10) = 280: valid; one more Latin: too long.
        let fits = format!("{}{}", "a".repeat(270), "漢".repeat(5));
        let c = count(&fits, &CountConfig::v3());
        assert_eq!(
            (c.weighted_length, c.valid, c.remaining, c.permillage),
            (280, true, 0, 1000)
        );
        let over = format!("{fits}a");
        let c = count(&over, &CountConfig::v3());
        assert_eq!((c.weighted_length, c.valid, c.remaining), (281, false, -1));
        assert_eq!(c.invalid, Some(Invalid::TooLong));
    }

    #[test]
    fn valid_range_end_marks_the_overflow() {
        let text = "a".repeat(300);
        let c = count(&text, &CountConfig::v3());
        assert_eq!((c.valid_range_end, c.display_range_end), (279, 299));
        // A CJK character that straddles the limit is outside the valid range.
        let text = format!("{}漢漢", "a".repeat(279));
        let c = count(&text, &CountConfig::v3());
        assert_eq!(c.valid_range_end, 278);
    }

    #[test]
    fn empty_and_invalid_characters() {
        let c = count("", &CountConfig::v3());
        assert_eq!(
            (c.valid, c.invalid, c.display_range_end),
            (false, Some(Invalid::Empty), 0)
        );
        // Whitespace weighs: X's parseTweet accepts it (callers may refuse it themselves).
        assert!(count("  ", &CountConfig::v3()).valid);
        let c = count("ab\u{FFFE}c", &CountConfig::v3());
        assert_eq!(
            (c.valid, c.invalid, c.valid_range_end),
            (false, Some(Invalid::InvalidCharacter), 1)
        );
        // Directional formatting characters are fine (twitter-text 3 accepts them).
        assert!(count("\u{202A}abc\u{202C}", &CountConfig::v3()).valid);
    }

    #[test]
    fn premium_limit() {
        let text = "a".repeat(1000);
        assert!(!count(&text, &CountConfig::v3()).valid);
        let c = count(&text, &CountConfig::v3().with_max_weighted_length(25_000));
        assert_eq!((c.valid, c.remaining, c.permillage), (true, 24_000, 40));
    }

    #[test]
    fn counted_urls_carry_their_utf16_ranges() {
        let ranges = |text: &str| -> Vec<(u32, u32)> {
            count(text, &CountConfig::v3())
                .urls
                .iter()
                .map(|r| (r.start, r.end))
                .collect()
        };
        // A TLD outside any short list still links (and weighs 23).
        assert_eq!(ranges("Shop at example.xyz today"), [(8, 19)]);
        assert_eq!(weighted("example.xyz"), 23);
        // Trailing punctuation stays out; several URLs come in order.
        assert_eq!(
            ranges("See https://x.com/acme. Or acme.io/a?b=1!"),
            [(4, 22), (27, 40)]
        );
        // Indices are UTF-16 units: 🇯🇵 is four, 日本 two.
        let text = "🇯🇵日本 example.com";
        let r = &count(text, &CountConfig::v3()).urls[0];
        let units: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(
            String::from_utf16_lossy(&units[r.start as usize..r.end as usize]),
            "example.com"
        );
        assert_eq!((r.start, r.end), (7, 18));
        // Not a URL: an unknown TLD, a bare word, an address.
        assert!(ranges("file.notatld and plain words").is_empty());
        assert!(ranges("").is_empty());
    }

    #[test]
    fn light_ranges_are_sorted() {
        // CountConfig::weight answers past the last range's end with the default weight.
        for pair in LIGHT_RANGES.windows(2) {
            assert!(pair[0].end < pair[1].start);
        }
        assert!(LIGHT_RANGES.iter().all(|r| r.start <= r.end));
    }

    #[test]
    fn configs_match_their_json() {
        assert_eq!(CountConfig::v1().max_weighted_length(), 140);
        assert_eq!(CountConfig::v2().max_weighted_length(), 280);
        assert!(CountConfig::v3().emoji_parsing_enabled());
        assert!(!CountConfig::v2().emoji_parsing_enabled());
        assert_eq!(CountConfig::default(), CountConfig::v3());
        // v1 weighs everything 1, URLs still 23.
        assert_eq!(
            count("日本 http://example.com", &CountConfig::v1()).weighted_length,
            26
        );
    }
}
