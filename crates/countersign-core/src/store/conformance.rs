//! The contract every store backend keeps, as tests.
//!
//! One function per area of the store (transactions, then each handle), each taking a
//! [`Fresh`]: a way to make a new, empty store of the backend under test. Every function goes
//! through the facades only, builds its own fixtures through the handles, and checks the
//! values that come back, so the same suite can run against SQLite today and PostgreSQL next:
//! a backend conforms when every area passes. The `#[test]`s at the end run each area against
//! a SQLite file in a temporary directory, and against team mode: a replica whose every write
//! goes to a real PostgreSQL server (a database of its own per store, from the test harness).

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use serde_json::json;
use uuid::Uuid;

use super::{
    CalendarItem, HistoryQuery, HistoryRow, ImportedPost, NewAuditEntry, PostSummary, PublishState,
    QueueSlot, Store, Tx,
};
use crate::approval::Statement;
use crate::audit::{self, GENESIS};
use crate::connection::{BudgetRow, Connection as XConnection, ConnectionState};
use crate::error::{Error, Result};
use crate::keys::{self, MemberKey};
use crate::model::{
    Account, Approval, Attachment, Comment, Content, Media, MediaKind, Member, Part, Post,
    ReplySettings, Role, Schedule, Status, Version, VersionProof, text_content,
};
use crate::roster::{Roster, RosterEntry, Standing};

/// Makes a new, empty store of the backend under test: migrated, with no workspace row yet.
pub(super) type Fresh<'a> = &'a dyn Fn() -> Store;

/// Whether the backend takes solo mode (one person approving alone): a team server never does
/// (four eyes always, a check on its tables), so there the solo fixtures are four-eyes ones.
fn solo_ok(store: &Store) -> bool {
    !store.is_team()
}

// --- fixtures ----------------------------------------------------------------------------------

/// `s` seconds after a fixed instant: every test's clock.
fn at(s: i64) -> Timestamp {
    Timestamp::from_second(1_750_000_000 + s).expect("a valid instant")
}

fn account() -> Account {
    Account {
        handle: "acme".into(),
        display_name: "Acme".into(),
        x_user_id: None,
        max_weighted_length: 280,
        timezone: "UTC".into(),
        solo_mode: false,
        grace_minutes: 10,
    }
}

fn member(name: &str, role: Role, joined: i64) -> Member {
    Member {
        id: Uuid::now_v7(),
        name: name.into(),
        initials: name[..1].to_uppercase(),
        role,
        active: true,
        created_at: at(joined),
    }
}

/// A new draft, version 1, as `author` first saved it at `created`.
fn draft(author: &Member, texts: &[&str], created: i64) -> Post {
    Post {
        id: Uuid::now_v7(),
        author: author.clone(),
        status: Status::Draft,
        version: 1,
        content: text_content(texts),
        scheduled: None,
        status_reason: None,
        created_at: at(created),
        updated_at: at(created),
        posted_at: None,
        post_url: None,
    }
}

/// The same post, scheduled at `s` in Berlin time.
fn scheduled(post: Post, s: i64) -> Post {
    Post {
        status: Status::Scheduled,
        scheduled: Some(Schedule {
            at: at(s),
            zone: "Europe/Berlin".into(),
        }),
        ..post
    }
}

/// Inserts a post with its current version, as a use case does.
fn add(tx: &Tx<'_>, post: &Post) -> Result<()> {
    tx.posts().insert(post)?;
    tx.posts().save_version(
        post.id,
        post.version,
        &post.author,
        post.created_at,
        &post.content,
    )
}

fn add_all(store: &mut Store, posts: &[&Post]) {
    store
        .write(|tx| posts.iter().try_for_each(|p| add(tx, p)))
        .unwrap();
}

fn update(store: &mut Store, post: &Post) {
    store.write(|tx| tx.posts().update(post)).unwrap();
}

/// A workspace with an admin, an approver and a contributor, made through the handles.
struct Team {
    alice: Member,
    bob: Member,
    carol: Member,
}

fn team(store: &mut Store) -> Team {
    let team = Team {
        alice: member("Alice", Role::Admin, 0),
        bob: member("Bob", Role::Approver, 1),
        carol: member("Carol", Role::Contributor, 2),
    };
    store
        .write(|tx| {
            tx.workspace().create(&account(), at(0))?;
            for m in [&team.alice, &team.bob, &team.carol] {
                assert!(tx.members().insert(m)?, "{} was not added", m.name);
            }
            Ok(())
        })
        .unwrap();
    team
}

fn media(byte: char, kind: MediaKind, bytes: u64) -> Media {
    let (mime, name) = match kind {
        MediaKind::Image => ("image/png", "box.png"),
        MediaKind::Gif => ("image/gif", "wave.gif"),
        MediaKind::Video => ("video/mp4", "launch.mp4"),
    };
    Media {
        hash: byte.to_string().repeat(64),
        kind,
        mime: mime.into(),
        bytes,
        original_name: name.into(),
    }
}

fn approval(post: &Post, approver: &Member, s: i64) -> Approval {
    Approval {
        id: Uuid::now_v7(),
        post_id: post.id,
        approver: approver.clone(),
        version: post.version,
        digest: format!("digest-of-{}-v{}", post.id, post.version),
        scheduled_at: post.scheduled.as_ref().map(|when| when.at),
        at: at(s),
        solo: false,
        edited: false,
        key_fingerprint: Some("f".repeat(64)),
        signature: Some("5".repeat(128)),
        statement: Some(Statement {
            author_id: post.author.id,
            roster_seq: s,
            roster_hash: format!("roster-head-{s}"),
        }),
    }
}

/// The ids a query that matches nothing returns.
const NO_POSTS: Vec<Uuid> = Vec::new();

fn ids<T>(rows: &[T], id: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
    rows.iter().map(id).collect()
}

// --- transactions and the store itself ---------------------------------------------------------

/// `read` and `write`: values come back, a failed write keeps nothing, a backup is a store.
pub(super) fn transactions(fresh: Fresh<'_>) {
    let mut store = fresh();
    let alice = member("Alice", Role::Admin, 0);
    let bob = member("Bob", Role::Approver, 1);

    let n = store
        .write(|tx| {
            tx.workspace().create(&account(), at(0))?;
            tx.members().insert(&alice)?;
            // A write sees its own changes before it commits.
            Ok(tx.members().list()?.len())
        })
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        store.read(|tx| tx.members().by_id(alice.id)).unwrap(),
        Some(alice.clone())
    );

    // A write whose closure fails keeps nothing it did, and its error comes back unchanged.
    let err = store
        .write(|tx| {
            assert!(tx.members().insert(&bob)?);
            tx.workspace().update(&Account {
                handle: "changed".into(),
                ..account()
            })?;
            Err::<(), _>(Error::Busy)
        })
        .unwrap_err();
    assert_eq!(err.code(), "busy");
    assert_eq!(store.read(|tx| tx.members().by_id(bob.id)).unwrap(), None);
    assert_eq!(
        store.read(|tx| tx.workspace().account()).unwrap(),
        Some(account())
    );
    // A failed read changes nothing either, and the store goes on working.
    let err = store
        .read(|_| Err::<(), _>(Error::Storage("on purpose".into())))
        .unwrap_err();
    assert_eq!(err.code(), "storage");
    store.write(|tx| tx.members().insert(&bob)).unwrap();
    let id = store.read(|tx| tx.workspace().id()).unwrap();

    // A backup is a store of its own with the same contents, made only onto a new file.
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("backup.sqlite");
    store.backup_to(&dest).unwrap();
    let before = std::fs::read(&dest).unwrap();
    assert!(store.backup_to(&dest).is_err(), "a backup overwrote a file");
    assert_eq!(std::fs::read(&dest).unwrap(), before);
    store
        .write(|tx| tx.members().insert(&member("Dan", Role::Contributor, 3)))
        .unwrap();
    let mut copy = Store::open(&dest).unwrap();
    assert_eq!(
        copy.read(|tx| tx.members().list()).unwrap(),
        vec![alice, bob]
    );
    assert_eq!(copy.read(|tx| tx.workspace().id()).unwrap(), id);
    assert_eq!(
        copy.read(|tx| tx.workspace().account()).unwrap(),
        Some(account())
    );
}

// --- workspace -----------------------------------------------------------------------------------

/// The account, the workspace id, the X connection and the rate-limit budgets.
pub(super) fn workspace(fresh: Fresh<'_>) {
    let mut store = fresh();
    assert_eq!(store.read(|tx| tx.workspace().account()).unwrap(), None);
    assert_eq!(store.read(|tx| tx.workspace().budgets()).unwrap(), vec![]);

    store
        .write(|tx| tx.workspace().create(&account(), at(0)))
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.workspace().account()).unwrap(),
        Some(account())
    );
    let id = store.read(|tx| tx.workspace().id()).unwrap();
    assert!(
        id.len() >= 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id:?} is not a random hex id"
    );
    assert_eq!(store.read(|tx| tx.workspace().id()).unwrap(), id);
    let mut other = fresh();
    other
        .write(|tx| tx.workspace().create(&account(), at(0)))
        .unwrap();
    assert_ne!(other.read(|tx| tx.workspace().id()).unwrap(), id);

    let changed = Account {
        handle: "acme_eu".into(),
        display_name: "Acme Europe".into(),
        x_user_id: Some("4242".into()),
        max_weighted_length: 25_000,
        timezone: "Europe/Berlin".into(),
        solo_mode: solo_ok(&store),
        grace_minutes: 30,
    };
    store.write(|tx| tx.workspace().update(&changed)).unwrap();
    assert_eq!(
        store.read(|tx| tx.workspace().account()).unwrap(),
        Some(changed.clone())
    );

    // Not connected yet; the account's X user id and the connection's are one value.
    assert_eq!(
        store.read(|tx| tx.workspace().connection()).unwrap(),
        XConnection {
            workspace_id: id.clone(),
            state: ConnectionState::Disconnected,
            sandbox_url: None,
            client_id: None,
            x_user_id: Some("4242".into()),
            username: None,
        }
    );
    let connected = XConnection {
        workspace_id: "not-this-workspace".into(),
        state: ConnectionState::Connected,
        sandbox_url: Some("http://127.0.0.1:4010".into()),
        client_id: Some("client-1".into()),
        x_user_id: Some("777".into()),
        username: Some("acme".into()),
    };
    store
        .write(|tx| tx.workspace().set_connection(&connected))
        .unwrap();
    // Everything is kept but the workspace id, which never changes.
    assert_eq!(
        store.read(|tx| tx.workspace().connection()).unwrap(),
        XConnection {
            workspace_id: id.clone(),
            ..connected.clone()
        }
    );
    assert_eq!(
        store.read(|tx| tx.workspace().account()).unwrap(),
        Some(Account {
            x_user_id: Some("777".into()),
            ..changed
        })
    );
    for (state, username) in [
        (ConnectionState::NeedsReconnect, Some("acme".to_string())),
        (ConnectionState::Disconnected, None),
    ] {
        let c = XConnection {
            workspace_id: id.clone(),
            state,
            sandbox_url: None,
            client_id: None,
            x_user_id: None,
            username,
        };
        store.write(|tx| tx.workspace().set_connection(&c)).unwrap();
        assert_eq!(store.read(|tx| tx.workspace().connection()).unwrap(), c);
    }

    let budget = |endpoint: &str, window: &str, limit: u64, remaining: u64, s: i64| BudgetRow {
        endpoint: endpoint.into(),
        window: window.into(),
        limit,
        remaining,
        reset_at: at(s + 900),
        seen_at: at(s),
    };
    let first = vec![
        budget("media_upload", "day", 1_000_000, 999_999, 10),
        budget("create_post", "fifteen_minutes", 100, 99, 10),
        budget("create_post", "day", 17, 3, 10),
    ];
    store
        .write(|tx| tx.workspace().save_budgets(&first))
        .unwrap();
    // By endpoint, then window.
    assert_eq!(
        store.read(|tx| tx.workspace().budgets()).unwrap(),
        vec![first[2].clone(), first[1].clone(), first[0].clone()]
    );
    // The latest per endpoint and window replaces the one before; the others stay.
    let later = budget("create_post", "day", 17, 2, 20);
    store
        .write(|tx| tx.workspace().save_budgets(std::slice::from_ref(&later)))
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.workspace().budgets()).unwrap(),
        vec![later, first[1].clone(), first[0].clone()]
    );
}

// --- members -------------------------------------------------------------------------------------

/// Adding, finding by name (in any case) and id, the join order, roles and deactivation.
pub(super) fn members(fresh: Fresh<'_>) {
    let mut store = fresh();
    let carol = member("Carol", Role::Contributor, 20);
    let alice = member("Alice", Role::Admin, 10);
    let bob = member("Bob", Role::Approver, 10);
    let zed = member("Zed", Role::Approver, 0);
    store
        .write(|tx| {
            for m in [&carol, &alice, &zed, &bob] {
                assert!(tx.members().insert(m)?, "{} was not added", m.name);
            }
            Ok(())
        })
        .unwrap();

    // A name is taken whatever its case and surrounding space; the first holder stays.
    let again = Member {
        name: "  ALICE ".into(),
        ..member("x", Role::Admin, 30)
    };
    assert!(!store.write(|tx| tx.members().insert(&again)).unwrap());
    assert_eq!(store.read(|tx| tx.members().by_id(again.id)).unwrap(), None);

    for name in ["Alice", "alice", " ALICE  "] {
        assert_eq!(
            store.read(|tx| tx.members().by_name(name)).unwrap(),
            Some(alice.clone()),
            "{name:?}"
        );
    }
    assert_eq!(
        store.read(|tx| tx.members().by_name("Alicia")).unwrap(),
        None
    );
    assert_eq!(
        store.read(|tx| tx.members().by_id(bob.id)).unwrap(),
        Some(bob.clone())
    );
    assert_eq!(
        store.read(|tx| tx.members().by_id(Uuid::now_v7())).unwrap(),
        None
    );
    // In the order they joined; those who joined at once by name.
    assert_eq!(
        store.read(|tx| tx.members().list()).unwrap(),
        vec![zed.clone(), alice.clone(), bob.clone(), carol.clone()]
    );
    let counts = |store: &mut Store| {
        store
            .read(|tx| {
                Ok((
                    tx.members().active_reviewers()?,
                    tx.members().active_admins()?,
                ))
            })
            .unwrap()
    };
    assert_eq!(counts(&mut store), (3, 1));

    store
        .write(|tx| tx.members().set_role(carol.id, Role::Admin))
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.members().by_id(carol.id)).unwrap(),
        Some(Member {
            role: Role::Admin,
            ..carol.clone()
        })
    );
    assert_eq!(counts(&mut store), (4, 2));

    // Deactivated members stay, inactive, and stop counting.
    store
        .write(|tx| {
            tx.members().deactivate(zed.id, at(40))?;
            tx.members().deactivate(alice.id, at(41))
        })
        .unwrap();
    let list = store.read(|tx| tx.members().list()).unwrap();
    assert_eq!(
        list.iter()
            .map(|m| (&*m.name, m.active))
            .collect::<Vec<_>>(),
        vec![
            ("Zed", false),
            ("Alice", false),
            ("Bob", true),
            ("Carol", true)
        ]
    );
    assert_eq!(counts(&mut store), (2, 1));
    assert_eq!(
        store.read(|tx| tx.members().by_name("zed")).unwrap(),
        Some(Member {
            active: false,
            ..zed
        })
    );
}

// --- posts ---------------------------------------------------------------------------------------

/// A post's row, its versions with parts and media, and the list of posts.
pub(super) fn posts(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { alice, bob, carol } = team(&mut store);
    let photo = media('a', MediaKind::Image, 12_345);
    let chart = media('b', MediaKind::Image, 678);
    let clip = media('c', MediaKind::Video, 40_000_000);
    let first = Content {
        parts: vec![
            Part {
                text: "Launch day is here".into(),
                media: vec![
                    Attachment {
                        media: photo.clone(),
                        alt_text: "The new box".into(),
                    },
                    Attachment {
                        media: chart.clone(),
                        alt_text: String::new(),
                    },
                ],
            },
            Part {
                text: "No media here".into(),
                media: vec![],
            },
            Part {
                text: "And a video".into(),
                media: vec![Attachment {
                    media: clip.clone(),
                    alt_text: "Unboxing".into(),
                }],
            },
        ],
        signature: true,
        reply_settings: ReplySettings::Following,
        reply: Some(crate::model::ReplyTarget::Post {
            x_id: "1850000000000000001".into(),
        }),
    };
    let post = Post {
        content: first.clone(),
        ..draft(&carol, &[], 10)
    };
    store
        .write(|tx| {
            for m in [&photo, &chart, &clip] {
                tx.media().record(m, at(9))?;
            }
            add(tx, &post)
        })
        .unwrap();

    assert_eq!(
        store.read(|tx| tx.posts().get(post.id)).unwrap(),
        Some(post.clone())
    );
    assert_eq!(
        store.read(|tx| tx.posts().get(Uuid::now_v7())).unwrap(),
        None
    );
    assert_eq!(
        store.read(|tx| tx.posts().content(post.id, 1)).unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.read(|tx| tx.posts().content(post.id, 2)).unwrap(),
        None
    );
    assert_eq!(
        store.read(|tx| tx.posts().editor_of(post.id, 1)).unwrap(),
        Some(carol.id)
    );
    assert_eq!(
        store.read(|tx| tx.posts().editor_of(post.id, 2)).unwrap(),
        None
    );
    // What the editor signed: nothing until signed, then exactly what was recorded.
    let unsigned = VersionProof {
        version: 1,
        editor_id: carol.id,
        author_id: None,
        digest: None,
        signature: None,
    };
    assert_eq!(
        store
            .read(|tx| tx.posts().signed_versions(post.id))
            .unwrap(),
        vec![unsigned.clone()]
    );
    let signing = store.write(|tx| {
        tx.posts()
            .sign_version(post.id, 1, carol.id, "digest-v1", &"6".repeat(128))
    });
    if store.is_team() {
        // A team server keeps versions insert-only: a version is signed in the transaction that
        // saves it (as the app does), never afterwards.
        assert!(
            matches!(signing, Err(Error::ServerRefused { .. })),
            "{signing:?}"
        );
        assert_eq!(
            store
                .read(|tx| tx.posts().signed_versions(post.id))
                .unwrap(),
            vec![unsigned.clone()]
        );
    } else {
        signing.unwrap();
        assert_eq!(
            store
                .read(|tx| tx.posts().signed_versions(post.id))
                .unwrap(),
            vec![VersionProof {
                author_id: Some(carol.id),
                digest: Some("digest-v1".into()),
                signature: Some("6".repeat(128)),
                ..unsigned
            }]
        );
    }
    assert_eq!(
        store
            .read(|tx| tx.posts().signed_versions(Uuid::now_v7()))
            .unwrap(),
        vec![]
    );

    // An edit by someone else: a new version, the row follows.
    let second = Content {
        reply_settings: ReplySettings::Everyone,
        ..text_content(&["Launch day is tomorrow"])
    };
    let edited = Post {
        status: Status::InReview,
        version: 2,
        content: second.clone(),
        scheduled: Some(Schedule {
            at: at(3_600),
            zone: "Europe/Berlin".into(),
        }),
        status_reason: Some("submitted".into()),
        updated_at: at(20),
        ..post.clone()
    };
    store
        .write(|tx| {
            tx.posts().save_version(post.id, 2, &bob, at(20), &second)?;
            tx.posts().update(&edited)
        })
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.posts().get(post.id)).unwrap(),
        Some(edited.clone())
    );
    assert_eq!(
        store.read(|tx| tx.posts().editor_of(post.id, 2)).unwrap(),
        Some(bob.id)
    );
    // Earlier versions are kept, oldest first.
    assert_eq!(
        store.read(|tx| tx.posts().versions(post.id)).unwrap(),
        vec![
            Version {
                version: 1,
                editor: carol.clone(),
                at: at(10),
                content: first,
            },
            Version {
                version: 2,
                editor: bob.clone(),
                at: at(20),
                content: second,
            },
        ]
    );
    assert_eq!(
        store
            .read(|tx| tx.posts().versions(Uuid::now_v7()))
            .unwrap(),
        vec![]
    );

    // `update` leaves the author and the creation time as they were.
    let approved = Post {
        author: alice.clone(),
        created_at: at(99),
        status: Status::Approved,
        status_reason: None,
        updated_at: at(30),
        ..edited.clone()
    };
    update(&mut store, &approved);
    assert_eq!(
        store.read(|tx| tx.posts().get(post.id)).unwrap(),
        Some(Post {
            author: carol.clone(),
            created_at: at(10),
            ..approved
        })
    );

    // The list: newest change first; among equal times, the newer post first.
    let thread = draft(&alice, &["First", "Second"], 30);
    let review = Post {
        status: Status::InReview,
        ..draft(&bob, &["Bob's"], 40)
    };
    add_all(&mut store, &[&thread, &review]);
    let summary = |p: &Post, text: &str, parts: u32| PostSummary {
        id: p.id,
        status: p.status,
        author: p.author.name.clone(),
        version: p.version,
        parts,
        text: text.into(),
        scheduled_at: p.scheduled.as_ref().map(|s| s.at),
        updated_at: p.updated_at,
    };
    assert_eq!(
        store.read(|tx| tx.posts().list(None)).unwrap(),
        vec![
            summary(&review, "Bob's", 1),
            summary(&thread, "First", 2),
            PostSummary {
                id: post.id,
                status: Status::Approved,
                author: "Carol".into(),
                version: 2,
                parts: 1,
                text: "Launch day is tomorrow".into(),
                scheduled_at: Some(at(3_600)),
                updated_at: at(30),
            },
        ]
    );
    assert_eq!(
        store
            .read(|tx| tx.posts().list(Some(Status::Draft)))
            .unwrap(),
        vec![summary(&thread, "First", 2)]
    );
    assert_eq!(
        store
            .read(|tx| tx.posts().list(Some(Status::Posted)))
            .unwrap(),
        vec![]
    );
}

/// History: imported and published posts, the full-text search, the filters and paging.
pub(super) fn history(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { alice, bob, carol } = team(&mut store);
    let imported = |author: &Member, parts: &[&str], s: i64, url: Option<&str>| ImportedPost {
        id: Uuid::now_v7(),
        author_id: author.id,
        parts: parts.iter().map(|p| p.to_string()).collect(),
        created_at: at(s),
        posted_at: at(s + 10),
        post_url: url.map(str::to_string),
    };
    let i1 = imported(
        &alice,
        &["Café opening in Berlin", "Come by"],
        100,
        Some("https://x.com/acme/status/1"),
    );
    let i2 = imported(&bob, &["Launching our spring line"], 200, None);
    let i3 = imported(
        &alice,
        &["Spring sale: everything must go"],
        300,
        Some("https://x.com/acme/status/3"),
    );
    store
        .write(|tx| {
            tx.posts()
                .import_posted(&[i1.clone(), i2.clone(), i3.clone()])
        })
        .unwrap();

    // An imported post is a posted post of one version, by its author.
    assert_eq!(
        store.read(|tx| tx.posts().get(i1.id)).unwrap(),
        Some(Post {
            id: i1.id,
            author: alice.clone(),
            status: Status::Posted,
            version: 1,
            content: text_content(&["Café opening in Berlin", "Come by"]),
            scheduled: None,
            status_reason: None,
            created_at: at(100),
            updated_at: at(110),
            posted_at: Some(at(110)),
            post_url: Some("https://x.com/acme/status/1".into()),
        })
    );
    assert_eq!(
        store.read(|tx| tx.posts().editor_of(i2.id, 1)).unwrap(),
        Some(bob.id)
    );

    // A post made here: edited once, countersigned, posted. Only its current text is searched.
    let ours = draft(&carol, &["Old wording about winter"], 380);
    let current = text_content(&["New wording about spring launch"]);
    add_all(&mut store, &[&ours]);
    let ours = Post {
        status: Status::Posted,
        version: 2,
        content: current.clone(),
        updated_at: at(400),
        posted_at: Some(at(400)),
        post_url: Some("https://x.com/acme/status/4".into()),
        ..ours
    };
    let countersigned = approval(&ours, &bob, 395);
    // Alice approved her own post under solo mode.
    let solo = Approval {
        post_id: i3.id,
        version: 1,
        solo: solo_ok(&store),
        ..approval(&ours, &alice, 320)
    };
    store
        .write(|tx| {
            tx.posts()
                .save_version(ours.id, 2, &carol, at(390), &current)?;
            tx.posts().update(&ours)?;
            tx.approvals().insert(&countersigned)?;
            tx.approvals().insert(&solo)
        })
        .unwrap();
    // Not posted, so not in History, whatever it says.
    let unposted = draft(&carol, &["Spring launch draft, not posted"], 500);
    add_all(&mut store, &[&unposted]);

    let page = |store: &mut Store, q: HistoryQuery| {
        let rows = store.read(|tx| tx.posts().history_page(&q)).unwrap();
        ids(&rows, |r: &HistoryRow| r.id)
    };
    let query = |search: &str| HistoryQuery {
        search: Some(search.into()),
        limit: 10,
        ..HistoryQuery::default()
    };

    let all = store.read(|tx| tx.posts().history(None, 10)).unwrap();
    assert_eq!(
        all,
        vec![
            HistoryRow {
                id: ours.id,
                author: "Carol".into(),
                approver: Some("Bob".into()),
                approved_at: Some(at(395)),
                solo: false,
                created_at: at(380),
                posted_at: Some(at(400)),
                post_url: Some("https://x.com/acme/status/4".into()),
                parts: vec!["New wording about spring launch".into()],
            },
            HistoryRow {
                id: i3.id,
                author: "Alice".into(),
                approver: Some("Alice".into()),
                approved_at: Some(at(320)),
                solo: solo_ok(&store),
                created_at: at(300),
                posted_at: Some(at(310)),
                post_url: Some("https://x.com/acme/status/3".into()),
                parts: vec!["Spring sale: everything must go".into()],
            },
            HistoryRow {
                id: i2.id,
                author: "Bob".into(),
                approver: None,
                approved_at: None,
                solo: false,
                created_at: at(200),
                posted_at: Some(at(210)),
                post_url: None,
                parts: vec!["Launching our spring line".into()],
            },
            HistoryRow {
                id: i1.id,
                author: "Alice".into(),
                approver: None,
                approved_at: None,
                solo: false,
                created_at: at(100),
                posted_at: Some(at(110)),
                post_url: Some("https://x.com/acme/status/1".into()),
                parts: vec!["Café opening in Berlin".into(), "Come by".into()],
            },
        ]
    );
    let (o, i1, i2, i3) = (ours.id, i1.id, i2.id, i3.id);

    // The search: every word as a prefix, any case, accents ignored, over every part.
    assert_eq!(page(&mut store, query("spring")), vec![o, i3, i2]);
    assert_eq!(page(&mut store, query("SPRING laun")), vec![o, i2]);
    assert_eq!(page(&mut store, query("cafe")), vec![i1]);
    assert_eq!(page(&mut store, query("berlin come")), vec![i1]);
    assert_eq!(page(&mut store, query("wording")), vec![o]);
    assert_eq!(page(&mut store, query("winter")), NO_POSTS);
    assert_eq!(page(&mut store, query("spring autumn")), NO_POSTS);
    // What people type cannot break it: stray syntax is dropped, a blank search is none, and
    // a search with nothing searchable finds nothing.
    assert_eq!(page(&mut store, query("\"spring\" (")), vec![o, i3, i2]);
    assert_eq!(page(&mut store, query("   ")), vec![o, i3, i2, i1]);
    assert_eq!(page(&mut store, query("-- *")), NO_POSTS);
    assert_eq!(
        ids(
            &store
                .read(|tx| tx.posts().history(Some("spring"), 2))
                .unwrap(),
            |r| r.id
        ),
        vec![o, i3]
    );

    // Pages, newest first.
    let paged = |offset: u32, limit: u32| HistoryQuery {
        offset,
        limit,
        ..HistoryQuery::default()
    };
    assert_eq!(page(&mut store, paged(0, 2)), vec![o, i3]);
    assert_eq!(page(&mut store, paged(2, 2)), vec![i2, i1]);
    assert_eq!(page(&mut store, paged(3, 2)), vec![i1]);
    assert_eq!(page(&mut store, paged(4, 2)), NO_POSTS);

    // Filters: author, approver in force, and a half-open span of posting times; all at once.
    let by = |author: Option<&str>, approver: Option<&str>| HistoryQuery {
        author: author.map(str::to_string),
        approver: approver.map(str::to_string),
        limit: 10,
        ..HistoryQuery::default()
    };
    assert_eq!(page(&mut store, by(Some("Alice"), None)), vec![i3, i1]);
    assert_eq!(page(&mut store, by(Some("Nobody"), None)), NO_POSTS);
    assert_eq!(page(&mut store, by(None, Some("Bob"))), vec![o]);
    assert_eq!(page(&mut store, by(None, Some("Alice"))), vec![i3]);
    let span = HistoryQuery {
        from: Some(at(210)),
        to: Some(at(400)),
        limit: 10,
        ..HistoryQuery::default()
    };
    assert_eq!(page(&mut store, span.clone()), vec![i3, i2]);
    assert_eq!(
        page(
            &mut store,
            HistoryQuery {
                search: Some("spring".into()),
                author: Some("Alice".into()),
                ..span
            }
        ),
        vec![i3]
    );

    // A voided approval is no longer the post's approver.
    store
        .write(|tx| tx.approvals().void(o, at(410), "test"))
        .unwrap();
    assert_eq!(page(&mut store, by(None, Some("Bob"))), NO_POSTS);
    let first = store.read(|tx| tx.posts().history(None, 1)).unwrap();
    assert_eq!(
        (first[0].id, first[0].approver.clone(), first[0].approved_at),
        (o, None, None)
    );
}

// --- publishing ----------------------------------------------------------------------------------

/// What is due, overdue and taken, and the publisher's bookkeeping through one publish.
pub(super) fn publishing(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { carol, .. } = team(&mut store);
    let late = scheduled(draft(&carol, &["Later"], 0), 100);
    let early = scheduled(draft(&carol, &["Earlier", "thread"], 1), 50);
    let idle = draft(&carol, &["A draft"], 2);
    let approved = Post {
        status: Status::Approved,
        ..draft(&carol, &["Approved, not scheduled"], 3)
    };
    add_all(&mut store, &[&late, &early, &idle, &approved]);
    let due =
        |store: &mut Store, s: i64| store.read(|tx| tx.publishing().due(at(s), None)).unwrap();
    let overdue =
        |store: &mut Store, s: i64| store.read(|tx| tx.publishing().overdue(at(s))).unwrap();
    let taken = |store: &mut Store, s: i64| store.read(|tx| tx.publishing().taken(at(s))).unwrap();
    let next_due = |store: &mut Store| store.read(|tx| tx.publishing().next_due(None)).unwrap();
    let state = |store: &mut Store, id: Uuid| store.read(|tx| tx.publishing().state(id)).unwrap();
    let (late_id, early_id) = (late.id, early.id);

    // Scheduled: due from their time on, oldest first; overdue only once it has passed.
    assert_eq!(next_due(&mut store), Some(at(50)));
    assert_eq!(due(&mut store, 49), NO_POSTS);
    assert_eq!(due(&mut store, 50), vec![early_id]);
    assert_eq!(due(&mut store, 100), vec![early_id, late_id]);
    assert_eq!(overdue(&mut store, 50), NO_POSTS);
    assert_eq!(overdue(&mut store, 51), vec![early_id]);
    assert_eq!(overdue(&mut store, 101), vec![early_id, late_id]);
    assert_eq!(taken(&mut store, 0), HashSet::from([at(50), at(100)]));
    assert_eq!(taken(&mut store, 50), HashSet::from([at(100)]));
    assert_eq!(state(&mut store, early_id), PublishState::default());
    assert_eq!(state(&mut store, Uuid::now_v7()), PublishState::default());

    // Claimed: due at once while it has no wait, and no longer overdue; its time stays taken.
    let claimed = PublishState {
        claimed_at: Some(at(60)),
        ..PublishState::default()
    };
    let publishing = Post {
        status: Status::Publishing,
        updated_at: at(60),
        ..early.clone()
    };
    store
        .write(|tx| {
            tx.posts().update(&publishing)?;
            tx.publishing().save_state(early_id, &claimed)
        })
        .unwrap();
    assert_eq!(state(&mut store, early_id), claimed);
    assert_eq!(due(&mut store, 60), vec![early_id]);
    assert_eq!(next_due(&mut store), Some(Timestamp::UNIX_EPOCH));
    assert_eq!(overdue(&mut store, 101), vec![late_id]);
    assert_eq!(taken(&mut store, 0), HashSet::from([at(50), at(100)]));

    // In flight, then each part as X returns it, in order.
    let in_flight = PublishState {
        in_flight_at: Some(at(61)),
        ..claimed.clone()
    };
    store
        .write(|tx| tx.publishing().save_state(early_id, &in_flight))
        .unwrap();
    assert_eq!(state(&mut store, early_id), in_flight);
    store
        .write(|tx| {
            tx.publishing()
                .record_part(early_id, 0, "1900000000000000001", at(62), None)?;
            tx.publishing().save_state(early_id, &claimed)
        })
        .unwrap();
    store
        .write(|tx| {
            tx.publishing()
                .record_part(early_id, 1, "1900000000000000002", at(63), None)
        })
        .unwrap();
    let parts = vec![
        "1900000000000000001".to_string(),
        "1900000000000000002".to_string(),
    ];
    assert_eq!(
        state(&mut store, early_id),
        PublishState {
            parts: parts.clone(),
            ..claimed.clone()
        }
    );
    // A part is on X once: recording it again fails, and keeps the first.
    assert!(
        store
            .write(|tx| tx
                .publishing()
                .record_part(early_id, 1, "1999", at(64), None))
            .is_err()
    );
    assert_eq!(state(&mut store, early_id).parts, parts);

    // A wait (a backoff): not due before it ends; then ordered by when it ends.
    let waiting = PublishState {
        claimed_at: Some(at(60)),
        in_flight_at: None,
        next_attempt_at: Some(at(200)),
        server_errors: 2,
        retries: 1,
        parts: parts.clone(),
        // The claim round-trips too (a solo workspace's publisher is nobody).
        claimed_by: None,
        // A laptop is a device id, a uuid (what `team join` makes).
        claim_device: Some("0190a6c2-7a3e-7c1e-9a55-3d2f1b4c5e6f".into()),
        claim_epoch: 3,
        lease_until: Some(at(150)),
    };
    store
        .write(|tx| tx.publishing().save_state(early_id, &waiting))
        .unwrap();
    assert_eq!(state(&mut store, early_id), waiting);
    assert_eq!(due(&mut store, 150), vec![late_id]);
    assert_eq!(due(&mut store, 200), vec![late_id, early_id]);
    assert_eq!(next_due(&mut store), Some(at(100)));

    // Posted: no longer due or taken; its bookkeeping stays.
    update(
        &mut store,
        &Post {
            status: Status::Posted,
            posted_at: Some(at(210)),
            updated_at: at(210),
            ..publishing
        },
    );
    assert_eq!(due(&mut store, 300), vec![late_id]);
    assert_eq!(taken(&mut store, 0), HashSet::from([at(100)]));
    assert_eq!(state(&mut store, early_id), waiting);
    assert_eq!(next_due(&mut store), Some(at(100)));

    // Missed: nothing is waiting any more.
    update(
        &mut store,
        &Post {
            status: Status::Missed,
            ..late
        },
    );
    assert_eq!(due(&mut store, 300), NO_POSTS);
    assert_eq!(overdue(&mut store, 300), NO_POSTS);
    assert_eq!(taken(&mut store, 0), HashSet::new());
    assert_eq!(next_due(&mut store), None);
}

/// The queue (posts scheduled into slots), the calendar, and the weekly slots.
pub(super) fn queue_and_calendar(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { alice, carol, .. } = team(&mut store);

    // The queue: scheduled posts marked queued, by time.
    let q1 = scheduled(draft(&carol, &["Queued later"], 0), 500);
    let q2 = scheduled(draft(&carol, &["Queued sooner"], 1), 300);
    let exact = scheduled(draft(&carol, &["At an exact time"], 2), 400);
    let idle = draft(&carol, &["A draft"], 3);
    add_all(&mut store, &[&q1, &q2, &exact, &idle]);
    store
        .write(|tx| {
            for p in [&q1, &q2, &idle] {
                tx.publishing().set_queued(p.id, true)?;
            }
            Ok(())
        })
        .unwrap();
    let queue = |store: &mut Store| store.read(|tx| tx.publishing().queue()).unwrap();
    assert_eq!(queue(&mut store), vec![(q2.id, at(300)), (q1.id, at(500))]);
    store
        .write(|tx| tx.publishing().set_queued(q1.id, false))
        .unwrap();
    assert_eq!(queue(&mut store), vec![(q2.id, at(300))]);
    update(
        &mut store,
        &Post {
            status: Status::Publishing,
            ..q2.clone()
        },
    );
    assert_eq!(queue(&mut store), vec![]);

    // The calendar: by scheduled time, or by posting time once posted; dropped and rejected
    // posts are off it.
    let soon = scheduled(draft(&carol, &["Soon", "two parts"], 10), 1_000);
    let went_out = Post {
        status: Status::Posted,
        posted_at: Some(at(1_100)),
        post_url: Some("https://x.com/acme/status/9".into()),
        ..scheduled(draft(&alice, &["Went out late"], 11), 900)
    };
    let dropped = Post {
        status: Status::Dropped,
        ..scheduled(draft(&carol, &["Dropped"], 12), 1_200)
    };
    let rejected = Post {
        status: Status::Rejected,
        ..scheduled(draft(&carol, &["Rejected"], 13), 1_300)
    };
    let missed = Post {
        status: Status::Missed,
        ..scheduled(draft(&carol, &["Missed"], 14), 1_400)
    };
    let later = scheduled(draft(&carol, &["Next month"], 15), 9_000);
    add_all(
        &mut store,
        &[&soon, &went_out, &dropped, &rejected, &missed, &later],
    );
    let imported = ImportedPost {
        id: Uuid::now_v7(),
        author_id: alice.id,
        parts: vec!["Imported".into()],
        created_at: at(1_040),
        posted_at: at(1_050),
        post_url: None,
    };
    store
        .write(|tx| {
            tx.posts().import_posted(std::slice::from_ref(&imported))?;
            tx.publishing().set_queued(soon.id, true)
        })
        .unwrap();
    let calendar = |store: &mut Store, from: i64, to: i64| {
        store
            .read(|tx| tx.publishing().calendar(at(from), at(to)))
            .unwrap()
    };
    let items = calendar(&mut store, 1_000, 1_500);
    assert_eq!(
        ids(&items, |i: &CalendarItem| i.id),
        vec![soon.id, imported.id, went_out.id, missed.id]
    );
    assert_eq!(
        items[0],
        CalendarItem {
            id: soon.id,
            status: Status::Scheduled,
            author: "Carol".into(),
            text: "Soon".into(),
            parts: 2,
            at: at(1_000),
            zone: Some("Europe/Berlin".into()),
            queued: true,
            post_url: None,
        }
    );
    assert_eq!(
        items[1],
        CalendarItem {
            id: imported.id,
            status: Status::Posted,
            author: "Alice".into(),
            text: "Imported".into(),
            parts: 1,
            at: at(1_050),
            zone: None,
            queued: false,
            post_url: None,
        }
    );
    assert_eq!(
        (items[2].at, items[2].post_url.as_deref()),
        (at(1_100), Some("https://x.com/acme/status/9"))
    );
    assert_eq!(items[3].status, Status::Missed);
    // `[from, to)`: the start is in, the end is out.
    assert_eq!(
        ids(&calendar(&mut store, 1_001, 1_400), |i| i.id),
        vec![imported.id, went_out.id]
    );
    assert_eq!(calendar(&mut store, 2_000, 3_000), vec![]);

    // Weekly slots: Monday first, then by time of day (so Sunday's early slot is last); one
    // per weekday and time.
    let slot = |weekday: Weekday, hh: i8, mm: i8| QueueSlot {
        id: Uuid::now_v7(),
        weekday,
        time: Time::constant(hh, mm, 0, 0),
    };
    assert_eq!(store.read(|tx| tx.publishing().slots()).unwrap(), vec![]);
    let mon9 = slot(Weekday::Monday, 9, 0);
    let sun745 = slot(Weekday::Sunday, 7, 45);
    let mon830 = slot(Weekday::Monday, 8, 30);
    let wed1215 = slot(Weekday::Wednesday, 12, 15);
    for s in [&mon9, &sun745, &mon830, &wed1215] {
        assert!(
            store
                .write(|tx| tx.publishing().add_slot(s, at(0)))
                .unwrap()
        );
    }
    assert!(
        !store
            .write(|tx| tx
                .publishing()
                .add_slot(&slot(Weekday::Monday, 9, 0), at(1)))
            .unwrap()
    );
    assert_eq!(
        store.read(|tx| tx.publishing().slots()).unwrap(),
        vec![
            mon830.clone(),
            mon9.clone(),
            wed1215.clone(),
            sun745.clone()
        ]
    );
    assert!(
        store
            .write(|tx| tx.publishing().remove_slot(wed1215.id))
            .unwrap()
    );
    assert!(
        !store
            .write(|tx| tx.publishing().remove_slot(wed1215.id))
            .unwrap()
    );
    assert!(
        !store
            .write(|tx| tx.publishing().remove_slot(Uuid::now_v7()))
            .unwrap()
    );
    assert_eq!(
        store.read(|tx| tx.publishing().slots()).unwrap(),
        vec![mon830, mon9, sun745]
    );
}

// --- approvals, comments, reviews --------------------------------------------------------------

/// The approval in force, and voiding.
pub(super) fn approvals(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { alice, bob, carol } = team(&mut store);
    let post = scheduled(draft(&carol, &["Needs a countersignature"], 0), 3_600);
    let other = draft(&carol, &["Another"], 1);
    add_all(&mut store, &[&post, &other]);
    let current =
        |store: &mut Store, id: Uuid| store.read(|tx| tx.approvals().current(id)).unwrap();
    assert_eq!(current(&mut store, post.id), None);

    let first = approval(&post, &bob, 10);
    store.write(|tx| tx.approvals().insert(&first)).unwrap();
    assert_eq!(current(&mut store, post.id), Some(first.clone()));
    assert_eq!(current(&mut store, other.id), None);

    // The latest is in force; at the same instant, the one inserted last.
    // A v1 approval (no statement v2 fields) reads back as one.
    let unsigned = Approval {
        scheduled_at: None,
        key_fingerprint: None,
        signature: None,
        statement: None,
        edited: true,
        ..approval(&post, &alice, 20)
    };
    let tie = Approval {
        solo: solo_ok(&store),
        ..approval(&post, &bob, 20)
    };
    store.write(|tx| tx.approvals().insert(&unsigned)).unwrap();
    assert_eq!(current(&mut store, post.id), Some(unsigned));
    store.write(|tx| tx.approvals().insert(&tie)).unwrap();
    assert_eq!(current(&mut store, post.id), Some(tie));

    // Voiding voids every approval in force on that post only.
    let on_other = approval(&other, &alice, 25);
    store.write(|tx| tx.approvals().insert(&on_other)).unwrap();
    assert_eq!(
        store
            .write(|tx| tx.approvals().void(post.id, at(30), "the text changed"))
            .unwrap(),
        3
    );
    assert_eq!(current(&mut store, post.id), None);
    assert_eq!(current(&mut store, other.id), Some(on_other));
    assert_eq!(
        store
            .write(|tx| tx.approvals().void(post.id, at(31), "again"))
            .unwrap(),
        0
    );
    // A new approval after a void is in force.
    let renewed = approval(&post, &bob, 40);
    store.write(|tx| tx.approvals().insert(&renewed)).unwrap();
    assert_eq!(current(&mut store, post.id), Some(renewed));
}

/// Comments in order, and the version each reviewer last reviewed.
pub(super) fn comments_and_reviews(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { alice, bob, carol } = team(&mut store);
    let post = draft(&carol, &["Talk about it"], 0);
    let other = draft(&carol, &["Quiet"], 1);
    add_all(&mut store, &[&post, &other]);
    let comment = |author: &Member, on: &Post, text: &str, s: i64| Comment {
        id: Uuid::now_v7(),
        post_id: on.id,
        author: author.clone(),
        version: on.version,
        text: text.into(),
        at: at(s),
    };
    let c1 = comment(&bob, &post, "Shorter?", 10);
    let c2 = comment(&carol, &post, "Done", 20);
    let c3 = comment(&alice, &post, "Same second, said later", 20);
    let elsewhere = comment(&bob, &other, "Elsewhere", 5);
    store
        .write(|tx| {
            for c in [&c2, &c1, &elsewhere, &c3] {
                tx.comments().insert(c)?;
            }
            Ok(())
        })
        .unwrap();
    // Oldest first; at the same instant, in the order they were made.
    assert_eq!(
        store.read(|tx| tx.comments().for_post(post.id)).unwrap(),
        vec![c1, c2, c3]
    );
    assert_eq!(
        store.read(|tx| tx.comments().for_post(other.id)).unwrap(),
        vec![elsewhere]
    );
    assert_eq!(
        store
            .read(|tx| tx.comments().for_post(Uuid::now_v7()))
            .unwrap(),
        vec![]
    );

    let last =
        |store: &mut Store, p: Uuid, m: Uuid| store.read(|tx| tx.reviews().last(p, m)).unwrap();
    assert_eq!(last(&mut store, post.id, bob.id), None);
    store
        .write(|tx| tx.reviews().record(post.id, bob.id, 1, at(30)))
        .unwrap();
    assert_eq!(last(&mut store, post.id, bob.id), Some(1));
    store
        .write(|tx| tx.reviews().record(post.id, bob.id, 3, at(40)))
        .unwrap();
    assert_eq!(last(&mut store, post.id, bob.id), Some(3));
    assert_eq!(last(&mut store, post.id, alice.id), None);
    assert_eq!(last(&mut store, other.id, bob.id), None);
    store
        .write(|tx| tx.reviews().record(other.id, alice.id, 2, at(50)))
        .unwrap();
    assert_eq!(last(&mut store, other.id, alice.id), Some(2));
    assert_eq!(last(&mut store, post.id, bob.id), Some(3));
}

// --- audit and roster ----------------------------------------------------------------------------

/// The audit chain: appended in order, sealed and signed, read back whole or per post.
pub(super) fn audit(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { alice, bob, carol } = team(&mut store);
    let post = draft(&carol, &["Audited"], 0);
    let other = draft(&carol, &["Also audited"], 1);
    add_all(&mut store, &[&post, &other]);
    let (alice_key, bob_key) = (MemberKey::generate(), MemberKey::generate());
    assert_eq!(store.read(|tx| tx.audit().all()).unwrap(), vec![]);

    let added = |m: &Member, key: &MemberKey| json!({ "member_id": m.id.to_string(), "public_key": key.public_hex() });
    let e1 = store
        .write(|tx| {
            tx.audit().append(
                NewAuditEntry {
                    actor: None,
                    action: "member_added",
                    post_id: None,
                    version: None,
                    digest: None,
                    detail: added(&alice, &alice_key),
                    key: None,
                },
                at(0),
            )
        })
        .unwrap();
    assert_eq!(
        (e1.seq, &*e1.prev_hash, e1.actor_id, &*e1.actor_name),
        (1, GENESIS, None, "workspace")
    );
    assert_eq!(e1.hash, e1.expected_hash());
    assert_eq!((e1.public_key.clone(), e1.signature.clone()), (None, None));

    // Two entries in one transaction chain on each other.
    let (e2, e3) = store
        .write(|tx| {
            let e2 = tx.audit().append(
                NewAuditEntry {
                    actor: Some(&alice),
                    action: "post_approved",
                    post_id: Some(post.id),
                    version: Some(1),
                    digest: Some("d1"),
                    detail: json!({ "note": "fine" }),
                    key: Some(&alice_key),
                },
                at(10),
            )?;
            let e3 = tx.audit().append(
                NewAuditEntry {
                    actor: Some(&alice),
                    action: "member_added",
                    post_id: None,
                    version: None,
                    digest: None,
                    detail: added(&bob, &bob_key),
                    key: Some(&alice_key),
                },
                at(11),
            )?;
            Ok((e2, e3))
        })
        .unwrap();
    assert_eq!((e2.seq, &e2.prev_hash), (2, &e1.hash));
    assert_eq!(
        (
            e2.actor_id,
            &*e2.actor_name,
            e2.version,
            e2.digest.as_deref()
        ),
        (Some(alice.id), "Alice", Some(1), Some("d1"))
    );
    assert_eq!(e2.detail, r#"{"note":"fine"}"#);
    assert_eq!(e2.public_key, Some(alice_key.public_hex()));
    let signature = e2.signature.clone().expect("a signed entry");
    assert!(keys::verify(
        &alice_key.public_hex(),
        &audit::signed_bytes(&e2.hash),
        &signature
    ));
    assert_eq!((e3.seq, &e3.prev_hash), (3, &e2.hash));

    // An append in a write that fails leaves no gap: the next one takes its place.
    let err = store
        .write(|tx| {
            tx.audit().append(
                NewAuditEntry {
                    actor: None,
                    action: "post_published",
                    post_id: Some(other.id),
                    version: Some(1),
                    digest: None,
                    detail: json!({}),
                    key: None,
                },
                at(20),
            )?;
            Err::<(), _>(Error::Busy)
        })
        .unwrap_err();
    assert_eq!(err.code(), "busy");
    let e4 = store
        .write(|tx| {
            tx.audit().append(
                NewAuditEntry {
                    actor: None,
                    action: "post_published",
                    post_id: Some(other.id),
                    version: Some(1),
                    digest: None,
                    detail: json!({ "x_id": "19" }),
                    key: None,
                },
                at(21),
            )
        })
        .unwrap();
    let e5 = store
        .write(|tx| {
            tx.audit().append(
                NewAuditEntry {
                    actor: Some(&bob),
                    action: "comment_added",
                    post_id: Some(post.id),
                    version: Some(1),
                    digest: None,
                    detail: json!({ "text": "ok" }),
                    key: Some(&bob_key),
                },
                at(30),
            )
        })
        .unwrap();
    assert_eq!((e4.seq, &e4.prev_hash), (4, &e3.hash));
    assert_eq!((e5.seq, &e5.prev_hash), (5, &e4.hash));

    // Read back exactly as appended, and the whole chain verifies.
    let all = store.read(|tx| tx.audit().all()).unwrap();
    assert_eq!(all, vec![e1, e2.clone(), e3, e4.clone(), e5.clone()]);
    let report = audit::verify(all);
    assert!(report.ok, "{:?}", report.first_broken);
    assert_eq!(report.entries, 5);
    assert_eq!(
        store.read(|tx| tx.audit().for_post(post.id)).unwrap(),
        vec![e2, e5]
    );
    assert_eq!(
        store.read(|tx| tx.audit().for_post(other.id)).unwrap(),
        vec![e4]
    );
    assert_eq!(
        store
            .read(|tx| tx.audit().for_post(Uuid::now_v7()))
            .unwrap(),
        vec![]
    );
}

/// The signed roster: appended in order, its head, read back so it still checks.
pub(super) fn roster(fresh: Fresh<'_>) {
    let mut store = fresh();
    let Team { alice, bob, .. } = team(&mut store);
    let workspace_id = store.read(|tx| tx.workspace().id()).unwrap();
    let (alice_key, bob_key) = (MemberKey::generate(), MemberKey::generate());
    assert_eq!(store.read(|tx| tx.roster().last()).unwrap(), None);
    assert_eq!(store.read(|tx| tx.roster().all()).unwrap(), vec![]);

    let entry = |seq: i64, prev: &str, m: &Member, key: &MemberKey, active: bool| RosterEntry {
        seq,
        member_id: m.id,
        name: m.name.clone(),
        role: m.role,
        public_key: key.public_hex(),
        active,
        at: at(seq),
        solo: None,
        signer_id: None,
        signature: None,
        prev_hash: prev.into(),
        hash: String::new(),
    };
    let mut genesis = entry(1, GENESIS, &alice, &alice_key, true);
    genesis.seal(&workspace_id, Some((alice.id, &alice_key)));
    store.write(|tx| tx.roster().insert(&genesis)).unwrap();
    assert_eq!(
        store.read(|tx| tx.roster().last()).unwrap(),
        Some((1, genesis.hash.clone()))
    );
    // An entry that sets solo mode keeps it.
    let mut signed = RosterEntry {
        solo: Some(solo_ok(&store)),
        ..entry(2, &genesis.hash, &bob, &bob_key, true)
    };
    signed.seal(&workspace_id, Some((alice.id, &alice_key)));
    let mut unsigned = entry(3, &signed.hash, &bob, &bob_key, false);
    unsigned.seal(&workspace_id, None);
    store
        .write(|tx| {
            tx.roster().insert(&signed)?;
            tx.roster().insert(&unsigned)
        })
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.roster().last()).unwrap(),
        Some((3, unsigned.hash.clone()))
    );

    // A sequence number is taken once.
    let mut fork = entry(2, &genesis.hash, &bob, &alice_key, true);
    fork.seal(&workspace_id, Some((alice.id, &alice_key)));
    assert!(store.write(|tx| tx.roster().insert(&fork)).is_err());

    let all = store.read(|tx| tx.roster().all()).unwrap();
    assert_eq!(all, vec![genesis, signed, unsigned]);
    let checked = Roster::check(&workspace_id, all);
    assert_eq!(
        checked
            .entries()
            .iter()
            .map(|(_, s)| s.clone())
            .collect::<Vec<_>>(),
        vec![Standing::Genesis, Standing::Signed, Standing::Unsigned]
    );
    assert!(checked.has_admin());
}

// --- media ---------------------------------------------------------------------------------------

/// Media files by hash: recorded once, the first record kept.
pub(super) fn media_files(fresh: Fresh<'_>) {
    let mut store = fresh();
    let image = media('1', MediaKind::Image, 5_242_880);
    let gif = media('2', MediaKind::Gif, 15_728_640);
    let video = media('3', MediaKind::Video, 536_870_912);
    assert_eq!(store.read(|tx| tx.media().get(&image.hash)).unwrap(), None);
    store
        .write(|tx| {
            for m in [&image, &gif, &video] {
                tx.media().record(m, at(0))?;
            }
            Ok(())
        })
        .unwrap();
    for m in [&image, &gif, &video] {
        assert_eq!(
            store.read(|tx| tx.media().get(&m.hash)).unwrap(),
            Some(m.clone())
        );
    }
    assert_eq!(
        store.read(|tx| tx.media().all()).unwrap(),
        vec![image.clone(), gif.clone(), video.clone()]
    );
    // The same bytes attached again under another name are the same file.
    let again = Media {
        original_name: "copy of box.png".into(),
        ..image.clone()
    };
    store.write(|tx| tx.media().record(&again, at(1))).unwrap();
    assert_eq!(store.read(|tx| tx.media().all()).unwrap().len(), 3);
    assert_eq!(
        store.read(|tx| tx.media().get(&image.hash)).unwrap(),
        Some(image)
    );
    assert_eq!(
        store.read(|tx| tx.media().get(&"0".repeat(64))).unwrap(),
        None
    );
}

// --- inbox ---------------------------------------------------------------------------------------

/// Conversations, their messages (searchable), answers and the inbox's cursor.
pub(super) fn inbox(fresh: Fresh<'_>) {
    use crate::conversation::{
        Conversation, ConversationKind, ConversationState, InboxQuery, Message, Person,
    };
    let mut store = fresh();
    let Team { alice, bob, carol } = team(&mut store);

    // Until its first change the cursor reads as the defaults.
    let start = store.read(|tx| tx.inbox().cursor()).unwrap();
    assert_eq!(start.poll_minutes, 2);
    assert_eq!((start.mentions_since.clone(), start.reads), (None, 0));
    let moved = super::InboxCursor {
        mentions_since: Some("1850000000000000009".into()),
        dms_after: Some("1850000000000000007".into()),
        reads_month: "2030-01".into(),
        reads: 3,
        polled_at: Some(at(5)),
        ..start
    };
    store.write(|tx| tx.inbox().save_cursor(&moved)).unwrap();
    let again = super::InboxCursor {
        reads: 5,
        ..moved.clone()
    };
    store.write(|tx| tx.inbox().save_cursor(&again)).unwrap();
    assert_eq!(store.read(|tx| tx.inbox().cursor()).unwrap(), again);

    let maya = Person {
        id: "100000000000000007".into(),
        handle: "maya_runs".into(),
        name: "Maya Okafor".into(),
    };
    let tom = Person {
        id: "100000000000000008".into(),
        handle: "tom_bakes".into(),
        name: "Tom Lindqvist".into(),
    };
    let mention = Conversation {
        id: "m:1850000000000000001:100000000000000007".into(),
        kind: ConversationKind::Mention,
        person: maya.clone(),
        state: ConversationState::New,
        assignee_id: None,
        note: None,
        waiting_since: Some(at(10)),
        last_at: at(10),
        updated_at: at(11),
    };
    let dm = Conversation {
        id: "d:100000000000000008-1849375610274349057".into(),
        kind: ConversationKind::Dm,
        person: tom.clone(),
        last_at: at(20),
        waiting_since: Some(at(20)),
        ..mention.clone()
    };
    let said = |c: &Conversation, x_id: &str, text: &str, s: i64| Message {
        x_id: x_id.into(),
        conversation_id: c.id.clone(),
        author_id: c.person.id.clone(),
        text: text.into(),
        at: at(s),
        reply_to_x_id: None,
    };
    let first = Message {
        reply_to_x_id: Some("1850000000000000000".into()),
        ..said(
            &mention,
            "1850000000000000001",
            "@brand is the spring range vegan?",
            10,
        )
    };
    let second = said(&mention, "1850000000000000003", "@brand hello??", 15);
    let third = said(
        &dm,
        "1850000000000000002",
        "Charged twice for order 4471",
        20,
    );
    store
        .write(|tx| {
            tx.inbox().save(&mention)?;
            tx.inbox().save(&dm)?;
            for m in [&first, &second, &third] {
                tx.inbox().add_message(m)?;
            }
            Ok(())
        })
        .unwrap();
    assert!(
        store
            .read(|tx| tx.inbox().has_message(&first.x_id))
            .unwrap()
    );
    assert!(!store.read(|tx| tx.inbox().has_message("1")).unwrap());
    // A message is kept once: the same id again is refused.
    assert!(store.write(|tx| tx.inbox().add_message(&first)).is_err());
    assert_eq!(
        store.read(|tx| tx.inbox().messages(&mention.id)).unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(
        store.read(|tx| tx.inbox().get(&dm.id)).unwrap(),
        Some(dm.clone())
    );
    assert_eq!(store.read(|tx| tx.inbox().get("d:nope")).unwrap(), None);

    // Taken by Carol: the same row, changed.
    let taken = Conversation {
        state: ConversationState::Assigned,
        assignee_id: Some(carol.id),
        updated_at: at(30),
        ..mention.clone()
    };
    store.write(|tx| tx.inbox().save(&taken)).unwrap();
    assert_eq!(
        store.read(|tx| tx.inbox().get(&taken.id)).unwrap(),
        Some(taken.clone())
    );

    let mut list = |q: InboxQuery| {
        store
            .read(|tx| tx.inbox().list(&q))
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    // Latest message first.
    assert_eq!(
        list(InboxQuery::default()),
        vec![dm.id.clone(), taken.id.clone()]
    );
    assert_eq!(
        list(InboxQuery {
            state: Some(ConversationState::New),
            ..InboxQuery::default()
        }),
        vec![dm.id.clone()]
    );
    assert_eq!(
        list(InboxQuery {
            assignee: Some(carol.id),
            ..InboxQuery::default()
        }),
        vec![taken.id.clone()]
    );
    assert_eq!(
        list(InboxQuery {
            kind: Some(ConversationKind::Dm),
            open: true,
            ..InboxQuery::default()
        }),
        vec![dm.id.clone()]
    );
    // Words of a message, or the person's handle or name.
    for (words, want) in [
        ("vegan", vec![taken.id.clone()]),
        ("order twice", vec![dm.id.clone()]),
        ("maya_runs", vec![taken.id.clone()]),
        ("Lindqvist", vec![dm.id.clone()]),
        ("nothing-like-it", vec![]),
    ] {
        assert_eq!(
            list(InboxQuery {
                search: Some(words.into()),
                ..InboxQuery::default()
            }),
            want,
            "{words}"
        );
    }
    assert_eq!(
        list(InboxQuery {
            limit: 1,
            ..InboxQuery::default()
        }),
        vec![dm.id.clone()]
    );

    for (state, n) in [
        (ConversationState::New, 1),
        (ConversationState::Assigned, 1),
        (ConversationState::Closed, 0),
    ] {
        assert_eq!(
            store.read(|tx| tx.inbox().count(state)).unwrap(),
            n,
            "{state:?}"
        );
    }

    // Carol's answer: a post of hers that answers the conversation.
    let post = draft(&carol, &["Yes, fully vegan!"], 40);
    store.write(|tx| add(tx, &post)).unwrap();
    store
        .write(|tx| tx.inbox().add_answer(post.id, &taken.id))
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.inbox().answer_of(post.id)).unwrap(),
        Some(taken.id.clone())
    );
    assert_eq!(
        store
            .read(|tx| tx.inbox().answer_of(Uuid::now_v7()))
            .unwrap(),
        None
    );
    assert_eq!(
        store.read(|tx| tx.inbox().answers(&taken.id)).unwrap(),
        vec![post.id]
    );
    assert!(
        store
            .read(|tx| tx.inbox().waits_since(at(0)))
            .unwrap()
            .is_empty()
    );
    store
        .write(|tx| tx.inbox().mark_answered(post.id, Some(90_000), at(100)))
        .unwrap();
    assert_eq!(
        store.read(|tx| tx.inbox().waits_since(at(50))).unwrap(),
        vec![90_000]
    );
    assert!(
        store
            .read(|tx| tx.inbox().waits_since(at(101)))
            .unwrap()
            .is_empty()
    );
    let _ = (alice, bob);
}

// --- SQLite --------------------------------------------------------------------------------------

mod sqlite {
    use std::cell::Cell;

    use super::Fresh;
    use crate::store::Store;

    /// Runs `area` with fresh SQLite stores, each a new file in one temporary directory.
    fn conform(area: fn(Fresh<'_>)) {
        let dir = tempfile::tempdir().unwrap();
        let made = Cell::new(0);
        area(&|| {
            made.set(made.get() + 1);
            Store::create(&dir.path().join(format!("store-{}.sqlite", made.get()))).unwrap()
        });
        assert!(made.get() > 0, "the area made no store");
    }

    #[test]
    fn sqlite_transactions_conform() {
        conform(super::transactions);
    }

    #[test]
    fn sqlite_workspace_conforms() {
        conform(super::workspace);
    }

    #[test]
    fn sqlite_members_conform() {
        conform(super::members);
    }

    #[test]
    fn sqlite_posts_conform() {
        conform(super::posts);
    }

    #[test]
    fn sqlite_history_conforms() {
        conform(super::history);
    }

    #[test]
    fn sqlite_publishing_conforms() {
        conform(super::publishing);
    }

    #[test]
    fn sqlite_queue_and_calendar_conform() {
        conform(super::queue_and_calendar);
    }

    #[test]
    fn sqlite_approvals_conform() {
        conform(super::approvals);
    }

    #[test]
    fn sqlite_comments_and_reviews_conform() {
        conform(super::comments_and_reviews);
    }

    #[test]
    fn sqlite_audit_conforms() {
        conform(super::audit);
    }

    #[test]
    fn sqlite_roster_conforms() {
        conform(super::roster);
    }

    #[test]
    fn sqlite_media_files_conform() {
        conform(super::media_files);
    }

    #[test]
    fn sqlite_inbox_conforms() {
        conform(super::inbox);
    }

    #[test]
    fn the_store_is_at_the_file_it_was_made_at() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite");
        assert_eq!(Store::create(&path).unwrap().path(), path);
        assert_eq!(Store::open(&path).unwrap().path(), path);
    }
}

// --- PostgreSQL, through team mode -------------------------------------------------------------

#[path = "../../tests/pg/harness.rs"]
mod pg_harness;

mod team_mode {
    //! The areas again with each write run on a PostgreSQL server (its schema, its checks and
    //! triggers) and read back from the laptop's replica; afterwards a second laptop that pulls
    //! everything holds exactly what the first one does, table by table. The stores log in as
    //! the cluster's superuser, to whom row-level security does not apply: the suite writes
    //! fixtures no single member could (other members' approvals, say); what members may not do
    //! is `team_rls.rs`'s to show.
    //!
    //! Four areas (posts, history, publishing, and queue and calendar) move a post from any
    //! state to any other in one write (a draft straight to posted, approved without an
    //! approval) and claim it for nobody: exactly what a team server's status guard refuses
    //! (legal transitions only, `approved` only with an approval of that version, a claim only
    //! by a reviewer as themselves). They run with that one trigger switched off in their
    //! databases, so what they compare is the handles' SQL and the replication; the guard
    //! itself is `tests/team_rls.rs`'s and `tests/team_flow.rs`'s to show, and the CLI's
    //! `team_publish.rs` publishes through it.

    use std::cell::RefCell;
    use std::sync::Arc;

    use super::Fresh;
    use super::pg_harness;
    use crate::clock::{ServerClock, SystemClock};
    use crate::store::pg::server::PgServer;
    use crate::store::team::TABLES;
    use crate::store::{ServerLogin, Store, Tls};

    fn conform(area: fn(Fresh<'_>)) {
        run(area, false);
    }

    /// [`conform`] with the server's status guard off (see the module's doc).
    fn conform_unguarded(area: fn(Fresh<'_>)) {
        run(area, true);
    }

    fn run(area: fn(Fresh<'_>), unguarded: bool) {
        let dir = tempfile::tempdir().unwrap();
        let made: RefCell<Vec<(pg_harness::TestDb, ServerLogin, std::path::PathBuf)>> =
            RefCell::default();
        area(&|| {
            let db = pg_harness::database();
            let (user, password) = db.superuser_login();
            let login = ServerLogin {
                host: "127.0.0.1".into(),
                port: pg_harness::cluster().port(),
                database: db.name.clone(),
                user,
                password: crate::secrets::SecretString::new(password),
                tls: Tls::Loopback,
            };
            PgServer::connect_only(&login)
                .and_then(|mut s| s.migrate(&db.tag))
                .unwrap();
            // `team init` gives the server the roster's genesis as it uploads the workspace
            // row; the areas make that row themselves, so the server supplies one.
            let mut setup =
                "ALTER TABLE cs.workspace ALTER COLUMN genesis_hash SET DEFAULT '';".to_string();
            if unguarded {
                setup.push_str("ALTER TABLE cs.posts DISABLE TRIGGER posts_guard;");
            }
            db.superuser().batch_execute(&setup).unwrap();
            let path = dir
                .path()
                .join(format!("replica-{}.sqlite", made.borrow().len()));
            drop(Store::create(&path).unwrap());
            let store = Store::open_team(
                &path,
                login.clone(),
                Arc::new(ServerClock::new(Arc::new(SystemClock))),
            )
            .unwrap();
            made.borrow_mut().push((db, login, path));
            store
        });
        let made = made.into_inner();
        assert!(!made.is_empty(), "the area made no store");
        // A second laptop that joins now pulls everything the server holds: its file must say
        // what the first one's says, table by table.
        for (i, (_db, login, path)) in made.iter().enumerate() {
            let other = dir.path().join(format!("check-{i}.sqlite"));
            drop(Store::create(&other).unwrap());
            drop(
                Store::open_team(
                    &other,
                    login.clone(),
                    Arc::new(ServerClock::new(Arc::new(SystemClock))),
                )
                .unwrap(),
            );
            for ((table, here), (_, there)) in
                shared_rows(path).into_iter().zip(shared_rows(&other))
            {
                assert_eq!(
                    here,
                    there,
                    "{table}: the server holds what {} holds",
                    path.display()
                );
            }
        }
    }

    /// Every shared row of the file, as JSON text, table by table in key order (the columns
    /// that are this laptop's own left out).
    fn shared_rows(path: &std::path::Path) -> Vec<(String, Vec<String>)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        TABLES
            .iter()
            .map(|t| {
                let mut stmt = conn
                    .prepare(&format!("SELECT name FROM pragma_table_info('{}')", t.name))
                    .unwrap();
                let cols: Vec<String> = stmt
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(|c| c.unwrap())
                    .filter(|c: &String| t.pulled(c))
                    .collect();
                let pairs: Vec<String> = cols.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
                let sql = format!(
                    "SELECT json_object({}) FROM {} ORDER BY {}",
                    pairs.join(", "),
                    t.name,
                    t.key.join(", ")
                );
                let mut stmt = conn.prepare(&sql).unwrap();
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(|r| r.unwrap())
                    .collect();
                (t.name.to_string(), rows)
            })
            .collect()
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_transactions_conform() {
        conform(super::transactions);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_workspace_conform() {
        conform(super::workspace);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_members_conform() {
        conform(super::members);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_approvals_conform() {
        conform(super::approvals);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_comments_and_reviews_conform() {
        conform(super::comments_and_reviews);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_audit_conform() {
        conform(super::audit);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_roster_conform() {
        conform(super::roster);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_media_files_conform() {
        conform(super::media_files);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_inbox_conforms() {
        conform(super::inbox);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_posts_conform() {
        conform_unguarded(super::posts);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_history_conform() {
        conform_unguarded(super::history);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_publishing_conform() {
        conform_unguarded(super::publishing);
    }

    #[test]
    #[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
    fn team_queue_and_calendar_conform() {
        conform_unguarded(super::queue_and_calendar);
    }
}
