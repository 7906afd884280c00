//! Conformance of `countersign_core::count` with twitter-text's own test suites.
//!
//! The YAML files are read at test time from the shared folder (never copied in here), so an
//! update of the suites is picked up as is. The folder is `$COUNTERSIGN_SHARED_DIR` if set, else
//! `shared/` beside the repository. A missing folder or section fails the tests: they must never
//! pass by running nothing.

use std::path::PathBuf;

use countersign_core::count::{Count, CountConfig, count, extract_urls};
use yaml_rust2::{Yaml, YamlLoader};

/// Cases we knowingly do not match, as `(section, description, reason)`. Empty: every case
/// passes. An entry that starts passing fails the run, so this list cannot go stale.
const KNOWN_EXCEPTIONS: &[(&str, &str, &str)] = &[];

fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("COUNTERSIGN_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        dir.join("twitter-text").is_dir(),
        "twitter-text conformance suites not found in {}: set COUNTERSIGN_SHARED_DIR to the \
         folder that holds twitter-text/",
        dir.display()
    );
    dir
}

fn load(file: &str) -> Yaml {
    let path = shared_dir().join("twitter-text").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    assert!(!docs.is_empty(), "{} is empty", path.display());
    docs.swap_remove(0)
}

fn cases<'a>(doc: &'a Yaml, section: &str) -> &'a [Yaml] {
    let cases = doc["tests"][section]
        .as_vec()
        .unwrap_or_else(|| panic!("section {section} missing"));
    assert!(!cases.is_empty(), "section {section} has no cases");
    cases
}

fn text(case: &Yaml) -> &str {
    case["text"].as_str().expect("case without text")
}

fn description(case: &Yaml) -> &str {
    case["description"].as_str().unwrap_or("(no description)")
}

fn int(case: &Yaml, field: &str) -> i64 {
    case["expected"][field]
        .as_i64()
        .unwrap_or_else(|| panic!("{}: expected.{field} missing", description(case)))
}

/// Tallies one suite and fails with every mismatch listed at once.
#[derive(Debug, Default)]
struct Tally {
    ran: usize,
    passed: usize,
    excepted: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, section: &str, case: &Yaml, mismatch: Option<String>) {
        self.ran += 1;
        let desc = description(case);
        let exception = KNOWN_EXCEPTIONS
            .iter()
            .find(|(s, d, _)| *s == section && *d == desc);
        match (mismatch, exception) {
            (None, None) => self.passed += 1,
            (None, Some(_)) => self.failures.push(format!(
                "[{section}] {desc}: passes now, remove it from KNOWN_EXCEPTIONS"
            )),
            (Some(_), Some(_)) => self.excepted += 1,
            (Some(m), None) => self.failures.push(format!("[{section}] {desc}: {m}")),
        }
    }

    fn finish(&self, label: &str, at_least: usize) {
        assert!(
            self.failures.is_empty(),
            "{} {label} case(s) failed:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        assert!(
            self.ran >= at_least,
            "only {} {label} cases ran, expected at least {at_least}",
            self.ran
        );
        println!(
            "{label} cases: {} passed, {} known exceptions",
            self.passed, self.excepted
        );
    }
}

fn count_fields(c: &Count) -> [(&'static str, i64); 7] {
    [
        ("weightedLength", c.weighted_length.into()),
        ("valid", i64::from(c.valid)),
        ("permillage", c.permillage.into()),
        ("displayRangeStart", c.display_range_start.into()),
        ("displayRangeEnd", c.display_range_end.into()),
        ("validRangeStart", c.valid_range_start.into()),
        ("validRangeEnd", c.valid_range_end.into()),
    ]
}

#[test]
fn weighted_length_matches_parse_tweet() {
    let doc = load("validate.yml");
    // Which configuration each section is run with, as in twitter-text's conformance runner.
    let sections = [
        ("WeightedTweetsCounterTest", CountConfig::v2()),
        (
            "WeightedTweetsWithDiscountedEmojiCounterTest",
            CountConfig::v3(),
        ),
        ("UnicodeDirectionalMarkerCounterTest", CountConfig::v3()),
    ];
    let mut tally = Tally::default();
    let mut present = 0;
    for (section, config) in &sections {
        let cases = cases(&doc, section);
        present += cases.len();
        for case in cases {
            let got = count(text(case), config);
            let mismatches: Vec<String> = count_fields(&got)
                .iter()
                .filter_map(|&(field, value)| {
                    let want = match &case["expected"][field] {
                        Yaml::Boolean(b) => i64::from(*b),
                        _ => int(case, field),
                    };
                    (want != value).then(|| format!("{field} {value}, want {want}"))
                })
                .collect();
            // The derived fields must agree with the reference ones.
            assert_eq!(got.valid, got.invalid.is_none(), "{}", description(case));
            assert_eq!(
                got.remaining,
                i64::from(config.max_weighted_length()) - i64::from(got.weighted_length)
            );
            tally.record(
                section,
                case,
                (!mismatches.is_empty()).then(|| mismatches.join(", ")),
            );
        }
    }
    tally.finish("weighted-length", present.max(40));
}

#[test]
fn v1_tweet_validity() {
    let doc = load("validate.yml");
    let cases = cases(&doc, "tweets");
    let mut tally = Tally::default();
    for case in cases {
        let want = case["expected"].as_bool().expect("boolean expectation");
        let got = count(text(case), &CountConfig::v1());
        tally.record(
            "tweets",
            case,
            (got.valid != want).then(|| format!("valid {}, want {want} ({got:?})", got.valid)),
        );
    }
    tally.finish("v1 validity", cases.len());
}

/// The URLs of one case, as strings, and the expected ones (a case lists either plain strings
/// or `{url, indices}` objects).
fn url_case(case: &Yaml) -> Option<String> {
    let got = extract_urls(text(case));
    let expected = case["expected"].as_vec().expect("expected list");
    let mut want = Vec::new();
    for item in expected {
        match item {
            Yaml::String(url) => want.push((url.clone(), None)),
            _ => {
                let url = item["url"].as_str().expect("url").to_owned();
                let idx = item["indices"].as_vec().expect("indices");
                let pos = |i: usize| {
                    usize::try_from(idx[i].as_i64().expect("index")).expect("non-negative index")
                };
                want.push((url, Some((pos(0), pos(1)))));
            }
        }
    }
    let matches = got.len() == want.len()
        && got.iter().zip(&want).all(|(g, (url, indices))| {
            g.url == *url && indices.is_none_or(|(s, e)| (g.start, g.end) == (s, e))
        });
    (!matches).then(|| {
        let got: Vec<_> = got
            .iter()
            .map(|u| format!("{} [{}, {}]", u.url, u.start, u.end))
            .collect();
        let want: Vec<_> = want.iter().map(|(u, i)| format!("{u} {i:?}")).collect();
        format!("got {got:?}, want {want:?}")
    })
}

#[test]
fn url_extraction_matches_extract_urls() {
    let doc = load("extract.yml");
    let mut tally = Tally::default();
    let mut present = 0;
    for section in [
        "urls",
        "urls_with_indices",
        "urls_with_directional_markers",
        "tco_urls_with_params",
    ] {
        let cases = cases(&doc, section);
        present += cases.len();
        for case in cases {
            tally.record(section, case, url_case(case));
        }
    }
    tally.finish("url-extraction", present.max(100));
}

#[test]
fn every_tld_is_recognised() {
    // tlds.yml: a URL on each TLD, with protocol.
    let doc = load("tlds.yml");
    let mut tally = Tally::default();
    let mut present = 0;
    for section in ["country", "generic"] {
        let cases = cases(&doc, section);
        present += cases.len();
        for case in cases {
            tally.record(section, case, url_case(case));
        }
    }
    // tld_lib.yml, the list the counter embeds: a bare domain on each TLD, so the embedded copy
    // cannot drift from the shared one.
    let lib = load("tld_lib.yml");
    let mut bare_failures = Vec::new();
    let mut bare = 0;
    for list in ["generic", "country"] {
        for tld in lib[list]
            .as_vec()
            .unwrap_or_else(|| panic!("tld_lib.yml: {list} missing"))
        {
            let tld = tld.as_str().expect("TLD string");
            let text = format!("see example.{tld} now");
            let got: Vec<String> = extract_urls(&text).into_iter().map(|u| u.url).collect();
            bare += 1;
            if got != [format!("example.{tld}")] {
                bare_failures.push(format!("{text}: got {got:?}"));
            }
        }
    }
    assert!(
        bare_failures.is_empty(),
        "bare domains not extracted:\n{}",
        bare_failures.join("\n")
    );
    assert!(bare >= 1000, "only {bare} TLDs in tld_lib.yml");
    tally.finish("tld", present.max(1000));
    println!("tld_lib.yml bare-domain cases: {bare} passed");
}
