//! Rate limits: waited out when the reset is near, reported when it is far, never guessed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_x::{Endpoint, NewPost, TokenStore, Window, XClient, XError};
use serde_json::json;

use crate::support::*;

/// Seconds (fractional) from now until `at`.
fn secs_until(at: jiff::Timestamp) -> f64 {
    at.duration_since(jiff::Timestamp::now()).as_secs_f64()
}

#[tokio::test]
async fn a_429_is_waited_out_until_the_reset_and_retried_once() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    admin(
        &sb.base_url(),
        "limits",
        json!({"posts_per_window": 1, "window_secs": 3}),
    )
    .await;
    let (a, store) = connected(&relay.base).await;
    a.create_post(&NewPost::text("First in the window"))
        .await
        .expect("first");
    let reset_at = a
        .budget(Endpoint::CreatePost)
        .expect("A learned the budget")
        .reset_at;

    // B shares the account but has not seen the headers yet, so it sends and gets the 429.
    let b =
        XClient::new(config(&relay.base), store.clone() as Arc<dyn TokenStore>).expect("client");
    let expected = secs_until(reset_at);
    let started = Instant::now();
    let created = b
        .create_post(&NewPost::text("Second, after the reset"))
        .await
        .expect("waited and retried");
    let waited = started.elapsed().as_secs_f64();
    assert!(!created.id.is_empty());
    assert_eq!(
        relay.count("POST", "/2/tweets"),
        3,
        "A's post, B's 429, B's retry"
    );
    // It waited for the reset the headers gave (plus at most the one-second slack the client
    // adds for the header's whole-second granularity), not a guess.
    assert!(
        waited >= expected - 0.05 && waited <= expected + 1.6,
        "waited {waited:.2}s for a reset {expected:.2}s away"
    );
    assert_eq!(sb.posts().len(), 2);
}

#[tokio::test]
async fn a_known_empty_budget_waits_before_sending() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    admin(
        &sb.base_url(),
        "limits",
        json!({"posts_per_window": 1, "window_secs": 2}),
    )
    .await;
    let (client, _) = connected(&relay.base).await;
    client
        .create_post(&NewPost::text("Uses the window up"))
        .await
        .expect("first");
    let budget = client.budget(Endpoint::CreatePost).expect("budget");
    assert_eq!(budget.remaining, 0);
    let expected = secs_until(budget.reset_at);
    let started = Instant::now();
    client
        .create_post(&NewPost::text("Waits its turn"))
        .await
        .expect("second");
    let waited = started.elapsed().as_secs_f64();
    assert!(
        waited >= expected - 0.05 && waited <= expected + 1.6,
        "waited {waited:.2}s for a reset {expected:.2}s away"
    );
    assert_eq!(relay.count("POST", "/2/tweets"), 2, "no 429 was provoked");
}

#[tokio::test]
async fn a_far_reset_is_rate_limited_without_sending() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    admin(&sb.base_url(), "limits", json!({"me_per_window": 1})).await;
    let (a, store) = connected(&relay.base).await;
    a.me().await.expect("first");

    // A knows the budget is spent for 15 minutes: it refuses locally.
    let err = a.me().await.expect_err("spent");
    let XError::RateLimited { reset_at, window } = err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert_eq!(window, Window::FifteenMinutes);
    assert!((880.0..=901.0).contains(&secs_until(reset_at)));
    assert_eq!(relay.count("GET", "/2/users/me"), 1, "nothing sent");

    // B does not know: it sends once, reads the 429's headers, and does not retry.
    let b = XClient::new(config(&relay.base), store as Arc<dyn TokenStore>).expect("client");
    let started = Instant::now();
    let err = b.me().await.expect_err("429");
    assert!(started.elapsed() < Duration::from_secs(2), "no waiting");
    assert!(
        matches!(
            err,
            XError::RateLimited {
                window: Window::FifteenMinutes,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "x_rate_limited");
    assert_eq!(relay.count("GET", "/2/users/me"), 2);
}

#[tokio::test]
async fn the_24_hour_cap_is_reported_as_the_day_window() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    admin(&sb.base_url(), "limits", json!({"posts_per_24h_user": 1})).await;
    let (a, store) = connected(&relay.base).await;
    a.create_post(&NewPost::text("Today's only post"))
        .await
        .expect("first");
    let day = a.budget(Endpoint::CreatePost).expect("binding budget");
    assert_eq!((day.window, day.remaining), (Window::Day, 0));

    let err = a
        .create_post(&NewPost::text("One too many"))
        .await
        .expect_err("capped");
    assert!(
        matches!(
            err,
            XError::RateLimited {
                window: Window::Day,
                ..
            }
        ),
        "{err:?}"
    );

    // From a 429 too: the exhausted 24-hour headers decide, not the 15-minute ones.
    let b = XClient::new(config(&relay.base), store as Arc<dyn TokenStore>).expect("client");
    let err = b
        .create_post(&NewPost::text("One too many"))
        .await
        .expect_err("capped");
    let XError::RateLimited { reset_at, window } = err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert_eq!(window, Window::Day);
    assert!(secs_until(reset_at) > 23.0 * 3600.0);
    assert_eq!(relay.count("POST", "/2/tweets"), 2);
    assert_eq!(sb.posts().len(), 1);
}

#[tokio::test]
async fn the_usage_cap_is_usage_capped() {
    let sb = sandbox().await;
    admin(&sb.base_url(), "limits", json!({"usage_cap": 0})).await;
    let (client, _) = connected(&sb.base_url()).await;
    let err = client
        .create_post(&NewPost::text("Over the monthly cap"))
        .await
        .expect_err("capped");
    assert!(matches!(err, XError::UsageCapped { .. }), "{err:?}");
    assert_eq!(err.code(), "x_usage_capped");
    assert!(sb.posts().is_empty());
}
