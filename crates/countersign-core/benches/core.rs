//! The foundation's figures: counting one 280-character part with mixed emoji, CJK and URLs,
//! History's full-text search over 100,000 posted posts on a real SQLite file, and opening the
//! inbox with 100,000 conversations (target < 100 ms: the first page and the figures).
//!
//! Run: `cargo bench -p countersign-core --bench core`.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;

use countersign_core::count::{self, CountConfig};
use countersign_core::secrets::SecretString;
use countersign_core::store::ImportedPost;
use countersign_core::{App, InitOptions, NewMember, Parts, Role, SystemClock};
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

/// A part of mixed script that X counts at (just under) 280.
fn mixed_part(config: &CountConfig) -> String {
    let pieces = [
        "Launch day! 🚀 ",
        "新製品を発表します ",
        "see example.com/launch ",
        "👩‍👩‍👧 family plan ",
        "https://acme.example.org/p?id=42 ",
        "🇩🇪🇯🇵 ",
        "café ",
        "#launch @acme ",
    ];
    let mut text = String::new();
    for piece in pieces.iter().cycle() {
        let longer = format!("{text}{piece}");
        if count::count(&longer, config).weighted_length > 280 {
            break;
        }
        text = longer;
    }
    text
}

fn counting(c: &mut Criterion) {
    let config = CountConfig::v3();
    let text = mixed_part(&config);
    let result = count::count(&text, &config);
    println!(
        "count: part of {} chars / {} UTF-16 units weighs {} (valid: {})",
        text.chars().count(),
        text.encode_utf16().count(),
        result.weighted_length,
        result.valid
    );
    c.bench_function("count one 280-char mixed part", |b| {
        b.iter(|| count::count(black_box(&text), &config))
    });
}

const WORDS: &[&str] = &[
    "launch", "sale", "team", "today", "weekend", "coffee", "berlin", "update", "release",
    "thanks", "event", "webinar", "product", "summer", "winter", "offer", "story", "design",
    "customer", "support", "hiring", "podcast", "live", "new", "free", "shipping", "store", "city",
    "music", "festival", "recipe", "garden",
];

fn history(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::init(
        dir.path(),
        InitOptions {
            handle: "acme".into(),
            timezone: Some("UTC".into()),
            ..Default::default()
        },
        // What is measured is the history store; keys stay in memory.
        Parts::in_memory(Arc::new(SystemClock)),
    )
    .unwrap();
    let ada = app
        .add_member(
            None,
            NewMember {
                name: "Ada".into(),
                role: Role::Admin,
                initials: None,
                passphrase: Some(SecretString::new("bench passphrase")),
            },
        )
        .unwrap();
    app.unlock("Ada", &SecretString::new("bench passphrase"))
        .unwrap();
    let start: Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let total = 100_000;
    let t0 = std::time::Instant::now();
    for batch in 0..(total / 10_000) {
        let items = (0..10_000)
            .map(|i| {
                let n = batch * 10_000 + i;
                let words: Vec<&str> = (0..24)
                    .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                    .collect();
                let mut text = words.join(" ");
                if n % 100 == 0 {
                    text.push_str(" zeppelin");
                }
                ImportedPost {
                    id: Uuid::now_v7(),
                    author_id: ada.id,
                    parts: vec![text],
                    created_at: start,
                    posted_at: start + SignedDuration::from_mins(n as i64),
                    post_url: Some(format!("https://x.com/acme/status/{n}")),
                }
            })
            .collect();
        app.import_history("Ada", items).unwrap();
    }
    println!(
        "history: seeded {total} posted posts in {:.1?}",
        t0.elapsed()
    );
    let rare = app.history(Some("zeppelin"), 50).unwrap().len();
    let common = app.history(Some("launch"), 50).unwrap().len();
    println!(
        "history: 'zeppelin' (1% of posts) -> {rare} rows, 'launch' (~half) -> {common} rows (limit 50)"
    );

    let mut group = c.benchmark_group("history search over 100k posted posts");
    group.sample_size(30);
    group.bench_function("rare word (1%)", |b| {
        b.iter(|| app.history(black_box(Some("zeppelin")), 50).unwrap())
    });
    group.bench_function("common word (~50%)", |b| {
        b.iter(|| app.history(black_box(Some("launch")), 50).unwrap())
    });
    group.bench_function("two words", |b| {
        b.iter(|| app.history(black_box(Some("summer festival")), 50).unwrap())
    });
    group.bench_function("no search (latest 50)", |b| {
        b.iter(|| app.history(None, 50).unwrap())
    });
    group.finish();
}

/// The Conversations screen opening on 100,000 conversations (each with one message): the
/// first page of open ones, the new ones, a search, and the figures beside them.
fn inbox(c: &mut Criterion) {
    use countersign_core::conversation::{
        Conversation, ConversationKind, ConversationState, InboxQuery, Message, Person,
    };
    use countersign_core::store::Store;

    let dir = tempfile::tempdir().unwrap();
    let app = App::init(
        dir.path(),
        InitOptions {
            handle: "acme".into(),
            timezone: Some("UTC".into()),
            ..Default::default()
        },
        Parts::in_memory(Arc::new(SystemClock)),
    )
    .unwrap();
    let total = 100_000u64;
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let t0 = std::time::Instant::now();
    // Seeded through the store's own handles (what a year of polls would have written).
    let mut store = Store::open(&dir.path().join(countersign_core::app::DB_FILE)).unwrap();
    for batch in 0..(total / 10_000) {
        store
            .write(|tx| {
                for i in 0..10_000u64 {
                    let n = batch * 10_000 + i;
                    let at = start + SignedDuration::from_secs(n as i64 * 60);
                    let dm = n % 5 == 0;
                    // 100,000 people, each in one conversation of their own.
                    let person = Person {
                        id: format!("{}", 100_000_000_000_000_000 + n),
                        handle: format!("fan_{n}"),
                        name: format!("Fan {n}"),
                    };
                    let id = if dm {
                        format!("d:{}-1849375610274349057", person.id)
                    } else {
                        format!("m:{}:{}", 1_850_000_000_000_000_000 + n, person.id)
                    };
                    let state = match n % 10 {
                        0..=1 => ConversationState::New,
                        2..=3 => ConversationState::Assigned,
                        4..=8 => ConversationState::Answered,
                        _ => ConversationState::Closed,
                    };
                    let c = Conversation {
                        id: id.clone(),
                        kind: if dm {
                            ConversationKind::Dm
                        } else {
                            ConversationKind::Mention
                        },
                        person,
                        state,
                        assignee_id: None,
                        note: None,
                        waiting_since: matches!(
                            state,
                            ConversationState::New | ConversationState::Assigned
                        )
                        .then_some(at),
                        last_at: at,
                        updated_at: at,
                    };
                    if tx.inbox().get(&id)?.is_none() {
                        tx.inbox().save(&c)?;
                    }
                    let words: Vec<&str> = (0..12)
                        .map(|k| WORDS[((n * 7 + k * 13) % WORDS.len() as u64) as usize])
                        .collect();
                    let mut text = format!("@acme {}", words.join(" "));
                    if n % 100 == 0 {
                        text.push_str(" zeppelin");
                    }
                    tx.inbox().add_message(&Message {
                        x_id: format!("{}", 1_850_000_000_000_000_000 + n),
                        conversation_id: id,
                        author_id: c.person.id.clone(),
                        text,
                        at,
                        reply_to_x_id: None,
                    })?;
                }
                Ok(())
            })
            .unwrap();
    }
    drop(store);
    let held = app.inbox(&InboxQuery {
        limit: 1_000_000,
        ..InboxQuery::default()
    });
    println!(
        "inbox: seeded {total} messages into {} conversations in {:.1?}",
        held.map(|h| h.len()).unwrap_or(0),
        t0.elapsed()
    );
    let page = |q: InboxQuery| {
        let app = &app;
        move || app.inbox(black_box(&q)).unwrap()
    };
    let first_open = page(InboxQuery {
        open: true,
        limit: 500,
        ..InboxQuery::default()
    });
    let t = std::time::Instant::now();
    let (list, status) = (first_open(), app.inbox_status().unwrap());
    println!(
        "inbox: opening (first 500 open + figures) took {:.1?} cold: {} listed, {} new, {} being answered",
        t.elapsed(),
        list.len(),
        status.new,
        status.assigned
    );
    let mut group = c.benchmark_group("inbox over 100k conversations");
    group.sample_size(20);
    group.bench_function("open: first 500 open conversations + figures", |b| {
        b.iter(|| (first_open(), app.inbox_status().unwrap()))
    });
    group.bench_function("new ones (first 500)", |b| {
        b.iter(page(InboxQuery {
            state: Some(ConversationState::New),
            limit: 500,
            ..InboxQuery::default()
        }))
    });
    group.bench_function("search a rare word", |b| {
        b.iter(page(InboxQuery {
            search: Some("zeppelin".into()),
            limit: 500,
            ..InboxQuery::default()
        }))
    });
    group.bench_function("search a person", |b| {
        b.iter(page(InboxQuery {
            search: Some("fan_12345".into()),
            limit: 500,
            ..InboxQuery::default()
        }))
    });
    group.finish();
}

criterion_group!(benches, counting, history, inbox);
criterion_main!(benches);
