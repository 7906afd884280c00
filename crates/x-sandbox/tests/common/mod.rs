//! Shared by the integration tests: start a sandbox, run the PKCE flow, call the API and the
//! admin API over real HTTP on loopback.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use x_sandbox::{Sandbox, SandboxConfig};

pub const ALL_SCOPES: &str = "tweet.read tweet.write users.read offline.access media.write";
pub const REDIRECT: &str = "http://127.0.0.1:53682/callback";
pub const CLIENT: &str = "countersign-test-client";

/// A running sandbox and an HTTP client that does not follow redirects.
pub struct Harness {
    pub sandbox: Sandbox,
    pub base: String,
    pub http: Client,
}

pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn start() -> Harness {
    start_with(SandboxConfig::default()).await
}

pub async fn start_with(config: SandboxConfig) -> Harness {
    let sandbox = Sandbox::start(config).await.unwrap();
    let base = sandbox.base_url();
    Harness {
        sandbox,
        base,
        http: client(),
    }
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("verifier-{seed}-{}", "x".repeat(40));
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The query string of a URL as pairs.
pub fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// Tokens from the token endpoint.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub body: Value,
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Visits the authorize page; returns the redirect's `code` (checking `state`).
    pub async fn authorize(&self, scope: &str, challenge: &str) -> String {
        let r = self
            .http
            .get(self.url("/i/oauth2/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", CLIENT),
                ("redirect_uri", REDIRECT),
                ("scope", scope),
                ("state", "st4te"),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(REDIRECT), "{location}");
        let q = query_of(&location);
        assert_eq!(param(&q, "state").as_deref(), Some("st4te"));
        param(&q, "code").unwrap()
    }

    /// Exchanges a code; returns the raw response.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Response {
        self.http
            .post(self.url("/2/oauth2/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
                ("client_id", CLIENT),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn refresh(&self, refresh: &str) -> Response {
        self.http
            .post(self.url("/2/oauth2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", CLIENT),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The whole PKCE flow with `scope`.
    pub async fn login_with(&self, scope: &str) -> Tokens {
        let (verifier, challenge) = pkce("login");
        let code = self.authorize(scope, &challenge).await;
        let r = self.exchange(&code, &verifier).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        Tokens {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().map(str::to_owned),
            body,
        }
    }

    pub async fn login(&self) -> String {
        self.login_with(ALL_SCOPES).await.access
    }

    pub async fn post_json(&self, token: &str, body: Value) -> Response {
        self.http
            .post(self.url("/2/tweets"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// POST /2/tweets without unwrapping the transport result (for fault tests).
    pub async fn post_json_raw(&self, token: &str, body: Value) -> reqwest::Result<Response> {
        self.http
            .post(self.url("/2/tweets"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
    }

    pub async fn post_text(&self, token: &str, text: &str) -> Response {
        self.post_json(token, json!({ "text": text })).await
    }

    /// Posts and returns the new id, asserting 201.
    pub async fn post_ok(&self, token: &str, body: Value) -> String {
        let r = self.post_json(token, body).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `POST /_sandbox/{path}` with a JSON body; asserts 200 and returns the body.
    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(self.url(&format!("/_sandbox/{path}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "admin {path}");
        r.json().await.unwrap()
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(self.url(&format!("/_sandbox/{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "admin {path}");
        r.json().await.unwrap()
    }

    pub async fn advance(&self, secs: f64) {
        self.admin("clock", json!({ "advance_secs": secs })).await;
    }

    /// Every post the sandbox recorded (`GET /_sandbox/posts`).
    pub async fn recorded(&self) -> Vec<Value> {
        self.admin_get("posts").await.as_array().unwrap().clone()
    }

    pub async fn user_id(&self, token: &str) -> String {
        let me: Value = self.get(token, "/2/users/me").await.json().await.unwrap();
        me["data"]["id"].as_str().unwrap().to_owned()
    }
}

/// Status and JSON body of a response.
pub async fn status_json(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

pub fn header(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// A valid 1x1 PNG.
pub fn png() -> Vec<u8> {
    let mut p =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    p.extend_from_slice(b"\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82");
    p
}

/// A valid GIF with `frames` 1x1 frames.
pub fn gif(frames: usize) -> Vec<u8> {
    let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff".to_vec();
    g.extend_from_slice(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00");
    for _ in 0..frames {
        g.extend_from_slice(b"\x21\xf9\x04\x04\x0a\x00\x00\x00");
        g.extend_from_slice(b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
    }
    g.push(0x3B);
    g
}

/// An MP4-shaped file (`ftyp`, `moov/mvhd`) of `duration_ms`, padded to `len` bytes.
pub fn mp4(duration_ms: u32, len: usize) -> Vec<u8> {
    let mut ftyp = 20u32.to_be_bytes().to_vec();
    ftyp.extend_from_slice(b"ftypisom\0\0\x02\0mp41");
    let mut mvhd = vec![0u8; 12];
    mvhd.extend_from_slice(&1000u32.to_be_bytes());
    mvhd.extend_from_slice(&duration_ms.to_be_bytes());
    mvhd.extend_from_slice(&[0u8; 80]);
    let mvhd_len = u32::try_from(8 + mvhd.len()).unwrap();
    let mut moov = (mvhd_len + 8).to_be_bytes().to_vec();
    moov.extend_from_slice(b"moov");
    moov.extend_from_slice(&mvhd_len.to_be_bytes());
    moov.extend_from_slice(b"mvhd");
    moov.extend_from_slice(&mvhd);
    let mut file = [ftyp, moov].concat();
    if file.len() < len {
        let pad = u32::try_from(len - file.len()).unwrap();
        file.extend_from_slice(&pad.to_be_bytes());
        file.extend_from_slice(b"mdat");
        file.resize(len, 0);
    }
    file
}

/// One-shot upload; returns status and body.
pub async fn upload(
    h: &Harness,
    token: &str,
    bytes: Vec<u8>,
    category: &str,
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "media",
            reqwest::multipart::Part::bytes(bytes).file_name("file"),
        )
        .text("media_category", category.to_owned());
    status_json(
        h.http
            .post(h.url("/2/media/upload"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// One-shot upload that must succeed; returns the media id.
pub async fn upload_ok(h: &Harness, token: &str, bytes: Vec<u8>, category: &str) -> String {
    let (status, body) = upload(h, token, bytes, category).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

/// Polls STATUS until processing ends (at most 10 polls); returns the last `data`.
pub async fn wait_processed(h: &Harness, token: &str, id: &str) -> Value {
    for _ in 0..10 {
        let (status, body) = status_json(
            h.get(
                token,
                &format!("/2/media/upload?command=STATUS&media_id={id}"),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let state = body["data"]["processing_info"]["state"]
            .as_str()
            .unwrap_or("succeeded")
            .to_owned();
        if state == "succeeded" || state == "failed" {
            return body["data"].clone();
        }
    }
    panic!("media {id} never finished processing");
}

pub fn timeout_client(ms: u64) -> Client {
    Client::builder()
        .timeout(Duration::from_millis(ms))
        .build()
        .unwrap()
}
