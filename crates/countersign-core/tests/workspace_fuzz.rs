//! Opening a damaged workspace file (issue 15): random corruption of a real workspace gives a
//! clear refusal that leaves the file byte for byte as it was, or an open workspace whose reads
//! answer or refuse with a typed error. Never a panic.
//!
//! The damage: bytes flipped, zeroed or overwritten (the 100-byte SQLite header and the first
//! page often), the file cut short or grown with junk, a junk `-wal` or `-shm` beside it, and
//! the same on a crash image (the file with the live `-wal` a killed process leaves).
//!
//! "Clear" means: a typed error whose code says the file is not ours, is damaged, or is newer
//! (`not_a_database`, `corrupt_database`, `schema_too_new`), whose message names the file and
//! says nothing was changed; or `no_workspace` for a file of ours that holds no workspace row
//! (an `init` that stopped half-way; a crash image without its WAL), also unchanged. SQLite can read a file damaged only in pages an open does not touch;
//! such a workspace opens, and every read on it answers or refuses with a typed error (never
//! `internal`).
//!
//! 10,000 generated cases per run by default (about 25 s in a debug build on 2 cores: each case
//! writes the file into a fresh folder on tmpfs and opens it); `COUNTERSIGN_FUZZ_CASES` sets
//! the number. Failing cases shrink and fail the test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use countersign_core::app::DB_FILE;
use countersign_core::{App, ManualClock, Parts, Role};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// The refusals that say clearly what is wrong with the file.
const CLEAR_REFUSALS: &[&str] = &["not_a_database", "corrupt_database", "schema_too_new"];

/// A real workspace: the closed file, and a crash image (the file and its live `-wal`).
struct Pristine {
    closed: Vec<u8>,
    crashed: Vec<u8>,
    crashed_wal: Vec<u8>,
    parts: Parts,
}

fn pristine() -> Pristine {
    let clock = Arc::new(ManualClock::new("2026-12-07T09:00:00Z".parse().unwrap()));
    let t = common::team("Europe/Berlin", clock, &[("Ann", Role::Contributor)]);
    for i in 0..4 {
        let id = common::in_review(&t.app, "Ann", &format!("Spring menu, table {i} ☕ 🌱"));
        t.app.comment(id, "Ada", "Looks good, é").unwrap();
        if i % 2 == 0 {
            t.app.approve(id, "Ada", None).unwrap();
        }
    }
    let file = t.dir.path().join(DB_FILE);
    let wal = t.dir.path().join(format!("{DB_FILE}-wal"));
    // The crash image: what a killed process leaves (the main file is written only by
    // checkpoints, so the file and its WAL read together are one consistent state).
    let crashed = std::fs::read(&file).unwrap();
    let crashed_wal = std::fs::read(&wal).unwrap();
    assert!(!crashed_wal.is_empty(), "the crash image has a live WAL");
    let parts = t.parts.clone();
    let dir = t.dir;
    drop(t.app);
    assert!(!wal.exists(), "closing folds the WAL back in");
    let closed = std::fs::read(&file).unwrap();
    drop(dir);
    Pristine {
        closed,
        crashed,
        crashed_wal,
        parts,
    }
}

/// One piece of damage. Offsets and lengths are fractions of the file (in 1/65536), or of its
/// first page, so that they shrink towards the start of the file.
#[derive(Debug, Clone)]
enum Damage {
    /// XOR a byte in the first page (the header is its first 100 bytes).
    FlipHead { at: u16, mask: u8 },
    /// XOR a byte anywhere.
    Flip { at: u16, mask: u8 },
    /// Zero a run of bytes anywhere.
    Zero { at: u16, len: u16 },
    /// Overwrite a run of bytes with junk.
    Junk { at: u16, bytes: Vec<u8> },
    /// Cut the file short (at a page boundary or anywhere).
    Truncate { at: u16, on_page: bool },
    /// Append junk.
    Append { bytes: Vec<u8> },
    /// Put a junk `-wal` beside the file; with `magic`, one that starts like a real WAL.
    Wal { magic: bool, bytes: Vec<u8> },
    /// Put a junk `-shm` beside the file.
    Shm { bytes: Vec<u8> },
    /// Damage the crash image's live WAL instead of the main file.
    FlipWal { at: u16, mask: u8 },
}

fn damage() -> impl Strategy<Value = Damage> {
    let mask = 1u8..=255;
    prop_oneof![
        4 => (0u16..4096, mask.clone()).prop_map(|(at, mask)| Damage::FlipHead { at, mask }),
        4 => (any::<u16>(), mask.clone()).prop_map(|(at, mask)| Damage::Flip { at, mask }),
        2 => (any::<u16>(), 1u16..5000).prop_map(|(at, len)| Damage::Zero { at, len }),
        2 => (any::<u16>(), prop::collection::vec(any::<u8>(), 1..600))
            .prop_map(|(at, bytes)| Damage::Junk { at, bytes }),
        1 => (any::<u16>(), any::<bool>())
            .prop_map(|(at, on_page)| Damage::Truncate { at, on_page }),
        1 => prop::collection::vec(any::<u8>(), 1..9000).prop_map(|bytes| Damage::Append { bytes }),
        1 => (any::<bool>(), prop::collection::vec(any::<u8>(), 0..9000))
            .prop_map(|(magic, bytes)| Damage::Wal { magic, bytes }),
        1 => prop::collection::vec(any::<u8>(), 0..40000).prop_map(|bytes| Damage::Shm { bytes }),
        1 => (any::<u16>(), mask).prop_map(|(at, mask)| Damage::FlipWal { at, mask }),
    ]
}

/// A case: which image to start from, and one to four pieces of damage.
fn case() -> impl Strategy<Value = (bool, Vec<Damage>)> {
    (
        prop::bool::weighted(0.25),
        prop::collection::vec(damage(), 1..=4),
    )
}

fn scaled(at: u16, len: usize) -> usize {
    (at as usize * len) / 65_536
}

/// The files of a damaged folder: the main file, and what lies beside it.
#[derive(Default)]
struct Files {
    main: Vec<u8>,
    wal: Option<Vec<u8>>,
    shm: Option<Vec<u8>>,
}

fn apply(p: &Pristine, crashed: bool, damage: &[Damage]) -> Files {
    let mut f = if crashed {
        Files {
            main: p.crashed.clone(),
            wal: Some(p.crashed_wal.clone()),
            shm: None,
        }
    } else {
        Files {
            main: p.closed.clone(),
            ..Default::default()
        }
    };
    for d in damage {
        let len = f.main.len();
        match d {
            Damage::FlipHead { at, mask } if len > 0 => {
                let at = *at as usize % len.min(4096);
                f.main[at] ^= mask;
            }
            Damage::Flip { at, mask } if len > 0 => {
                let at = scaled(*at, len);
                f.main[at] ^= mask;
            }
            Damage::Zero { at, len: n } => {
                let at = scaled(*at, len);
                let end = (at + *n as usize).min(len);
                f.main[at..end].fill(0);
            }
            Damage::Junk { at, bytes } => {
                let at = scaled(*at, len);
                let end = (at + bytes.len()).min(len);
                f.main[at..end].copy_from_slice(&bytes[..end - at]);
            }
            Damage::Truncate { at, on_page } => {
                let mut to = scaled(*at, len);
                if *on_page {
                    to -= to % 4096;
                }
                f.main.truncate(to);
            }
            Damage::Append { bytes } => f.main.extend_from_slice(bytes),
            Damage::Wal { magic, bytes } => {
                let mut wal = Vec::new();
                if *magic {
                    // A WAL header's magic, format version and page size, then junk.
                    wal.extend_from_slice(&0x377f_0682u32.to_be_bytes());
                    wal.extend_from_slice(&3_007_000u32.to_be_bytes());
                    wal.extend_from_slice(&4096u32.to_be_bytes());
                }
                wal.extend_from_slice(bytes);
                f.wal = Some(wal);
            }
            Damage::Shm { bytes } => f.shm = Some(bytes.clone()),
            Damage::FlipWal { at, mask } => {
                if let Some(wal) = f.wal.as_mut().filter(|w| !w.is_empty()) {
                    let at = scaled(*at, wal.len());
                    wal[at] ^= mask;
                }
            }
            _ => {}
        }
    }
    f
}

fn side(dir: &Path, suffix: &str) -> PathBuf {
    dir.join(format!("{DB_FILE}{suffix}"))
}

/// Opens the damaged files in `dir` and checks the outcome. Returns whether it opened.
fn open_damaged(p: &Pristine, dir: &Path, files: &Files) -> Result<bool, TestCaseError> {
    // A fresh folder per case: nothing of the last case's WAL or shm is left.
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(side(dir, suffix));
    }
    let main = side(dir, "");
    std::fs::write(&main, &files.main).unwrap();
    if let Some(wal) = &files.wal {
        std::fs::write(side(dir, "-wal"), wal).unwrap();
    }
    if let Some(shm) = &files.shm {
        std::fs::write(side(dir, "-shm"), shm).unwrap();
    }
    match App::open(dir, p.parts.clone()) {
        Err(e) if e.code() == "no_workspace" => {
            // A file of ours that holds no workspace row: what an `init` that stopped half-way
            // leaves (and a crash image without its WAL is). `init` finishes it.
            let message = e.to_string();
            prop_assert!(
                message.contains(&dir.display().to_string()),
                "the refusal does not name the folder: {message}"
            );
            prop_assert!(
                std::fs::read(&main).unwrap() == files.main,
                "refused ({message}), but the file changed"
            );
            Ok(false)
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                CLEAR_REFUSALS.contains(&e.code()),
                "refused with {}: {message}",
                e.code()
            );
            prop_assert!(
                message.contains(&main.display().to_string()),
                "the refusal does not name the file: {message}"
            );
            prop_assert!(
                message.to_lowercase().contains("nothing was changed"),
                "the refusal does not say nothing was changed: {message}"
            );
            let after = std::fs::read(&main).unwrap();
            prop_assert!(
                after == files.main,
                "refused ({message}), but the file changed ({} bytes before, {} after)",
                files.main.len(),
                after.len()
            );
            Ok(false)
        }
        Ok(app) => {
            // It opened: every read answers or refuses with a typed error that is not a bug.
            let reads: [(&str, countersign_core::Result<()>); 5] = [
                ("account", app.account().map(drop)),
                ("posts", app.posts(None).map(drop)),
                ("members", app.members().map(drop)),
                ("history", app.history(Some("menu"), 50).map(drop)),
                ("audit trail", app.audit_trail(None).map(drop)),
            ];
            for (what, r) in reads {
                if let Err(e) = r {
                    prop_assert!(
                        e.code() != "internal" && !e.to_string().trim().is_empty(),
                        "{what} on an opened damaged workspace: {} {e}",
                        e.code()
                    );
                }
            }
            Ok(true)
        }
    }
}

fn cases() -> u32 {
    std::env::var("COUNTERSIGN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// Runs `cases` generated cases in a folder of its own; returns (failures, refused, opened).
fn run_cases(p: &Pristine, cases: u32) -> (u32, u32, u32, Option<String>) {
    // tmpfs where there is one: the file writes stay in memory.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let opened = std::cell::Cell::new(0u32);
    let refused = std::cell::Cell::new(0u32);
    let result = runner.run(&case(), |(crashed, damage)| {
        let files = apply(p, crashed, &damage);
        let undamaged = apply(p, crashed, &[]);
        let unchanged =
            files.main == undamaged.main && files.wal == undamaged.wal && files.shm.is_none();
        let open = open_damaged(p, dir.path(), &files)?;
        // Damage that changed nothing (a zero-length run, a flip of the WAL's absent copy):
        // the workspace opens as it always did.
        prop_assert!(open || !unchanged, "an undamaged workspace was refused");
        if open {
            opened.set(opened.get() + 1);
        } else {
            refused.set(refused.get() + 1);
        }
        Ok(())
    });
    (
        u32::from(result.is_err()),
        refused.get(),
        opened.get(),
        result.err().map(|e| e.to_string()),
    )
}

#[test]
fn a_damaged_workspace_is_refused_unchanged_or_opens_safely() {
    let p = pristine();
    {
        let dir = tempfile::tempdir().unwrap();
        // The undamaged images open.
        assert!(open_damaged(&p, dir.path(), &apply(&p, false, &[])).unwrap());
        assert!(open_damaged(&p, dir.path(), &apply(&p, true, &[])).unwrap());
    }
    // Two runners side by side (each in its own folder): an open takes milliseconds in a
    // debug build, and a CI machine has two cores.
    let cases = cases();
    let halves = [cases / 2, cases - cases / 2];
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let p = &p;
        let runs: Vec<_> = halves
            .iter()
            .map(|&n| s.spawn(move || run_cases(p, n)))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let failures: u32 = outcomes.iter().map(|o| o.0).sum();
    let refused: u32 = outcomes.iter().map(|o| o.1).sum();
    let opened: u32 = outcomes.iter().map(|o| o.2).sum();
    println!(
        "workspace corruption: {cases} cases run, {failures} failures \
         ({refused} refused unchanged, {opened} opened safely; counts include shrinking)"
    );
    if let Some(e) = outcomes.into_iter().find_map(|o| o.3) {
        panic!("{e}");
    }
}
