//! Posting, length, duplicates, threads, deleting and the user timeline.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use countersign_core::count::{CountConfig, count};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn is_tco(word: &str) -> bool {
    word.len() == 23
        && word.starts_with("https://t.co/")
        && word[13..].bytes().all(|b| b.is_ascii_alphanumeric())
}

#[tokio::test]
async fn a_post_is_created_with_x_shape_and_recorded() {
    let h = start().await;
    let token = h.login().await;
    let r = h.post_text(&token, "Hello from the sandbox").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(
        header(&r, "content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = r.json().await.unwrap();
    let id = body["data"]["id"].as_str().unwrap();
    assert_eq!(id.len(), 19);
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(body["data"]["text"], "Hello from the sandbox");
    assert_eq!(body["data"]["edit_history_tweet_ids"], json!([id]));

    let recorded = h.recorded().await;
    assert_eq!(recorded.len(), 1);
    let p = &recorded[0];
    assert_eq!(p["id"], id);
    assert_eq!(p["text"], "Hello from the sandbox");
    assert_eq!(p["author_id"], h.user_id(&token).await);
    assert_eq!(p["reply_to"], Value::Null);
    assert_eq!(p["media"], json!([]));
    assert_eq!(p["deleted"], false);
    assert!(p["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(h.sandbox.posts().len(), 1);
    assert_eq!(h.sandbox.posts()[0].id, id);
}

#[tokio::test]
async fn duplicates_get_x_403_body_even_across_normalisation() {
    let h = start().await;
    let token = h.login().await;
    h.post_ok(&token, json!({"text": "Caf\u{e9} opening"}))
        .await;
    let r = h.post_text(&token, "Cafe\u{301} opening").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#
    );
    assert_eq!(h.recorded().await.len(), 1);

    // After deleting the original, the same text may be posted again.
    let id = h.recorded().await[0]["id"].as_str().unwrap().to_owned();
    let r = h
        .http
        .delete(h.url(&format!("/2/tweets/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    h.post_ok(&token, json!({"text": "Caf\u{e9} opening"}))
        .await;

    // Outside the duplicate window it is not a duplicate either.
    h.advance(24.0 * 3600.0 + 1.0).await;
    let token = h.login().await;
    h.post_ok(&token, json!({"text": "Caf\u{e9} opening"}))
        .await;
}

#[tokio::test]
async fn length_is_weighted_with_the_shared_counter() {
    let h = start().await;
    let token = h.login().await;
    let config = CountConfig::v3();

    // 280 raw characters including a bare domain weigh 292: refused.
    let long = format!("example.com {}", "a".repeat(268));
    assert_eq!(long.chars().count(), 280);
    assert_eq!(count(&long, &config).weighted_length, 292);
    let r = h.post_text(&token, &long).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"detail":"You are not permitted to perform this action.","type":"about:blank","title":"Forbidden","status":403})
    );

    // Exactly 280 weighted (the domain counts 23): accepted.
    let fits = format!("example.com {}", "a".repeat(256));
    assert_eq!(count(&fits, &config).weighted_length, 280);
    h.post_ok(&token, json!({ "text": fits })).await;

    // A long URL weighs 23 however long it is; CJK weighs 2; emoji sequences weigh 2.
    let url_text = format!("https://example.com/{} ok", "p".repeat(400));
    assert!(count(&url_text, &config).valid);
    h.post_ok(&token, json!({ "text": url_text })).await;
    let cjk = "字".repeat(140);
    assert_eq!(count(&cjk, &config).weighted_length, 280);
    h.post_ok(&token, json!({ "text": cjk })).await;
    let cjk_over = "字".repeat(141);
    assert_eq!(
        h.post_text(&token, &cjk_over).await.status(),
        StatusCode::FORBIDDEN
    );
    let family = "👨‍👩‍👧‍👦".repeat(140);
    assert_eq!(count(&family, &config).weighted_length, 280);
    h.post_ok(&token, json!({ "text": family })).await;

    // The 400 form, selectable, and a raised limit.
    h.admin("limits", json!({"length_error": "invalid_request"}))
        .await;
    let (status, body) = status_json(h.post_text(&token, &cjk_over).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["type"],
        "https://api.twitter.com/2/problems/invalid-request"
    );
    assert_eq!(body["title"], "Invalid Request");
    assert!(body["errors"][0]["parameters"]["text"].is_array(), "{body}");
    h.admin("limits", json!({"max_weighted_length": 25_000}))
        .await;
    h.post_ok(&token, json!({ "text": cjk_over })).await;
}

#[tokio::test]
async fn urls_come_back_as_tco_links() {
    let h = start().await;
    let token = h.login().await;
    let r = h
        .post_text(
            &token,
            "Read example.com and https://www.example.org/a/b?c=d today",
        )
        .await;
    let body: Value = r.json().await.unwrap();
    let text = body["data"]["text"].as_str().unwrap().to_owned();
    let words: Vec<&str> = text.split(' ').collect();
    assert_eq!(words.len(), 5, "{text}");
    assert_eq!((words[0], words[2], words[4]), ("Read", "and", "today"));
    assert!(is_tco(words[1]) && is_tco(words[3]), "{text}");

    let user = h.user_id(&token).await;
    let listed: Value = h
        .get(&token, &format!("/2/users/{user}/tweets"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["data"][0]["text"],
        text.as_str(),
        "listing and create agree"
    );
    // The record keeps the text as submitted.
    assert_eq!(
        h.recorded().await[0]["text"],
        "Read example.com and https://www.example.org/a/b?c=d today"
    );
}

#[tokio::test]
async fn bad_bodies_get_x_invalid_request() {
    let h = start().await;
    let token = h.login().await;
    let invalid_type = "https://api.twitter.com/2/problems/invalid-request";

    let r = h
        .http
        .post(h.url("/2/tweets"))
        .bearer_auth(&token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["type"], invalid_type);
    assert_eq!(
        body["detail"],
        "One or more parameters to your request was invalid."
    );

    for (request, needle) in [
        (json!({"text": "a", "colour": "red"}), "$.colour"),
        (json!({"text": 5}), "$.text: integer found, string expected"),
        (
            json!({"text": "a", "reply": {"in_reply_to_tweet_id": "abc"}}),
            "$.reply.in_reply_to_tweet_id",
        ),
        (
            json!({"text": "a", "reply": {}}),
            "is missing but it is required",
        ),
        (
            json!({"text": "a", "reply_settings": "everyone"}),
            "enumeration",
        ),
        (
            json!({"text": "a", "media": {"media_ids": []}}),
            "minimum of 1",
        ),
        (
            json!({"text": "a", "poll": {"options": ["yes"], "duration_minutes": 60}}),
            "$.poll.options",
        ),
        (
            json!({"text": "a", "poll": {"options": ["yes", "no"], "duration_minutes": 2}}),
            "$.poll.duration_minutes",
        ),
        (
            json!({"text": "a", "quote_tweet_id": "1", "poll": {"options": ["y", "n"], "duration_minutes": 5}}),
            "only one of",
        ),
        (
            json!({"text": "a", "quote_tweet_id": "1", "media": {"media_ids": ["1"]}}),
            "only one of",
        ),
        (json!([1, 2]), "array found, object expected"),
        (json!({}), "required"),
    ] {
        let (status, body) = status_json(h.post_json(&token, request.clone()).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}");
        assert_eq!(body["type"], invalid_type, "{request}");
        assert!(body.to_string().contains(needle), "{request} -> {body}");
    }
    assert!(h.recorded().await.is_empty());

    // A poll on its own is fine.
    h.post_ok(
        &token,
        json!({"text": "Lunch?", "poll": {"options": ["pizza", "salad"], "duration_minutes": 60}}),
    )
    .await;
    // reply_settings is kept.
    h.post_ok(
        &token,
        json!({"text": "Only followers", "reply_settings": "following"}),
    )
    .await;
    assert_eq!(h.recorded().await[1]["reply_settings"], "following");
}

#[tokio::test]
async fn threads_reply_to_the_previous_part() {
    let h = start().await;
    let token = h.login().await;
    let first = h.post_ok(&token, json!({"text": "1/3 A thread"})).await;
    let second = h
        .post_ok(
            &token,
            json!({"text": "2/3", "reply": {"in_reply_to_tweet_id": first}}),
        )
        .await;
    let third = h
        .post_ok(
            &token,
            json!({"text": "3/3", "reply": {"in_reply_to_tweet_id": second}}),
        )
        .await;
    assert!(first < second && second < third, "ids increase");

    let user = h.user_id(&token).await;
    let listed: Value = h
        .get(&token, &format!("/2/users/{user}/tweets?tweet.fields=conversation_id,referenced_tweets,in_reply_to_user_id,author_id,created_at"))
        .await
        .json()
        .await
        .unwrap();
    let data = listed["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["id"], third.as_str());
    for p in data {
        assert_eq!(p["conversation_id"], first.as_str());
        assert_eq!(p["author_id"], user.as_str());
    }
    assert_eq!(
        data[0]["referenced_tweets"],
        json!([{"type": "replied_to", "id": second}])
    );
    assert_eq!(data[0]["in_reply_to_user_id"], user.as_str());
    assert!(data[2].get("referenced_tweets").is_none());

    let recorded = h.recorded().await;
    assert_eq!(recorded[1]["reply_to"], first.as_str());
    assert_eq!(recorded[2]["reply_to"], second.as_str());

    // exclude=replies leaves the head of the thread.
    let heads: Value = h
        .get(&token, &format!("/2/users/{user}/tweets?exclude=replies"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(heads["meta"]["result_count"], 1);

    // Replying to a deleted or unknown post is refused.
    h.http
        .delete(h.url(&format!("/2/tweets/{third}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    for target in [third.as_str(), "1234567890123456789"] {
        let (status, body) = status_json(
            h.post_json(
                &token,
                json!({"text": format!("to {target}"), "reply": {"in_reply_to_tweet_id": target}}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body["detail"],
            "You attempted to reply to a Tweet that is deleted or not visible to you."
        );
    }

    // The unconfirmed 2026 policy, selectable: no replies to one's own posts.
    h.admin("limits", json!({"self_replies_allowed": false}))
        .await;
    let (status, body) = status_json(
        h.post_json(
            &token,
            json!({"text": "4/3", "reply": {"in_reply_to_tweet_id": second}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["title"], "Forbidden");
}

#[tokio::test]
async fn delete_marks_deleted_and_hides_from_the_timeline() {
    let h = start().await;
    let token = h.login().await;
    let id = h.post_ok(&token, json!({"text": "short-lived"})).await;
    let r = h
        .http
        .delete(h.url(&format!("/2/tweets/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(header(&r, "x-rate-limit-limit").is_some());
    assert_eq!(header(&r, "x-rate-limit-limit").as_deref(), Some("50"));
    assert_eq!(
        status_json(r).await,
        (StatusCode::OK, json!({"data": {"deleted": true}}))
    );
    // Again: still deleted (a retry after a lost answer must not fail).
    let r = h
        .http
        .delete(h.url(&format!("/2/tweets/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let recorded = h.recorded().await;
    assert_eq!(recorded[0]["deleted"], true);
    assert!(recorded[0]["deleted_at"].is_string());
    let user = h.user_id(&token).await;
    let listed: Value = h
        .get(&token, &format!("/2/users/{user}/tweets"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!({"meta": {"result_count": 0}}));

    // Unknown and malformed ids.
    let r = h
        .http
        .delete(h.url("/2/tweets/1234567890123456789"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["type"],
        "https://api.twitter.com/2/problems/resource-not-found"
    );
    for bad in ["abc", "%FF%FE", "12345678901234567890"] {
        let r = h
            .http
            .delete(h.url(&format!("/2/tweets/{bad}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body["title"], "Invalid Request", "{bad}");
    }
}

#[tokio::test]
async fn timeline_filters_and_paginates_newest_first() {
    let h = start().await;
    let token = h.login().await;
    let user = h.user_id(&token).await;
    let path = |q: &str| format!("/2/users/{user}/tweets?{q}");

    // Empty: no data key.
    let (status, empty) = status_json(h.get(&token, &path("")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty, json!({"meta": {"result_count": 0}}));

    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            h.post_ok(&token, json!({ "text": format!("post number {i}") }))
                .await,
        );
    }
    // Five minutes later, three more.
    h.advance(300.0).await;
    let later_start = h.admin_get("clock").await["now"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 12..15 {
        ids.push(
            h.post_ok(&token, json!({ "text": format!("post number {i}") }))
                .await,
        );
    }

    // Pages of five, newest first, with next_token until the end.
    let mut seen = Vec::new();
    let mut token_param = String::new();
    for page in 0..3 {
        let q = format!("max_results=5{token_param}");
        let body: Value = h.get(&token, &path(&q)).await.json().await.unwrap();
        let data = body["data"].as_array().unwrap();
        assert_eq!(data.len(), 5, "page {page}");
        assert_eq!(body["meta"]["result_count"], 5);
        assert_eq!(body["meta"]["newest_id"], data[0]["id"]);
        assert_eq!(body["meta"]["oldest_id"], data[4]["id"]);
        seen.extend(data.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match body["meta"]["next_token"].as_str() {
            Some(next) => token_param = format!("&pagination_token={next}"),
            None => assert_eq!(page, 2, "only the last page lacks next_token"),
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // Default page size is 10.
    let body: Value = h.get(&token, &path("")).await.json().await.unwrap();
    assert_eq!(body["meta"]["result_count"], 10);

    // since_id / until_id are exclusive.
    let body: Value = h
        .get(&token, &path(&format!("since_id={}", ids[11])))
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        vec![ids[14].as_str(), ids[13].as_str(), ids[12].as_str()]
    );
    let body: Value = h
        .get(&token, &path(&format!("until_id={}&max_results=5", ids[2])))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["meta"]["result_count"], 2);

    // start_time picks the later batch, end_time (inclusive, to the second) the earlier one.
    let body: Value = h
        .get(&token, &path(&format!("start_time={later_start}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["meta"]["result_count"], 3, "{body}");
    let earlier: jiff::Timestamp = later_start.parse().unwrap();
    let earlier = earlier
        .checked_sub(jiff::SignedDuration::from_secs(2))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ");
    let body: Value = h
        .get(
            &token,
            &path(&format!("end_time={earlier}&max_results=100")),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["meta"]["result_count"], 12, "{body}");
    let body: Value = h
        .get(
            &token,
            &path(&format!("start_time={earlier}&end_time={earlier}")),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"meta": {"result_count": 0}}));

    // created_at is RFC 3339 with milliseconds.
    let body: Value = h
        .get(&token, &path("tweet.fields=created_at&max_results=5"))
        .await
        .json()
        .await
        .unwrap();
    let created = body["data"][0]["created_at"].as_str().unwrap();
    assert_eq!(created.len(), "2026-01-01T00:00:00.000Z".len(), "{created}");

    // Bad parameters get X's 400.
    for q in [
        "max_results=3",
        "max_results=101",
        "since_id=abc",
        "start_time=yesterday",
        "colour=red",
        "pagination_token=zzz",
        "tweet.fields=mood",
    ] {
        let (status, body) = status_json(h.get(&token, &path(q)).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(body["title"], "Invalid Request", "{q}");
    }

    // Another user's id: 200 with an errors array, as X answers.
    let (status, body) = status_json(h.get(&token, "/2/users/42/tweets").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"][0]["resource_type"], "user");
    assert!(body.get("data").is_none());

    // The unconfirmed empty form, selectable.
    h.admin("limits", json!({"empty_listing_data": true})).await;
    let body: Value = h
        .get(&token, &path(&format!("since_id={}", ids[14])))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"data": [], "meta": {"result_count": 0}}));
}

#[tokio::test]
async fn users_me_has_rate_headers_and_fields() {
    let h = start().await;
    let token = h.login().await;
    let r = h
        .get(
            &token,
            "/2/users/me?user.fields=verified_type,public_metrics,created_at",
        )
        .await;
    assert_eq!(header(&r, "x-rate-limit-limit").as_deref(), Some("75"));
    assert_eq!(header(&r, "x-rate-limit-remaining").as_deref(), Some("74"));
    let reset: i64 = header(&r, "x-rate-limit-reset").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now + 890..=now + 901).contains(&reset), "{reset} vs {now}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["verified_type"], "none");
    assert_eq!(body["data"]["public_metrics"]["tweet_count"], 0);
    let (status, _) = status_json(h.get(&token, "/2/users/me?user.fields=shoe_size").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let h = start().await;
    let token = h.login().await;
    let (status, body) = status_json(h.get(&token, "/2/nothing/here").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["status"], 404);
    let r = h
        .http
        .get(h.url("/2/tweets"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}
