//! Publishing, branch by branch: a real SQLite file, the real OS keychain, and x-sandbox over
//! HTTP with its fault injection. Time is a [`ManualClock`] that the tests move; the sandbox's
//! clock is moved with it, so both sides agree on "now".
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{PASS, member, tiny_png};
use countersign_core::events::Event;
use countersign_core::publish::{PassReport, PublishOptions};
use countersign_core::publisher::Publisher;
use countersign_core::secrets::{MemorySecrets, SecretStore, SecretString};
use countersign_core::x_account::Target;
use countersign_core::{
    App, Decision, DraftInput, InitOptions, ManualClock, PartInput, Role, Status, When,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;
use x_sandbox::{Sandbox, SandboxConfig, SandboxPost};

const ZONE: &str = "Europe/Berlin";

struct World {
    dir: tempfile::TempDir,
    app: Arc<App>,
    clock: Arc<ManualClock>,
    sandbox: Option<Sandbox>,
    port: u16,
    base: String,
    opts: PublishOptions,
    secrets: MemorySecrets,
}

/// A workspace on a fresh sandbox: Ada (admin), Ann (contributor), Bob (approver), connected.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        state_dir: Some(dir.path().join("sandbox")),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    // Whole minutes, so wall times given to `schedule` are exact.
    let real = Timestamp::now();
    let start = Timestamp::from_second(real.as_second() - real.as_second() % 60 + 60).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let (parts, secrets) = common::parts(clock.clone());
    let app = App::init(
        dir.path(),
        InitOptions {
            handle: "sandbox_brand".into(),
            timezone: Some(ZONE.into()),
            ..Default::default()
        },
        parts.clone(),
    )
    .unwrap();
    app.add_member(None, member("Ada", Role::Admin)).unwrap();
    app.unlock("Ada", &SecretString::new(PASS)).unwrap();
    app.add_member(Some("Ada"), member("Ann", Role::Contributor))
        .unwrap();
    app.add_member(Some("Ada"), member("Bob", Role::Approver))
        .unwrap();
    app.unlock("Bob", &SecretString::new(PASS)).unwrap();
    app.connect(Some("Ada"), Target::Sandbox(base.clone()), |_| Ok(()))
        .await
        .unwrap();
    let w = World {
        dir,
        app: Arc::new(app),
        clock,
        sandbox: Some(sandbox),
        port,
        base,
        opts: PublishOptions {
            reconcile_grace: Duration::from_secs(60),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(30),
            ..PublishOptions::default()
        },
        secrets,
    };
    w.sync_sandbox_clock().await;
    w
}

impl World {
    fn sandbox(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }

    fn posts(&self) -> Vec<SandboxPost> {
        self.sandbox().posts()
    }

    async fn admin(&self, path: &str, body: Value) -> Value {
        let r = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!("{}/_sandbox/{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "admin {path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn fault(&self, kind: &str, count: u32, skip: u32) {
        self.admin(
            "faults",
            json!({"kind": kind, "count": count, "path": "/2/tweets", "method": "POST", "skip": skip}),
        )
        .await;
    }

    /// The sandbox's clock reads what the manual clock reads.
    async fn sync_sandbox_clock(&self) {
        let offset = self.clock_now().duration_since(Timestamp::now());
        self.admin("clock", json!({"offset_secs": offset.as_secs_f64()}))
            .await;
    }

    fn clock_now(&self) -> Timestamp {
        self.app.now()
    }

    async fn advance(&self, d: SignedDuration) {
        self.clock.advance(d);
        self.sync_sandbox_clock().await;
    }

    /// Ann writes `parts`, Bob approves and schedules it `mins` minutes from now.
    fn scheduled(&self, parts: &[&str], mins: i64) -> Uuid {
        let id = self.approved(parts);
        let at = self.clock_now() + SignedDuration::from_mins(mins);
        self.app.schedule(id, "Bob", at_wall(at)).unwrap();
        id
    }

    fn approved(&self, parts: &[&str]) -> Uuid {
        let post = self
            .app
            .create_draft(
                "Ann",
                DraftInput {
                    parts: parts
                        .iter()
                        .map(|t| PartInput {
                            text: t.to_string(),
                            media: vec![],
                        })
                        .collect(),
                    ..DraftInput::default()
                },
            )
            .unwrap();
        self.app.submit(post.id, "Ann").unwrap();
        self.app.approve(post.id, "Bob", None).unwrap();
        post.id
    }

    async fn publish(&self) -> PassReport {
        self.app.publish_due(&self.opts).await.unwrap()
    }

    fn status(&self, id: Uuid) -> Status {
        self.app.post(id).unwrap().post.status
    }

    fn reason(&self, id: Uuid) -> String {
        self.app
            .post(id)
            .unwrap()
            .post
            .status_reason
            .unwrap_or_default()
    }
}

/// `at` as a wall time in the brand's zone.
fn at_wall(at: Timestamp) -> When {
    When {
        wall: countersign_core::schedule::wall_time(at, ZONE),
        zone: None,
        fold: None,
    }
}

/// The texts on the sandbox, oldest first, and that each later one replies to the one before.
fn thread_texts(posts: &[SandboxPost]) -> Vec<String> {
    for pair in posts.windows(2) {
        assert_eq!(
            pair[1].reply_to.as_deref(),
            Some(pair[0].id.as_str()),
            "each part replies to the one before"
        );
    }
    posts.iter().map(|p| p.text.clone()).collect()
}

#[tokio::test]
async fn due_posts_and_threads_go_out_once_at_their_time() {
    let w = world().await;
    let events = w.app.subscribe();
    let single = w.scheduled(&["Our spring menu is here."], 5);
    let thread = w.scheduled(&["A thread: 1/3", "The middle: 2/3", "The end: 3/3"], 5);

    // Not before its time.
    let r = w.publish().await;
    assert!(r.posted.is_empty(), "{r:?}");
    assert!(w.posts().is_empty());
    assert_eq!(
        w.app.next_due().unwrap(),
        Some(w.clock_now() + SignedDuration::from_mins(5))
    );

    w.advance(SignedDuration::from_mins(5)).await;
    let r = w.publish().await;
    assert_eq!(r.posted, vec![single, thread], "{r:?}");
    let posts = w.posts();
    assert_eq!(posts.len(), 4);
    assert_eq!(posts[0].text, "Our spring menu is here.");
    assert_eq!(
        thread_texts(&posts[1..]),
        ["A thread: 1/3", "The middle: 2/3", "The end: 3/3"]
    );
    let view = w.app.post(thread).unwrap().post;
    assert_eq!(view.status, Status::Posted);
    let url = view.post_url.unwrap();
    assert_eq!(url, format!("{}/_sandbox/timeline#{}", w.base, posts[1].id));
    let posted: Vec<Event> = events.try_iter().collect();
    assert!(
        posted.contains(&Event::Posted {
            post_id: thread,
            url: url.clone()
        }),
        "{posted:?}"
    );

    // A second pass (or a second process) finds nothing left to do.
    w.advance(SignedDuration::from_mins(1)).await;
    let r = w.publish().await;
    assert!(r.posted.is_empty() && r.waiting.is_empty(), "{r:?}");
    assert_eq!(w.posts().len(), 4);
    // History shows it with its approver.
    let h = w.app.history(None, 10).unwrap();
    assert_eq!(h[0].approver.as_deref(), Some("Bob"));
    assert!(w.app.audit_verify().unwrap().ok);
}

#[tokio::test]
async fn unscheduled_dropped_or_edited_posts_never_publish() {
    let w = world().await;
    let unscheduled = w.scheduled(&["Unscheduled"], 2);
    let dropped = w.scheduled(&["Dropped"], 2);
    let edited = w.scheduled(&["Edited"], 2);
    let p = w.app.unschedule(unscheduled, "Bob").unwrap();
    assert_eq!(
        p.status,
        Status::Approved,
        "Bob may countersign: it stays approved"
    );
    assert!(p.scheduled.is_none());
    w.app.drop_post(dropped, "Bob", "wrong week").unwrap();
    w.app
        .edit(
            edited,
            "Ann",
            countersign_core::Edit::Text {
                part: 1,
                text: "Edited after approval".into(),
            },
        )
        .unwrap();
    w.advance(SignedDuration::from_mins(3)).await;
    let r = w.publish().await;
    assert!(r.posted.is_empty(), "{r:?}");
    assert!(w.posts().is_empty());
    assert_eq!(w.status(dropped), Status::Dropped);
    assert_eq!(w.status(edited), Status::InReview);
}

/// The columns a database admin could edit after a post was countersigned: who wrote it (with
/// the proof stripped), and the roster's tail. The publisher refuses both before anything is
/// sent: the sandbox, standing in for X, receives nothing.
#[tokio::test]
async fn tampered_authorship_or_a_cut_roster_reaches_x_with_nothing() {
    let w = world().await;
    let flipped = w.scheduled(&["Ann's words, claimed for Bob"], 2);
    let cut = w.scheduled(&["Countersigned before the roster was cut"], 3);
    let db = rusqlite::Connection::open(w.dir.path().join("countersign.sqlite")).unwrap();
    let bob = w.app.member("Bob").unwrap().id.to_string();
    db.execute(
        "UPDATE posts SET author_id = ?1 WHERE id = ?2",
        [&bob, &flipped.to_string()],
    )
    .unwrap();
    db.execute(
        "UPDATE post_versions SET editor_id = ?1, editor_signature = NULL WHERE post_id = ?2",
        [&bob, &flipped.to_string()],
    )
    .unwrap();
    w.advance(SignedDuration::from_mins(2)).await;
    let r = w.publish().await;
    assert_eq!(r.needs_check, vec![flipped], "{r:?}");
    assert!(
        w.reason(flipped)
            .contains("its first version carries no signature of the member who wrote it"),
        "{}",
        w.reason(flipped)
    );

    // Ada deactivates Ann; the entry is then cut off the roster and Ann is active again.
    w.app.deactivate_member("Ada", "Ann").unwrap();
    db.execute_batch(
        "DROP TRIGGER roster_no_delete;
         DELETE FROM roster WHERE seq = (SELECT max(seq) FROM roster);
         UPDATE members SET active = 1, deactivated_at = NULL WHERE name = 'Ann';",
    )
    .unwrap();
    w.advance(SignedDuration::from_mins(1)).await;
    let r = w.publish().await;
    assert_eq!(r.needs_check, vec![cut], "{r:?}");
    assert!(
        w.reason(cut).contains("the signed roster was cut short"),
        "{}",
        w.reason(cut)
    );
    assert!(w.posts().is_empty(), "X received {:?}", w.posts());
}

#[tokio::test]
async fn a_tampered_post_or_media_file_publishes_nothing() {
    let w = world().await;
    let tampered = w.scheduled(&["Approved words"], 2);
    // Someone with the file changes the approved text behind the app's back.
    let db = rusqlite::Connection::open(w.dir.path().join("countersign.sqlite")).unwrap();
    db.execute(
        "UPDATE parts SET text = 'Words nobody approved' WHERE post_id = ?1",
        [tampered.to_string()],
    )
    .unwrap();

    // An image whose file is swapped after approval.
    let img = w.dir.path().join("pic.png");
    std::fs::write(&img, tiny_png()).unwrap();
    let post = w
        .app
        .create_draft(
            "Ann",
            DraftInput {
                parts: vec![PartInput {
                    text: "With a picture".into(),
                    media: vec![countersign_core::MediaInput::File {
                        path: img,
                        alt_text: "A red dot".into(),
                    }],
                }],
                ..DraftInput::default()
            },
        )
        .unwrap();
    w.app.submit(post.id, "Ann").unwrap();
    w.app.approve(post.id, "Bob", None).unwrap();
    let at = w.clock_now() + SignedDuration::from_mins(2);
    w.app.schedule(post.id, "Bob", at_wall(at)).unwrap();
    let hash = &w.app.post(post.id).unwrap().post.content.parts[0].media[0]
        .media
        .hash;
    let stored = std::fs::read_dir(w.app.media_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(hash.as_str())
        })
        .unwrap();
    let mut bytes = std::fs::read(&stored).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&stored, bytes).unwrap();

    w.advance(SignedDuration::from_mins(2)).await;
    let r = w.publish().await;
    assert_eq!(r.needs_check.len(), 2, "{r:?}");
    assert!(w.posts().is_empty(), "nothing reached X");
    assert_eq!(w.status(tampered), Status::NeedsCheck);
    assert!(
        w.reason(tampered)
            .contains("differs from what was approved"),
        "{}",
        w.reason(tampered)
    );
    assert_eq!(w.status(post.id), Status::NeedsCheck);
    assert!(
        w.reason(post.id).contains("changed since it was approved"),
        "{}",
        w.reason(post.id)
    );
}

#[tokio::test]
async fn an_answer_lost_after_x_accepted_is_reconciled_not_resent() {
    let w = world().await;
    // Part 2 of 3 is accepted by X, then the connection drops before the answer.
    let id = w.scheduled(&["Lost 1/3", "Lost 2/3", "Lost 3/3"], 1);
    w.fault("accept_then_drop", 1, 1).await;
    w.advance(SignedDuration::from_mins(1)).await;
    let r = w.publish().await;
    assert_eq!(
        r.posted,
        vec![id],
        "found on the timeline, then continued: {r:?}"
    );
    assert_eq!(
        thread_texts(&w.posts()),
        ["Lost 1/3", "Lost 2/3", "Lost 3/3"]
    );
}

#[tokio::test]
async fn a_crash_while_publishing_is_reconciled_on_restart() {
    let w = world().await;
    let id = w.scheduled(&["Crash 1/2", "Crash 2/2"], 1);
    w.advance(SignedDuration::from_mins(1)).await;
    // The first part went out, then the process died with the second part's request sent:
    // that is what the rows say after a kill at that moment.
    w.fault("accept_then_hang", 1, 1).await;
    let app = w.app.clone();
    let opts = w.opts.clone();
    let run = tokio::spawn(async move { app.publish_due(&opts).await });
    for _ in 0..100 {
        if w.posts().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    run.abort();
    assert_eq!(w.posts().len(), 2, "both parts reached X");
    assert_eq!(w.status(id), Status::Publishing);

    // "Restart": a new pass finds the part in flight and looks before sending anything.
    w.advance(SignedDuration::from_secs(1)).await;
    let r = w.publish().await;
    assert_eq!(r.posted, vec![id], "{r:?}");
    assert_eq!(thread_texts(&w.posts()), ["Crash 1/2", "Crash 2/2"]);
}

#[tokio::test]
async fn an_unconfirmed_request_becomes_needs_check_after_the_grace() {
    let w = world().await;
    let events = w.app.subscribe();
    let id = w.scheduled(&["Never arrived"], 1);
    w.advance(SignedDuration::from_mins(1)).await;
    // The request was marked in flight and then the process died before sending it: X never
    // saw it, and only the timeline can say so.
    let db = rusqlite::Connection::open(w.dir.path().join("countersign.sqlite")).unwrap();
    let now_ms = w.clock_now().as_millisecond();
    db.execute(
        "UPDATE posts SET status = 'publishing', claimed_at = ?2, in_flight_at = ?2 WHERE id = ?1",
        rusqlite::params![id.to_string(), now_ms],
    )
    .unwrap();
    let r = w.publish().await;
    assert_eq!(r.waiting, vec![id], "inside the grace it waits: {r:?}");
    assert!(w.posts().is_empty());
    // Meanwhile nobody may take it off the road, and the screens are told so by core.
    let may = w.app.post_view(id, Some("Bob")).unwrap().may.unwrap();
    assert_eq!(may.unschedule.code.as_deref(), Some("in_flight"));
    assert_eq!(may.drop.code.as_deref(), Some("in_flight"));
    let refusal = w.app.unschedule(id, "Bob").unwrap_err();
    assert_eq!(may.unschedule.reason, Some(refusal.to_string()));
    w.advance(SignedDuration::from_secs(61)).await;
    let r = w.publish().await;
    assert_eq!(r.needs_check, vec![id], "{r:?}");
    assert!(w.posts().is_empty(), "never resent blindly");
    assert!(w.reason(id).contains("not on the account's timeline"));
    assert!(
        events
            .try_iter()
            .any(|e| matches!(e, Event::NeedsCheck { post_id, .. } if post_id == id))
    );

    // A person decides: publish again. It goes out once.
    w.app.decide(id, "Bob", Decision::PublishNow).unwrap();
    let r = w.publish().await;
    assert_eq!(r.posted, vec![id], "{r:?}");
    assert_eq!(w.posts().len(), 1);
}

#[tokio::test]
async fn server_errors_back_off_then_post_once_or_fail_after_the_limit() {
    let w = world().await;
    let events = w.app.subscribe();
    let id = w.scheduled(&["Through the outage"], 1);
    w.fault("status_503", 2, 0).await;
    w.advance(SignedDuration::from_mins(1)).await;
    assert_eq!(w.publish().await.waiting, vec![id]);
    // Not before the backoff is over.
    assert!(w.publish().await.waiting.is_empty());
    w.advance(SignedDuration::from_secs(2)).await;
    assert_eq!(w.publish().await.waiting, vec![id]);
    w.advance(SignedDuration::from_secs(5)).await;
    assert_eq!(w.publish().await.posted, vec![id]);
    assert_eq!(w.posts().len(), 1);

    let doomed = w.scheduled(&["Never through"], 1);
    w.fault("status_500", 50, 0).await;
    w.advance(SignedDuration::from_mins(1)).await;
    let mut failed = false;
    for _ in 0..10 {
        let r = w.publish().await;
        if r.failed == vec![doomed] {
            failed = true;
            break;
        }
        w.advance(SignedDuration::from_secs(40)).await;
    }
    assert!(
        failed,
        "fails after {} server errors",
        w.opts.max_server_errors
    );
    assert!(w.reason(doomed).contains("server errors"));
    assert!(
        events
            .try_iter()
            .any(|e| matches!(e, Event::Failed { post_id, .. } if post_id == doomed))
    );
    assert_eq!(w.posts().len(), 1);
}

#[tokio::test]
async fn surely_unsent_requests_are_retried_until_x_is_back() {
    let mut w = world().await;
    let id = w.scheduled(&["When the network is back"], 1);
    w.sandbox.take().unwrap().shutdown().await;
    // X is unreachable: only our clock moves.
    w.clock.advance(SignedDuration::from_mins(1));
    let r = w.publish().await;
    assert_eq!(r.waiting, vec![id], "{r:?}");
    // X comes back on the same address, with its memory.
    w.sandbox = Some(
        Sandbox::start(SandboxConfig {
            port: w.port,
            state_dir: Some(w.dir.path().join("sandbox")),
            ..SandboxConfig::default()
        })
        .await
        .unwrap(),
    );
    w.sync_sandbox_clock().await;
    w.advance(SignedDuration::from_secs(5)).await;
    assert_eq!(w.publish().await.posted, vec![id]);
    assert_eq!(w.posts().len(), 1);
}

#[tokio::test]
async fn a_rate_limit_waits_for_the_reset_and_sends_nothing_before() {
    let w = world().await;
    w.admin("limits", json!({"posts_per_window": 1, "window_secs": 600}))
        .await;
    let first = w.scheduled(&["First of the window"], 1);
    let second = w.scheduled(&["Second of the window"], 1);
    w.advance(SignedDuration::from_mins(1)).await;
    let r = w.publish().await;
    assert_eq!(r.posted, vec![first]);
    assert_eq!(r.waiting, vec![second], "{r:?}");
    let next = w.app.next_due().unwrap().unwrap();
    assert!(
        next > w.clock_now() + SignedDuration::from_mins(8),
        "waits for the window's reset, not a short backoff: {next}"
    );
    assert_eq!(w.posts().len(), 1, "the known budget said no: nothing sent");
    assert!(w.publish().await.waiting.is_empty());
    assert_eq!(w.posts().len(), 1);
}

#[tokio::test]
async fn a_refused_token_means_needs_reconnect_and_the_post_waits() {
    let w = world().await;
    let events = w.app.subscribe();
    let id = w.scheduled(&["After reconnecting"], 1);
    // X revoked the grant: the access token and the refresh token are both refused.
    let key = w.app.connection().unwrap().token_key();
    w.secrets
        .set(
            &key,
            &SecretString::new(
                json!({
                    "access_token": "revoked-access",
                    "refresh_token": "revoked-refresh",
                    "expires_at": "2099-01-01T00:00:00Z",
                    "scope": "tweet.read tweet.write users.read offline.access media.write"
                })
                .to_string(),
            ),
        )
        .unwrap();
    w.advance(SignedDuration::from_mins(1)).await;
    let r = w.publish().await;
    assert!(r.blocked.is_some(), "{r:?}");
    assert_eq!(w.status(id), Status::Scheduled, "nothing lost: it waits");
    assert!(
        events
            .try_iter()
            .any(|e| e == Event::NeedsReconnect { laptop_of: None })
    );
    assert!(w.posts().is_empty());
    // Passes send nothing while the account needs reconnecting.
    let r = w.publish().await;
    assert!(r.blocked.unwrap().contains("reconnect"));

    // Reconnected within the grace window: it goes out.
    w.app
        .connect(Some("Ada"), Target::Sandbox(w.base.clone()), |_| Ok(()))
        .await
        .unwrap();
    w.advance(SignedDuration::from_mins(2)).await;
    assert_eq!(w.publish().await.posted, vec![id]);
}

#[tokio::test]
async fn a_duplicate_not_on_the_timeline_needs_a_check() {
    let w = world().await;
    // The same words went out (outside Countersign) 30 minutes before this post's claim.
    let client = w.app.x_client().unwrap();
    client
        .create_post(&countersign_x::NewPost::text("Good morning, friends"))
        .await
        .unwrap();
    w.advance(SignedDuration::from_mins(30)).await;
    let id = w.scheduled(&["Good morning, friends"], 1);
    w.advance(SignedDuration::from_mins(1)).await;
    let r = w.publish().await;
    assert_eq!(r.needs_check, vec![id], "{r:?}");
    assert!(w.reason(id).contains("duplicate"), "{}", w.reason(id));
    assert_eq!(w.posts().len(), 1);
}

#[tokio::test]
async fn missed_posts_wait_for_an_approver_and_late_ones_within_grace_go_out() {
    let w = world().await;
    let events = w.app.subscribe();
    let late = w.scheduled(&["A little late"], 1);
    let missed = w.scheduled(&["Far too late"], 40);
    // The laptop slept past the first post's time by a minute (the grace is 10).
    w.advance(SignedDuration::from_mins(2)).await;
    let r = w.publish().await;
    assert_eq!(r.posted, vec![late], "within the grace it goes out at once");
    // Then it slept through the second one's time by 15 minutes.
    w.advance(SignedDuration::from_mins(53)).await;
    let r = w.publish().await;
    assert_eq!(r.missed, vec![missed], "{r:?}");
    assert_eq!(w.status(missed), Status::Missed);
    assert!(w.reason(missed).contains("grace window"));
    assert!(
        events
            .try_iter()
            .any(|e| matches!(e, Event::Missed { post_id, .. } if post_id == missed))
    );
    assert_eq!(w.posts().len(), 1);

    // An approver decides: reschedule it, and it goes out then.
    let at = w.clock_now() + SignedDuration::from_mins(10);
    w.app
        .decide(missed, "Bob", Decision::Reschedule(at_wall(at)))
        .unwrap();
    w.advance(SignedDuration::from_mins(10)).await;
    assert_eq!(w.publish().await.posted, vec![missed]);
    assert_eq!(w.posts().len(), 2);
}

#[tokio::test]
async fn the_queue_takes_free_slots_reorders_and_the_calendar_shows_it() {
    let w = world().await;
    for day in ["mon", "wed", "fri"] {
        w.app.add_queue_slot("Bob", day, "09:00").unwrap();
    }
    assert_eq!(
        w.app
            .add_queue_slot("Bob", "monday", "9:00")
            .unwrap_err()
            .code(),
        "slot_exists"
    );
    assert_eq!(
        w.app
            .add_queue_slot("Ann", "tue", "10:00")
            .unwrap_err()
            .code(),
        "role_not_allowed"
    );
    let a = w.approved(&["Queue A"]);
    let b = w.approved(&["Queue B"]);
    let c = w.approved(&["Queue C"]);
    let at = |id| w.app.post(id).unwrap().post.scheduled.unwrap().at;
    for id in [a, b, c] {
        w.app.schedule_to_queue(id, "Bob").unwrap();
    }
    let (ta, tb, tc) = (at(a), at(b), at(c));
    assert!(ta < tb && tb < tc);
    for t in [ta, tb, tc] {
        let local = t.to_zoned(jiff::tz::TimeZone::get(ZONE).unwrap());
        assert_eq!((local.hour(), local.minute()), (9, 0));
        assert!(matches!(
            local.weekday(),
            jiff::civil::Weekday::Monday
                | jiff::civil::Weekday::Wednesday
                | jiff::civil::Weekday::Friday
        ));
    }
    // Move C to the front: the slots stay, the posts shift.
    w.app.move_in_queue(c, "Bob", 1).unwrap();
    assert_eq!((at(c), at(a), at(b)), (ta, tb, tc));
    let queue: Vec<Uuid> = w.app.queue().unwrap().iter().map(|q| q.id).collect();
    assert_eq!(queue, vec![c, a, b]);
    // Every move was countersigned: each still holds.
    for id in [a, b, c] {
        w.app.verify_for_publish(id).unwrap();
    }
    let cal = w
        .app
        .calendar(ta, tc + SignedDuration::from_secs(1))
        .unwrap();
    assert_eq!(cal.len(), 3);
    assert!(
        cal.iter()
            .all(|i| i.queued && i.status == Status::Scheduled)
    );
    // Unscheduling frees the slot for the next post.
    w.app.unschedule(c, "Bob").unwrap();
    let d = w.approved(&["Queue D"]);
    w.app.schedule_to_queue(d, "Bob").unwrap();
    assert_eq!(at(d), ta);
    w.app.remove_queue_slot("Bob", "wed", "09:00").unwrap();
    assert_eq!(w.app.queue_slots().unwrap().len(), 2);
}

#[tokio::test]
async fn the_publisher_task_sleeps_until_due_wakes_on_change_and_holds_a_lease() {
    let w = world().await;
    let events = w.app.subscribe();
    let publisher = Publisher::start(w.app.clone(), w.opts.clone(), |_| {})
        .await
        .unwrap();
    let second = Publisher::start(w.app.clone(), w.opts.clone(), |_| {}).await;
    let err = second.unwrap_err();
    assert_eq!(err.code(), "publisher_running");
    assert!(err.to_string().contains(&std::process::id().to_string()));

    let id = w.scheduled(&["From the always-on publisher"], 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(w.posts().is_empty(), "not before its time");
    w.advance(SignedDuration::from_mins(1)).await;
    publisher.wake();
    let mut posted = false;
    for _ in 0..100 {
        if events
            .try_iter()
            .any(|e| matches!(e, Event::Posted { post_id, .. } if post_id == id))
        {
            posted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(posted);
    assert_eq!(w.posts().len(), 1);

    publisher.pause();
    assert!(publisher.is_paused());
    publisher.stop(Duration::from_secs(5)).await;
    // The lease is free again.
    let again = Publisher::start(w.app.clone(), w.opts.clone(), |_| {})
        .await
        .unwrap();
    again.stop(Duration::from_secs(5)).await;
}
