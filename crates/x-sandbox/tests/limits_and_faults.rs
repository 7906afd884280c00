//! Rate limits and caps, injected faults, latency, the admin API and persistence.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use x_sandbox::{Limits, Sandbox, SandboxConfig};

const TOO_MANY: &str = r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#;

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn the_post_window_runs_out_answers_429_and_recovers() {
    let limits = Limits {
        posts_per_window: 3,
        window: Duration::from_secs(60),
        ..Limits::default()
    };
    let h = start_with(SandboxConfig {
        limits,
        ..Default::default()
    })
    .await;
    let token = h.login().await;

    for i in 0..3 {
        let r = h.post_text(&token, &format!("windowed {i}")).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(header(&r, "x-rate-limit-limit").as_deref(), Some("3"));
        assert_eq!(
            header(&r, "x-rate-limit-remaining"),
            Some((2 - i).to_string())
        );
        let reset: i64 = header(&r, "x-rate-limit-reset").unwrap().parse().unwrap();
        assert!(
            (now_secs() + 55..=now_secs() + 61).contains(&reset),
            "{reset}"
        );
        assert_eq!(
            header(&r, "x-app-limit-24hour-limit").as_deref(),
            Some("10000")
        );
        assert_eq!(
            header(&r, "x-app-limit-24hour-remaining"),
            Some((9_999 - i).to_string())
        );
        assert_eq!(
            header(&r, "x-user-limit-24hour-limit").as_deref(),
            Some("2400")
        );
        assert!(header(&r, "x-user-limit-24hour-reset").is_some());
    }
    let r = h.post_text(&token, "one too many").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&r, "x-rate-limit-remaining").as_deref(), Some("0"));
    assert!(header(&r, "x-rate-limit-reset").is_some());
    assert_eq!(r.text().await.unwrap(), TOO_MANY);
    assert_eq!(h.recorded().await.len(), 3, "nothing posted while limited");

    // Other endpoints have their own windows.
    assert_eq!(h.get(&token, "/2/users/me").await.status(), StatusCode::OK);

    // A minute later the window is fresh.
    h.advance(61.0).await;
    let r = h.post_text(&token, "after the window").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(header(&r, "x-rate-limit-remaining").as_deref(), Some("2"));

    // Limits change live.
    // (The window that began at the last post now lasts 900 s, so wait that out.)
    h.admin("limits", json!({"posts_per_window": 1, "window_secs": 900}))
        .await;
    h.advance(901.0).await;
    assert_eq!(
        h.post_text(&token, "live 1").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        h.post_text(&token, "live 2").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn read_and_delete_windows_have_their_own_limits() {
    let h = start().await;
    let token = h.login().await;
    h.admin("limits", json!({"reads_per_window": 2, "me_per_window": 1}))
        .await;
    let user = h.user_id(&token).await; // spends the one /2/users/me
    assert_eq!(
        h.get(&token, "/2/users/me").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let path = format!("/2/users/{user}/tweets");
    let r = h.get(&token, &path).await;
    assert_eq!(header(&r, "x-rate-limit-limit").as_deref(), Some("2"));
    assert_eq!(h.get(&token, &path).await.status(), StatusCode::OK);
    let r = h.get(&token, &path).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.text().await.unwrap(), TOO_MANY);
}

#[tokio::test]
async fn the_24_hour_caps_and_the_usage_cap() {
    let h = start().await;
    let token = h.login().await;
    h.admin("limits", json!({"posts_per_24h_user": 2})).await;
    h.post_ok(&token, json!({"text": "day 1"})).await;
    h.post_ok(&token, json!({"text": "day 2"})).await;
    let r = h.post_text(&token, "day 3").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        header(&r, "x-user-limit-24hour-limit").as_deref(),
        Some("2")
    );
    assert_eq!(
        header(&r, "x-user-limit-24hour-remaining").as_deref(),
        Some("0")
    );
    let reset: i64 = header(&r, "x-user-limit-24hour-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (now_secs() + 86_390..=now_secs() + 86_401).contains(&reset),
        "{reset}"
    );
    assert_eq!(r.text().await.unwrap(), TOO_MANY);

    h.advance(24.0 * 3600.0 + 1.0).await;
    // The token expired long ago (2 h); a fresh one posts again.
    assert_eq!(
        h.post_text(&token, "next day").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let token = h.login().await;
    h.post_ok(&token, json!({"text": "next day"})).await;

    // The app cap (Free tier: 17 a day), then the monthly usage cap.
    h.admin("reset", json!({})).await;
    h.admin("limits", json!({"posts_per_24h_app": 1})).await;
    h.post_ok(&token, json!({"text": "app 1"})).await;
    let r = h.post_text(&token, "app 2").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        header(&r, "x-app-limit-24hour-remaining").as_deref(),
        Some("0")
    );

    h.admin("reset", json!({})).await;
    h.admin("limits", json!({"usage_cap": 1})).await;
    h.post_ok(&token, json!({"text": "usage 1"})).await;
    let (status, body) = status_json(h.post_text(&token, "usage 2").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        body,
        json!({"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"})
    );
    h.admin("limits", json!({"usage_cap": null})).await;
    h.post_ok(&token, json!({"text": "usage 2"})).await;
}

#[tokio::test]
async fn status_faults_answer_without_processing() {
    let h = start().await;
    let token = h.login().await;
    h.admin(
        "faults",
        json!({"kind": "status_503", "count": 2, "path": "/2/tweets", "method": "POST"}),
    )
    .await;
    h.admin("faults", json!({"kind": "status_500", "path": "/2/tweets"}))
        .await;
    assert_eq!(
        h.admin_get("faults").await["faults"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A GET elsewhere is not matched.
    assert_eq!(h.get(&token, "/2/users/me").await.status(), StatusCode::OK);
    for expected in [503, 503, 500] {
        let (status, body) = status_json(h.post_text(&token, "faulted").await).await;
        assert_eq!(status.as_u16(), expected);
        assert_eq!(body["status"], expected);
    }
    assert!(
        h.recorded().await.is_empty(),
        "faulted requests are not processed"
    );
    h.post_ok(&token, json!({"text": "faulted"})).await;
    assert_eq!(h.admin_get("faults").await["faults"], json!([]));
}

#[tokio::test]
async fn hang_never_answers_and_processes_nothing() {
    let h = start().await;
    let token = h.login().await;
    h.admin("faults", json!({"kind": "hang", "path": "/2/tweets"}))
        .await;
    let started = Instant::now();
    let err = timeout_client(300)
        .post(h.url("/2/tweets"))
        .bearer_auth(&token)
        .json(&json!({"text": "into the void"}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(h.recorded().await.is_empty());
    // The next request is served normally, and the text is not a duplicate.
    h.post_ok(&token, json!({"text": "into the void"})).await;
}

#[tokio::test]
async fn accept_then_drop_creates_the_post_but_the_client_sees_no_status() {
    let h = start().await;
    let token = h.login().await;
    h.admin(
        "faults",
        json!({"kind": "accept_then_drop", "path": "/2/tweets", "method": "POST"}),
    )
    .await;
    let err = h
        .post_json_raw(&token, json!({"text": "did it go out?"}))
        .await
        .unwrap_err();
    assert!(err.status().is_none());
    assert!(!err.is_timeout(), "{err:?}");
    // Yet X processed it.
    let recorded = h.recorded().await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["text"], "did it go out?");
    // A blind retry meets the duplicate 403; reconciliation finds the post.
    assert_eq!(
        h.post_text(&token, "did it go out?").await.status(),
        StatusCode::FORBIDDEN
    );
    let user = h.user_id(&token).await;
    let listed: Value = h
        .get(&token, &format!("/2/users/{user}/tweets"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["id"], recorded[0]["id"]);
}

#[tokio::test]
async fn accept_then_hang_creates_the_post_and_never_answers() {
    let h = start().await;
    let token = h.login().await;
    h.admin(
        "faults",
        json!({"kind": "accept_then_hang", "path": "/2/tweets"}),
    )
    .await;
    let err = timeout_client(300)
        .post(h.url("/2/tweets"))
        .bearer_auth(&token)
        .json(&json!({"text": "slow ack"}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(h.recorded().await.len(), 1);
}

#[tokio::test]
async fn a_dropped_token_refresh_loses_the_rotated_pair() {
    // The hazard the client must survive: the refresh is processed, the answer is lost, and
    // the old refresh token is already dead.
    let h = start().await;
    let tokens = h.login_with(ALL_SCOPES).await;
    h.admin(
        "faults",
        json!({"kind": "accept_then_drop", "path": "/2/oauth2/token"}),
    )
    .await;
    let refresh = tokens.refresh.unwrap();
    let err = h
        .http
        .post(h.url("/2/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", CLIENT),
        ])
        .send()
        .await
        .unwrap_err();
    assert!(err.status().is_none());
    assert_eq!(h.refresh(&refresh).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn latency_delays_x_requests_but_not_admin() {
    let h = start().await;
    let token = h.login().await;
    h.admin("latency", json!({"ms": 300})).await;
    let started = Instant::now();
    assert_eq!(h.get(&token, "/2/users/me").await.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(h.admin_get("latency").await, json!({"ms": 300}));
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "admin requests are not delayed"
    );
    h.admin("latency", json!({"ms": 0})).await;
}

#[tokio::test]
async fn admin_api_validates_and_resets() {
    let h = start().await;
    let token = h.login().await;
    h.post_ok(&token, json!({"text": "before reset"})).await;

    for (path, body) in [
        ("limits", json!({"posts_per_window": "lots"})),
        ("limits", json!({"no_such_limit": 1})),
        ("faults", json!({"kind": "gremlins"})),
        ("faults", json!({"kind": "hang", "count": 0})),
        ("clock", json!({"offset_secs": "soon"})),
        ("latency", json!({"ms": -5})),
    ] {
        let r = h
            .http
            .post(h.url(&format!("/_sandbox/{path}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, reply) = status_json(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}");
        assert!(reply["error"].is_string());
    }
    let r = h
        .http
        .post(h.url("/_sandbox/limits"))
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let health = h.admin_get("health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["user"]["username"], "sandbox_brand");

    // The clock may go backwards; ids still increase.
    let clock = h.admin("clock", json!({"offset_secs": -7200})).await;
    assert_eq!(clock["offset_secs"], -7200.0);
    let later = h.post_ok(&token, json!({"text": "in the past"})).await;
    let first = h.recorded().await[0]["id"].as_str().unwrap().to_owned();
    assert!(later.parse::<i64>().unwrap() > first.parse::<i64>().unwrap());

    // Absurd offsets are refused or survive without breaking ids.
    let r = h
        .http
        .post(h.url("/_sandbox/clock"))
        .json(&json!({"offset_secs": 1e300}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    h.admin("clock", json!({"offset_secs": 9e9})).await;
    assert_eq!(
        h.post_text(&token, "far future").await.status(),
        StatusCode::UNAUTHORIZED
    );
    h.admin("clock", json!({"offset_secs": 0})).await;

    h.admin("limits", json!({"posts_per_window": 1})).await;
    h.admin("faults", json!({"kind": "status_500"})).await;
    h.admin("reset", json!({})).await;
    assert!(h.recorded().await.is_empty());
    assert_eq!(h.admin_get("limits").await["posts_per_window"], 100);
    assert_eq!(h.admin_get("faults").await["faults"], json!([]));
    assert_eq!(h.admin_get("clock").await["offset_secs"], 0.0);
    // Tokens survive a reset.
    h.post_ok(&token, json!({"text": "before reset"})).await;
}

#[tokio::test]
async fn state_dir_keeps_posts_media_and_tokens_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let config = || SandboxConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };

    let h = start_with(config()).await;
    let tokens = h.login_with(ALL_SCOPES).await;
    let first = h
        .post_ok(&tokens.access, json!({"text": "survives restarts"}))
        .await;
    let media = upload_ok(&h, &tokens.access, png(), "tweet_image").await;
    h.sandbox.shutdown().await;
    assert!(dir.path().join(x_sandbox::STATE_FILE).exists());

    let h = start_with(config()).await;
    let recorded = h.recorded().await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["id"], first.as_str());
    // The same access token works, the refresh token still rotates, media is still usable.
    let second = h
        .post_ok(
            &tokens.access,
            json!({"text": "after restart", "media": {"media_ids": [media]}}),
        )
        .await;
    assert!(second.parse::<i64>().unwrap() > first.parse::<i64>().unwrap());
    assert_eq!(
        h.refresh(tokens.refresh.as_deref().unwrap()).await.status(),
        StatusCode::OK
    );
    // Duplicates are remembered too.
    assert_eq!(
        h.post_text(&tokens.access, "survives restarts")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let user = h.user_id(&tokens.access).await;
    let listed: Value = h
        .get(&tokens.access, &format!("/2/users/{user}/tweets"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["meta"]["result_count"], 2);
    h.sandbox.shutdown().await;
}

#[test]
fn start_blocking_runs_on_its_own_thread() {
    let thread = Sandbox::start_blocking(SandboxConfig::default()).unwrap();
    let base = thread.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let health: Value = runtime.block_on(async {
        reqwest::get(format!("{base}/_sandbox/health"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(health["status"], "ok");
    assert!(thread.posts().is_empty());
    thread.shutdown();
    // The port is closed once shut down.
    let refused = runtime.block_on(async { reqwest::get(format!("{base}/_sandbox/health")).await });
    assert!(refused.is_err());
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() {
    let h = start().await;
    let port: u16 = h.base.rsplit(':').next().unwrap().parse().unwrap();
    let err = Sandbox::start(SandboxConfig {
        port,
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(err, x_sandbox::SandboxError::Bind { .. }), "{err}");
}

/// A body over the 2 MB limit gets the route's own refusal (X's invalid-request problem, X's
/// OAuth error, the admin API's `{"error"}`), never axum's plain-text rejection.
#[tokio::test]
async fn an_oversized_body_gets_the_routes_own_refusal() {
    let h = start().await;
    let token = h.login().await;
    let huge = format!(r#"{{"text":"{}"}}"#, "a".repeat(2 * 1024 * 1024));

    for path in [
        "/2/tweets",
        "/2/media/metadata",
        "/2/media/upload/initialize",
    ] {
        let r = h
            .http
            .post(h.url(path))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["title"], "Invalid Request", "{path}: {body}");
    }

    let r = h
        .http
        .post(h.url("/2/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type={}", "a".repeat(2 * 1024 * 1024)))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");

    let r = h
        .http
        .post(h.url("/_sandbox/limits"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string(), "{body}");
}
