//! The audit export's verifier under damage (issue 15): any single changed, inserted or removed
//! byte of a real export fails verification with a reason, and nothing panics.
//!
//! 10,000 generated cases per run (`COUNTERSIGN_FUZZ_CASES` for more; the seed is printed and
//! `COUNTERSIGN_FUZZ_SEED` replays one). The export comes from a real workspace file: members
//! signed into the roster, drafts, a signed approval, comments.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use countersign_core::{App, ManualClock, Role};

fn export() -> Vec<u8> {
    let clock = Arc::new(ManualClock::new("2026-12-07T09:00:00Z".parse().unwrap()));
    let t = common::team(
        "UTC",
        clock,
        &[("Ann", Role::Contributor), ("Bob", Role::Approver)],
    );
    for i in 0..3 {
        let id = common::in_review(&t.app, "Ann", &format!("Spring menu, table {i} ☕ 🌱"));
        t.app
            .comment(id, "Bob", "Looks good: \"quoted\" and é")
            .unwrap();
        t.app.approve(id, "Bob", None).unwrap();
    }
    let file = t.dir.path().join("audit.jsonl");
    t.app.audit_export(&file).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        App::verify_audit_export(&file).unwrap().ok,
        "the export verifies"
    );
    bytes
}

struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn any_single_byte_changed_inserted_or_removed_fails_with_a_reason() {
    let original = export();
    let cases = env("COUNTERSIGN_FUZZ_CASES").unwrap_or(10_000);
    let seed = env("COUNTERSIGN_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64 | 1)
            .unwrap_or(0x2545_F491_4F6C_DD1D)
    });
    println!(
        "export fuzz: {} bytes, {cases} cases, seed {seed}",
        original.len()
    );
    let mut dice = Dice(seed);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("damaged.jsonl");
    let (mut changed, mut inserted, mut removed, mut not_text) = (0, 0, 0, 0);
    for case in 0..cases {
        let mut bytes = original.clone();
        let at = dice.below(bytes.len());
        let what = match dice.below(3) {
            0 => {
                let old = bytes[at];
                let new = loop {
                    let b = dice.below(256) as u8;
                    if b != old {
                        break b;
                    }
                };
                bytes[at] = new;
                changed += 1;
                format!("byte {at} changed from {old:#04x} to {new:#04x}")
            }
            1 => {
                let at = dice.below(bytes.len() + 1);
                let b = dice.below(256) as u8;
                bytes.insert(at, b);
                inserted += 1;
                format!("byte {b:#04x} inserted at {at}")
            }
            _ => {
                let old = bytes.remove(at);
                removed += 1;
                format!("byte {at} ({old:#04x}) removed")
            }
        };
        std::fs::write(&file, &bytes).unwrap();
        match App::verify_audit_export(&file) {
            Ok(report) => {
                assert!(
                    !report.ok,
                    "case {case} (seed {seed}): {what}, and the export still verifies"
                );
                let reason = report
                    .first_broken
                    .or(report.roster_broken)
                    .map(|b| b.reason)
                    .unwrap_or_default();
                assert!(
                    !reason.trim().is_empty(),
                    "case {case} (seed {seed}): {what}: refused without a reason"
                );
            }
            Err(e) => {
                // Bytes that are not UTF-8 any more: refused as such, with a reason.
                assert_eq!(e.code(), "export_unreadable", "case {case}: {what}: {e}");
                not_text += 1;
            }
        }
    }
    println!(
        "export fuzz: {cases} cases ({changed} changed, {inserted} inserted, {removed} removed; \
         {not_text} no longer UTF-8): every one refused with a reason, 0 panics"
    );
}
