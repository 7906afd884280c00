//! Seeds a workspace with a posting history, for `scripts/bench-app.sh`: the app's cold start
//! is measured on a workspace with 100,000 posted posts.
//!
//!     cargo run --release -p countersign-app --example seed-history -- DATA_DIR [POSTS]
//!
//! It makes a workspace for @acme_sandbox with an admin, "Ada Admin", whose key goes to the OS
//! keychain sealed with `$COUNTERSIGN_PASSPHRASE` (run it inside `scripts/with-keychain.sh`,
//! like the app it is seeding for), then imports POSTS (default 100,000) posted posts with
//! varied words in batches of 10,000.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use countersign_core::secrets::{Channel, SecretString};
use countersign_core::store::ImportedPost;
use countersign_core::{App, InitOptions, NewMember, Parts, Role};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

const WORDS: &[&str] = &[
    "launch", "sale", "team", "today", "weekend", "coffee", "berlin", "update", "release",
    "thanks", "event", "webinar", "product", "summer", "winter", "offer", "story", "design",
    "customer", "support", "hiring", "podcast", "live", "new", "free", "shipping", "store", "city",
    "music", "festival", "recipe", "garden",
];

const ADMIN: &str = "Ada Admin";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed-history: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let dir = args
        .next()
        .map(PathBuf::from)
        .ok_or("usage: seed-history DATA_DIR [POSTS]")?;
    let total: usize = match args.next() {
        Some(n) => n
            .to_str()
            .and_then(|n| n.replace('_', "").parse().ok())
            .ok_or("POSTS must be a whole number")?,
        None => 100_000,
    };
    let passphrase = std::env::var("COUNTERSIGN_PASSPHRASE")
        .map_err(|_| "set COUNTERSIGN_PASSPHRASE: the admin's key is sealed with it")?;
    std::fs::create_dir_all(&dir)?;

    let app = App::init(
        &dir,
        InitOptions {
            handle: "acme_sandbox".into(),
            display_name: Some("Acme (Sandbox)".into()),
            timezone: Some("Europe/Berlin".into()),
            ..Default::default()
        },
        // The app opens this workspace later with its keychain: the admin's key goes there.
        Parts::for_channel(Channel::named(
            std::env::var("COUNTERSIGN_CHANNEL").ok().as_deref(),
        )),
    )?;
    let admin = app.add_member(
        None,
        NewMember {
            name: ADMIN.into(),
            role: Role::Admin,
            initials: None,
            passphrase: Some(SecretString::new(&passphrase)),
        },
    )?;
    app.unlock(ADMIN, &SecretString::new(&passphrase))?;

    let start: Timestamp = "2021-01-01T08:00:00Z".parse()?;
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let t0 = Instant::now();
    let mut done = 0;
    while done < total {
        let batch = (total - done).min(10_000);
        let items = (done..done + batch)
            .map(|n| {
                let words: Vec<&str> = (0..24)
                    .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                    .collect();
                ImportedPost {
                    id: Uuid::now_v7(),
                    author_id: admin.id,
                    parts: vec![words.join(" ")],
                    created_at: start,
                    posted_at: start + SignedDuration::from_mins(n as i64 * 15),
                    post_url: Some(format!("https://x.com/acme_sandbox/status/{}", 10_000 + n)),
                }
            })
            .collect();
        app.import_history(ADMIN, items)?;
        done += batch;
    }
    println!(
        "seed-history: {total} posted posts in {} in {:.1?}",
        dir.display(),
        t0.elapsed()
    );
    Ok(())
}
