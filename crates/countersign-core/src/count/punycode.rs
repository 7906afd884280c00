//! The length of a label's ACE form, as the reference computes it to reject over-long labels.
//!
//! twitter-text drops a URL whose host has a label longer than 63 characters once
//! punycode-encoded (RFC 3492, via punycode.js `toASCII`). Only the length matters, so this
//! counts the encoder's output instead of building it.

const BASE: u64 = 36;
const T_MIN: u64 = 1;
const T_MAX: u64 = 26;
const SKEW: u64 = 38;
const DAMP: u64 = 700;
const INITIAL_BIAS: u64 = 72;
const INITIAL_N: u64 = 128;
/// punycode.js works in 31-bit integers and fails past this.
const MAX_INT: u64 = 0x7FFF_FFFF;

/// The code points of a UTF-16 label as punycode.js `ucs2decode` sees them: pairs are joined,
/// lone surrogates stay as they are.
fn code_points(units: &[u16]) -> Vec<u32> {
    char::decode_utf16(units.iter().copied())
        .map(|r| r.map_or_else(|e| u32::from(e.unpaired_surrogate()), u32::from))
        .collect()
}

fn adapt(mut delta: u64, num_points: u64, first_time: bool) -> u64 {
    delta = if first_time { delta / DAMP } else { delta / 2 };
    delta += delta / num_points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

/// Length of `encode(label)` (without the `xn--` prefix), or `None` where punycode.js would
/// throw its overflow error.
fn encoded_len(input: &[u32]) -> Option<usize> {
    let basic = input.iter().filter(|&&c| c < 0x80).count();
    let mut out = basic + usize::from(basic > 0);
    let mut n = INITIAL_N;
    let mut delta: u64 = 0;
    let mut bias = INITIAL_BIAS;
    let mut handled = basic as u64;
    let total = input.len() as u64;
    while handled < total {
        let m = input
            .iter()
            .map(|&c| u64::from(c))
            .filter(|&c| c >= n)
            .min()?;
        let handled_plus_one = handled + 1;
        if m - n > (MAX_INT - delta) / handled_plus_one {
            return None;
        }
        delta += (m - n) * handled_plus_one;
        n = m;
        for &c in input {
            let c = u64::from(c);
            if c < n {
                delta += 1;
                if delta > MAX_INT {
                    return None;
                }
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                bias = adapt(delta, handled_plus_one, handled == basic as u64);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Some(out)
}

fn is_separator(u: u16) -> bool {
    matches!(u, 0x2E | 0x3002 | 0xFF0E | 0xFF61)
}

/// Length of punycode.js `toASCII(label)`: the label is split again at the IDNA dot variants
/// (`.`, `。`, `．`, `｡`), each piece with a character outside `\x20-\x7E` becomes `xn--` plus
/// its encoding, and the pieces are joined with `.`. `None` where punycode.js would throw.
pub(super) fn to_ascii_len(label: &[u16]) -> Option<usize> {
    let mut len = 0;
    for (i, piece) in label.split(|&u| is_separator(u)).enumerate() {
        len += usize::from(i > 0);
        if piece.iter().all(|&u| (0x20..=0x7E).contains(&u)) {
            len += piece.len();
        } else {
            len += 4 + encoded_len(&code_points(piece))?;
        }
    }
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn len(s: &str) -> Option<usize> {
        to_ascii_len(&s.encode_utf16().collect::<Vec<_>>())
    }

    #[test]
    fn matches_known_encodings() {
        assert_eq!(len("example"), Some(7));
        assert_eq!(len("☃"), Some("xn--n3h".len()));
        assert_eq!(len("bücher"), Some("xn--bcher-kva".len()));
        assert_eq!(len("ああ"), Some("xn--l8ja".len()));
        assert_eq!(len("mañana"), Some("xn--maana-pta".len()));
        assert_eq!(len("例え"), Some("xn--r8jz45g".len()));
        assert_eq!(len("a。b"), Some(3));
    }
}
