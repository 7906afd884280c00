//! History as the app pages, filters and exports it.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use countersign_core::store::{HistoryQuery, ImportedPost};
use countersign_core::{App, ExportFormat, ManualClock, Role};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

fn workspace() -> common::Team {
    let clock = Arc::new(ManualClock::new("2031-01-10T08:00:00Z".parse().unwrap()));
    common::team("Europe/Berlin", clock, &[("Ann", Role::Contributor)])
}

fn import(app: &App, author: &str, texts: &[&str], first: Timestamp) {
    let author = app.member(author).unwrap();
    let items = texts
        .iter()
        .enumerate()
        .map(|(i, t)| ImportedPost {
            id: Uuid::now_v7(),
            author_id: author.id,
            parts: vec![t.to_string()],
            created_at: first,
            posted_at: first + SignedDuration::from_hours(i as i64),
            post_url: Some(format!("https://x.com/acme/status/{i}")),
        })
        .collect();
    app.import_history("Ada", items).unwrap();
}

#[test]
fn history_pages_filter_and_export() {
    let team = workspace();
    let (dir, app) = (&team.dir, &team.app);
    let day1: Timestamp = "2030-05-01T08:00:00Z".parse().unwrap();
    let day2: Timestamp = "2030-05-02T08:00:00Z".parse().unwrap();
    import(app, "Ann", &["one, with a comma", "two", "three"], day1);
    import(app, "Ada", &["four \"quoted\"", "five"], day2);

    let page = |q: HistoryQuery| app.history_page(&q).unwrap();
    let all = HistoryQuery {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(page(all.clone()).len(), 5);
    // Pages are newest first and do not overlap.
    let first = page(HistoryQuery {
        limit: 2,
        ..all.clone()
    });
    let second = page(HistoryQuery {
        limit: 2,
        offset: 2,
        ..all.clone()
    });
    assert_eq!(first[0].parts[0], "five");
    assert_eq!(second[0].parts[0], "three");
    // Filters: author, posted-between, search; an unknown member finds nothing.
    let by_ann = page(HistoryQuery {
        author: Some("Ann".into()),
        ..all.clone()
    });
    assert_eq!(by_ann.len(), 3);
    assert!(by_ann.iter().all(|r| r.author == "Ann"));
    let on_day2 = page(HistoryQuery {
        from: Some(day2),
        ..all.clone()
    });
    assert_eq!(on_day2.len(), 2);
    let before_day2 = page(HistoryQuery {
        to: Some(day2),
        ..all.clone()
    });
    assert_eq!(before_day2.len(), 3);
    let found = page(HistoryQuery {
        search: Some("quoted".into()),
        ..all.clone()
    });
    assert_eq!(found.len(), 1);
    assert!(
        page(HistoryQuery {
            author: Some("Nobody".into()),
            ..all.clone()
        })
        .is_empty()
    );
    // Imported posts carry no approval: the approver filter finds none of them.
    assert!(
        page(HistoryQuery {
            approver: Some("Ada".into()),
            ..all.clone()
        })
        .is_empty()
    );

    // CSV: a header and one row per post, quoted where needed; JSON: the same rows.
    let csv = dir.path().join("history.csv");
    assert_eq!(
        app.export_history(&all, ExportFormat::Csv, &csv).unwrap(),
        5
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("id,posted_at,author,approver,approved_at,solo,post_url,parts,text\r\n")
    );
    assert!(text.contains("\"one, with a comma\""));
    assert!(text.contains("\"four \"\"quoted\"\"\""));
    assert_eq!(text.matches("\r\n").count(), 6);
    let json = dir.path().join("history.json");
    let n = app
        .export_history(
            &HistoryQuery {
                author: Some("Ada".into()),
                ..all.clone()
            },
            ExportFormat::Json,
            &json,
        )
        .unwrap();
    assert_eq!(n, 2);
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    // An export never overwrites a file.
    assert_eq!(
        app.export_history(&all, ExportFormat::Csv, &csv)
            .unwrap_err()
            .code(),
        "io"
    );
}

/// A search looks among the newest posts first, in windows of 4,096 that grow: the pages it
/// finds must be exactly the pages of the whole history, also when posting order and row
/// order disagree (posts imported out of order) and a page lies beyond several windows.
#[test]
fn searching_pages_past_many_windows_finds_exactly_the_newest() {
    let team = workspace();
    let app = &team.app;
    let ann = app.member("Ann").unwrap();
    let first: Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
    let total = 20_000i64;
    // Row order scrambled against posting order: i-th import is posted at a shuffled hour.
    let hour = |i: i64| (i * 7919) % total;
    let words = |h: i64| {
        let mut t = format!("post {h}");
        if h % 97 == 0 {
            t.push_str(" zeppelin");
        }
        if h % 2 == 0 {
            t.push_str(" launch");
        }
        t
    };
    for chunk in 0..(total / 5_000) {
        let items = (chunk * 5_000..(chunk + 1) * 5_000)
            .map(|i| ImportedPost {
                id: Uuid::now_v7(),
                author_id: ann.id,
                parts: vec![words(hour(i))],
                created_at: first,
                posted_at: first + SignedDuration::from_hours(hour(i)),
                post_url: None,
            })
            .collect();
        app.import_history("Ada", items).unwrap();
    }
    let expect = |word: &str, offset: i64, limit: i64, to: Option<i64>| -> Vec<String> {
        (0..to.unwrap_or(total))
            .rev()
            .filter(|&h| words(h).split(' ').any(|w| w == word))
            .skip(offset as usize)
            .take(limit as usize)
            .map(words)
            .collect()
    };
    for (word, offset, limit, to) in [
        ("zeppelin", 0, 50, None),
        ("zeppelin", 150, 50, None),
        ("zeppelin", 0, 50, Some(3_000)),
        ("launch", 0, 50, None),
        ("launch", 9_000, 50, None),
        ("zeppelin", 200, 50, None),
        ("nothing", 0, 50, None),
    ] {
        let got: Vec<String> = app
            .history_page(&HistoryQuery {
                search: Some(word.into()),
                offset: offset as u32,
                limit: limit as u32,
                to: to.map(|h| first + SignedDuration::from_hours(h)),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|r| r.parts[0].clone())
            .collect();
        assert_eq!(
            got,
            expect(word, offset, limit, to),
            "{word} from {offset} before {to:?}"
        );
    }
}

/// A typed word is a prefix of the words found, whatever their case or accents, alone or with
/// others; a word that starts nothing finds nothing.
#[test]
fn a_typed_word_finds_every_word_it_begins() {
    let team = workspace();
    let app = &team.app;
    let first: Timestamp = "2030-05-01T08:00:00Z".parse().unwrap();
    import(
        app,
        "Ann",
        &[
            "We LAUNCHED the spring menu",
            "launch day at the café",
            "Launches every Friday",
            "Café crème for everyone",
            "nothing to see",
        ],
        first,
    );
    let found = |typed: &str| -> Vec<String> {
        app.history_page(&HistoryQuery {
            search: Some(typed.into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.parts[0].clone())
        .collect()
    };
    assert_eq!(
        found("laun"),
        [
            "Launches every Friday",
            "launch day at the café",
            "We LAUNCHED the spring menu"
        ]
    );
    assert_eq!(found("Launch"), found("laun"));
    assert_eq!(found("launch cafe"), ["launch day at the café"]);
    assert_eq!(
        found("café"),
        ["Café crème for everyone", "launch day at the café"]
    );
    assert_eq!(found("cafe cr"), ["Café crème for everyone"]);
    assert!(found("zeppelin").is_empty());
    assert!(found("launch zeppelin").is_empty());
}
