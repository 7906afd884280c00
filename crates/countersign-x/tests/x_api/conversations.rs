//! Mentions, direct messages and the summoned-reply rule, against the sandbox.

use countersign_x::{NewPost, XError, may_reply};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn mentions_are_read_once_with_since_id_and_carry_their_authors() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let (client, _store) = connected(&base).await;
    let me = client.me().await.unwrap();
    let own = client
        .create_post(&NewPost::text("Spring range is out"))
        .await
        .unwrap();
    admin(
        &base,
        "mentions",
        json!({"from": "maya_runs", "name": "Maya Okafor", "text": "@sandbox_brand where is my order?"}),
    )
    .await;
    admin(
        &base,
        "mentions",
        json!({"from": "tom_bakes", "text": "love it", "in_reply_to": own.id}),
    )
    .await;

    let first = client.mentions(&me.id, None).await.unwrap();
    assert_eq!(first.mentions.len(), 2);
    assert_eq!(first.requests, 1);
    let reply = &first.mentions[0];
    assert_eq!(reply.replied_to.as_deref(), Some(own.id.as_str()));
    assert_eq!(reply.in_reply_to_user_id.as_deref(), Some(me.id.as_str()));
    assert_eq!(reply.conversation_id.as_deref(), Some(own.id.as_str()));
    assert!(reply.created_at.is_some());
    let maya = first
        .people
        .iter()
        .find(|p| p.username == "maya_runs")
        .unwrap();
    assert_eq!(maya.name, "Maya Okafor");
    assert_eq!(first.mentions[1].author_id, maya.id);
    assert_eq!(first.newest_id.as_deref(), Some(reply.id.as_str()));

    // Nothing new: nothing read twice.
    let again = client
        .mentions(&me.id, first.newest_id.as_deref())
        .await
        .unwrap();
    assert!(again.mentions.is_empty());
    assert_eq!(again.newest_id, None);

    // More than a page since the last poll: every one, once, newest first.
    for i in 0..130 {
        sandbox
            .mention("lucas_m", &format!("@sandbox_brand question {i}"), None)
            .unwrap();
    }
    let many = client
        .mentions(&me.id, first.newest_id.as_deref())
        .await
        .unwrap();
    assert_eq!(many.mentions.len(), 130);
    assert_eq!(many.requests, 2);
    assert_eq!(many.mentions[0].text, "@sandbox_brand question 129");
    assert_eq!(many.mentions[129].text, "@sandbox_brand question 0");
}

#[tokio::test]
async fn direct_messages_are_paged_until_one_already_held_and_answered_in_their_conversation() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let (client, _store) = connected(&base).await;
    let me = client.me().await.unwrap();
    let first = sandbox.dm("priya_dev", "Charged twice for #4471").unwrap();
    let read = client.direct_messages(None, 8).await.unwrap();
    assert_eq!(read.messages.len(), 1);
    let dm = &read.messages[0];
    assert_eq!(dm.id, first);
    assert_eq!(dm.text, "Charged twice for #4471");
    let priya = read
        .people
        .iter()
        .find(|p| p.username == "priya_dev")
        .unwrap();
    assert_eq!(dm.sender_id, priya.id);
    assert!(dm.conversation_id.contains(&me.id));

    let sent = client.send_dm(&priya.id, "Sorry! Refunded.").await.unwrap();
    assert_eq!(sent.dm_conversation_id, dm.conversation_id);
    let dms = sandbox.dms();
    assert_eq!(dms.last().unwrap().text, "Sorry! Refunded.");
    assert_eq!(dms.last().unwrap().recipient_id, priya.id);

    // Newer than what is held: the answer and what came since, not the first message again.
    for i in 0..120 {
        sandbox.dm("hana_k", &format!("message {i}")).unwrap();
    }
    let newer = client.direct_messages(Some(&first), 8).await.unwrap();
    assert_eq!(newer.messages.len(), 121);
    assert_eq!(newer.requests, 2);
    assert!(newer.messages.iter().all(|m| m.id != first));
    assert_eq!(newer.messages[0].text, "message 119");
    assert_eq!(newer.messages[120].sender_id, me.id);

    // Someone who never wrote cannot be written to: X's 403, nothing sent.
    sandbox
        .mention("lucas_m", "@sandbox_brand hi", None)
        .unwrap();
    let lucas = client.mentions(&me.id, None).await.unwrap().people;
    let lucas = lucas.iter().find(|p| p.username == "lucas_m").unwrap();
    let refused = client.send_dm(&lucas.id, "hello").await.unwrap_err();
    assert!(matches!(refused, XError::Forbidden { .. }), "{refused:?}");
    assert_eq!(sandbox.dms().len(), 122);
}

#[tokio::test]
async fn a_reply_where_the_brand_was_not_mentioned_is_refused_before_and_by_x() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let (client, _store) = connected(&base).await;
    let me = client.me().await.unwrap();
    let unrelated = admin(
        &base,
        "people/posts",
        json!({"from": "maya_runs", "text": "what a day"}),
    )
    .await;
    let target = unrelated["id"].as_str().unwrap();
    // The client's own check, before anything is sent.
    let refused = may_reply(
        &me.id,
        &me.username,
        unrelated["author_id"].as_str().unwrap(),
        unrelated["text"].as_str().unwrap(),
    )
    .unwrap_err();
    assert_eq!(refused.code(), "x_not_summoned");
    assert!(refused.to_string().contains("direct message"), "{refused}");
    // And X's refusal, should a reply get there anyway: the same 403 as a refused reply in a
    // thread (X words both alike).
    let reply = NewPost {
        reply_to: Some(target.into()),
        ..NewPost::text("Hi there")
    };
    let e = client.create_post(&reply).await.unwrap_err();
    assert!(
        matches!(&e, XError::Forbidden { kind } if kind == "reply_not_allowed"),
        "{e:?}"
    );
    assert!(sandbox.posts().iter().all(|p| p.text != "Hi there"));

    // A mention is answered.
    let mention = sandbox
        .mention("maya_runs", "@sandbox_brand is it vegan?", None)
        .unwrap();
    let answer = NewPost {
        reply_to: Some(mention.clone()),
        ..NewPost::text("Yes, fully vegan!")
    };
    client.create_post(&answer).await.unwrap();
    let posted = sandbox.posts();
    let posted = posted
        .iter()
        .find(|p| p.text == "Yes, fully vegan!")
        .unwrap();
    assert_eq!(posted.reply_to.as_deref(), Some(mention.as_str()));
}
