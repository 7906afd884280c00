//! Media: one-shot and chunked uploads, processing, STATUS, alt text, and the rules for using
//! media in a post.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

async fn initialize(h: &Harness, token: &str, body: Value) -> (StatusCode, Value) {
    status_json(
        h.http
            .post(h.url("/2/media/upload/initialize"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn append(
    h: &Harness,
    token: &str,
    id: &str,
    index: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = Form::new()
        .part("media", Part::bytes(bytes).file_name("blob"))
        .text("segment_index", index.to_owned());
    let r = h
        .http
        .post(h.url(&format!("/2/media/upload/{id}/append")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    status_json(r).await
}

async fn finalize(h: &Harness, token: &str, id: &str) -> (StatusCode, Value) {
    status_json(
        h.http
            .post(h.url(&format!("/2/media/upload/{id}/finalize")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn status(h: &Harness, token: &str, id: &str) -> (StatusCode, Value) {
    status_json(
        h.get(
            token,
            &format!("/2/media/upload?command=STATUS&media_id={id}"),
        )
        .await,
    )
    .await
}

/// Chunked upload of `bytes` in `chunk`-sized segments; returns the id after finalize and
/// the finalize body.
async fn chunked(
    h: &Harness,
    token: &str,
    bytes: &[u8],
    media_type: &str,
    category: &str,
    chunk: usize,
) -> (String, Value) {
    let (s, init) = initialize(
        h,
        token,
        json!({"media_type": media_type, "total_bytes": bytes.len(), "media_category": category}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{init}");
    let id = init["data"]["id"].as_str().unwrap().to_owned();
    assert!(init["data"]["expires_after_secs"].as_i64().unwrap() > 80_000);
    for (i, part) in bytes.chunks(chunk).enumerate() {
        let (s, body) = append(h, token, &id, &i.to_string(), part.to_vec()).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let (s, fin) = finalize(h, token, &id).await;
    assert_eq!(s, StatusCode::OK, "{fin}");
    (id, fin)
}

#[tokio::test]
async fn simple_image_upload_and_post_with_alt_text() {
    let h = start().await;
    let token = h.login().await;
    let (s, body) = upload(&h, &token, png(), "tweet_image").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["data"]["media_key"], format!("3_{id}"));
    assert_eq!(body["data"]["size"], png().len());
    assert_eq!(
        body["data"]["image"],
        json!({"image_type": "image/png", "w": 1, "h": 1})
    );
    assert!(body["data"].get("processing_info").is_none());

    // Alt text: up to 1,000 characters.
    let meta = |text: String| json!({"id": id, "metadata": {"alt_text": {"text": text}}});
    let r = h
        .http
        .post(h.url("/2/media/metadata"))
        .bearer_auth(&token)
        .json(&meta("A red square".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(r).await,
        (
            StatusCode::OK,
            json!({"data": {"id": id, "associated_metadata": {"alt_text": {"text": "A red square"}}}})
        )
    );
    let r = h
        .http
        .post(h.url("/2/media/metadata"))
        .bearer_auth(&token)
        .json(&meta("é".repeat(1001)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = h
        .http
        .post(h.url("/2/media/metadata"))
        .bearer_auth(&token)
        .json(&json!({"id": "1234567890123456789", "metadata": {"alt_text": {"text": "x"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = h
        .post_json(
            &token,
            json!({"text": "With a picture", "media": {"media_ids": [id]}}),
        )
        .await;
    let (s, body) = status_json(r).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // X appends the media's t.co link to the text.
    let text = body["data"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("With a picture https://t.co/")
            && text.len() == "With a picture ".len() + 23,
        "{text}"
    );

    let recorded = h.recorded().await;
    assert_eq!(
        recorded[0]["media"],
        json!([{"id": id, "media_key": format!("3_{id}"), "type": "photo", "alt_text": "A red square"}])
    );

    // Media-only posts need no text.
    let second = upload_ok(&h, &token, png(), "tweet_image").await;
    h.post_ok(&token, json!({"media": {"media_ids": [second]}}))
        .await;
}

#[tokio::test]
async fn chunked_video_processes_over_status_polls() {
    let h = start().await;
    let token = h.login().await;
    let video = mp4(3_000, 300_000);
    let (id, fin) = chunked(&h, &token, &video, "video/mp4", "tweet_video", 100_000).await;
    assert_eq!(fin["data"]["media_key"], format!("7_{id}"));
    assert_eq!(fin["data"]["size"], 300_000);
    assert_eq!(fin["data"]["processing_info"]["state"], "pending");
    assert_eq!(fin["data"]["processing_info"]["check_after_secs"], 1);

    // Not usable until processed.
    let (s, body) = status_json(
        h.post_json(
            &token,
            json!({"text": "Too soon", "media": {"media_ids": [id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["type"],
        "https://api.twitter.com/2/problems/invalid-request"
    );

    let (_, first) = status(&h, &token, &id).await;
    assert_eq!(first["data"]["processing_info"]["state"], "in_progress");
    let progress = first["data"]["processing_info"]["progress_percent"]
        .as_i64()
        .unwrap();
    assert!((1..100).contains(&progress));
    let (_, second) = status(&h, &token, &id).await;
    assert_eq!(second["data"]["processing_info"]["state"], "in_progress");
    let (_, third) = status(&h, &token, &id).await;
    assert_eq!(third["data"]["processing_info"]["state"], "succeeded");
    assert_eq!(third["data"]["processing_info"]["progress_percent"], 100);
    assert_eq!(third["data"]["video"]["video_type"], "video/mp4");

    h.post_ok(
        &token,
        json!({"text": "Our launch video", "media": {"media_ids": [id]}}),
    )
    .await;
    assert_eq!(h.recorded().await[0]["media"][0]["type"], "video");
}

#[tokio::test]
async fn processing_also_finishes_with_time() {
    let h = start().await;
    let token = h.login().await;
    let (id, fin) = chunked(&h, &token, &gif(3), "image/gif", "tweet_gif", 1 << 20).await;
    assert_eq!(fin["data"]["processing_info"]["state"], "pending");
    assert_eq!(fin["data"]["media_key"], format!("16_{id}"));
    h.advance(2.0).await;
    // No STATUS poll needed: posting sees it processed.
    h.post_ok(
        &token,
        json!({"text": "A GIF", "media": {"media_ids": [id]}}),
    )
    .await;
}

#[tokio::test]
async fn media_rules_for_posts() {
    let h = start().await;
    let token = h.login().await;
    let mut photos = Vec::new();
    for _ in 0..5 {
        photos.push(upload_ok(&h, &token, png(), "tweet_image").await);
    }
    let gif_id = upload_ok(&h, &token, gif(2), "tweet_gif").await;
    wait_processed(&h, &token, &gif_id).await;

    // Five photos: X's schema allows four.
    let (s, body) = status_json(
        h.post_json(
            &token,
            json!({"text": "five", "media": {"media_ids": photos}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("maximum of 4"), "{body}");

    // Four photos are fine.
    h.post_ok(
        &token,
        json!({"text": "four", "media": {"media_ids": photos[..4]}}),
    )
    .await;

    // A GIF with a photo is not.
    let (s, body) = status_json(
        h.post_json(
            &token,
            json!({"text": "mix", "media": {"media_ids": [gif_id, photos[4]]}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["parameters"]["media.media_ids"].is_array(),
        "{body}"
    );

    // Unknown ids, repeated ids.
    let (s, body) = status_json(
        h.post_json(
            &token,
            json!({"text": "ghost", "media": {"media_ids": ["1234567890123456789"]}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["message"], "Your media IDs are invalid.");
    let (s, _) = status_json(
        h.post_json(
            &token,
            json!({"text": "twice", "media": {"media_ids": [photos[4], photos[4]]}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Media expires after about a day.
    h.advance(24.0 * 3600.0 + 10.0).await;
    let token = h.login().await;
    let (s, _) = status_json(
        h.post_json(
            &token,
            json!({"text": "stale", "media": {"media_ids": [photos[4]]}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = status(&h, &token, &gif_id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h.recorded().await.len(), 1);
}

#[tokio::test]
async fn uploads_are_checked_by_their_bytes_and_size() {
    let h = start().await;
    let token = h.login().await;

    // Not an image at all.
    let (s, body) = upload(
        &h,
        &token,
        b"just some text, honestly".to_vec(),
        "tweet_image",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    // A PNG is not a GIF.
    let (s, _) = upload(&h, &token, png(), "tweet_gif").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // An image over 5 MB.
    let mut big = png();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let (s, body) = upload(&h, &token, big, "tweet_image").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("5242880"), "{body}");
    // Unknown category; DM categories cannot go on posts.
    let (s, _) = upload(&h, &token, png(), "tweet_sticker").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = upload(&h, &token, png(), "dm_image").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Missing parts and broken multipart bodies.
    let form = Form::new().text("media_category", "tweet_image");
    let r = h
        .http
        .post(h.url("/2/media/upload"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = h
        .http
        .post(h.url("/2/media/upload"))
        .bearer_auth(&token)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"media\"\r\n\r\nabc")
        .send()
        .await
        .unwrap();
    let (s, body) = status_json(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["title"], "Invalid Request");
    let r = h
        .http
        .post(h.url("/2/media/upload"))
        .bearer_auth(&token)
        .body("nothing")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // JSON upload with base64 media works too.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(png());
    let r = h
        .http
        .post(h.url("/2/media/upload"))
        .bearer_auth(&token)
        .json(&json!({"media": b64, "media_category": "tweet_image"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn chunked_upload_rules() {
    let h = start().await;
    let token = h.login().await;

    // initialize: type must fit the category, size within limits, no unknown fields.
    for body in [
        json!({"media_type": "image/png", "total_bytes": 100, "media_category": "tweet_video"}),
        json!({"media_type": "video/mp4", "total_bytes": 600 * 1024 * 1024, "media_category": "tweet_video"}),
        json!({"media_type": "video/mp4", "total_bytes": 100, "media_category": "tweet_video", "colour": 1}),
        json!({"media_type": "video/mp4"}),
    ] {
        let (s, b) = initialize(&h, &token, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} -> {b}");
    }

    let video = mp4(2_000, 4_000);
    let (s, init) = initialize(
        &h,
        &token,
        json!({"media_type": "video/mp4", "total_bytes": 4_000, "media_category": "tweet_video"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let id = init["data"]["id"].as_str().unwrap().to_owned();

    // Bad segment index; too many bytes.
    let (s, _) = append(&h, &token, &id, "1000", video[..10].to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = append(&h, &token, &id, "zero", video[..10].to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = append(&h, &token, &id, "0", vec![0; 4_001]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Finalize before all bytes arrived; then with a gap in the indices.
    assert_eq!(
        append(&h, &token, &id, "0", video[..2_000].to_vec())
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(finalize(&h, &token, &id).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        append(&h, &token, &id, "2", video[2_000..].to_vec())
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(finalize(&h, &token, &id).await.0, StatusCode::BAD_REQUEST);
    // The upload with a gap stays broken; a fresh one goes through.
    let (id, _) = chunked(&h, &token, &video, "video/mp4", "tweet_video", 1_500).await;
    // No more appends after finalize.
    assert_eq!(
        append(&h, &token, &id, "3", vec![1]).await.0,
        StatusCode::BAD_REQUEST
    );
    // STATUS for ids that do not exist or are not numbers.
    assert_eq!(
        status(&h, &token, "1234567890123456789").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status(&h, &token, "abc").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        finalize(&h, &token, "1234567890123456789").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_videos_and_faults_end_processing_in_failed() {
    let h = start().await;
    let token = h.login().await;

    // 0.2 s is too short for X.
    let (id, _) = chunked(
        &h,
        &token,
        &mp4(200, 2_000),
        "video/mp4",
        "tweet_video",
        1_000,
    )
    .await;
    let data = wait_processed(&h, &token, &id).await;
    assert_eq!(data["processing_info"]["state"], "failed");
    assert_eq!(data["processing_info"]["error"]["name"], "InvalidMedia");
    let (s, _) = status_json(
        h.post_json(
            &token,
            json!({"text": "short", "media": {"media_ids": [id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Declared video/mp4, actually a PNG.
    let (id, _) = chunked(&h, &token, &png(), "video/mp4", "tweet_video", 1_000).await;
    assert_eq!(
        wait_processed(&h, &token, &id).await["processing_info"]["state"],
        "failed"
    );

    // A fine video hit by the media_processing_failed fault.
    h.admin("faults", json!({"kind": "media_processing_failed"}))
        .await;
    let (id, _) = chunked(
        &h,
        &token,
        &mp4(5_000, 3_000),
        "video/mp4",
        "tweet_video",
        1_000,
    )
    .await;
    assert_eq!(
        wait_processed(&h, &token, &id).await["processing_info"]["state"],
        "failed"
    );
    // The fault was used up: the next one succeeds.
    let (id, _) = chunked(
        &h,
        &token,
        &mp4(5_000, 3_000),
        "video/mp4",
        "tweet_video",
        1_000,
    )
    .await;
    assert_eq!(
        wait_processed(&h, &token, &id).await["processing_info"]["state"],
        "succeeded"
    );
}
