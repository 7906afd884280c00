//! Conversations end to end in one workspace: a real SQLite file and x-sandbox over HTTP, with
//! other people mentioning the brand and writing it direct messages. The inbox is read without
//! reading anything twice (across a restart too); two contributors answer, an approver
//! countersigns, and every answer lands on X exactly once, where it belongs.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{PASS, member};
use countersign_core::conversation::{ConversationKind, ConversationState, InboxQuery};
use countersign_core::model::ReplyTarget;
use countersign_core::publish::PublishOptions;
use countersign_core::secrets::SecretString;
use countersign_core::x_account::Target;
use countersign_core::{App, Edit, Error, InitOptions, ManualClock, Parts, Role, Status};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use x_sandbox::{Sandbox, SandboxConfig};

struct World {
    dir: tempfile::TempDir,
    parts: Parts,
    clock: Arc<ManualClock>,
    sandbox: Sandbox,
    base: String,
}

async fn world() -> (World, App) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        state_dir: Some(dir.path().join("sandbox")),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let clock = Arc::new(ManualClock::new(Timestamp::now()));
    let (parts, _secrets) = common::parts(clock.clone());
    let app = App::init(
        dir.path(),
        InitOptions {
            handle: "sandbox_brand".into(),
            timezone: Some("UTC".into()),
            ..Default::default()
        },
        parts.clone(),
    )
    .unwrap();
    app.add_member(None, member("Ada", Role::Admin)).unwrap();
    app.unlock("Ada", &SecretString::new(PASS)).unwrap();
    for (name, role) in [
        ("Ann", Role::Contributor),
        ("Cal", Role::Contributor),
        ("Bob", Role::Approver),
    ] {
        app.add_member(Some("Ada"), member(name, role)).unwrap();
    }
    app.unlock("Bob", &SecretString::new(PASS)).unwrap();
    app.connect(Some("Ada"), Target::Sandbox(base.clone()), |_| Ok(()))
        .await
        .unwrap();
    let w = World {
        dir,
        parts,
        clock,
        sandbox,
        base,
    };
    (w, app)
}

impl World {
    async fn admin(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
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

    /// The sandbox's and the workspace's clocks move together.
    async fn advance(&self, d: SignedDuration) {
        self.clock.advance(d);
        let offset = countersign_core::Clock::now(&*self.clock).duration_since(Timestamp::now());
        self.admin("clock", json!({"offset_secs": offset.as_secs_f64()}))
            .await;
    }

    async fn x_requests(&self) -> u64 {
        let r = reqwest::get(format!("{}/_sandbox/requests", self.base))
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        v["x_requests"].as_u64().unwrap()
    }
}

#[tokio::test]
async fn fifty_mentions_and_ten_dms_are_answered_once_each_where_they_belong() {
    let (w, app) = world().await;
    let opts = PublishOptions::default();

    // 50 mentions from ten people, 10 direct messages from five.
    for i in 0..50 {
        w.sandbox
            .mention(
                &format!("fan_{}", i % 10),
                &format!("@sandbox_brand question number {i}"),
                None,
            )
            .unwrap();
    }
    for i in 0..10 {
        w.sandbox
            .dm(&format!("buyer_{}", i % 5), &format!("order problem {i}"))
            .unwrap();
    }
    let first = app.poll_inbox().await.unwrap();
    assert_eq!((first.mentions, first.dms), (50, 10));
    assert_eq!(first.reads, 2, "one page of mentions, one of DMs");
    assert_eq!(first.heard, 55);
    let all = app.inbox(&InboxQuery::default()).unwrap();
    assert_eq!(all.len(), 55);
    assert!(all.iter().all(|c| c.state == ConversationState::New));

    // Nothing is read twice: not on the next poll, nor after a restart. The cursors are the
    // newest mention and direct message read, kept in the workspace.
    let newest_mention = w
        .sandbox
        .posts()
        .iter()
        .filter(|p| p.text.starts_with("@sandbox_brand question"))
        .map(|p| p.id.clone())
        .max_by_key(|id| (id.len(), id.clone()))
        .unwrap();
    let newest_dm = w.sandbox.dms().last().unwrap().id.clone();
    let cursor = app.inbox_status().unwrap().cursor;
    assert_eq!(
        cursor.mentions_since.as_deref(),
        Some(newest_mention.as_str())
    );
    assert_eq!(cursor.dms_after.as_deref(), Some(newest_dm.as_str()));
    let again = app.poll_inbox().await.unwrap();
    assert_eq!((again.mentions, again.dms, again.heard), (0, 0, 0));
    drop(app);
    let app = App::open(w.dir.path(), w.parts.clone()).unwrap();
    app.unlock("Bob", &SecretString::new(PASS)).unwrap();
    let before = w.x_requests().await;
    let kept = app.inbox_status().unwrap().cursor;
    assert_eq!(
        kept.mentions_since.as_deref(),
        Some(newest_mention.as_str())
    );
    assert_eq!(kept.dms_after.as_deref(), Some(newest_dm.as_str()));
    let restarted = app.poll_inbox().await.unwrap();
    assert_eq!((restarted.mentions, restarted.dms), (0, 0));
    assert_eq!(w.x_requests().await - before, 2);
    assert_eq!(app.inbox_status().unwrap().cursor.reads, 6);

    // Who answers what: Ann takes a mention, Cal a DM; Bob gives Cal another mention.
    let mention = |handle: &str| {
        app.inbox(&InboxQuery {
            kind: Some(ConversationKind::Mention),
            search: Some(handle.into()),
            ..InboxQuery::default()
        })
        .unwrap()
        .into_iter()
        .find(|c| c.person.handle == handle)
        .unwrap()
    };
    let a = mention("fan_3");
    let dm = app
        .inbox(&InboxQuery {
            kind: Some(ConversationKind::Dm),
            search: Some("buyer_2".into()),
            ..InboxQuery::default()
        })
        .unwrap()
        .remove(0);
    let c = mention("fan_7");
    app.take(&a.id, "Ann").unwrap();
    app.take(&dm.id, "Cal").unwrap();
    match app.take(&a.id, "Cal") {
        Err(Error::ConversationTaken { by }) => assert_eq!(by, "Ann"),
        other => panic!("two people answering one person: {other:?}"),
    }
    assert!(matches!(
        app.assign(&c.id, "Cal", "Ann"),
        Err(Error::RoleNotAllowed { .. })
    ));
    app.assign(&c.id, "Cal", "Bob").unwrap();
    let mine = app
        .inbox(&InboxQuery {
            assignee: Some(app.member("Cal").unwrap().id),
            ..InboxQuery::default()
        })
        .unwrap();
    assert_eq!(mine.len(), 2);

    // Answers: bound to where they go; countersigned like any post.
    let answer_a = app.answer(&a.id, "Ann", "Thanks! Yes, it is.").unwrap();
    let target_a = app
        .conversation(&a.id)
        .unwrap()
        .messages
        .last()
        .unwrap()
        .x_id
        .clone();
    assert_eq!(
        answer_a.content.reply,
        Some(ReplyTarget::Post {
            x_id: target_a.clone()
        })
    );
    assert!(matches!(
        app.answer(&a.id, "Cal", "Me too"),
        Err(Error::ConversationTaken { .. })
    ));
    let answer_dm = app
        .answer(&dm.id, "Cal", "Sorry! We refunded you.")
        .unwrap();
    assert_eq!(
        answer_dm.content.reply,
        Some(ReplyTarget::Dm {
            participant_id: dm.person.id.clone()
        })
    );
    let answer_c = app.answer(&c.id, "Cal", "It ships on Monday.").unwrap();
    for (id, author) in [
        (answer_a.id, "Ann"),
        (answer_dm.id, "Cal"),
        (answer_c.id, "Cal"),
    ] {
        app.submit(id, author).unwrap();
    }
    // Four eyes: the author cannot countersign; an edit after approval voids it.
    app.approve(answer_c.id, "Bob", None).unwrap();
    app.edit(
        answer_c.id,
        "Cal",
        Edit::Text {
            part: 1,
            text: "It ships on Tuesday.".into(),
        },
    )
    .unwrap();
    let edited = app.post(answer_c.id).unwrap().post;
    assert_eq!(
        edited.status,
        Status::InReview,
        "back to review, approval void"
    );
    assert_eq!(
        edited.content.reply, answer_c.content.reply,
        "an edit keeps where the answer goes"
    );
    for id in [answer_a.id, answer_dm.id, answer_c.id] {
        app.approve_and_send(id, "Bob").unwrap();
    }

    w.advance(SignedDuration::from_mins(3)).await;
    let report = app.publish_due(&opts).await.unwrap();
    assert_eq!(report.posted.len(), 3, "{report:?}");
    // Again: nothing goes twice.
    let report = app.publish_due(&opts).await.unwrap();
    assert!(report.posted.is_empty());

    let posts = w.sandbox.posts();
    let brand: Vec<_> = posts
        .iter()
        .filter(|p| p.author_id == "1849375610274349057")
        .collect();
    assert_eq!(brand.len(), 2, "two public replies");
    let reply_a: Vec<_> = brand
        .iter()
        .filter(|p| p.text == "Thanks! Yes, it is.")
        .collect();
    assert_eq!(reply_a.len(), 1);
    assert_eq!(reply_a[0].reply_to.as_deref(), Some(target_a.as_str()));
    let target_c = app
        .conversation(&c.id)
        .unwrap()
        .messages
        .last()
        .unwrap()
        .x_id
        .clone();
    let reply_c: Vec<_> = brand
        .iter()
        .filter(|p| p.text == "It ships on Tuesday.")
        .collect();
    assert_eq!(reply_c.len(), 1);
    assert_eq!(reply_c[0].reply_to.as_deref(), Some(target_c.as_str()));
    let sent: Vec<_> = w
        .sandbox
        .dms()
        .into_iter()
        .filter(|d| d.sender_id == "1849375610274349057")
        .collect();
    assert_eq!(sent.len(), 1, "one direct message");
    assert_eq!(sent[0].text, "Sorry! We refunded you.");
    assert_eq!(sent[0].recipient_id, dm.person.id);
    assert_eq!(format!("d:{}", sent[0].conversation_id), dm.id);

    // Answered, and how long the people waited is kept.
    for id in [&a.id, &dm.id, &c.id] {
        let v = app.conversation(id).unwrap();
        assert_eq!(v.conversation.state, ConversationState::Answered, "{id}");
        assert_eq!(v.conversation.waiting_since, None);
        let first = v.first_response_secs.unwrap();
        assert!((170..=200).contains(&first), "{id} waited {first} s");
    }
    // The trail's `posted` entry of an answer says whom it answered and after how long.
    let posted = app.audit_trail(Some(answer_dm.id)).unwrap();
    let detail: serde_json::Value =
        serde_json::from_str(&posted.iter().find(|e| e.action == "posted").unwrap().detail)
            .unwrap();
    assert_eq!(detail["answers"]["conversation_id"], json!(dm.id));
    assert!(detail["answers"]["waited_ms"].as_i64().unwrap() >= 170_000);
    let status = app.inbox_status().unwrap();
    assert_eq!(status.last_7_days.answered, 3);
    // About the three minutes the clocks moved between the messages and the answers.
    let median = status.last_7_days.median_secs.unwrap();
    assert!((170..=200).contains(&median), "median wait {median} s");
    assert_eq!(status.new, 52);

    // The person writes again: the conversation reopens, still Cal's, and the brand's own
    // direct message is not read back as someone else's.
    w.sandbox.dm("buyer_2", "Thanks, got it!").unwrap();
    let back = app.poll_inbox().await.unwrap();
    assert_eq!((back.dms, back.heard), (1, 1));
    let reopened = app.conversation(&dm.id).unwrap();
    assert_eq!(reopened.conversation.state, ConversationState::Assigned);
    assert_eq!(reopened.assignee.unwrap().name, "Cal");
    assert!(
        reopened
            .messages
            .iter()
            .all(|m| m.author_id == dm.person.id)
    );

    // Closing needs a note; a closed conversation takes no answer until the person writes.
    let spam = mention("fan_9");
    assert!(matches!(
        app.close(&spam.id, "Ann", "  "),
        Err(Error::CommentRequired { .. })
    ));
    app.close(&spam.id, "Ann", "spam").unwrap();
    assert!(matches!(
        app.answer(&spam.id, "Ann", "hi"),
        Err(Error::ConversationClosed)
    ));
    let closed = app.conversation(&spam.id).unwrap().conversation;
    assert_eq!(closed.note.as_deref(), Some("spam"));

    // Search finds a conversation by its words.
    let found = app
        .inbox(&InboxQuery {
            search: Some("number 42".into()),
            ..InboxQuery::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].person.handle, "fan_2");

    // The trail says who answered, and the audit still verifies.
    let trail = app.audit_trail(None).unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "conversation_taken",
        "conversation_assigned",
        "answer_drafted",
        "conversation_closed",
    ] {
        assert!(actions.contains(&a), "{a} missing from the trail");
    }
    assert!(app.audit_verify().unwrap().ok);
}

#[tokio::test]
async fn only_members_on_duty_are_told_of_a_new_conversation() {
    let (w, app) = world().await;
    let events = app.subscribe();
    app.set_on_duty("Ann", false).unwrap();
    assert!(!app.on_duty("Ann").unwrap());
    assert!(app.on_duty("Cal").unwrap());
    w.sandbox.dm("maya_runs", "hello?").unwrap();
    app.poll_inbox().await.unwrap();
    let heard: Vec<_> = events
        .try_iter()
        .filter_map(|e| match e {
            countersign_core::Event::Heard {
                handle, on_duty, ..
            } => Some((handle, on_duty)),
            _ => None,
        })
        .collect();
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].0, "maya_runs");
    assert!(heard[0].1.contains(&"Cal".to_string()));
    assert!(!heard[0].1.contains(&"Ann".to_string()), "Ann is off duty");
    app.set_on_duty("Ann", true).unwrap();
    assert!(app.on_duty("Ann").unwrap());
}

#[tokio::test]
async fn the_same_words_sent_to_someone_else_do_not_count_as_this_answer() {
    let (w, app) = world().await;
    for who in ["fan_a", "fan_b"] {
        w.sandbox
            .mention(who, "@sandbox_brand where is my order?", None)
            .unwrap();
    }
    app.poll_inbox().await.unwrap();
    let both = app.inbox(&InboxQuery::default()).unwrap();
    assert_eq!(both.len(), 2);
    // A canned answer, twice: X refuses the second as a duplicate of the first.
    let canned = "Sorry about that! Please DM us your order number.";
    let answers: Vec<_> = both
        .iter()
        .map(|c| app.answer(&c.id, "Ann", canned).unwrap())
        .collect();
    for a in &answers {
        app.submit(a.id, "Ann").unwrap();
        app.approve_and_send(a.id, "Bob").unwrap();
    }
    w.advance(SignedDuration::from_secs(5)).await;
    let opts = PublishOptions {
        reconcile_grace: std::time::Duration::ZERO,
        ..PublishOptions::default()
    };
    let report = app.publish_due(&opts).await.unwrap();
    assert_eq!(report.posted.len(), 1, "{report:?}");
    let second = answers
        .iter()
        .find(|a| !report.posted.contains(&a.id))
        .unwrap();
    // Reconciling finds the same words, but replying to the other person: not this answer.
    for _ in 0..3 {
        w.advance(SignedDuration::from_secs(30)).await;
        app.publish_due(&opts).await.unwrap();
    }
    let post = app.post(second.id).unwrap().post;
    assert_ne!(post.status, Status::Posted, "{:?}", post.status_reason);
    let conversation = both
        .iter()
        .find(|c| app.conversation(&c.id).unwrap().answers == vec![second.id])
        .unwrap();
    assert_ne!(
        app.conversation(&conversation.id)
            .unwrap()
            .conversation
            .state,
        ConversationState::Answered
    );
    let on_x = w
        .sandbox
        .posts()
        .into_iter()
        .filter(|p| p.text == canned)
        .count();
    assert_eq!(on_x, 1);
}
