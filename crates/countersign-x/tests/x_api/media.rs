//! Media: one-shot images, chunked video with processing, alt text, posting with media.

use std::time::Instant;

use countersign_x::{MediaKind, MediaSource, NewPost, SEGMENT_BYTES, XError};
use serde_json::json;

use crate::support::*;

/// An MP4 the sandbox accepts: `ftyp`, a `moov/mvhd` saying 3 seconds, then an `mdat` that pads
/// the file to `total` bytes.
fn mp4(total: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&20u32.to_be_bytes());
    out.extend_from_slice(b"ftypisom\0\0\x02\0mp41");
    let mut mvhd = vec![0u8; 12];
    mvhd.extend_from_slice(&1000u32.to_be_bytes()); // timescale
    mvhd.extend_from_slice(&3000u32.to_be_bytes()); // duration: 3 s
    mvhd.extend_from_slice(&[0u8; 80]);
    let mvhd_len = 8 + mvhd.len() as u32;
    out.extend_from_slice(&(mvhd_len + 8).to_be_bytes());
    out.extend_from_slice(b"moov");
    out.extend_from_slice(&mvhd_len.to_be_bytes());
    out.extend_from_slice(b"mvhd");
    out.extend_from_slice(&mvhd);
    let mdat_len = (total - out.len()) as u32;
    out.extend_from_slice(&mdat_len.to_be_bytes());
    out.extend_from_slice(b"mdat");
    out.resize(total, 0x5a);
    out
}

/// A PNG header the sandbox sniffs as a 640x480 image.
fn png() -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    p.extend_from_slice(&640u32.to_be_bytes());
    p.extend_from_slice(&480u32.to_be_bytes());
    p.extend_from_slice(&[8, 6, 0, 0, 0]);
    p.resize(2048, 0);
    p
}

#[tokio::test]
async fn chunked_video_with_processing_then_alt_text_then_a_post() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let (client, _) = connected(&relay.base).await;
    let video = mp4(2 * SEGMENT_BYTES + 12_345);

    let started = Instant::now();
    let id = client
        .upload_media(
            video,
            "video/mp4",
            MediaKind::Video,
            Some("A product demo, 3 seconds"),
        )
        .await
        .expect("uploaded and processed");
    let took = started.elapsed();

    assert_eq!(relay.count("POST", "/2/media/upload/initialize"), 1);
    assert_eq!(
        relay.count_prefix("POST", "/2/media/upload/") - 1, // minus initialize
        3 + 1,
        "three segments and one finalize: {:?}",
        relay.requests()
    );
    let polls = relay.count("GET", "/2/media/upload");
    assert!(polls >= 1, "processing was polled");
    // The sandbox asks to check back after 1 s each time; the client honoured that.
    assert!(
        took.as_secs_f64() >= polls as f64 * 0.95,
        "{polls} polls in {took:?}"
    );
    assert_eq!(relay.count("POST", "/2/media/metadata"), 1);

    let created = client
        .create_post(&NewPost {
            text: "Watch this".into(),
            media_ids: vec![id.clone()],
            ..NewPost::default()
        })
        .await
        .expect("posted with the video");
    let posts = sb.posts();
    assert_eq!(posts[0].id, created.id);
    assert_eq!(posts[0].media.len(), 1);
    assert_eq!(posts[0].media[0].id, id);
    assert_eq!(posts[0].media[0].kind, "video");
    assert_eq!(
        posts[0].media[0].alt_text.as_deref(),
        Some("A product demo, 3 seconds")
    );
}

#[tokio::test]
async fn video_from_a_file_is_read_in_segments() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, mp4(SEGMENT_BYTES + 1)).expect("write");
    let id = client
        .upload_media(MediaSource::File(path), "video/mp4", MediaKind::Video, None)
        .await
        .expect("uploaded");
    client
        .create_post(&NewPost {
            text: "From disk".into(),
            media_ids: vec![id],
            ..NewPost::default()
        })
        .await
        .expect("posted");
    assert_eq!(sb.posts()[0].media[0].alt_text, None);
}

#[tokio::test]
async fn image_goes_up_in_one_request() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let (client, _) = connected(&relay.base).await;
    let id = client
        .upload_media(png(), "image/png", MediaKind::Image, Some("Our logo"))
        .await
        .expect("uploaded");
    assert_eq!(relay.count("POST", "/2/media/upload"), 1);
    assert_eq!(
        relay.count_prefix("POST", "/2/media/upload/"),
        0,
        "not chunked"
    );
    client
        .create_post(&NewPost {
            text: "New logo".into(),
            media_ids: vec![id],
            ..NewPost::default()
        })
        .await
        .expect("posted");
    let media = &sb.posts()[0].media[0];
    assert_eq!(media.kind, "photo");
    assert_eq!(media.alt_text.as_deref(), Some("Our logo"));
}

#[tokio::test]
async fn failed_processing_is_media_failed() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    admin(
        &sb.base_url(),
        "faults",
        json!({"kind": "media_processing_failed", "count": 1}),
    )
    .await;
    let err = client
        .upload_media(mp4(100_000), "video/mp4", MediaKind::Video, None)
        .await
        .expect_err("processing fails");
    assert!(matches!(err, XError::MediaFailed { .. }), "{err:?}");
    assert_eq!(err.code(), "x_media_failed");
}

#[tokio::test]
async fn over_long_alt_text_is_refused_before_uploading() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let (client, _) = connected(&relay.base).await;
    let before = relay.requests().len();
    let err = client
        .upload_media(
            png(),
            "image/png",
            MediaKind::Image,
            Some(&"a".repeat(1001)),
        )
        .await
        .expect_err("too long");
    assert!(matches!(err, XError::InvalidRequest { .. }), "{err:?}");
    assert_eq!(relay.requests().len(), before);
}
