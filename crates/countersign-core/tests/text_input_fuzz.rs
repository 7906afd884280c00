//! User text at the edges (issue 15): the invite bundle, wall times, time zones and folds, as a
//! person pastes or types them. Random Unicode, huge numbers, empty and whitespace-only input,
//! near-valid forms and damaged bundles: each is read, or refused with a typed error that says
//! what is wrong. Never a panic, and a refused invite never shows its one-time password.
//!
//! 10,000 generated cases per target and run (`COUNTERSIGN_FUZZ_CASES` for more); failing
//! cases shrink and fail the test.
#![allow(clippy::unwrap_used)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use countersign_core::Role;
use countersign_core::schedule::{self, Fold};
use countersign_core::secrets::SecretString;
use countersign_core::team::invite::{Invite, PREFIX, Tls};
use jiff::Timestamp;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

fn cases() -> u32 {
    std::env::var("COUNTERSIGN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// Runs `test` on `cases()` values of `strategy` and prints the line CI reads.
fn run<S: Strategy>(target: &str, strategy: S, test: impl Fn(S::Value) -> TestCaseResult) {
    let cases = cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, test);
    println!(
        "{target}: {cases} cases run, {} failures",
        u32::from(result.is_err())
    );
    if let Err(e) = result {
        panic!("{target}: {e}");
    }
}

const PASSWORD: &str = "one-time-7f3a9c";

fn invite() -> Invite {
    Invite {
        host: "db.acme.example".into(),
        port: 5432,
        database: "countersign".into(),
        tls: Tls::System,
        login: "cs_m_0123".into(),
        password: SecretString::new(PASSWORD),
        workspace_id: "ws-1".into(),
        genesis_hash: "ab".repeat(32),
        admin_fingerprint: "cd".repeat(32),
        member: "Carol".into(),
        role: Role::Contributor,
        expires_at: "2031-01-08T00:00:00Z".parse().unwrap(),
    }
}

fn now() -> Timestamp {
    "2031-01-01T00:00:00Z".parse().unwrap()
}

/// Text near a real bundle: the bundle with characters changed, cut, or its JSON edited.
fn bundle_text() -> impl Strategy<Value = String> {
    let good = invite().encode().unwrap().expose().to_string();
    let json = serde_json::to_string(&invite()).unwrap();
    let g1 = good.clone();
    let g2 = good.clone();
    prop_oneof![
        // Any text at all.
        ".{0,200}",
        // The prefix and random base64url.
        "[A-Za-z0-9_=-]{0,300}".prop_map(|b| format!("{PREFIX}{b}")),
        // A character of the real bundle replaced.
        (any::<prop::sample::Index>(), any::<char>()).prop_map(move |(i, c)| {
            let mut chars: Vec<char> = g1.chars().collect();
            let at = i.index(chars.len());
            chars[at] = c;
            chars.into_iter().collect()
        }),
        // The real bundle cut short, or with junk around it.
        (any::<prop::sample::Index>(), "\\s{0,3}", ".{0,5}").prop_map(move |(i, ws, junk)| {
            let cut = i.index(g2.len());
            format!("{ws}{}{junk}", &g2[..cut])
        }),
        // Its JSON edited: a value replaced by random JSON-ish text.
        (
            any::<prop::sample::Index>(),
            "[-0-9a-z\"{}\\[\\]:,.eE+ ]{0,12}"
        )
            .prop_map(move |(i, text)| {
                let mut s = json.clone();
                let mut at = i.index(s.len());
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                s.insert_str(at, &text);
                format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(s))
            }),
    ]
}

#[test]
fn an_invite_bundle_is_read_or_refused_with_a_reason() {
    run("invite bundle", bundle_text(), |text| {
        match Invite::decode(&text, now()) {
            Ok(read) => {
                // Read as a bundle that passes every check: it encodes and reads back as itself.
                let again = Invite::decode(read.encode().unwrap().expose(), now()).unwrap();
                prop_assert!(again == read);
            }
            Err(e) => {
                prop_assert_eq!(e.code(), "invite_unusable");
                let message = e.to_string();
                prop_assert!(message.len() > "this invite cannot be used: ".len() + 5);
                prop_assert!(
                    !message.contains(PASSWORD),
                    "the refusal shows the password"
                );
            }
        }
        Ok(())
    });
}

/// Text near a wall time: digits, separators, huge numbers, Unicode digits and spaces.
fn wall_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "\\s{0,4}",
        "[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}[ T][0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?",
        "-?[0-9]{1,20}-[0-9]{1,20}-[0-9]{1,20} [0-9]{1,20}:[0-9]{1,20}",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9][ T\u{a0}\u{3000}][0-2][0-9]:[0-5][0-9]",
        "[0-9٠-٩０-９ :T-]{0,20}",
    ]
}

fn zone_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Pacific/Apia",
            "UTC",
            "Etc/GMT+14",
        ])
        .prop_map(String::from),
        ".{0,30}",
        "[A-Za-z_/+-]{0,30}",
        "\\.\\./[a-z/.]{0,20}",
    ]
}

#[test]
fn a_wall_time_zone_and_fold_are_read_or_refused_with_a_reason() {
    let strategy = (wall_text(), zone_text(), ".{0,12}");
    run("times and zones", strategy, |(wall, zone, fold)| {
        let fold = Fold::parse(&fold);
        let clear = [
            "invalid_time",
            "unknown_timezone",
            "nonexistent_time",
            "ambiguous_time",
            "invalid_input",
        ];
        let outcome = schedule::parse_wall(&wall).and_then(|w| schedule::resolve(w, &zone, fold));
        if let Err(e) = outcome {
            prop_assert!(clear.contains(&e.code()), "{}: {e}", e.code());
            prop_assert!(!e.to_string().trim().is_empty());
        }
        if let Err(e) = schedule::zone(&zone) {
            prop_assert_eq!(e.code(), "unknown_timezone");
        }
        Ok(())
    });
}
