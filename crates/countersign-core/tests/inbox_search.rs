//! Inbox searches over many conversations: a rare word is gathered from its matches, a common
//! one from windows of the newest conversations. Either way the list must be exactly the
//! newest matching conversations, also when messages arrived out of order.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use countersign_core::conversation::{
    Conversation, ConversationKind, ConversationState, InboxQuery, Message, Person,
};
use countersign_core::store::Store;
use countersign_core::{App, InitOptions, Parts, SystemClock};
use jiff::{SignedDuration, Timestamp};

#[test]
fn searches_list_exactly_the_newest_matching_conversations() {
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
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let total = 12_000u64;
    // Conversation n's last message is at minute `minute(n)`: arrival order scrambled against
    // recency. Every fifth also has an older first message, so its messages span far apart.
    let minute = |n: u64| (n * 7919) % total;
    let words = |m: u64| {
        let mut t = format!("hello {m}");
        if m.is_multiple_of(997) {
            t.push_str(" zeppelin");
        }
        // In half the messages: more than the rare-word bound, so found through windows.
        if m.is_multiple_of(2) {
            t.push_str(" launch");
        }
        t
    };
    let mut store = Store::open(&dir.path().join(countersign_core::app::DB_FILE)).unwrap();
    store
        .write(|tx| {
            for n in 0..total {
                let m = minute(n);
                let at = start + SignedDuration::from_mins(m as i64);
                let person = Person {
                    id: format!("{}", 1_000_000 + n),
                    handle: format!("fan_{n}"),
                    name: format!("Fan {n}"),
                };
                let id = format!("d:{}-1", person.id);
                tx.inbox().save(&Conversation {
                    id: id.clone(),
                    kind: ConversationKind::Dm,
                    person,
                    state: if n % 2 == 0 {
                        ConversationState::New
                    } else {
                        ConversationState::Closed
                    },
                    assignee_id: None,
                    note: None,
                    waiting_since: None,
                    last_at: at,
                    updated_at: at,
                })?;
                if n % 5 == 0 {
                    tx.inbox().add_message(&Message {
                        x_id: format!("old-{n}"),
                        conversation_id: id.clone(),
                        author_id: format!("{}", 1_000_000 + n),
                        text: "an older word".into(),
                        at: start,
                        reply_to_x_id: None,
                    })?;
                }
                tx.inbox().add_message(&Message {
                    x_id: format!("{n}"),
                    conversation_id: id,
                    author_id: format!("{}", 1_000_000 + n),
                    text: words(m),
                    at,
                    reply_to_x_id: None,
                })?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    // The expected list: conversations by recency (minute), newest first.
    let newest = |word: &str, only_new: bool, limit: usize| -> Vec<String> {
        let mut by_recency: Vec<u64> = (0..total).collect();
        by_recency.sort_by_key(|&n| std::cmp::Reverse(minute(n)));
        by_recency
            .into_iter()
            .filter(|&n| !only_new || n % 2 == 0)
            .filter(|&n| {
                word == "older" && n % 5 == 0 || words(minute(n)).split(' ').any(|w| w == word)
            })
            .take(limit)
            .map(|n| format!("d:{}-1", 1_000_000 + n))
            .collect()
    };
    for (word, only_new, limit) in [
        ("zeppelin", false, 500),
        ("launch", false, 500),
        ("launch", true, 2_500),
        ("launch", true, 50),
        ("older", false, 500),
        ("older", true, 50),
        ("nothing", false, 50),
    ] {
        let got: Vec<String> = app
            .inbox(&InboxQuery {
                search: Some(word.into()),
                state: only_new.then_some(ConversationState::New),
                limit,
                ..InboxQuery::default()
            })
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            got,
            newest(word, only_new, limit),
            "{word}, only new: {only_new}"
        );
    }
}
