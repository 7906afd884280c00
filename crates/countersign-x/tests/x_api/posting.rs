//! Posting, threads, deleting, reading back, and every way a post can fail.

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_x::{Endpoint, MemoryTokenStore, NewPost, RecentQuery, Window, XError};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn create_post_and_read_it_back() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    let post = NewPost {
        text: "Launch day: see example.com".into(),
        reply_settings: Some("following".into()),
        ..NewPost::default()
    };
    let created = client.create_post(&post).await.expect("posted");
    assert!(
        created.text.contains("https://t.co/"),
        "X rewrites URLs: {}",
        created.text
    );
    let posts = sb.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].id, created.id);
    assert_eq!(posts[0].text, post.text);
    assert_eq!(posts[0].reply_settings.as_deref(), Some("following"));

    let me = client.me().await.expect("me");
    let recent = client
        .recent_posts(&me.id, RecentQuery::default())
        .await
        .expect("recent");
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].id, created.id);
    assert!(recent[0].created_at.is_some());
}

#[tokio::test]
async fn duplicate_403_is_duplicate() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    client
        .create_post(&NewPost::text("Same words twice"))
        .await
        .expect("first");
    let err = client
        .create_post(&NewPost::text("Same words twice"))
        .await
        .expect_err("duplicate");
    assert!(matches!(err, XError::Duplicate), "{err:?}");
    assert_eq!(err.code(), "x_duplicate");
    assert!(!err.outcome_unknown());
    assert_eq!(sb.posts().len(), 1);
}

#[tokio::test]
async fn over_length_is_too_long_in_both_of_xs_forms() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    let long = NewPost::text("a".repeat(300));
    let err = client.create_post(&long).await.expect_err("403 form");
    assert!(matches!(err, XError::TooLong), "{err:?}");

    admin(
        &sb.base_url(),
        "limits",
        json!({"length_error": "invalid_request"}),
    )
    .await;
    let err = client.create_post(&long).await.expect_err("400 form");
    assert!(matches!(err, XError::TooLong), "{err:?}");

    // With the caller's weighted count (emoji weigh 2): 150 emoji are 300 weighted.
    let emoji = NewPost {
        text: "🎉".repeat(150),
        weighted_length: Some(300),
        ..NewPost::default()
    };
    admin(
        &sb.base_url(),
        "limits",
        json!({"length_error": "forbidden"}),
    )
    .await;
    let err = client.create_post(&emoji).await.expect_err("403 form");
    assert!(matches!(err, XError::TooLong), "{err:?}");
    assert!(sb.posts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_resumes_after_the_last_posted_part() {
    let sb = sandbox().await;
    let base = sb.base_url();
    let (client, _) = connected(&base).await;
    let parts: Vec<NewPost> = (1..=4)
        .map(|i| NewPost::text(format!("Thread part {i}/4")))
        .collect();

    // The first run records each part as it goes; right after part 2 is recorded, X starts
    // failing, so part 3 gets a 503.
    let mut recorded: Vec<(usize, String)> = Vec::new();
    let err = client
        .create_thread(&parts, &[], &mut |i, id| {
            recorded.push((i, id.to_string()));
            if i == 1 {
                let base = base.clone();
                tokio::task::block_in_place(|| {
                    tokio::runtime::Handle::current().block_on(admin(
                        &base,
                        "faults",
                        json!({"kind": "status_503", "count": 1, "path": "/2/tweets", "method": "POST"}),
                    ))
                });
            }
            Ok(())
        })
        .await
        .expect_err("part 3 fails");
    assert!(matches!(err, XError::Server { status: 503 }), "{err:?}");
    assert_eq!(recorded.len(), 2);
    assert_eq!(sb.posts().len(), 2);

    // Resume from what was recorded: only parts 3 and 4 go out, each replying to the one
    // before; parts 1 and 2 are not posted again.
    let done: Vec<String> = recorded.iter().map(|(_, id)| id.clone()).collect();
    let all = client
        .create_thread(&parts, &done, &mut |i, id| {
            recorded.push((i, id.to_string()));
            Ok(())
        })
        .await
        .expect("resumed");
    assert_eq!(all.len(), 4);
    assert_eq!(&all[..2], &done[..]);
    assert_eq!(
        recorded.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    let posts = sb.posts();
    assert_eq!(posts.len(), 4, "each part exactly once");
    assert_eq!(posts[0].reply_to, None);
    for i in 0..4 {
        assert_eq!(posts[i].id, all[i]);
        assert_eq!(posts[i].text, parts[i].text);
        if i > 0 {
            assert_eq!(posts[i].reply_to.as_deref(), Some(all[i - 1].as_str()));
        }
    }

    // Resuming a finished thread posts nothing.
    let again = client
        .create_thread(&parts, &all, &mut |_, _| Err("must not be called".into()))
        .await
        .expect("nothing to do");
    assert_eq!(again, all);
    assert_eq!(sb.posts().len(), 4);
}

#[tokio::test]
async fn thread_stops_when_a_part_cannot_be_recorded() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    let parts: Vec<NewPost> = (1..=3)
        .map(|i| NewPost::text(format!("Recorded part {i}")))
        .collect();
    let err = client
        .create_thread(&parts, &[], &mut |i, _| {
            if i == 1 {
                Err("disk full".into())
            } else {
                Ok(())
            }
        })
        .await
        .expect_err("stops");
    let XError::NotRecorded { index, id, detail } = err else {
        panic!("expected NotRecorded, got {err:?}");
    };
    assert_eq!(index, 1);
    assert_eq!(detail, "disk full");
    let posts = sb.posts();
    assert_eq!(posts.len(), 2, "part 3 was not posted");
    assert_eq!(posts[1].id, id);
}

#[tokio::test]
async fn delete_post_and_a_missing_post() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    let created = client
        .create_post(&NewPost::text("Soon gone"))
        .await
        .expect("posted");
    client.delete_post(&created.id).await.expect("deleted");
    assert!(sb.posts()[0].deleted);
    let err = client
        .delete_post("1234567890123456789")
        .await
        .expect_err("missing");
    assert!(matches!(err, XError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn recent_posts_pages_and_filters() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            client
                .create_post(&NewPost::text(format!("Post number {i}")))
                .await
                .expect("posted")
                .id,
        );
    }
    let me = client.me().await.expect("me");
    let one_page = client
        .recent_posts(
            &me.id,
            RecentQuery {
                max_results: 5,
                ..RecentQuery::default()
            },
        )
        .await
        .expect("page");
    assert_eq!(one_page.len(), 5);
    assert_eq!(one_page[0].id, ids[6], "newest first");

    let two_pages = client
        .recent_posts(
            &me.id,
            RecentQuery {
                max_results: 5,
                pages: 3,
                ..RecentQuery::default()
            },
        )
        .await
        .expect("pages");
    let got: Vec<&str> = two_pages.iter().map(|p| p.id.as_str()).collect();
    let want: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(got, want);

    let since = client
        .recent_posts(
            &me.id,
            RecentQuery {
                since_id: Some(ids[4].clone()),
                ..RecentQuery::default()
            },
        )
        .await
        .expect("since");
    assert_eq!(since.len(), 2);

    // Nothing newer: X leaves `data` out, which is an empty list, not an error.
    let none = client
        .recent_posts(
            &me.id,
            RecentQuery {
                since_id: Some(ids[6].clone()),
                start_time: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_mins(5)),
                ..RecentQuery::default()
            },
        )
        .await
        .expect("empty");
    assert!(none.is_empty());
}

#[tokio::test]
async fn budgets_come_from_the_headers() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    assert!(
        client.budget(Endpoint::Me).is_none(),
        "unknown before any answer"
    );
    client.me().await.expect("me");
    let me = client.budget(Endpoint::Me).expect("me budget");
    assert_eq!(
        (me.limit, me.remaining, me.window),
        (75, 74, Window::FifteenMinutes)
    );
    let reset_in = me.reset_at.as_second() - jiff::Timestamp::now().as_second();
    assert!((890..=901).contains(&reset_in), "{reset_in}");

    client
        .create_post(&NewPost::text("Counting"))
        .await
        .expect("posted");
    let windows = client.budgets(Endpoint::CreatePost);
    assert_eq!(windows.len(), 2, "{windows:?}");
    let fifteen = windows
        .iter()
        .find(|b| b.window == Window::FifteenMinutes)
        .expect("15-minute window");
    assert_eq!((fifteen.limit, fifteen.remaining), (100, 99));
    let day = windows
        .iter()
        .find(|b| b.window == Window::Day)
        .expect("24-hour cap");
    // The user's 2,400 binds before the app's 10,000.
    assert_eq!((day.limit, day.remaining), (2_400, 2_399));
}

#[tokio::test]
async fn server_errors_are_server_and_never_retried() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    admin(
        &sb.base_url(),
        "faults",
        json!({"kind": "status_503", "count": 1, "path": "/2/tweets"}),
    )
    .await;
    let err = client
        .create_post(&NewPost::text("During an outage"))
        .await
        .expect_err("503");
    assert!(matches!(err, XError::Server { status: 503 }), "{err:?}");
    assert!(err.outcome_unknown());
    // The fault covered one request: a retry would have gone through and created a post.
    assert!(sb.posts().is_empty());

    admin(
        &sb.base_url(),
        "faults",
        json!({"kind": "status_500", "count": 1, "path": "/2/users/me"}),
    )
    .await;
    let err = client.me().await.expect_err("500");
    assert!(matches!(err, XError::Server { status: 500 }), "{err:?}");
}

#[tokio::test]
async fn accepted_then_dropped_is_maybe_sent_and_the_post_exists() {
    let sb = sandbox().await;
    let (client, _) = connected(&sb.base_url()).await;
    admin(
        &sb.base_url(),
        "faults",
        json!({"kind": "accept_then_drop", "count": 1, "path": "/2/tweets"}),
    )
    .await;
    let err = client
        .create_post(&NewPost::text("Did this go out?"))
        .await
        .expect_err("dropped");
    assert!(
        matches!(
            err,
            XError::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    let posts = sb.posts();
    assert_eq!(posts.len(), 1, "X processed it; the client did not resend");
    assert_eq!(posts[0].text, "Did this go out?");
}

#[tokio::test]
async fn a_hang_times_out_as_maybe_sent() {
    let sb = sandbox().await;
    let mut config = config(&sb.base_url());
    config.request_timeout = Duration::from_millis(800);
    let (client, _) = connected_with(config).await;
    admin(
        &sb.base_url(),
        "faults",
        json!({"kind": "accept_then_hang", "count": 1, "path": "/2/tweets"}),
    )
    .await;
    let started = Instant::now();
    let err = client
        .create_post(&NewPost::text("Into the void"))
        .await
        .expect_err("timed out");
    let elapsed = started.elapsed();
    let XError::Transport { maybe_sent, detail } = &err else {
        panic!("expected Transport, got {err:?}");
    };
    assert!(
        *maybe_sent,
        "a timeout after sending may have been received"
    );
    assert!(detail.contains("timed out"), "{detail}");
    assert!(
        elapsed >= Duration::from_millis(800) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(sb.posts().len(), 1, "X created it and nobody resent it");

    // A hang that processes nothing looks the same to the client: maybe sent.
    admin(
        &sb.base_url(),
        "faults",
        json!({"kind": "hang", "count": 1, "path": "/2/users/me"}),
    )
    .await;
    let err = client.me().await.expect_err("timed out");
    assert!(matches!(
        err,
        XError::Transport {
            maybe_sent: true,
            ..
        }
    ));
}

#[tokio::test]
async fn connection_refused_is_surely_not_sent() {
    let sb = sandbox().await;
    let (_, store) = connected(&sb.base_url()).await;
    let port = dead_port().await;
    let base = format!("http://127.0.0.1:{port}");
    let client = client(
        config(&base),
        &Arc::new(MemoryTokenStore::with_tokens(tokens(&store))),
    );
    let err = client
        .create_post(&NewPost::text("Nobody listening"))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            XError::Transport {
                maybe_sent: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.outcome_unknown());
    assert!(err.to_string().contains("not sent"), "{err}");
}

#[tokio::test]
async fn a_refused_self_reply_is_forbidden_reply_not_allowed() {
    // X's 2026 reply policy may refuse replies to one's own posts; the thread must say so.
    let sb = sandbox_with(|c| c.quirks.self_replies_allowed = false).await;
    let (client, _) = connected(&sb.base_url()).await;
    let parts = [
        NewPost::text("Head of thread"),
        NewPost::text("Second part"),
    ];
    let mut recorded = Vec::new();
    let err = client
        .create_thread(&parts, &[], &mut |_, id| {
            recorded.push(id.to_string());
            Ok(())
        })
        .await
        .expect_err("reply refused");
    assert!(
        matches!(&err, XError::Forbidden { kind } if kind == "reply_not_allowed"),
        "{err:?}"
    );
    assert_eq!(recorded.len(), 1, "the head was posted and recorded");
    assert_eq!(sb.posts().len(), 1);
}
