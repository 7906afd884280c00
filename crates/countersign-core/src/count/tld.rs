//! Matching a top-level domain the way the reference URL regex does.
//!
//! The reference writes the TLD part as `(?:gTLD|ccTLD|xn--[-0-9a-z]+)`, each list an
//! alternation followed by the look-ahead `(?=[^0-9a-zA-Z@+-]|$)`, all case-insensitive. A
//! regex tries the alternatives in order and keeps the first one that fits, so [`match_at`]
//! answers the same question without a regex: generic TLDs beat country TLDs, and within a list
//! the longer entry wins (the lists are sorted so that a longer entry precedes any entry that
//! is its prefix; the only such pairs, `嘉里大酒店`/`嘉里` and `भारतम्`/`भारत`, need a
//! non-ASCII follower to be ambiguous at all).

use std::sync::LazyLock;

use super::fixed_table::FixedTable;
use super::tld_data;
use super::units::{canon, is_ascii_alnum};

/// Which list a TLD comes from; the derived order is the reference's preference order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Generic,
    Country,
}

/// Room for the longest TLD, in UTF-16 units (18 today, `travelersinsurance`).
const TLD_MAX: usize = 32;

#[derive(Debug)]
struct Table {
    /// Canonical (JS case-folded) UTF-16 of each TLD, to its list.
    by_name: FixedTable<Vec<u16>, Kind>,
    /// Longest TLD, in UTF-16 code units.
    max_len: usize,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut by_name = FixedTable::default();
    let mut max_len = 0;
    // Country first, so that a name on both lists (none today) would end up generic.
    for (list, kind) in [
        (tld_data::COUNTRY, Kind::Country),
        (tld_data::GENERIC, Kind::Generic),
    ] {
        for name in list.split('|') {
            let key: Vec<u16> = name.encode_utf16().map(canon).collect();
            max_len = max_len.max(key.len());
            by_name.insert(key, kind);
        }
    }
    Table { by_name, max_len }
});

/// The look-ahead that ends a listed TLD: end of input, or a unit outside `[0-9a-zA-Z@+-]`.
fn at_boundary(s: &[u16], pos: usize) -> bool {
    s.get(pos).is_none_or(|&u| {
        !(is_ascii_alnum(u) || u == u16::from(b'@') || u == u16::from(b'+') || u == u16::from(b'-'))
    })
}

/// If a TLD starts at `pos` of `s`, the position just past it.
///
/// `s` is whatever the reference regex runs on at that point (the whole text for URL
/// extraction, the domain alone for the ASCII-domain pass): the look-ahead sees its end as `$`.
pub(super) fn match_at(s: &[u16], pos: usize) -> Option<usize> {
    let table = &*TABLE;
    let mut best: Option<(Kind, usize)> = None;
    let mut key = [0; TLD_MAX];
    let limit = table.max_len.min(TLD_MAX);
    for (i, &u) in s.get(pos..)?.iter().take(limit).enumerate() {
        // TLDs are letters and marks: no ASCII digit or punctuation ever continues one.
        if u < 0x80 && !(u as u8).is_ascii_alphabetic() {
            break;
        }
        key[i] = canon(u);
        let len = i + 1;
        // Inside a run of ASCII letters the look-ahead fails: skip the lookup.
        if !at_boundary(s, pos + len) {
            continue;
        }
        if let Some(&kind) = table.by_name.get(&key[..len]) {
            // Ascending length: a later hit wins within the same list, never across lists.
            if best.is_none_or(|(k, _)| kind <= k) {
                best = Some((kind, len));
            }
        }
    }
    if let Some((_, len)) = best {
        return Some(pos + len);
    }
    punycode_tld(s, pos)
}

/// The third alternative, `xn--[-0-9a-z]+` (case-insensitive, greedy, no look-ahead).
fn punycode_tld(s: &[u16], pos: usize) -> Option<usize> {
    let prefix = s.get(pos..pos + 4)?;
    let is = |u: u16, c: u8| u == u16::from(c) || u == u16::from(c.to_ascii_uppercase());
    if !(is(prefix[0], b'x')
        && is(prefix[1], b'n')
        && prefix[2] == u16::from(b'-')
        && prefix[3] == u16::from(b'-'))
    {
        return None;
    }
    let run = s[pos + 4..]
        .iter()
        .take_while(|&&u| is_ascii_alnum(u) || u == u16::from(b'-'))
        .count();
    (run > 0).then_some(pos + 4 + run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str, pos: usize) -> Option<usize> {
        let u: Vec<u16> = s.encode_utf16().collect();
        match_at(&u, pos)
    }

    #[test]
    fn ascii_tld_needs_a_boundary() {
        assert_eq!(m("com", 0), Some(3));
        assert_eq!(m("COM/", 0), Some(3));
        assert_eq!(m("comm", 0), None);
        assert_eq!(m("co-", 0), None);
        assert_eq!(m("jp@", 0), None);
        assert_eq!(m("comだ", 0), Some(3));
    }

    #[test]
    fn longest_non_ascii_entry_wins() {
        assert_eq!(m("嘉里大酒店", 0), Some(5));
        assert_eq!(m("嘉里x", 0), None); // 'x' is an ASCII letter: the look-ahead fails
        assert_eq!(m("みんなです", 0), Some(3));
        assert_eq!(m("vermögensberatung.", 0), Some(17));
    }

    #[test]
    fn every_tld_fits_the_key() {
        assert!(TABLE.max_len <= TLD_MAX);
    }

    #[test]
    fn punycode_alternative() {
        assert_eq!(m("XN--ls8h.la", 0), Some(8));
        assert_eq!(m("xn--", 0), None);
    }
}
