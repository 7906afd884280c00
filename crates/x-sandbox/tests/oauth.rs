//! OAuth 2.0 with PKCE: authorize, code exchange, rotation, revocation, expiry and scopes.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const BAD_CODE: &str = r#"{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}"#;
const BAD_TOKEN: &str =
    r#"{"error":"invalid_request","error_description":"Value passed for the token was invalid."}"#;

fn unauthorized() -> Value {
    json!({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})
}

#[tokio::test]
async fn pkce_flow_issues_tokens_for_a_good_verifier() {
    let h = start().await;
    let (verifier, challenge) = pkce("good");
    let code = h.authorize(ALL_SCOPES, &challenge).await;
    let (status, body) = status_json(h.exchange(&code, &verifier).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 7200);
    assert_eq!(body["scope"], ALL_SCOPES);
    assert!(body["access_token"].as_str().unwrap().len() > 40);
    assert!(body["refresh_token"].as_str().is_some());

    let (status, me) = status_json(
        h.get(body["access_token"].as_str().unwrap(), "/2/users/me")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["data"]["username"], "sandbox_brand");
    assert_eq!(me["data"]["id"], "1849375610274349057");
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let h = start().await;
    let tokens = h.login_with("tweet.read users.read").await;
    assert!(tokens.refresh.is_none(), "{}", tokens.body);
    assert!(tokens.body.get("refresh_token").is_none());
}

#[tokio::test]
async fn wrong_verifier_reused_code_and_expired_code_are_refused() {
    let h = start().await;

    // Wrong verifier.
    let (verifier, challenge) = pkce("one");
    let code = h.authorize(ALL_SCOPES, &challenge).await;
    let (other_verifier, _) = pkce("two");
    let r = h.exchange(&code, &other_verifier).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.text().await.unwrap(), BAD_CODE);

    // The right verifier still redeems it once; a second time is refused.
    assert_eq!(h.exchange(&code, &verifier).await.status(), StatusCode::OK);
    let r = h.exchange(&code, &verifier).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.text().await.unwrap(), BAD_CODE);

    // A code lives 30 seconds.
    let code = h.authorize(ALL_SCOPES, &challenge).await;
    h.advance(31.0).await;
    let r = h.exchange(&code, &verifier).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.text().await.unwrap(), BAD_CODE);

    // A redirect_uri other than the authorized one is refused.
    let code = h.authorize(ALL_SCOPES, &challenge).await;
    let r = h
        .http
        .post(h.url("/2/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:1/other"),
            ("code_verifier", verifier.as_str()),
            ("client_id", CLIENT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // A missing parameter is named.
    let r = h
        .http
        .post(h.url("/2/oauth2/token"))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "Missing required parameter [code]."
    );
}

#[tokio::test]
async fn authorize_rejects_bad_requests_with_a_page_not_a_redirect() {
    let h = start().await;
    let (_, challenge) = pkce("x");
    let good = [
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("scope", ALL_SCOPES),
        ("state", "s"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (drop, replace) in [
        ("client_id", None),
        ("redirect_uri", Some("not a url")),
        ("scope", Some("tweet.read telepathy.write")),
        ("state", None),
        ("code_challenge", None),
        ("code_challenge_method", Some("S512")),
        ("response_type", Some("token")),
    ] {
        let mut q: Vec<(&str, &str)> = good.iter().copied().filter(|(k, _)| *k != drop).collect();
        if let Some(v) = replace {
            q.push((drop, v));
        }
        let r = h
            .http
            .get(h.url("/i/oauth2/authorize"))
            .query(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{drop}");
        assert!(r.headers().get("location").is_none());
        assert!(r.text().await.unwrap().contains("Something went wrong"));
    }
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_is_refused() {
    let h = start().await;
    let first = h.login_with(ALL_SCOPES).await;
    let old_refresh = first.refresh.clone().unwrap();

    let (status, body) = status_json(h.refresh(&old_refresh).await).await;
    assert_eq!(status, StatusCode::OK);
    let new_access = body["access_token"].as_str().unwrap().to_owned();
    let new_refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_access, first.access);
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(body["scope"], ALL_SCOPES);

    // The old refresh token is single-use.
    let r = h.refresh(&old_refresh).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.text().await.unwrap(), BAD_TOKEN);

    // Both access tokens work until they expire; the new refresh token works once.
    assert_eq!(
        h.get(&first.access, "/2/users/me").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        h.get(&new_access, "/2/users/me").await.status(),
        StatusCode::OK
    );
    assert_eq!(h.refresh(&new_refresh).await.status(), StatusCode::OK);

    // A refresh token is not a bearer token.
    let (status, body) = status_json(h.get(&new_refresh, "/2/users/me").await).await;
    assert_eq!((status, body), (StatusCode::UNAUTHORIZED, unauthorized()));
}

#[tokio::test]
async fn access_tokens_expire_after_the_ttl_on_the_sandbox_clock() {
    let h = start().await;
    let token = h.login().await;
    h.advance(7199.0).await;
    assert_eq!(h.get(&token, "/2/users/me").await.status(), StatusCode::OK);
    h.advance(2.0).await;
    let (status, body) = status_json(h.get(&token, "/2/users/me").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, unauthorized());

    // A short TTL set live applies to new tokens and shows in expires_in.
    h.admin("limits", json!({"token_ttl_secs": 60})).await;
    let tokens = h.login_with(ALL_SCOPES).await;
    assert_eq!(tokens.body["expires_in"], 60);
    h.advance(61.0).await;
    assert_eq!(
        h.get(&tokens.access, "/2/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn missing_and_unknown_tokens_get_x_401() {
    let h = start().await;
    let r = h.http.get(h.url("/2/users/me")).send().await.unwrap();
    assert_eq!(
        status_json(r).await,
        (StatusCode::UNAUTHORIZED, unauthorized())
    );
    let r = h.post_text("not-a-token", "hello").await;
    assert_eq!(
        status_json(r).await,
        (StatusCode::UNAUTHORIZED, unauthorized())
    );
    assert!(h.recorded().await.is_empty());
}

#[tokio::test]
async fn revoked_tokens_stop_working() {
    let h = start().await;
    let tokens = h.login_with(ALL_SCOPES).await;
    let r = h
        .http
        .post(h.url("/2/oauth2/revoke"))
        .form(&[
            ("token", tokens.access.as_str()),
            ("token_type_hint", "access_token"),
            ("client_id", CLIENT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(r).await,
        (StatusCode::OK, json!({"revoked": true}))
    );
    assert_eq!(
        h.get(&tokens.access, "/2/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let refresh = tokens.refresh.unwrap();
    let r = h
        .http
        .post(h.url("/2/oauth2/revoke"))
        .form(&[("token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(h.refresh(&refresh).await.text().await.unwrap(), BAD_TOKEN);
}

#[tokio::test]
async fn scopes_are_checked_per_endpoint() {
    let h = start().await;
    let forbidden =
        json!({"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"});

    let read_only = h.login_with("tweet.read users.read").await.access;
    assert_eq!(
        h.get(&read_only, "/2/users/me").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        status_json(h.post_text(&read_only, "hi").await).await,
        (StatusCode::FORBIDDEN, forbidden.clone())
    );
    let (status, _) = upload(&h, &read_only, png(), "tweet_image").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // users.read alone cannot read /2/users/me (X wants tweet.read too).
    let users_only = h.login_with("users.read").await.access;
    assert_eq!(
        status_json(h.get(&users_only, "/2/users/me").await).await,
        (StatusCode::FORBIDDEN, forbidden.clone())
    );

    // Writing without reading scopes is refused as X's spec lists all three.
    let write_only = h.login_with("tweet.write").await.access;
    assert_eq!(
        h.post_text(&write_only, "hi").await.status(),
        StatusCode::FORBIDDEN
    );

    // media.write alone may upload but not post.
    let media_only = h.login_with("media.write").await.access;
    upload_ok(&h, &media_only, png(), "tweet_image").await;
    assert_eq!(
        h.post_text(&media_only, "hi").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(h.recorded().await.is_empty());
}

#[tokio::test]
async fn registered_redirect_uris_must_match_exactly() {
    let h = start_with(x_sandbox::SandboxConfig {
        redirect_uris: vec![REDIRECT.to_owned()],
        ..Default::default()
    })
    .await;
    let (_, challenge) = pkce("r");
    // The registered one works.
    h.authorize(ALL_SCOPES, &challenge).await;
    // Another port does not.
    let r = h
        .http
        .get(h.url("/i/oauth2/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "http://127.0.0.1:53683/callback"),
            ("scope", ALL_SCOPES),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
