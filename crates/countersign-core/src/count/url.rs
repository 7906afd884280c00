//! URL extraction with the semantics of twitter-text's `extractUrlsWithIndices`.
//!
//! The reference is one large backtracking regex (`extractUrl`) plus some post-processing. This
//! is a hand-written scanner that reproduces the regex's *first* match at every step, which is
//! what a backtracking engine returns, in linear time for ordinary text:
//!
//! ```text
//! (preceding char | ^) (https?://)? domain (:port)? (/path)? (?query)?
//! domain = subdomain* domain-name TLD          (labels end at '.', TLD from `tld_lib.yml`)
//! ```
//!
//! Everything after the domain is optional, so the first domain that fits (most subdomains
//! first, as the greedy `*` backtracks) decides the match, and the optional tail parts each take
//! their own first fit. Indices are UTF-16 code units throughout, like the reference.

use std::collections::HashMap;

use super::punycode;
use super::tld;
use super::units::{
    is_ascii_domain_char, is_domain_char, is_invalid_bare_preceding, is_path_char,
    is_path_ending_char, is_query_char, is_query_ending_char, is_url_preceding, starts_with_ci,
};

/// A URL found in a text, as twitter-text reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlEntity {
    /// The URL as twitter-text reports it. For a bare domain with a path this is the ASCII
    /// domain followed by the path, which can differ from `text[start..end]` in rare mixed-script
    /// hosts.
    pub url: String,
    /// UTF-16 index of the first code unit.
    pub start: usize,
    /// UTF-16 index just past the last code unit.
    pub end: usize,
}

/// A URL as the counter needs it: where it is in the text's UTF-16 units, and its text as
/// the reference reports it, whose length the counter skips from `start`. That text is the
/// units of `head` followed by those of `tail` (ranges into the text), which saves copying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawUrl {
    pub start: usize,
    pub end: usize,
    head: (usize, usize),
    tail: (usize, usize),
}

impl RawUrl {
    /// A URL whose text is `t[start..end]`.
    fn spanning(start: usize, end: usize) -> Self {
        RawUrl {
            start,
            end,
            head: (start, end),
            tail: (end, end),
        }
    }

    /// The length of the URL's text, in UTF-16 units.
    pub(super) fn url_len(&self) -> usize {
        (self.head.1 - self.head.0) + (self.tail.1 - self.tail.0)
    }

    /// The URL's text, from the units it was found in.
    fn text(&self, t: &[u16]) -> String {
        let part = |(a, b): (usize, usize)| t.get(a..b).unwrap_or_default();
        let mut units = part(self.head).to_vec();
        units.extend_from_slice(part(self.tail));
        String::from_utf16_lossy(&units)
    }
}

/// URLs are at most this long (protocol, or `https://` when absent, counted in).
const MAX_URL_LENGTH: usize = 4096;
/// Longest path of a `t.co` link the reference accepts.
const MAX_TCO_SLUG_LENGTH: usize = 40;
/// Longest DNS label, once punycode-encoded.
const MAX_DOMAIN_LABEL_LENGTH: usize = 63;
const DEFAULT_PROTOCOL_LEN: usize = "https://".len();
/// The longest protocol a URL may start with.
const MAX_PROTOCOL_LEN: usize = "https://".len();

const DOT: u16 = b'.' as u16;
const SLASH: u16 = b'/' as u16;
const COLON: u16 = b':' as u16;
const QUESTION: u16 = b'?' as u16;
const OPEN: u16 = b'(' as u16;
const CLOSE: u16 = b')' as u16;
const AT: u16 = b'@' as u16;
const UNDERSCORE: u16 = b'_' as u16;
const HYPHEN: u16 = b'-' as u16;

/// Extracts the URLs X would link (and count as 23), with UTF-16 indices into `text`.
///
/// Follows twitter-text's `extractUrlsWithIndices` with its default options: URLs with
/// `http://` or `https://`, and bare domains such as `example.com` when their TLD is on the
/// list (a bare domain must be ASCII, may not follow `-`, `_`, `.` or `/`, and keeps its path
/// only when it has one). The text is taken as given: [`super::count`] normalises first.
pub fn extract_urls(text: &str) -> Vec<UrlEntity> {
    let units: Vec<u16> = text.encode_utf16().collect();
    Finder::default()
        .find(&units)
        .iter()
        .map(|u| UrlEntity {
            url: u.text(&units),
            start: u.start,
            end: u.end,
        })
        .collect()
}

/// One match of the reference's `extractUrl` regex.
#[derive(Debug)]
struct Match {
    /// The unit matched by `validUrlPrecedingChars`, `None` for the `^` alternative.
    before: Option<u16>,
    start: usize,
    protocol_len: usize,
    domain_start: usize,
    domain_end: usize,
    has_path: bool,
    end: usize,
}

/// Finds the URLs of text after text, keeping its buffers (the scanner's per-unit tables and
/// the URLs found) from one to the next.
#[derive(Debug, Default)]
pub(super) struct Finder {
    tables: Tables,
    urls: Vec<RawUrl>,
}

impl Finder {
    /// The URLs of `t`, in order, as the reference's `extractUrlsWithIndices` returns them.
    pub(super) fn find(&mut self, t: &[u16]) -> &[RawUrl] {
        self.urls.clear();
        // Every URL has a domain, and every domain a '.'.
        if !t.contains(&DOT) {
            return &self.urls;
        }
        let mut scanner = Scanner::new(t, &mut self.tables);
        let mut from = 0;
        while let Some(m) = scanner.exec(from) {
            from = m.end;
            accept(t, &m, &mut self.urls);
        }
        &self.urls
    }
}

/// The post-processing the reference applies to each regex match.
fn accept(t: &[u16], m: &Match, urls: &mut Vec<RawUrl>) {
    let url = &t[m.start..m.end];
    let domain = &t[m.domain_start..m.domain_end];
    let protocol_len = if m.protocol_len > 0 {
        m.protocol_len
    } else {
        DEFAULT_PROTOCOL_LEN
    };
    if !is_valid_url(url.len(), protocol_len, domain) {
        return;
    }
    if m.protocol_len == 0 {
        if m.before.is_some_and(is_invalid_bare_preceding) {
            return;
        }
        // Only the ASCII domains inside the matched host are links; the last one keeps the
        // path (and whatever follows the host) when there is a path.
        let found = ascii_domains(domain);
        let Some(&(last_start, last_end)) = found.last() else {
            return;
        };
        for &(s, e) in &found[..found.len() - 1] {
            urls.push(RawUrl::spanning(m.start + s, m.start + e));
        }
        // The domain starts the match (there is no protocol).
        let last = RawUrl::spanning(m.start + last_start, m.start + last_end);
        urls.push(if m.has_path {
            RawUrl {
                end: m.end,
                tail: (m.domain_end, m.end),
                ..last
            }
        } else {
            last
        });
    } else {
        // A t.co link ends where its slug (and optional query) ends; an over-long slug is no link.
        let url = match tco_prefix(url) {
            Some((slug_len, _)) if slug_len > MAX_TCO_SLUG_LENGTH => return,
            Some((_, len)) => &url[..len],
            None => url,
        };
        urls.push(RawUrl::spanning(m.start, m.start + url.len()));
    }
}

/// The reference's `isValidUrl`: the host passes its light IDNA check and the URL, with a
/// protocol, fits in 4096 units.
fn is_valid_url(url_len: usize, protocol_len: usize, domain: &[u16]) -> bool {
    idna_ok(domain) && protocol_len + url_len <= MAX_URL_LENGTH
}

/// The reference's `idna.toAscii` succeeding: a host spelled `xn--...` must contain an ASCII
/// domain, and every label must encode to 1..=63 characters.
fn idna_ok(domain: &[u16]) -> bool {
    const XN: [u16; 4] = [b'x' as u16, b'n' as u16, b'-' as u16, b'-' as u16];
    if domain.starts_with(&XN) && first_ascii_domain(domain, 0).is_none() {
        return false;
    }
    domain.split(|&u| u == DOT).all(|label| {
        punycode::to_ascii_len(label)
            .is_some_and(|len| (1..=MAX_DOMAIN_LABEL_LENGTH).contains(&len))
    })
}

/// Every match of `validAsciiDomain` in the host, as `(start, end)` within it, located the way
/// the reference does (`indexOf` from the previous end).
fn ascii_domains(domain: &[u16]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let (mut search_from, mut prev_end) = (0, 0);
    while let Some((s, e)) = first_ascii_domain(domain, search_from) {
        let piece = &domain[s..e];
        let start = domain[prev_end..]
            .windows(piece.len())
            .position(|w| w == piece)
            .map_or(s, |p| prev_end + p);
        prev_end = start + piece.len();
        found.push((start, prev_end));
        search_from = e;
    }
    found
}

/// The leftmost match of `validAsciiDomain` (`(?:[-a-z0-9\u00C0-...]+\.)+(?:TLD)`) in `d` at
/// or after `from`. The look-ahead of the TLD sees the end of `d` as the end of input.
fn first_ascii_domain(d: &[u16], from: usize) -> Option<(usize, usize)> {
    let run = |i: usize| {
        d[i..]
            .iter()
            .take_while(|&&u| is_ascii_domain_char(u))
            .count()
    };
    let mut p = from;
    while p < d.len() {
        let first = run(p);
        if first == 0 {
            p += 1;
            continue;
        }
        // Labels: a run of label characters followed by '.', as many as there are.
        let mut tld_starts = Vec::new();
        let mut q = p;
        loop {
            let len = run(q);
            if len == 0 || d.get(q + len) != Some(&DOT) {
                break;
            }
            q += len + 1;
            tld_starts.push(q);
        }
        // Greedy `+`: most labels first.
        if let Some(end) = tld_starts.iter().rev().find_map(|&s| tld::match_at(d, s)) {
            return Some((p, end));
        }
        // Starting later in the same run yields the same labels after it: skip the run.
        p += first + 1;
    }
    None
}

/// `^https?://t\.co/([a-z0-9]+)(?:\?query)?`, case-insensitive: the slug length and the length
/// of the matched prefix.
fn tco_prefix(url: &[u16]) -> Option<(usize, usize)> {
    let proto = if starts_with_ci(url, b"https://") {
        8
    } else if starts_with_ci(url, b"http://") {
        7
    } else {
        return None;
    };
    if !starts_with_ci(&url[proto..], b"t.co/") {
        return None;
    }
    let slug_start = proto + 5;
    let slug = url[slug_start..]
        .iter()
        .take_while(|&&u| super::units::is_ascii_alnum(u))
        .count();
    if slug == 0 {
        return None;
    }
    let end = slug_start + slug;
    Some((slug, query_end(url, end).unwrap_or(end)))
}

/// `\?validUrlQueryChars*validUrlQueryEndingChars` at `i`: the end of the query, if any.
fn query_end(t: &[u16], i: usize) -> Option<usize> {
    if t.get(i) != Some(&QUESTION) {
        return None;
    }
    let run = t[i + 1..].iter().take_while(|&&u| is_query_char(u)).count();
    t[i + 1..i + 1 + run]
        .iter()
        .rposition(|&u| is_query_ending_char(u))
        .map(|p| i + 1 + p + 1)
}

/// Runs the `extractUrl` regex over one text, with per-text caches so that each start position
/// costs O(1) amortised.
#[derive(Debug)]
struct Scanner<'a> {
    t: &'a [u16],
    tables: &'a mut Tables,
}

/// The scanner's caches, kept between texts to save allocating them for each.
#[derive(Debug, Default)]
struct Tables {
    /// The run of label characters before the dot that the scan is at (see [`Scanner::exec`]).
    window: Run,
    /// The run of label characters measured last, elsewhere.
    last: Run,
    /// The domain match starting at each label start, once computed.
    domain_memo: Vec<Option<Option<usize>>>,
    /// `groups_then_ending` at each balanced group's start, once computed.
    groups_memo: HashMap<usize, Option<usize>>,
    /// Scratch space for `domain`, kept to avoid an allocation per start position.
    chain_buf: Vec<usize>,
}

/// A run of label characters (`validDomainChars`, `-`, `_`): `start..end`, and its last `_`
/// (to tell subdomain labels from domain-name labels).
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    last_underscore: Option<usize>,
}

impl Run {
    /// The part of the run from `k` on, if `k` is inside it.
    fn from(self, k: usize) -> Option<Run> {
        (self.start <= k && k < self.end).then(|| Run {
            start: k,
            end: self.end,
            last_underscore: self.last_underscore.filter(|&u| u >= k),
        })
    }
}

fn is_label_char(u: u16) -> bool {
    is_domain_char(u) || u == HYPHEN || u == UNDERSCORE
}

impl<'a> Scanner<'a> {
    fn new(t: &'a [u16], tables: &'a mut Tables) -> Self {
        tables.window = Run::default();
        tables.last = Run::default();
        tables.domain_memo.clear();
        tables.domain_memo.resize(t.len() + 1, None);
        tables.groups_memo.clear();
        Scanner { t, tables }
    }

    /// The run of label characters starting at `k` (empty if there is none). Runs are measured
    /// when asked for and the last two kept, which is what the scan asks again.
    fn run(&mut self, k: usize) -> Run {
        if let Some(run) = self
            .tables
            .window
            .from(k)
            .or_else(|| self.tables.last.from(k))
        {
            return run;
        }
        let mut run = Run {
            start: k,
            end: k,
            last_underscore: None,
        };
        for &u in self.t.get(k..).unwrap_or_default() {
            if !is_label_char(u) {
                break;
            }
            if u == UNDERSCORE {
                run.last_underscore = Some(run.end);
            }
            run.end += 1;
        }
        if run.end > k {
            self.tables.last = run;
        }
        run
    }

    /// The next match at or after `from`, like `RegExp.prototype.exec` with `lastIndex = from`:
    /// the first start position, in order, where the URL part matches (`p + 1` after a
    /// preceding character at `p`, or `0` at the start of the text).
    ///
    /// Every URL holds a dot, and the first dot at or after its start ends its domain's first
    /// label: nothing but label characters sits between that dot and the URL's start, but for
    /// a protocol of at most 8 units. So the positions tried are only those within 8 units of
    /// the run of label characters before each dot; the ones before cannot match.
    fn exec(&mut self, from: usize) -> Option<Match> {
        let t = self.t;
        let mut p = from;
        while p <= t.len() {
            // Every start position still to try is at or after `p`.
            let dot = p + t.get(p..)?.iter().position(|&u| u == DOT)?;
            let mut run_start = dot;
            let mut last_underscore = None;
            while run_start > p && is_label_char(t[run_start - 1]) {
                run_start -= 1;
                if last_underscore.is_none() && t[run_start] == UNDERSCORE {
                    last_underscore = Some(run_start);
                }
            }
            self.tables.window = Run {
                start: run_start,
                end: dot,
                last_underscore,
            };
            let first = p.max(run_start.saturating_sub(MAX_PROTOCOL_LEN + 1));
            for p in first..=dot {
                if let Some(m) = self.try_at(p) {
                    return Some(m);
                }
            }
            p = dot + 1;
        }
        None
    }

    /// The regex's attempt at the preceding character `p` (and at the start of the text).
    fn try_at(&mut self, p: usize) -> Option<Match> {
        let t = self.t;
        if p < t.len()
            && is_url_preceding(t[p])
            && self.may_start(p + 1)
            && let Some(m) = self.url_at(p + 1, Some(t[p]))
        {
            return Some(m);
        }
        if p == 0 {
            return self.url_at(0, None);
        }
        None
    }

    /// Whether a URL could start at `s`, answered from the run of label characters there: one
    /// starts either with a protocol or with a domain, whose first label runs up to a '.' (see
    /// [`Scanner::subdomain_label`]). Most positions of a text fail this, and checking it first
    /// keeps them off the full match.
    fn may_start(&mut self, s: usize) -> bool {
        let t = self.t;
        if s > t.len() {
            return false;
        }
        let e = self.run(s).end;
        (e > s && t.get(e) == Some(&DOT)) || starts_with_ci(&t[s..], b"http")
    }

    /// The URL part of the regex (`$3`) starting exactly at `s`.
    fn url_at(&mut self, s: usize, before: Option<u16>) -> Option<Match> {
        let t = self.t;
        let rest = &t[s.min(t.len())..];
        let protocol_len = if starts_with_ci(rest, b"https://") {
            8
        } else if starts_with_ci(rest, b"http://") {
            7
        } else {
            0
        };
        let (protocol_len, domain_end) = match self.domain(s + protocol_len) {
            Some(end) => (protocol_len, end),
            // Backtracking past the optional protocol: the domain would start with "http".
            None if protocol_len > 0 => (0, self.domain(s)?),
            None => return None,
        };
        let mut end = domain_end;
        // (?::(\d+))?
        if t.get(end) == Some(&COLON) {
            let digits = t[end + 1..]
                .iter()
                .take_while(|&&u| (0x30..=0x39).contains(&u))
                .count();
            if digits > 0 {
                end += 1 + digits;
            }
        }
        // (\/validUrlPath*)?
        let has_path = t.get(end) == Some(&SLASH);
        if has_path {
            end += 1;
            while let Some(next) = self.path_segment(end) {
                end = next;
            }
        }
        // (\?validUrlQueryChars*validUrlQueryEndingChars)?
        if let Some(q) = query_end(t, end) {
            end = q;
        }
        Some(Match {
            before,
            start: s,
            protocol_len,
            domain_start: s + protocol_len,
            domain_end,
            has_path,
            end,
        })
    }

    /// A label starting at `k` that ends with '.': its end (the dot's index) if it is a valid
    /// subdomain, `(?:DC(?:[_-]|DC)*)?DC\.`.
    fn subdomain_label(&mut self, k: usize) -> Option<usize> {
        let t = self.t;
        let e = self.run(k).end;
        (e > k && t.get(e) == Some(&DOT) && is_domain_char(t[k]) && is_domain_char(t[e - 1]))
            .then_some(e)
    }

    /// `validDomain` at `s`: the end of the first match in backtracking order.
    ///
    /// `subdomain*` is greedy, so the deepest label chain is tried first, then shorter ones;
    /// at each depth the next label must be a domain name (no `_`) followed by a TLD. Results
    /// are cached per label start, which keeps a text full of dots linear.
    fn domain(&mut self, s: usize) -> Option<usize> {
        let mut chain = std::mem::take(&mut self.tables.chain_buf);
        chain.clear();
        let mut k = s;
        let mut result = loop {
            if let Some(known) = self.tables.domain_memo.get(k).copied().flatten() {
                break known;
            }
            chain.push(k);
            match self.subdomain_label(k) {
                Some(dot) => k = dot + 1,
                None => break None,
            }
        };
        for &k in chain.iter().rev() {
            if result.is_none() {
                result = self.subdomain_label(k).and_then(|dot| {
                    let no_underscore = self.run(k).last_underscore.is_none();
                    if no_underscore {
                        tld::match_at(self.t, dot + 1)
                    } else {
                        None
                    }
                });
            }
            self.tables.domain_memo[k] = Some(result);
        }
        self.tables.chain_buf = chain;
        result
    }

    /// Length of the run of `validGeneralUrlPathChars` at `i`.
    fn path_run(&self, i: usize) -> usize {
        self.t.get(i..).map_or(0, |rest| {
            rest.iter().take_while(|&&u| is_path_char(u)).count()
        })
    }

    /// `validUrlBalancedParens` at `j`: `\((?:GPC+|GPC*\(GPC+\)GPC*)\)`. Both alternatives are
    /// deterministic because no parenthesis is a path character.
    fn balanced_parens(&self, j: usize) -> Option<usize> {
        let t = self.t;
        if t.get(j) != Some(&OPEN) {
            return None;
        }
        let a = self.path_run(j + 1);
        if a > 0 && t.get(j + 1 + a) == Some(&CLOSE) {
            return Some(j + 2 + a);
        }
        let open = j + 1 + a;
        if t.get(open) != Some(&OPEN) {
            return None;
        }
        let b = self.path_run(open + 1);
        let close = open + 1 + b;
        if b == 0 || t.get(close) != Some(&CLOSE) {
            return None;
        }
        let c = self.path_run(close + 1);
        let outer = close + 1 + c;
        (t.get(outer) == Some(&CLOSE)).then_some(outer + 1)
    }

    /// One iteration of `validUrlPath*`, first match in backtracking order. `None` ends the path.
    ///
    /// The reference splices `validUrlPathEndingChars` (`[class]|(?:BP)`) into `validUrlPath`
    /// without a group around it, so the top-level `|` splits the iteration into three
    /// alternatives: `GPC*(?:BP GPC*)*[class]`, then a lone `BP`, then `@GPC+/`. A balanced
    /// group therefore ends a segment only when it starts one.
    fn path_segment(&mut self, i: usize) -> Option<usize> {
        let t = self.t;
        let run = self.path_run(i);
        // GPC* takes the whole run first (only there can a '(' follow), then backs off inside it,
        // where the ending must be the last path-ending character of the run.
        if let Some(end) = self.groups_then_ending(i + run) {
            return Some(end);
        }
        if let Some(p) = t[i..i + run].iter().rposition(|&u| is_path_ending_char(u)) {
            return Some(i + p + 1);
        }
        if let Some(end) = self.balanced_parens(i) {
            return Some(end);
        }
        // @GPC+/ : the last '/' of the run after '@', with at least one character before it.
        if t.get(i) == Some(&AT) {
            let tail = self.path_run(i + 1);
            if let Some(p) = t[i + 1..i + 1 + tail].iter().rposition(|&u| u == SLASH)
                && p >= 1
            {
                return Some(i + 1 + p + 1);
            }
        }
        None
    }

    /// `(?:BP GPC*)*[class]` at `j`, where `j` ends a run of path characters.
    ///
    /// The greedy star follows the whole chain of balanced groups first; backing off, the match
    /// ends at the last path-ending character of the deepest group's trailing run that has one.
    /// Past the chain, `[class]` cannot match (the unit there is no path character). Results
    /// are cached for every group of the chain, as later segments start inside it.
    fn groups_then_ending(&mut self, j: usize) -> Option<usize> {
        if let Some(&known) = self.tables.groups_memo.get(&j) {
            return known;
        }
        let mut chain = Vec::new();
        let mut cur = j;
        while let Some(after) = self.balanced_parens(cur) {
            let trail_end = after + self.path_run(after);
            chain.push((cur, after, trail_end));
            cur = trail_end;
            if let Some(&known) = self.tables.groups_memo.get(&cur) {
                // The rest of the chain is already known: start from its answer.
                return self.fill_groups_memo(&chain, known);
            }
        }
        self.fill_groups_memo(&chain, None)
    }

    /// Records `groups_then_ending` for each group start of `chain`, deepest first, given the
    /// answer for what follows the chain.
    fn fill_groups_memo(
        &mut self,
        chain: &[(usize, usize, usize)],
        mut result: Option<usize>,
    ) -> Option<usize> {
        let t = self.t;
        for &(start, after, trail_end) in chain.iter().rev() {
            if result.is_none() {
                result = t[after..trail_end]
                    .iter()
                    .rposition(|&u| is_path_ending_char(u))
                    .map(|p| after + p + 1);
            }
            self.tables.groups_memo.insert(start, result);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        extract_urls(text).into_iter().map(|u| u.url).collect()
    }

    #[test]
    fn bare_domains_need_a_listed_tld() {
        assert_eq!(urls("see example.com now"), ["example.com"]);
        assert_eq!(urls("foo.baz foo.co.jp"), ["foo.co.jp"]);
        assert!(urls("file.tar.bz2").is_empty());
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_the_url() {
        assert_eq!(
            urls("go to http://example.com/path...!"),
            ["http://example.com/path"]
        );
        assert_eq!(
            urls("(see https://en.wikipedia.org/wiki/Primer_(film))"),
            ["https://en.wikipedia.org/wiki/Primer_(film)"]
        );
        // A group ends a path segment only when it starts one (the reference's regex quirk).
        assert_eq!(
            urls("http://example.com/\u{2013}(x) "),
            ["http://example.com/"]
        );
        assert_eq!(
            urls("http://example.com/a(x)b(y)"),
            ["http://example.com/a(x)b(y)"]
        );
        assert_eq!(urls("example.com/abc](x)"), ["example.com/abc"]);
    }

    #[test]
    fn indices_are_utf16() {
        let found = extract_urls("😀 example.com");
        assert_eq!((found[0].start, found[0].end), (3, 14));
    }

    #[test]
    fn tco_links_stop_after_the_slug() {
        assert_eq!(urls("http://t.co/abc's"), ["http://t.co/abc"]);
        assert!(urls(&format!("http://t.co/{}", "a".repeat(41))).is_empty());
    }
}
