//! Conversations: the account's mentions, its direct messages, the summoned-reply rule, their
//! rate limits, and the people the admin API (or the chatter) makes talk to the account.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use x_sandbox::SandboxConfig;

const DM_SCOPES: &str = "tweet.read tweet.write users.read offline.access dm.read dm.write";

async fn say(h: &Harness, route: &str, body: Value) -> Value {
    h.admin(route, body).await
}

const FIELDS: &str = "tweet.fields=created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets&expansions=author_id&user.fields=name,username";

#[tokio::test]
async fn mentions_come_newest_first_with_their_authors_and_since_id_reads_only_what_is_new() {
    let h = start().await;
    let token = h.login().await;
    let me = h.user_id(&token).await;
    let own = h
        .post_ok(&token, json!({"text": "Spring range is out"}))
        .await;
    let a = say(
        &h,
        "mentions",
        json!({"from": "maya_runs", "name": "Maya Okafor", "text": "@sandbox_brand where is my order?"}),
    )
    .await;
    // A reply to the account's post shows as a mention, prefixed with the handle as X shows it.
    let b = say(
        &h,
        "mentions",
        json!({"from": "tom_bakes", "text": "love it", "in_reply_to": own}),
    )
    .await;
    assert_eq!(b["text"], "@sandbox_brand love it");
    // Someone else's post that does not mention the account is not a mention; nor is a longer
    // handle that starts with the account's.
    say(
        &h,
        "people/posts",
        json!({"from": "lucas_m", "text": "nice weather"}),
    )
    .await;
    say(
        &h,
        "people/posts",
        json!({"from": "lucas_m", "text": "hi @sandbox_brandx"}),
    )
    .await;

    let r = h
        .get(&token, &format!("/2/users/{me}/mentions?{FIELDS}"))
        .await;
    assert_eq!(header(&r, "x-rate-limit-limit").as_deref(), Some("300"));
    assert_eq!(header(&r, "x-rate-limit-remaining").as_deref(), Some("299"));
    let (status, body) = status_json(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{body}");
    assert_eq!(data[0]["id"], b["id"]);
    assert_eq!(data[1]["id"], a["id"]);
    assert_eq!(data[0]["in_reply_to_user_id"], json!(me));
    assert_eq!(data[0]["conversation_id"], json!(own));
    assert_eq!(
        data[0]["referenced_tweets"],
        json!([{"type": "replied_to", "id": own}])
    );
    assert_eq!(data[1]["author_id"], a["author_id"]);
    assert_eq!(data[1]["conversation_id"], a["id"]);
    assert!(data[1]["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["meta"]["newest_id"], b["id"]);
    assert_eq!(body["meta"]["result_count"], 2);
    let users = body["includes"]["users"].as_array().unwrap();
    let maya = users.iter().find(|u| u["id"] == a["author_id"]).unwrap();
    assert_eq!(maya["username"], "maya_runs");
    assert_eq!(maya["name"], "Maya Okafor");

    // since_id: only what is newer, so a poller never reads a mention twice.
    let newest = body["meta"]["newest_id"].as_str().unwrap().to_owned();
    let (_, again) = status_json(
        h.get(&token, &format!("/2/users/{me}/mentions?since_id={newest}"))
            .await,
    )
    .await;
    assert_eq!(again["meta"]["result_count"], 0);
    assert!(again.get("data").is_none(), "{again}");
    let c = say(
        &h,
        "mentions",
        json!({"from": "maya_runs", "text": "@sandbox_brand hello?"}),
    )
    .await;
    let (_, fresh) = status_json(
        h.get(&token, &format!("/2/users/{me}/mentions?since_id={newest}"))
            .await,
    )
    .await;
    assert_eq!(fresh["data"].as_array().unwrap().len(), 1);
    assert_eq!(fresh["data"][0]["id"], c["id"]);
}

#[tokio::test]
async fn mentions_page_with_next_token_and_refuse_bad_queries_as_x_does() {
    let h = start().await;
    let token = h.login().await;
    let me = h.user_id(&token).await;
    for i in 0..7 {
        h.sandbox
            .mention("maya_runs", &format!("@sandbox_brand question {i}"), None)
            .unwrap();
    }
    let (_, first) = status_json(
        h.get(&token, &format!("/2/users/{me}/mentions?max_results=5"))
            .await,
    )
    .await;
    assert_eq!(first["data"].as_array().unwrap().len(), 5);
    let next = first["meta"]["next_token"].as_str().unwrap();
    let (_, second) = status_json(
        h.get(
            &token,
            &format!("/2/users/{me}/mentions?max_results=5&pagination_token={next}"),
        )
        .await,
    )
    .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 2);
    assert!(second["meta"].get("next_token").is_none());
    assert_eq!(second["data"][1]["text"], "@sandbox_brand question 0");

    for bad in [
        "max_results=4",
        "max_results=101",
        "since_id=abc",
        "exclude=replies",
        "tweet.fields=nope",
        "expansions=nope",
    ] {
        let (status, body) = status_json(
            h.get(&token, &format!("/2/users/{me}/mentions?{bad}"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["type"].as_str().unwrap().ends_with("/invalid-request"),
            "{bad}: {body}"
        );
    }
    // Another user's mentions: X's 200 with an errors array.
    let (status, body) = status_json(h.get(&token, "/2/users/42/mentions").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"][0]["title"], "Not Found Error");
}

#[tokio::test]
async fn mentions_and_dms_have_their_own_rate_limits_and_scopes() {
    let h = start().await;
    h.admin(
        "limits",
        json!({"mentions_per_window": 2, "dm_reads_per_window": 1, "dm_sends_per_window": 1}),
    )
    .await;
    let tokens = h.login_with(DM_SCOPES).await;
    let token = tokens.access;
    let me = h.user_id(&token).await;
    for _ in 0..2 {
        assert_eq!(
            h.get(&token, &format!("/2/users/{me}/mentions"))
                .await
                .status(),
            StatusCode::OK
        );
    }
    let r = h.get(&token, &format!("/2/users/{me}/mentions")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&r, "x-rate-limit-remaining").as_deref(), Some("0"));
    assert!(header(&r, "x-rate-limit-reset").is_some());
    // Each endpoint counts on its own.
    assert_eq!(h.get(&token, "/2/dm_events").await.status(), StatusCode::OK);
    assert_eq!(
        h.get(&token, "/2/dm_events").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    // DMs need dm.read / dm.write: a grant without them is refused with X's 403.
    let plain = h.login().await;
    assert_eq!(
        h.get(&plain, "/2/dm_events").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = h
        .http
        .post(h.url("/2/dm_conversations/with/123/messages"))
        .bearer_auth(&plain)
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn send_dm(h: &Harness, token: &str, to: &str, body: Value) -> (StatusCode, Value) {
    let r = h
        .http
        .post(h.url(&format!("/2/dm_conversations/with/{to}/messages")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    status_json(r).await
}

#[tokio::test]
async fn direct_messages_list_both_ways_and_the_account_answers_only_who_wrote_first() {
    let h = start().await;
    let token = h.login_with(DM_SCOPES).await.access;
    let me = h.user_id(&token).await;
    let asked = say(
        &h,
        "dms",
        json!({"from": "priya_dev", "name": "Priya Raman", "text": "Charged twice for #4471"}),
    )
    .await;
    let priya = asked["sender_id"].as_str().unwrap().to_owned();
    let conversation = asked["dm_conversation_id"].as_str().unwrap().to_owned();
    assert!(conversation.contains(&priya) && conversation.contains(&me));

    let (status, sent) = send_dm(&h, &token, &priya, json!({"text": "Sorry! Refunded."})).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["data"]["dm_conversation_id"], json!(conversation));
    let event = sent["data"]["dm_event_id"].as_str().unwrap().to_owned();

    let (status, body) = status_json(
        h.get(
            &token,
            "/2/dm_events?dm_event.fields=created_at,dm_conversation_id&expansions=sender_id,participant_ids&user.fields=name,username",
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["id"], json!(event));
    assert_eq!(data[0]["sender_id"], json!(me));
    assert_eq!(data[0]["event_type"], "MessageCreate");
    assert_eq!(data[1]["text"], "Charged twice for #4471");
    assert_eq!(data[1]["sender_id"], json!(priya));
    assert_eq!(data[1]["dm_conversation_id"], json!(conversation));
    assert!(data[1]["created_at"].as_str().unwrap().ends_with('Z'));
    let users = body["includes"]["users"].as_array().unwrap();
    assert!(
        users
            .iter()
            .any(|u| u["username"] == "priya_dev" && u["name"] == "Priya Raman")
    );

    // Paging: one at a time, with next_token.
    let (_, one) = status_json(h.get(&token, "/2/dm_events?max_results=1").await).await;
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    let next = one["meta"]["next_token"].as_str().unwrap();
    let (_, two) = status_json(
        h.get(
            &token,
            &format!("/2/dm_events?max_results=1&pagination_token={next}"),
        )
        .await,
    )
    .await;
    assert_eq!(two["data"][0]["text"], "Charged twice for #4471");

    // Nobody is written to who did not write first; nor the account itself; bodies follow X's
    // schema.
    let stranger = h
        .sandbox
        .mention("lucas_m", "@sandbox_brand hi", None)
        .unwrap();
    let lucas = h
        .recorded()
        .await
        .iter()
        .find(|p| p["id"] == stranger.as_str())
        .unwrap()["author_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = send_dm(&h, &token, &lucas, json!({"text": "hello"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = send_dm(&h, &token, &me, json!({"text": "hello"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for bad in [
        json!({}),
        json!({"text": ""}),
        json!({"text": "x", "extra": 1}),
    ] {
        let (status, body) = send_dm(&h, &token, &priya, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    assert_eq!(h.sandbox.dms().len(), 2);
    let recorded = h.admin_get("dms").await;
    assert_eq!(recorded[1]["text"], "Sorry! Refunded.");
    assert_eq!(recorded[1]["recipient_id"], json!(priya));
}

#[tokio::test]
async fn a_reply_goes_only_where_the_account_was_summoned() {
    let h = start().await;
    let token = h.login().await;
    let mention = h
        .sandbox
        .mention("maya_runs", "@sandbox_brand is it vegan?", None)
        .unwrap();
    let unrelated = say(
        &h,
        "people/posts",
        json!({"from": "maya_runs", "text": "what a day"}),
    )
    .await;

    // Summoned: the reply is created.
    h.post_ok(
        &token,
        json!({"text": "Yes, fully vegan!", "reply": {"in_reply_to_tweet_id": mention}}),
    )
    .await;
    // Not summoned: X's 403, nothing created.
    let r = h
        .post_json(
            &token,
            json!({"text": "Hi there", "reply": {"in_reply_to_tweet_id": unrelated["id"]}}),
        )
        .await;
    let (status, body) = status_json(r).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("have not been mentioned"),
        "{body}"
    );
    assert_eq!(
        h.recorded()
            .await
            .iter()
            .filter(|p| p["text"] == "Hi there")
            .count(),
        0
    );
    // The account's own posts (threads) still take replies.
    let own = h.post_ok(&token, json!({"text": "1/2 news"})).await;
    h.post_ok(
        &token,
        json!({"text": "2/2 more", "reply": {"in_reply_to_tweet_id": own}}),
    )
    .await;
}

#[tokio::test]
async fn the_admin_api_refuses_what_is_not_a_person_or_a_message() {
    let h = start().await;
    for (route, body) in [
        ("mentions", json!({"from": "not a handle", "text": "hi"})),
        ("mentions", json!({"from": "sandbox_brand", "text": "hi"})),
        ("mentions", json!({"from": "maya", "text": "  "})),
        (
            "mentions",
            json!({"from": "maya", "text": "hi", "in_reply_to": "1"}),
        ),
        (
            "dms",
            json!({"from": "maya", "text": "hi", "in_reply_to": "1"}),
        ),
        ("dms", json!({"from": "maya", "words": "hi"})),
    ] {
        let r = h
            .http
            .post(h.url(&format!("/_sandbox/{route}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{route} {body}");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[tokio::test]
async fn chatter_makes_the_account_feel_alive() {
    let config = SandboxConfig {
        chatter_per_minute: 1200,
        ..SandboxConfig::default()
    };
    let h = start_with(config).await;
    let token = h.login_with(DM_SCOPES).await.access;
    let me = h.user_id(&token).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, m) = status_json(h.get(&token, &format!("/2/users/{me}/mentions")).await).await;
        let (_, d) = status_json(h.get(&token, "/2/dm_events").await).await;
        let mentions = m["meta"]["result_count"].as_u64().unwrap();
        let dms = d["meta"]["result_count"].as_u64().unwrap();
        if mentions >= 2 && dms >= 2 {
            let users = m["includes"].is_null();
            assert!(users, "no expansions asked, no includes");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "chatter made {mentions} mentions and {dms} DMs in 10 s at 20 a second"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
