//! Character classes of the reference URL regex, on UTF-16 code units.
//!
//! The reference (twitter-text JS) runs its regexes without the `u` flag, so they see UTF-16 code
//! units, not code points: a lone surrogate is "a character" to them, and every index they report
//! is a UTF-16 index. Working on `&[u16]` here keeps both behaviours without translation.

/// JavaScript's `Canonicalize` for case-insensitive matching without the `u` flag: the simple
/// upper-case mapping of the unit, unless it would be several units or would turn a non-ASCII
/// unit into an ASCII one (so `ſ` never matches `s`, and `K` never matches the Kelvin sign).
pub(super) fn canon(u: u16) -> u16 {
    if u < 0x80 {
        return u16::from((u as u8).to_ascii_uppercase());
    }
    let Some(c) = char::from_u32(u32::from(u)) else {
        return u; // a surrogate: no case
    };
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(up), None) => match u16::try_from(u32::from(up)) {
            Ok(cu) if cu >= 0x80 => cu,
            _ => u,
        },
        _ => u,
    }
}

/// The simple lower-case mapping of a BMP unit, when it is one unit.
fn lower(u: u16) -> Option<u16> {
    let c = char::from_u32(u32::from(u))?;
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => u16::try_from(u32::from(l)).ok(),
        _ => None,
    }
}

/// Whether a case-insensitive class matches `u`: some member has the same canonical form. The
/// members tried are `u`, its canonical form and that form's lower case, which covers every
/// class used here.
fn ci_member(u: u16, member: impl Fn(u16) -> bool) -> bool {
    if member(u) {
        return true;
    }
    let c = canon(u);
    c != u && (member(c) || lower(c).is_some_and(|l| l != u && canon(l) == c && member(l)))
}

#[inline]
pub(super) fn is_ascii_alnum(u: u16) -> bool {
    u < 0x80 && (u as u8).is_ascii_alphanumeric()
}

/// An ASCII set as a bit mask, built at compile time (a lookup per unit must stay cheap).
const fn ascii_set(chars: &[u8]) -> u128 {
    let mut mask = 0u128;
    let mut i = 0;
    while i < chars.len() {
        mask |= 1 << chars[i];
        i += 1;
    }
    mask
}

#[inline]
fn in_set(u: u16, set: u128) -> bool {
    u < 0x80 && set & (1 << u) != 0
}

const PUNCT: u128 = ascii_set(b"!'#%&()*+,\\-./:;<=>?@[]^_{|}~$");
const INVALID_BARE_PRECEDING: u128 = ascii_set(b"-_./");
const PATH_PUNCT: u128 = ascii_set(b"!*';:=+,.$/%#[]-_~@|&");
const PATH_ENDING_PUNCT: u128 = ascii_set(b"+-=_#/");
const QUERY_PUNCT: u128 = ascii_set(b"!?*'@();:&=+$/%#[]-_.,~|");
const QUERY_ENDING_PUNCT: u128 = ascii_set(b"-_&=#/");

/// `latinAccentChars`.
fn is_latin_accent(u: u16) -> bool {
    matches!(u,
        0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0xFF | 0x0100..=0x024F | 0x0253 | 0x0254 | 0x0256
        | 0x0257 | 0x0259 | 0x025B | 0x0263 | 0x0268 | 0x026F | 0x0272 | 0x0289 | 0x028B
        | 0x02BB | 0x0300..=0x036F | 0x1E00..=0x1EFF)
}

/// `cyrillicLettersAndMarks`.
fn is_cyrillic(u: u16) -> bool {
    (0x0400..=0x04FF).contains(&u)
}

/// `invalidCharsGroup`: the units that make a post invalid.
pub(super) fn is_invalid_char(u: u16) -> bool {
    matches!(u, 0xFFFE | 0xFEFF | 0xFFFF)
}

/// `directionalMarkersGroup`.
fn is_directional(u: u16) -> bool {
    matches!(u, 0x202A..=0x202E | 0x061C | 0x200E | 0x200F | 0x2066..=0x2069)
}

/// `spacesGroup`.
fn is_space(u: u16) -> bool {
    matches!(u,
        0x09..=0x0D | 0x20 | 0x85 | 0xA0 | 0x1680 | 0x180E | 0x2000..=0x200A | 0x2028 | 0x2029
        | 0x202F | 0x205F | 0x3000)
}

/// `punct` (note: it has neither `"` nor `` ` ``, so those are valid domain characters).
#[cfg(test)] // is_domain_char folds it into one mask; its test checks against this.
fn is_punct(u: u16) -> bool {
    in_set(u, PUNCT)
}

/// The ASCII units that are not `validDomainChars`: punctuation and spaces.
const NOT_DOMAIN_ASCII: u128 = PUNCT | ascii_set(b"\t\n\x0B\x0C\r ");

/// `validDomainChars`: anything but punctuation, spaces, invalid and directional characters.
/// Asked of every unit of every text with a '.', so ASCII takes one mask test and everything
/// below U+0085 (the first non-ASCII space) is a domain character.
#[inline]
pub(super) fn is_domain_char(u: u16) -> bool {
    if u < 0x80 {
        return !in_set(u, NOT_DOMAIN_ASCII);
    }
    u < 0x85 || !(is_space(u) || is_invalid_char(u) || is_directional(u))
}

/// `validUrlPrecedingChars`' first alternative: what may stand right before a URL.
pub(super) fn is_url_preceding(u: u16) -> bool {
    !(is_ascii_alnum(u) || matches!(u, 0x40 | 0xFF20 | 0x24 | 0x23 | 0xFF03) || is_invalid_char(u))
}

/// `invalidUrlWithoutProtocolPrecedingChars`: a bare domain right after one of these is skipped.
pub(super) fn is_invalid_bare_preceding(u: u16) -> bool {
    in_set(u, INVALID_BARE_PRECEDING)
}

/// The letters of `validAsciiDomain`'s labels: `[-a-z0-9]` plus Latin accents.
pub(super) fn is_ascii_domain_char(u: u16) -> bool {
    is_ascii_alnum(u) || u == u16::from(b'-') || ci_member(u, is_latin_accent)
}

/// `validGeneralUrlPathChars`.
pub(super) fn is_path_char(u: u16) -> bool {
    is_ascii_alnum(u)
        || in_set(u, PATH_PUNCT)
        || u == 0x2013
        || ci_member(u, |v| is_cyrillic(v) || is_latin_accent(v))
}

/// The character-class half of `validUrlPathEndingChars` (the other half is balanced parens).
pub(super) fn is_path_ending_char(u: u16) -> bool {
    is_ascii_alnum(u)
        || in_set(u, PATH_ENDING_PUNCT)
        || ci_member(u, |v| is_cyrillic(v) || is_latin_accent(v))
}

/// `validUrlQueryChars`.
pub(super) fn is_query_char(u: u16) -> bool {
    is_ascii_alnum(u) || in_set(u, QUERY_PUNCT)
}

/// `validUrlQueryEndingChars`.
pub(super) fn is_query_ending_char(u: u16) -> bool {
    is_ascii_alnum(u) || in_set(u, QUERY_ENDING_PUNCT)
}

/// Compares units to an ASCII pattern, ignoring ASCII case.
pub(super) fn starts_with_ci(s: &[u16], pattern: &[u8]) -> bool {
    s.len() >= pattern.len()
        && s.iter()
            .zip(pattern)
            .all(|(&u, &p)| u < 0x80 && (u as u8).eq_ignore_ascii_case(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalize_like_javascript() {
        assert_eq!(canon(u16::from(b'a')), u16::from(b'A'));
        assert_eq!(canon(0x017F), 0x017F); // ſ would become ASCII 'S': kept
        assert_eq!(canon(0x0440), 0x0420); // р -> Р
        assert_eq!(canon(0x00DF), 0x00DF); // ß -> "SS" is two units: kept
        assert_eq!(canon(0xD83D), 0xD83D);
    }

    #[test]
    fn domain_chars_as_the_reference_defines_them() {
        for u in 0..=u16::MAX {
            let reference =
                !(is_punct(u) || is_space(u) || is_invalid_char(u) || is_directional(u));
            assert_eq!(is_domain_char(u), reference, "unit {u:#06x}");
        }
    }

    #[test]
    fn case_insensitive_classes_reach_past_their_ranges() {
        // U+0260 is outside latinAccentChars, but its upper case U+0193 is inside.
        assert!(is_path_char(0x0260));
        assert!(!is_path_char(u16::from(b'(')));
        assert!(is_domain_char(u16::from(b'"')));
        assert!(!is_domain_char(0x202A));
    }
}
