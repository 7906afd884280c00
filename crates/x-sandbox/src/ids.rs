//! Identifiers that look like X's: snowflake post and media ids, opaque tokens, t.co slugs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

/// Twitter's snowflake epoch (2010-11-04T01:42:54.657Z), in Unix milliseconds.
const TWEPOCH_MS: i64 = 1_288_834_974_657;

/// The next snowflake id: milliseconds since X's epoch in the high bits, so ids sort by
/// creation time and are 19 digits long today. Never smaller than `last + 1`, so ids stay
/// monotonic even when the admin clock is turned back.
pub(crate) fn next_snowflake(now_ms: i64, last: i64) -> i64 {
    let from_time = now_ms.saturating_sub(TWEPOCH_MS).clamp(0, i64::MAX >> 22) << 22;
    from_time.max(last.saturating_add(1))
}

/// An opaque credential in X's style: base64url of `random:issued_ms:1:0:kind:1`, where `kind`
/// is `at` (access token), `rt` (refresh token) or `ac` (authorization code).
pub(crate) fn credential(kind: &str, now_ms: i64) -> String {
    let random = Alphanumeric.sample_string(&mut rand::rng(), 45);
    URL_SAFE_NO_PAD.encode(format!("{random}:{now_ms}:1:0:{kind}:1"))
}

/// The 10-character path of the t.co link that replaces URL number `index` of post `post_id`.
/// Deterministic, so a post's text reads the same on every request.
pub(crate) fn tco_slug(post_id: i64, index: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let digest = Sha256::digest(format!("{post_id}:{index}").as_bytes());
    digest
        .iter()
        .take(10)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// A `pagination_token` that continues a listing below post `id`.
pub(crate) fn page_token(id: i64) -> String {
    let mut n = u64::try_from(id).unwrap_or(0);
    let mut digits = Vec::new();
    loop {
        let d = (n % 36) as u8;
        digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    format!("7140dibdnow9c7btw{}", String::from_utf8_lossy(&digits))
}

/// Reads back a token made by [`page_token`].
pub(crate) fn parse_page_token(token: &str) -> Option<i64> {
    let digits = token.strip_prefix("7140dibdnow9c7btw")?;
    if digits.is_empty() || digits.len() > 13 {
        return None;
    }
    let mut n: u64 = 0;
    for c in digits.bytes() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            _ => return None,
        };
        n = n.checked_mul(36)?.checked_add(u64::from(d))?;
    }
    i64::try_from(n).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_are_19_digits_and_monotonic() {
        let now = 1_780_000_000_000;
        let a = next_snowflake(now, 0);
        assert_eq!(a.to_string().len(), 19);
        let b = next_snowflake(now, a);
        assert_eq!(b, a + 1);
        // The clock turned back a day: still after the last id.
        let c = next_snowflake(now - 86_400_000, b);
        assert_eq!(c, b + 1);
    }

    #[test]
    fn page_tokens_round_trip() {
        for id in [1_i64, 35, 36, 1_912_837_465_019_283_746] {
            assert_eq!(parse_page_token(&page_token(id)), Some(id));
        }
        assert_eq!(parse_page_token("nope"), None);
        assert_eq!(parse_page_token("7140dibdnow9c7btw"), None);
        assert_eq!(parse_page_token("7140dibdnow9c7btwzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn slugs_are_stable() {
        assert_eq!(tco_slug(7, 0), tco_slug(7, 0));
        assert_ne!(tco_slug(7, 0), tco_slug(7, 1));
        assert_eq!(tco_slug(7, 0).len(), 10);
    }
}
