//! Connecting, refreshing and disconnecting.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use countersign_x::{MemoryTokenStore, TokenStore, XError};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn connect_headless_stores_a_full_grant() {
    let sb = sandbox().await;
    let (client, store) = connected(&sb.base_url()).await;
    let t = tokens(&store);
    assert!(
        t.refresh_token.is_some(),
        "offline.access yields a refresh token"
    );
    for scope in [
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
        "media.write",
    ] {
        assert!(
            t.scope.contains(scope),
            "{scope} missing from {:?}",
            t.scope
        );
    }
    let in_two_hours = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    assert!(t.expires_at <= in_two_hours && t.expires_at > jiff::Timestamp::now());
    let me = client.me().await.expect("me");
    assert_eq!(me.username, "sandbox_brand");
    assert!(client.is_connected().await.expect("connected"));
}

#[tokio::test]
async fn connect_with_browser_follows_the_redirect_to_the_loopback_callback() {
    let sb = sandbox().await;
    let mut config = config(&sb.base_url());
    config.redirect_port = 0; // any free port: the sandbox accepts any redirect URI
    let store = Arc::new(MemoryTokenStore::new());
    let client = client(config, &store);

    let mut browser = None;
    client
        .connect_with_browser(|url| {
            // The "browser": GET the consent page and follow X's redirect to our callback.
            let url = url.clone();
            browser = Some(tokio::spawn(async move {
                let response = reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .expect("browser")
                    .get(url)
                    .send()
                    .await
                    .expect("browser request");
                let landed = response.url().clone();
                (landed, response.text().await.expect("page"))
            }));
            Ok(())
        })
        .await
        .expect("browser connect");

    let (landed, page) = browser
        .expect("browser was opened")
        .await
        .expect("browser task");
    assert_eq!(landed.host_str(), Some("127.0.0.1"));
    assert_eq!(landed.path(), "/callback");
    assert!(page.contains("You can close this tab"), "{page}");
    assert!(tokens(&store).refresh_token.is_some());
    client.me().await.expect("me works after connecting");
}

#[tokio::test]
async fn browser_flow_reports_a_browser_that_cannot_open() {
    let sb = sandbox().await;
    let mut config = config(&sb.base_url());
    config.redirect_port = 0;
    let client = client(config, &Arc::new(MemoryTokenStore::new()));
    let err = client
        .connect_with_browser(|_| Err("no browser here".into()))
        .await
        .expect_err("cannot open");
    assert_eq!(err.code(), "x_authorization_setup");
    assert!(err.to_string().contains("no browser here"));
}

#[tokio::test]
async fn browser_flow_times_out() {
    let sb = sandbox().await;
    let mut config = config(&sb.base_url());
    config.redirect_port = 0;
    config.authorize_timeout = Duration::from_millis(300);
    let client = client(config, &Arc::new(MemoryTokenStore::new()));
    let err = client
        .connect_with_browser(|_| Ok(()))
        .await
        .expect_err("nobody came back");
    assert!(
        matches!(err, XError::AuthorizationTimeout { .. }),
        "{err:?}"
    );
}

/// The code and state the sandbox's consent page redirects with, read without following.
async fn consent(url: &url::Url) -> HashMap<String, String> {
    let response = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(url.clone())
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().expect("location");
    url::Url::parse(location)
        .expect("redirect URL")
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn exchange_checks_state_and_codes_work_once() {
    let sb = sandbox().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = client(config(&sb.base_url()), &store);
    let auth = client.authorization();
    let q = consent(&auth.url).await;
    assert_eq!(q["state"], auth.state);

    let err = client
        .exchange_code(&auth, &q["code"], "forged-state")
        .await
        .expect_err("state mismatch");
    assert!(matches!(err, XError::StateMismatch));
    assert!(store.load().expect("load").is_none(), "nothing stored");

    client
        .exchange_code(&auth, &q["code"], &q["state"])
        .await
        .expect("exchange");
    let err = client
        .exchange_code(&auth, &q["code"], &q["state"])
        .await
        .expect_err("codes are single-use");
    assert_eq!(err.code(), "x_authorization_failed");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_is_refused() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let (_, original) = connected(&relay.base).await;
    let old = tokens(&original);

    // Client A holds the pair, sees it expired, refreshes before use.
    let store_a = Arc::new(MemoryTokenStore::with_tokens(expired(old.clone())));
    let a = client(config(&relay.base), &store_a);
    a.me().await.expect("A refreshes and succeeds");
    let rotated = tokens(&store_a);
    assert_ne!(
        rotated.refresh_token, old.refresh_token,
        "a new refresh token"
    );
    assert_ne!(rotated.access_token, old.access_token, "a new access token");
    assert!(rotated.expires_at > jiff::Timestamp::now());
    assert_eq!(
        relay.count("POST", "/2/oauth2/token"),
        2,
        "exchange + refresh"
    );

    // Client B still holds the old pair: X refuses its refresh token → a clear state.
    let store_b = Arc::new(MemoryTokenStore::with_tokens(expired(old.clone())));
    let b = client(config(&relay.base), &store_b);
    let err = b.me().await.expect_err("old refresh token refused");
    assert!(matches!(err, XError::NeedsReconnect), "{err:?}");
    assert_eq!(err.code(), "x_needs_reconnect");
    assert_eq!(relay.count("POST", "/2/oauth2/token"), 3);

    // No retry loop: asking again does not spend the refused token again.
    let err = b.me().await.expect_err("still refused");
    assert!(matches!(err, XError::NeedsReconnect));
    assert_eq!(
        relay.count("POST", "/2/oauth2/token"),
        3,
        "no second attempt"
    );

    // A's rotated pair keeps working, including its next refresh.
    store_a.save(&expired(rotated)).expect("save");
    let a2 = client(config(&relay.base), &store_a);
    a2.me().await.expect("rotated pair refreshes again");
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let (_, original) = connected(&relay.base).await;
    let old = tokens(&original);
    assert_eq!(relay.count("POST", "/2/oauth2/token"), 1);

    let store = Arc::new(MemoryTokenStore::with_tokens(expired(old.clone())));
    let client = client(config(&relay.base), &store);
    // Slow the server a little so every caller is waiting while the refresh is in flight.
    admin(&sb.base_url(), "latency", json!({"ms": 150})).await;
    let callers: Vec<_> = (0..6)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.me().await })
        })
        .collect();
    for caller in callers {
        caller.await.expect("task").expect("every caller succeeds");
    }
    // Exactly one refresh: a second one would either spend the old refresh token (refused →
    // NeedsReconnect above) or rotate again (a third token request here).
    assert_eq!(relay.count("POST", "/2/oauth2/token"), 2);
    assert_eq!(
        relay.count("GET", "/2/users/me"),
        6,
        "no 401 retries either"
    );
    let after = tokens(&store);
    assert_ne!(after.refresh_token, old.refresh_token);
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let (client, store) = connected(&relay.base).await;
    let before = tokens(&store);
    // X's clock runs past the access token's life; this machine still thinks it is fresh.
    admin(
        &sb.base_url(),
        "clock",
        json!({"advance_secs": 3 * 60 * 60}),
    )
    .await;

    let me = client.me().await.expect("401, refresh, retry");
    assert_eq!(me.username, "sandbox_brand");
    assert_eq!(
        relay.count("GET", "/2/users/me"),
        2,
        "the 401 and the retry"
    );
    assert_eq!(
        relay.count("POST", "/2/oauth2/token"),
        2,
        "exchange + one refresh"
    );
    assert_ne!(tokens(&store).access_token, before.access_token);
}

#[tokio::test]
async fn a_401_after_a_refresh_is_unauthorized_not_a_loop() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let (client, _) = connected(&relay.base).await;
    // From now on the sandbox issues tokens that are dead on arrival.
    admin(&sb.base_url(), "limits", json!({"token_ttl_secs": 0})).await;
    admin(
        &sb.base_url(),
        "clock",
        json!({"advance_secs": 3 * 60 * 60}),
    )
    .await;

    let err = client.me().await.expect_err("still 401");
    assert!(matches!(err, XError::Unauthorized), "{err:?}");
    assert_eq!(relay.count("GET", "/2/users/me"), 2);
    assert_eq!(
        relay.count("POST", "/2/oauth2/token"),
        2,
        "one refresh only"
    );
}

#[tokio::test]
async fn tokens_near_expiry_are_refreshed_before_use() {
    let sb = sandbox_with(|c| c.token_ttl = Duration::from_secs(4)).await;
    let relay = Relay::start(&sb.base_url()).await;
    let mut config = config(&relay.base);
    config.refresh_margin = Duration::from_secs(3);
    let (client, store) = connected_with(config).await;
    let first = tokens(&store);

    client.me().await.expect("fresh token used as is");
    assert_eq!(relay.count("POST", "/2/oauth2/token"), 1);

    // Inside the margin but still valid on the server: a client that waited for a 401 would
    // not refresh here at all.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.me().await.expect("refreshed first");
    assert_eq!(
        relay.count("POST", "/2/oauth2/token"),
        2,
        "refreshed before use"
    );
    assert_eq!(relay.count("GET", "/2/users/me"), 2, "and never refused");
    assert_ne!(tokens(&store).access_token, first.access_token);
}

#[tokio::test]
async fn disconnect_revokes_and_forgets() {
    let sb = sandbox().await;
    let (client, store) = connected(&sb.base_url()).await;
    let old = tokens(&store);
    client.disconnect().await.expect("disconnect");
    assert!(store.load().expect("load").is_none());
    assert!(!client.is_connected().await.expect("state"));
    let err = client.me().await.expect_err("not connected");
    assert!(matches!(err, XError::NeedsReconnect));

    // X no longer honours the old grant: its access token is refused and so is its refresh.
    let stale = Arc::new(MemoryTokenStore::with_tokens(old));
    let other = crate::support::client(config(&sb.base_url()), &stale);
    let err = other.me().await.expect_err("revoked");
    assert!(matches!(err, XError::NeedsReconnect), "{err:?}");

    // Disconnecting twice is harmless.
    client.disconnect().await.expect("again");
}

#[tokio::test]
async fn no_tokens_is_needs_reconnect_without_a_request() {
    let sb = sandbox().await;
    let relay = Relay::start(&sb.base_url()).await;
    let client = client(config(&relay.base), &Arc::new(MemoryTokenStore::new()));
    let err = client.me().await.expect_err("not connected");
    assert!(matches!(err, XError::NeedsReconnect));
    assert!(relay.requests().is_empty());
}

#[tokio::test]
async fn a_refresh_that_fails_before_posting_means_the_post_was_not_sent() {
    let sb = sandbox().await;
    let mut config = config(&sb.base_url());
    config.request_timeout = Duration::from_millis(600);
    let (_, original) = connected_with(config.clone()).await;
    let store = Arc::new(MemoryTokenStore::with_tokens(expired(tokens(&original))));
    let client = crate::support::client(config, &store);
    admin(
        &sb.base_url(),
        "faults",
        json!({"kind": "hang", "count": 1, "path": "/2/oauth2/token"}),
    )
    .await;
    let err = client
        .create_post(&countersign_x::NewPost::text("Waiting on a token"))
        .await
        .expect_err("refresh timed out");
    let XError::Transport { maybe_sent, detail } = &err else {
        panic!("expected Transport, got {err:?}");
    };
    assert!(!maybe_sent, "the post request never left");
    assert!(detail.contains("refreshing the access token"), "{detail}");
    assert!(sb.posts().is_empty());

    // The refresh token was never spent, so the next attempt refreshes and posts.
    client
        .create_post(&countersign_x::NewPost::text("Waiting on a token"))
        .await
        .expect("posted");
}
