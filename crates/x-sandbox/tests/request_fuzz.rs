//! Property tests of the sandbox's request parsing: whatever arrives (JSON bodies, forms,
//! multipart, query strings, path ids, headers, raw HTTP bytes), the answer is a refusal in the
//! shape its route answers with (X's problem JSON on `/2/`, X's OAuth error JSON on the token
//! endpoints, the authorize page's HTML, the admin API's `{"error"}`), never a 5xx, never a
//! hang, and the sandbox keeps answering afterwards.
//!
//! Each in-process target sends `COUNTERSIGN_FUZZ_CASES` generated requests (10,000 by
//! default, what CI runs) through [`Sandbox::router`]: a socket each would not fit CI's time.
//! The raw-TCP target sends one case in 25 of that (400 by default) to the real listener, a
//! connection each, to check what only the listener sees (bad framing, bogus lengths, junk
//! bytes). Every target prints `sandbox request parsing (<area>): N cases run, F failures`;
//! a failure fails the test with proptest's minimal case. A long run:
//!
//! ```text
//! COUNTERSIGN_FUZZ_CASES=100000 cargo test -p x-sandbox --test request_fuzz -- --nocapture
//! ```

#![allow(clippy::unwrap_used)]

mod common;

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody, to_bytes};
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::body::Frame;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{TestCaseError, TestError, TestRunner};
use serde_json::Value;
use tower::ServiceExt;
use x_sandbox::{Sandbox, SandboxConfig};

/// A request that has not answered (or closed) by then has hung.
const DEADLINE: Duration = Duration::from_secs(5);
/// axum's default body limit: a body one byte over it must still get a proper refusal.
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Every scope the sandbox checks, so that requests get past the scope check to the parsers.
const SCOPES: &str =
    "tweet.read tweet.write users.read offline.access media.write dm.read dm.write";

// ---- the run ----

/// Cases per target: `COUNTERSIGN_FUZZ_CASES`, 10,000 unless set.
fn cases() -> u32 {
    std::env::var("COUNTERSIGN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(10_000)
}

/// Runs `check` on `cases` values of `strategy`, prints the tally, and fails with proptest's
/// minimal case if any case failed.
fn run<S>(
    area: &str,
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    });
    let run_count = Cell::new(0u64);
    let first_failure = Cell::new(None::<u64>);
    let started = Instant::now();
    let result = runner.run(&strategy, |value| {
        run_count.set(run_count.get() + 1);
        let outcome = check(value);
        if outcome.is_err() && first_failure.get().is_none() {
            first_failure.set(Some(run_count.get()));
        }
        outcome
    });
    // Shrinking runs more cases after the first failure; those are not new cases.
    let (ran, failures) = match first_failure.get() {
        Some(at) => (at, 1),
        None => (run_count.get(), 0),
    };
    println!(
        "sandbox request parsing ({area}): {ran} cases run, {failures} failures ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, minimal)) => {
            panic!("{area}: {reason}\nminimal case: {minimal:#?}")
        }
        Err(TestError::Abort(reason)) => panic!("{area}: aborted: {reason}"),
    }
}

// ---- requests ----

/// A request body: whole, cut off by a broken connection, or over the default body limit.
#[derive(Clone)]
enum Payload {
    Whole(Vec<u8>),
    /// These bytes arrive, then the connection breaks.
    Broken(Vec<u8>),
    /// A JSON post of this many bytes (over [`BODY_LIMIT`]).
    Oversized(usize),
}

impl Payload {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Payload::Whole(b) | Payload::Broken(b) => b.clone(),
            Payload::Oversized(len) => oversized(*len),
        }
    }

    fn body(&self) -> Body {
        match self {
            Payload::Whole(b) => Body::from(b.clone()),
            Payload::Broken(b) => Body::new(BrokenBody {
                prefix: Some(Bytes::from(b.clone())),
            }),
            Payload::Oversized(len) => Body::from(oversized(*len)),
        }
    }
}

fn oversized(len: usize) -> Vec<u8> {
    let mut body = br#"{"text":""#.to_vec();
    body.resize(len.saturating_sub(2), b'a');
    body.extend_from_slice(br#""}"#);
    body
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Payload::Whole(b) => write!(f, "Whole({} bytes: {:?})", b.len(), shown(b)),
            Payload::Broken(b) => {
                write!(f, "Broken({} bytes, then reset: {:?})", b.len(), shown(b))
            }
            Payload::Oversized(len) => write!(f, "Oversized({len} bytes)"),
        }
    }
}

/// The first bytes of `b`, readable.
fn shown(b: &[u8]) -> String {
    let text = String::from_utf8_lossy(&b[..b.len().min(600)]).into_owned();
    if b.len() > 600 {
        format!("{text}…")
    } else {
        text
    }
}

/// A body whose connection breaks after `prefix` (a client gone mid-upload).
struct BrokenBody {
    prefix: Option<Bytes>,
}

impl HttpBody for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(match self.prefix.take() {
            Some(bytes) => Ok(Frame::data(bytes)),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset mid-body",
            )),
        }))
    }
}

/// One generated request.
#[derive(Clone)]
struct Probe {
    method: Method,
    /// Already URI-safe, though not necessarily validly percent-encoded.
    path: String,
    query: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    payload: Payload,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", shown(v)))
            .collect();
        f.debug_struct("Probe")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query.as_deref().map(|q| shown(q.as_bytes())))
            .field("headers", &headers)
            .field("payload", &self.payload)
            .finish()
    }
}

impl Probe {
    fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    fn request(&self) -> Result<Request<Body>, TestCaseError> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.target());
        for (name, value) in &self.headers {
            let value = HeaderValue::from_bytes(value).map_err(|e| {
                TestCaseError::fail(format!("the generator made a bad header: {e}"))
            })?;
            builder = builder.header(name.as_str(), value);
        }
        builder
            .body(self.payload.body())
            .map_err(|e| TestCaseError::fail(format!("the generator made a bad request: {e}")))
    }

    /// The request as HTTP/1.1 bytes, as a client would send it.
    fn wire(&self) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nhost: 127.0.0.1\r\n",
            self.method,
            self.target()
        )
        .into_bytes();
        let body = self.payload.bytes();
        let mut has_length = false;
        for (name, value) in &self.headers {
            has_length |= name.eq_ignore_ascii_case("content-length")
                || name.eq_ignore_ascii_case("transfer-encoding");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        if !has_length {
            out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
        }
        out.extend_from_slice(b"connection: close\r\n\r\n");
        out.extend_from_slice(&body);
        out
    }
}

/// What came back.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: Bytes,
}

// ---- the sandbox under test ----

/// A sandbox with a logged-in account, lifted rate limits (so requests reach the parsers
/// instead of a 429) and some posts, people, DMs and uploads to name in requests.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
    router: Router,
    token: String,
    /// Ids a request may name: the account, posts, people, uploads.
    ids: Vec<String>,
    /// Chunked uploads still taking segments.
    uploads: Vec<String>,
    /// An unused authorization code and a refresh token, for the token endpoint.
    code: String,
    refresh: String,
}

impl Fixture {
    fn start() -> Fixture {
        Fixture::start_with(SandboxConfig::default())
    }

    fn start_with(config: SandboxConfig) -> Fixture {
        // A worker thread of its own, so that the deadline fires even if a handler blocked
        // its thread instead of awaiting.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
        let router = sandbox.router();
        let mut fixture = Fixture {
            runtime,
            sandbox,
            router,
            token: String::new(),
            ids: Vec::new(),
            uploads: Vec::new(),
            code: String::new(),
            refresh: String::new(),
        };
        fixture.seed();
        fixture
    }

    fn seed(&mut self) {
        let (verifier, challenge) = common::pkce("fuzz");
        let code = self.authorize(&challenge);
        let (status, tokens) = self.call(
            Method::POST,
            "/2/oauth2/token",
            None,
            Some("application/x-www-form-urlencoded"),
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", common::REDIRECT),
                    ("code_verifier", verifier.as_str()),
                    ("client_id", common::CLIENT),
                ])
                .finish()
                .into_bytes(),
        );
        assert_eq!(status, StatusCode::OK, "{tokens}");
        self.token = tokens["access_token"].as_str().unwrap().to_owned();
        self.refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        self.code = self.authorize(&challenge);

        let lifted: serde_json::Map<String, Value> = [
            "posts_per_window",
            "posts_per_24h_user",
            "posts_per_24h_app",
            "deletes_per_window",
            "reads_per_window",
            "me_per_window",
            "mentions_per_window",
            "dm_reads_per_window",
            "dm_sends_per_window",
            "media_per_window",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), Value::from(u32::MAX)))
        .collect();
        self.admin("limits", &Value::Object(lifted));

        let token = self.token.clone();
        let (_, me) = self.call(Method::GET, "/2/users/me", Some(&token), None, Vec::new());
        self.ids.push(me["data"]["id"].as_str().unwrap().to_owned());
        for text in [
            "first post",
            "second post https://example.com",
            "third post",
        ] {
            let (status, post) = self.json(
                Method::POST,
                "/2/tweets",
                serde_json::json!({ "text": text }),
            );
            assert_eq!(status, StatusCode::CREATED, "{post}");
            self.ids
                .push(post["data"]["id"].as_str().unwrap().to_owned());
        }
        let dm = self.admin(
            "dms",
            &serde_json::json!({"from": "alice", "text": "hi there"}),
        );
        self.ids.push(dm["sender_id"].as_str().unwrap().to_owned());
        let mention = self.admin(
            "mentions",
            &serde_json::json!({"from": "bob", "text": "hello"}),
        );
        self.ids.push(mention["id"].as_str().unwrap().to_owned());
        self.ids
            .push(mention["author_id"].as_str().unwrap().to_owned());
        for (media_type, total) in [
            ("image/png", 5_000_000),
            ("video/mp4", 1_000_000),
            ("image/gif", 1000),
        ] {
            let (status, media) = self.json(
                Method::POST,
                "/2/media/upload/initialize",
                serde_json::json!({"media_type": media_type, "total_bytes": total}),
            );
            assert_eq!(status, StatusCode::OK, "{media}");
            let id = media["data"]["id"].as_str().unwrap().to_owned();
            self.ids.push(id.clone());
            self.uploads.push(id);
        }
        let (status, media) = self.json(
            Method::POST,
            "/2/media/upload",
            serde_json::json!({"media": STANDARD.encode(common::png()), "media_category": "tweet_image"}),
        );
        assert_eq!(status, StatusCode::OK, "{media}");
        self.ids
            .push(media["data"]["id"].as_str().unwrap().to_owned());
    }

    /// Visits the authorize page; returns the code.
    fn authorize(&self, challenge: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("response_type", "code"),
                ("client_id", common::CLIENT),
                ("redirect_uri", common::REDIRECT),
                ("scope", SCOPES),
                ("state", "st4te"),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .finish();
        let request = Request::get(format!("/i/oauth2/authorize?{query}"))
            .body(Body::empty())
            .unwrap();
        let response = self
            .runtime
            .block_on(self.router.clone().oneshot(request))
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()[header::LOCATION].to_str().unwrap();
        common::param(&common::query_of(location), "code").unwrap()
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(Body::from(body)).unwrap();
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        })
    }

    fn json(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let token = self.token.clone();
        self.call(
            method,
            path,
            Some(&token),
            Some("application/json"),
            body.to_string().into_bytes(),
        )
    }

    fn admin(&self, path: &str, body: &Value) -> Value {
        let (status, answer) = self.call(
            Method::POST,
            &format!("/_sandbox/{path}"),
            None,
            Some("application/json"),
            body.to_string().into_bytes(),
        );
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        answer
    }

    /// Sends `probe` in-process; `Err` if it did not answer within [`DEADLINE`].
    fn send(&self, probe: &Probe) -> Result<Answer, TestCaseError> {
        let request = probe.request()?;
        let router = self.router.clone();
        let handled = self.runtime.spawn(async move {
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            let body = to_bytes(response.into_body(), usize::MAX).await;
            (status, content_type, body)
        });
        let answered = self
            .runtime
            .block_on(async { tokio::time::timeout(DEADLINE, handled).await });
        match answered {
            Err(_) => Err(TestCaseError::fail(format!(
                "no answer within {DEADLINE:?}"
            ))),
            Ok(Err(join)) => Err(TestCaseError::fail(format!("the handler panicked: {join}"))),
            Ok(Ok((_, _, Err(e)))) => {
                Err(TestCaseError::fail(format!("the answer's body broke: {e}")))
            }
            Ok(Ok((status, content_type, Ok(body)))) => Ok(Answer {
                status,
                content_type,
                body,
            }),
        }
    }

    /// Sends `probe`, checks the answer, then checks the sandbox still answers.
    fn probe(&self, probe: &Probe) -> Result<(), TestCaseError> {
        let answer = self.send(probe)?;
        check(probe, &answer)?;
        self.still_up()
    }

    /// A well-formed request still gets its answer.
    fn still_up(&self) -> Result<(), TestCaseError> {
        let health = Probe {
            method: Method::GET,
            path: "/_sandbox/health".into(),
            query: None,
            headers: Vec::new(),
            payload: Payload::Whole(Vec::new()),
        };
        let answer = self.send(&health)?;
        prop_assert_eq!(
            answer.status,
            StatusCode::OK,
            "the sandbox stopped answering its health check"
        );
        Ok(())
    }

    /// The account's own request, authenticated: must still work after a whole target.
    fn assert_serves_the_account(&self) {
        let token = self.token.clone();
        let (status, me) = self.call(Method::GET, "/2/users/me", Some(&token), None, Vec::new());
        assert_eq!(status, StatusCode::OK, "{me}");
    }
}

/// The answer has its route's shape: no 5xx; JSON (X's problem, X's OAuth error or the admin
/// API's `{"error"}` for refusals) except where the route answers HTML.
fn check(probe: &Probe, answer: &Answer) -> Result<(), TestCaseError> {
    let status = answer.status.as_u16();
    let body = || shown(&answer.body);
    prop_assert!(status < 500, "answered {}: {}", answer.status, body());
    if probe.method == Method::HEAD {
        return Ok(());
    }
    let path = probe.path.as_str();
    let html = answer.content_type.starts_with("text/html");
    if path == "/i/oauth2/authorize" && probe.method == Method::GET {
        // X's authorize page: a redirect, or an HTML error page (never a redirect to an
        // unchecked URI).
        prop_assert!(
            status == 302 || (status == 400 && html),
            "authorize answered {} ({}): {}",
            answer.status,
            answer.content_type,
            body()
        );
        return Ok(());
    }
    if path == "/_sandbox/timeline" && probe.method == Method::GET && status == 200 {
        prop_assert!(html, "the timeline page is HTML");
        return Ok(());
    }
    prop_assert!(
        answer.content_type.starts_with("application/json"),
        "answered {} as {:?}, not JSON: {}",
        answer.status,
        answer.content_type,
        body()
    );
    let json: Value = serde_json::from_slice(&answer.body).map_err(|e| {
        TestCaseError::fail(format!(
            "answered {} with a body that is not JSON ({e}): {}",
            answer.status,
            body()
        ))
    })?;
    if status >= 400 {
        let x_problem = json["title"].is_string() && json["type"].is_string();
        let x_oauth = path.starts_with("/2/oauth2/") && json["error"].is_string();
        let admin = path.starts_with("/_sandbox/") && json["error"].is_string();
        prop_assert!(
            x_problem || x_oauth || admin,
            "a {} refusal not in the route's error shape: {}",
            answer.status,
            body()
        );
        if let Some(errors) = json.get("errors") {
            prop_assert!(
                errors.as_array().is_some_and(|e| !e.is_empty()),
                "an invalid-request problem without its errors: {}",
                body()
            );
        }
    }
    Ok(())
}

// ---- generators: text ----

/// Strings that have broken parsers before: empty, blank, long, control characters,
/// normalisation, bidi, astral, URL-ish, mention-ish.
const TEXTS: &[&str] = &[
    "",
    " ",
    "\t\n",
    "hello",
    "Caf\u{e9}",
    "Cafe\u{301}",
    "\u{0}",
    "\u{202e}evil",
    "\u{feff}",
    "👩‍👩‍👧‍👦",
    "@sandbox hi",
    "@",
    "#tag $CASH",
    "https://example.com/a?b=c#d",
    "http://",
    "null",
    "true",
    "0",
    "-1",
    "1e400",
    "NaN",
    "%",
    "%zz",
    "%00",
    "%ff%fe",
    "a+b",
    "=",
    "&",
    "\\",
    "\"",
    "<script>",
    "\u{10ffff}",
    "\u{fffd}",
    "photo",
    "tweet_image",
    "tweet_gif",
    "tweet_video",
    "amplify_video",
    "dm_image",
    "following",
    "mentionedUsers",
    "image/png",
    "image/jpeg",
    "image/pjpeg",
    "video/mp4",
    "image/gif",
    "STATUS",
    "INIT",
    "authorization_code",
    "refresh_token",
    "access_token",
    "S256",
    "plain",
    "code",
    "created_at,author_id",
    "author_id,attachments.media_keys",
    "replies",
    "replies,retweets",
    "2026-01-01T00:00:00Z",
    "2026-13-45T99:99:99Z",
    "9999-12-31T23:59:59Z",
    "-0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00.000000001+14:00",
    "status_500",
    "hang",
    "accept_then_drop",
    "forbidden",
    "invalid_request",
    "/2/tweets",
    "POST",
];

/// Number-ish strings for ids, counts, sizes and indices.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "5",
    "100",
    "101",
    "999",
    "1000",
    "-1",
    "-0",
    "+5",
    " 5",
    "5 ",
    "05",
    "1.5",
    "1e3",
    "0x10",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999",
    "1234567890123456789",
    "12345678901234567890",
    "١٢٣",
];

/// JSON number literals at and beyond every width.
const JSON_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "1e400",
    "-1e400",
    "1e-400",
    "123456789012345678901234567890",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "4294967296",
    "1.0",
    "1E2",
    "2.5",
    "-1",
    "1e10",
    "9999999999",
    "0.0000000000000000000000001",
];

/// JSON strings serde would not make: escapes of lone surrogates, NULs, odd escapes.
const JSON_ODD_STRINGS: &[&str] = &[
    r#""\ud800""#,
    r#""\udfff\ud800""#,
    r#""\u0000""#,
    r#""\uDBFF\uDFFF""#,
    r#""\/\b\f""#,
    r#""a\"b""#,
];

/// Any characters at all (proptest's `any::<String>()` goes through a regex engine, too slow
/// for 10,000 cases in a debug build).
fn chars() -> BoxedStrategy<String> {
    prop::collection::vec(any::<char>(), 0..40)
        .prop_map(String::from_iter)
        .boxed()
}

/// A string of `len` characters from `alphabet`.
fn from_alphabet(alphabet: &'static str, len: std::ops::Range<usize>) -> BoxedStrategy<String> {
    prop::collection::vec(select(alphabet.chars().collect::<Vec<_>>()), len)
        .prop_map(String::from_iter)
        .boxed()
}

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(TEXTS).prop_map(str::to_owned),
        3 => chars(),
        2 => select(NUMBERS).prop_map(str::to_owned),
        1 => from_alphabet("0123456789", 1..26),
        1 => (1usize..4000, select(&["a", "é", "😀", "\u{301}", "@a ", "https://t.co/ "][..]))
            .prop_map(|(n, unit)| unit.repeat(n)),
    ]
    .boxed()
}

/// A text, or one of the fixture's ids.
fn word(ids: &[String]) -> BoxedStrategy<String> {
    prop_oneof![3 => text(), 1 => select(ids.to_vec())].boxed()
}

/// Percent-encodes what a URI cannot hold, but leaves `keep` (and so `%`) raw: the result
/// always parses as a URI but may be invalidly percent-encoded, as junk from a client is.
fn uri_text(raw: &str, keep: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        // See `within_uri_limit`.
        if out.len() > 8_000 {
            break;
        }
        if c.is_ascii_alphanumeric() || "-._~!$'()*+,;:@".contains(c) || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// `http` refuses URIs over 64 KiB before a router sees them (the raw-TCP target sends longer
/// ones to the listener). Queries here are ASCII, so cutting at a byte is safe.
fn within_uri_limit(mut query: String) -> String {
    query.truncate(16_000);
    query
}

/// A query string built from `keys` (and strangers), with repeats, bad percent-encoding and
/// odd separators; sometimes none at all.
fn query(keys: &'static [&'static str], ids: &[String]) -> BoxedStrategy<Option<String>> {
    let key = prop_oneof![8 => select(keys).prop_map(str::to_owned), 1 => text()];
    let encoded = any::<bool>();
    let pair = (key, word(ids), encoded, 0..4u8).prop_map(|(k, v, encoded, form)| {
        let (k, v) = if encoded {
            (
                url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>(),
            )
        } else {
            (uri_text(&k, "%/?"), uri_text(&v, "%/?="))
        };
        match form {
            0 => k,
            1 => format!("{k}="),
            _ => format!("{k}={v}"),
        }
    });
    let separator = select(&["&", "&", "&", "&&", ";", "&amp;"][..]);
    prop_oneof![
        8 => prop::collection::vec((pair, separator), 0..6).prop_map(|pairs| {
            let joined: String = pairs.into_iter().enumerate().map(|(i, (p, s))| if i == 0 { p } else { format!("{s}{p}") }).collect();
            Some(within_uri_limit(joined))
        }),
        1 => Just(None),
        1 => chars().prop_map(|s| Some(uri_text(&s, "%&=/?"))),
    ]
    .boxed()
}

/// A path id: the fixture's, or junk.
fn path_id(ids: &[String]) -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(ids.to_vec()),
        2 => select(NUMBERS).prop_map(str::to_owned),
        2 => text(),
        1 => select(&["%", "%zz", "%2F", "%00", "%ff", "..", "me", "%E2%80%AE"][..]).prop_map(str::to_owned),
    ]
    .prop_map(|id| uri_text(&id, "%"))
    .boxed()
}

// ---- generators: bodies ----

/// Member names the sandbox's JSON parsers look for, anywhere in a body.
const JSON_KEYS: &[&str] = &[
    "text",
    "reply",
    "in_reply_to_tweet_id",
    "exclude_reply_user_ids",
    "media",
    "media_ids",
    "tagged_user_ids",
    "poll",
    "options",
    "duration_minutes",
    "reply_settings",
    "quote_tweet_id",
    "geo",
    "place_id",
    "edit_options",
    "previous_post_id",
    "attachments",
    "id",
    "metadata",
    "alt_text",
    "media_type",
    "media_category",
    "total_bytes",
    "shared",
    "segment_index",
];

const CREATE_KEYS: &[&str] = &[
    "text",
    "text",
    "text",
    "reply",
    "media",
    "poll",
    "quote_tweet_id",
    "reply_settings",
    "geo",
    "edit_options",
    "card_uri",
    "community_id",
    "direct_message_deep_link",
    "for_super_followers_only",
    "made_with_ai",
    "nullcast",
    "paid_partnership",
    "share_with_followers",
    "junk",
];
const DM_KEYS: &[&str] = &["text", "text", "attachments", "junk"];
const INITIALIZE_KEYS: &[&str] = &[
    "media_type",
    "total_bytes",
    "media_category",
    "shared",
    "additional_owners",
    "junk",
];
const METADATA_KEYS: &[&str] = &["id", "metadata", "junk"];
const UPLOAD_KEYS: &[&str] = &[
    "media",
    "media_category",
    "additional_owners",
    "segment_index",
    "junk",
];
const ADMIN_KEYS: &[&str] = &[
    "from",
    "name",
    "text",
    "in_reply_to",
    "kind",
    "count",
    "path",
    "method",
    "skip",
    "ms",
    "offset_secs",
    "advance_secs",
    "posts_per_window",
    "window_secs",
    "posts_per_24h_user",
    "max_weighted_length",
    "usage_cap",
    "duplicate_window_secs",
    "media_processing_secs",
    "media_expiry_secs",
    "token_ttl_secs",
    "length_error",
    "empty_listing_data",
    "self_replies_allowed",
    "media_link_in_text",
    "junk",
];

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Any JSON value as text, keys drawn mostly from what the parsers look for.
fn json_value(ids: &[String]) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        1 => Just("null".to_owned()),
        1 => any::<bool>().prop_map(|b| b.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| serde_json::to_string(&f).unwrap()),
        1 => select(JSON_NUMBERS).prop_map(str::to_owned),
        3 => text().prop_map(|s| json_string(&s)),
        2 => select(ids.to_vec()).prop_map(|id| json_string(&id)),
        1 => select(JSON_ODD_STRINGS).prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((json_key(), inner), 0..6)
                .prop_map(|members| object_text(&members)),
        ]
    })
    .boxed()
}

fn json_key() -> BoxedStrategy<String> {
    prop_oneof![8 => select(JSON_KEYS).prop_map(str::to_owned), 1 => chars(), 1 => Just(String::new())]
        .boxed()
}

fn object_text(members: &[(String, String)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", json_string(k)))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// JSON bodies for a route whose top-level members are `keys`: objects of those members
/// with any values, any JSON at all, deep nesting, cut-off JSON, and plain junk.
fn json_body(keys: &'static [&'static str], ids: &[String]) -> BoxedStrategy<Vec<u8>> {
    let object = prop::collection::vec(
        (select(keys).prop_map(str::to_owned), json_value(ids)),
        0..5,
    )
    .prop_map(|members| object_text(&members));
    prop_oneof![
        10 => object.clone().prop_map(String::into_bytes),
        3 => json_value(ids).prop_map(String::into_bytes),
        1 => (1usize..5000, select(&["[", "{\"text\":", "{\"reply\":", "{\"poll\":{\"options\":"][..]), any::<bool>())
            .prop_map(|(depth, open, closed)| {
                let close = if open == "[" { "]" } else { "}" };
                let mut body = open.repeat(depth);
                if closed {
                    body.push('1');
                    body.push_str(&close.repeat(depth));
                }
                body.into_bytes()
            }),
        1 => (object, any::<Index>()).prop_map(|(text, cut)| {
            let bytes = text.into_bytes();
            let at = cut.index(bytes.len() + 1);
            bytes[..at].to_vec()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => select(vec![
            &b""[..],
            b" ",
            b"\xef\xbb\xbf{\"text\":\"bom\"}",
            b"{\"text\":\"hi\"}{}",
            b"{\"text\":\"hi\",\"text\":\"twice\"}",
            b"{\"text\":\"\xff\xfe\"}",
            b"{\"text\":\"a\"}\n\ngarbage",
            b"{\"text\":\"nul\0\"}",
            b"{'text':'single'}",
            b"{\"text\":\"x\",}",
            b"[]",
            b"\"text\"",
        ])
        .prop_map(<[u8]>::to_vec),
    ]
    .boxed()
}

/// `members` as a JSON object, keeping those that are `Some`.
fn object_of(members: Vec<(&str, Option<Value>)>) -> Vec<u8> {
    let object: serde_json::Map<String, Value> = members
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect();
    Value::Object(object).to_string().into_bytes()
}

/// A post the way a client would send it (text, reply, media, quote, poll, reply settings,
/// with the fixture's ids), so that cases get past the schema to the length, duplicate, reply
/// and media rules.
fn plausible_post(ids: &[String]) -> BoxedStrategy<Vec<u8>> {
    let id = || select(ids.to_vec()).prop_map(Value::from);
    (
        text(),
        prop::option::weighted(0.3, id()),
        prop::option::weighted(0.2, prop::collection::vec(id(), 0..6)),
        prop::option::weighted(0.1, id()),
        prop::option::weighted(0.1, select(&["following", "mentionedUsers", "everyone", ""][..])),
        prop::option::weighted(0.1, (prop::collection::vec(text(), 0..6), any::<i32>())),
    )
        .prop_map(|(text, reply, media, quote, settings, poll)| {
            object_of(vec![
                ("text", Some(Value::from(text))),
                ("reply", reply.map(|id| serde_json::json!({ "in_reply_to_tweet_id": id }))),
                ("media", media.map(|ids| serde_json::json!({ "media_ids": ids }))),
                ("quote_tweet_id", quote),
                ("reply_settings", settings.map(Value::from)),
                ("poll", poll.map(|(options, minutes)| serde_json::json!({"options": options, "duration_minutes": minutes}))),
            ])
        })
        .boxed()
}

/// Media initialize and metadata bodies of the right shape, with any values.
fn plausible_media_json(ids: &[String]) -> BoxedStrategy<Vec<u8>> {
    let number = prop_oneof![
        any::<i64>().prop_map(Value::from),
        (0i64..20_000_000).prop_map(Value::from),
        select(JSON_NUMBERS).prop_map(|n| serde_json::from_str(n).unwrap_or(Value::Null)),
    ];
    prop_oneof![
        (select(TEXTS), number, prop::option::of(select(TEXTS))).prop_map(
            |(media_type, total, category)| {
                object_of(vec![
                    ("media_type", Some(Value::from(media_type))),
                    ("total_bytes", Some(total)),
                    ("media_category", category.map(Value::from)),
                ])
            }
        ),
        (word(ids), text()).prop_map(|(id, alt)| {
            object_of(vec![
                ("id", Some(Value::from(id))),
                (
                    "metadata",
                    Some(serde_json::json!({"alt_text": {"text": alt}})),
                ),
            ])
        }),
    ]
    .boxed()
}

/// Form bodies (`application/x-www-form-urlencoded`) over `keys`.
fn form_body(
    keys: &'static [&'static str],
    words: BoxedStrategy<String>,
) -> BoxedStrategy<Vec<u8>> {
    let key = prop_oneof![8 => select(keys).prop_map(str::to_owned), 1 => text()];
    let pair = (key, words, any::<bool>()).prop_map(|(k, v, encoded)| {
        if encoded {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair(&k, &v)
                .finish()
        } else {
            format!("{k}={v}")
        }
    });
    prop_oneof![
        8 => prop::collection::vec(pair, 0..7).prop_map(|pairs| pairs.join("&").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => select(vec![&b"%"[..], b"=&=&", b"grant_type", b"grant_type=%zz", b"a=%ff%fe", b"\xff=\xfe", b"&&&&"])
            .prop_map(<[u8]>::to_vec),
    ]
    .boxed()
}

/// The file part of an upload: real images and videos, their heads, or junk.
fn media_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        2 => Just(common::png()),
        1 => (1usize..40).prop_map(common::gif),
        1 => (0u32..200_000, 0usize..3000).prop_map(|(ms, len)| common::mp4(ms, len)),
        2 => (prop::collection::vec(any::<u8>(), 0..600), any::<Index>()).prop_map(|(junk, cut)| {
            // A real head with a junk tail, or a real file cut short.
            let mut file = common::png();
            file.truncate(cut.index(file.len() + 1));
            file.extend_from_slice(&junk);
            file
        }),
        2 => prop::collection::vec(any::<u8>(), 0..600),
        1 => Just(Vec::new()),
    ]
    .boxed()
}

/// A multipart body and its content type: well-formed, mismatched boundary, cut off, LF line
/// ends, missing headers.
fn multipart() -> BoxedStrategy<(Option<String>, Vec<u8>)> {
    let part = (
        prop_oneof![6 => select(UPLOAD_KEYS).prop_map(str::to_owned), 1 => text()],
        prop::option::of(select(&["file", "a.png", "", "\"", "é.gif"][..])),
        prop_oneof![3 => media_bytes(), 2 => text().prop_map(String::into_bytes), 2 => select(NUMBERS).prop_map(|n| n.as_bytes().to_vec())],
        0..5u8,
    );
    // The parts an upload or a segment needs, so that cases also get past the form to the
    // sniffing, size and segment checks.
    let plausible = (
        media_bytes(),
        select(TEXTS),
        select(NUMBERS),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(media, category, index, with_category, with_index)| {
            let mut parts = Vec::new();
            if with_category {
                parts.push((
                    "media_category".to_owned(),
                    None,
                    category.as_bytes().to_vec(),
                    2,
                ));
            }
            if with_index {
                parts.push((
                    "segment_index".to_owned(),
                    None,
                    index.as_bytes().to_vec(),
                    2,
                ));
            }
            parts.push(("media".to_owned(), Some("file"), media, 3));
            parts
        });
    (
        prop_oneof![prop::collection::vec(part, 0..4), plausible],
        from_alphabet("ABCXYZabcxyz0189'()+_,./:=?-", 1..73),
        // Mostly well framed (6 and up), so that cases reach the parts.
        0..14u8,
        any::<Index>(),
        any::<bool>(),
    )
        .prop_map(|(parts, boundary, framing, cut, lf)| {
            let eol: &[u8] = if lf { b"\n" } else { b"\r\n" };
            let mut body = Vec::new();
            for (name, filename, content, shape) in &parts {
                body.extend_from_slice(format!("--{boundary}").as_bytes());
                body.extend_from_slice(eol);
                match shape {
                    // No Content-Disposition at all.
                    0 => {}
                    1 => body.extend_from_slice(b"Content-Disposition: form-data"),
                    _ => {
                        body.extend_from_slice(
                            format!("Content-Disposition: form-data; name=\"{name}\"").as_bytes(),
                        );
                        if let Some(f) = filename {
                            body.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
                        }
                    }
                }
                body.extend_from_slice(eol);
                if *shape == 4 {
                    body.extend_from_slice(b"Content-Type: application/octet-stream");
                    body.extend_from_slice(eol);
                }
                body.extend_from_slice(eol);
                body.extend_from_slice(content);
                body.extend_from_slice(eol);
            }
            body.extend_from_slice(format!("--{boundary}--").as_bytes());
            body.extend_from_slice(eol);
            let content_type = match framing {
                0 => None,
                1 => Some("multipart/form-data".to_owned()),
                2 => Some("multipart/form-data; boundary=".to_owned()),
                3 => Some("multipart/form-data; boundary=other".to_owned()),
                4 => {
                    body.truncate(cut.index(body.len() + 1));
                    Some(format!("multipart/form-data; boundary={boundary}"))
                }
                5 => Some(format!("multipart/mixed; boundary=\"{boundary}\"")),
                _ => Some(format!("multipart/form-data; boundary=\"{boundary}\"")),
            };
            (content_type, body)
        })
        .boxed()
}

/// An upload as JSON (`media` as base64), or junk JSON.
fn json_upload(ids: &[String]) -> BoxedStrategy<Vec<u8>> {
    let media = prop_oneof![
        3 => media_bytes().prop_map(|b| json_string(&STANDARD.encode(b))),
        1 => text().prop_map(|s| json_string(&s)),
        1 => json_value(ids),
    ];
    let member = prop_oneof![
        3 => media.prop_map(|m| ("media".to_owned(), m)),
        2 => (select(UPLOAD_KEYS).prop_map(str::to_owned), json_value(ids)),
        2 => select(TEXTS).prop_map(|c| ("media_category".to_owned(), json_string(c))),
    ];
    prop_oneof![
        4 => prop::collection::vec(member, 0..4).prop_map(|members| object_text(&members).into_bytes()),
        1 => json_body(UPLOAD_KEYS, ids),
    ]
    .boxed()
}

fn payload(body: BoxedStrategy<Vec<u8>>) -> BoxedStrategy<Payload> {
    prop_oneof![
        60 => body.clone().prop_map(Payload::Whole),
        2 => body.prop_map(Payload::Broken),
        1 => (1usize..4096).prop_map(|extra| Payload::Oversized(BODY_LIMIT + extra)),
    ]
    .boxed()
}

// ---- generators: headers ----

/// Header value bytes: whatever a header can carry (no controls but tab), non-ASCII included.
fn header_bytes(mut bytes: Vec<u8>) -> Vec<u8> {
    for b in &mut bytes {
        if (*b < 0x20 && *b != b'\t') || *b == 0x7f {
            *b = b'?';
        }
    }
    bytes
}

/// `Authorization`: mostly the fixture's token, else every way it goes wrong.
fn authorization(token: &str) -> BoxedStrategy<Option<Vec<u8>>> {
    let t = token.to_owned();
    let variants: Vec<String> = vec![
        "Bearer".into(),
        "Bearer ".into(),
        "Bearer  ".into(),
        format!("bearer {t}"),
        format!("BEARER   {t}  "),
        format!("Bearer {t}x"),
        format!("Bearer {t} {t}"),
        format!("Bearer\t{t}"),
        format!("Token {t}"),
        t.clone(),
        "Basic Y291bnRlcnNpZ24tdGVzdC1jbGllbnQ6".into(),
        "Basic !!!".into(),
        "Basic".into(),
        "Bearer null".into(),
        "Bearer at-0-0".into(),
    ];
    let good = format!("Bearer {t}").into_bytes();
    prop_oneof![
        30 => Just(Some(good)),
        2 => Just(None),
        3 => select(variants).prop_map(|v| Some(v.into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(|b| {
            let mut v = b"Bearer ".to_vec();
            v.extend(header_bytes(b));
            Some(v)
        }),
        1 => (8_000usize..70_000).prop_map(|n| Some(format!("Bearer {}", "a".repeat(n)).into_bytes())),
    ]
    .boxed()
}

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/json; charset=latin1",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
    "application/octet-stream",
    "",
    ";",
    "application/",
    "*/*",
    "application/json, text/plain",
];

fn content_type(usual: Option<&'static str>) -> BoxedStrategy<Option<Vec<u8>>> {
    let usual = usual.map(|c| c.as_bytes().to_vec());
    prop_oneof![
        8 => Just(usual),
        1 => Just(None),
        2 => select(CONTENT_TYPES).prop_map(|c| Some(c.as_bytes().to_vec())),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| Some(header_bytes(b))),
    ]
    .boxed()
}

/// Headers a request might carry besides these: bogus lengths and encodings, repeats,
/// strangers.
fn extra_headers(token: &str) -> BoxedStrategy<Vec<(String, Vec<u8>)>> {
    let header = prop_oneof![
        (
            Just("content-length".to_owned()),
            select(NUMBERS).prop_map(|n| n.as_bytes().to_vec())
        ),
        (
            Just("transfer-encoding".to_owned()),
            select(&["chunked", "gzip", "identity, chunked", "junk"][..])
                .prop_map(|v| v.as_bytes().to_vec())
        ),
        (
            Just("content-encoding".to_owned()),
            select(&["gzip", "br", "deflate", "junk"][..]).prop_map(|v| v.as_bytes().to_vec())
        ),
        (
            Just("authorization".to_owned()),
            authorization(token).prop_map(Option::unwrap_or_default)
        ),
        (
            Just("content-type".to_owned()),
            select(CONTENT_TYPES).prop_map(|v| v.as_bytes().to_vec())
        ),
        (Just("expect".to_owned()), Just(b"100-continue".to_vec())),
        (
            from_alphabet("abcdefghijklmnopqrstuvwxyz", 1..21),
            prop::collection::vec(any::<u8>(), 0..100).prop_map(header_bytes)
        ),
    ];
    prop_oneof![4 => Just(Vec::new()), 1 => prop::collection::vec(header, 1..4)].boxed()
}

fn headers(token: &str, usual_type: Option<&'static str>) -> BoxedStrategy<Vec<(String, Vec<u8>)>> {
    (
        authorization(token),
        content_type(usual_type),
        extra_headers(token),
    )
        .prop_map(|(auth, ctype, extra)| {
            let mut headers = Vec::new();
            if let Some(a) = auth {
                headers.push(("authorization".to_owned(), a));
            }
            if let Some(c) = ctype {
                headers.push(("content-type".to_owned(), c));
            }
            headers.extend(extra);
            headers
        })
        .boxed()
}

// ---- the targets ----

fn probe_of(
    method: Method,
    path: BoxedStrategy<String>,
    query: BoxedStrategy<Option<String>>,
    headers: BoxedStrategy<Vec<(String, Vec<u8>)>>,
    payload: BoxedStrategy<Payload>,
) -> BoxedStrategy<Probe> {
    (path, query, headers, payload)
        .prop_map(move |(path, query, headers, payload)| Probe {
            method: method.clone(),
            path,
            query,
            headers,
            payload,
        })
        .boxed()
}

fn no_query() -> BoxedStrategy<Option<String>> {
    Just(None).boxed()
}

fn empty_body() -> BoxedStrategy<Payload> {
    prop_oneof![4 => Just(Payload::Whole(Vec::new())), 1 => payload(prop::collection::vec(any::<u8>(), 0..64).boxed())]
        .boxed()
}

/// `POST /2/tweets`, the DM send, media initialize and metadata: JSON bodies.
#[test]
fn json_bodies_get_x_errors() {
    let f = Fixture::start();
    let ids = f.ids.clone();
    let json_headers = headers(&f.token, Some("application/json"));
    let at = |path: &'static str| Just(path.to_owned()).boxed();
    let dm_path = path_id(&ids)
        .prop_map(|id| format!("/2/dm_conversations/with/{id}/messages"))
        .boxed();
    let strategy = prop_oneof![
        4 => probe_of(Method::POST, at("/2/tweets"), no_query(), json_headers.clone(), payload(json_body(CREATE_KEYS, &ids))),
        4 => probe_of(Method::POST, at("/2/tweets"), no_query(), json_headers.clone(), payload(plausible_post(&ids))),
        2 => probe_of(Method::POST, dm_path.clone(), no_query(), json_headers.clone(), payload(json_body(DM_KEYS, &ids))),
        1 => probe_of(Method::POST, dm_path, no_query(), json_headers.clone(), payload(text().prop_map(|t| object_of(vec![("text", Some(Value::from(t)))])).boxed())),
        2 => probe_of(Method::POST, at("/2/media/upload/initialize"), no_query(), json_headers.clone(), payload(json_body(INITIALIZE_KEYS, &ids))),
        2 => probe_of(Method::POST, at("/2/media/metadata"), no_query(), json_headers.clone(), payload(json_body(METADATA_KEYS, &ids))),
        2 => probe_of(Method::POST, select(vec!["/2/media/upload/initialize".to_owned(), "/2/media/metadata".to_owned()]).boxed(), no_query(), json_headers, payload(plausible_media_json(&ids))),
    ];
    run("JSON bodies", cases(), strategy, |probe| f.probe(&probe));
    f.assert_serves_the_account();
}

const TIMELINE_PARAMS: &[&str] = &[
    "max_results",
    "pagination_token",
    "since_id",
    "until_id",
    "start_time",
    "end_time",
    "exclude",
    "tweet.fields",
    "post.fields",
    "expansions",
    "media.fields",
    "user.fields",
    "poll.fields",
    "place.fields",
];
const DM_PARAMS: &[&str] = &[
    "max_results",
    "pagination_token",
    "event_types",
    "dm_event.fields",
    "expansions",
    "user.fields",
    "since_id",
];
const ME_PARAMS: &[&str] = &["user.fields", "expansions", "tweet.fields", "post.fields"];
const STATUS_PARAMS: &[&str] = &["command", "media_id", "command"];

/// The timelines, mentions, DM events, `users/me`, media STATUS and post deletion: query
/// strings and path ids.
#[test]
fn queries_and_path_ids_get_x_errors() {
    let f = Fixture::start();
    let ids = f.ids.clone();
    // Pagination tokens the sandbox handed out, to page with (and mangle).
    let mut words = ids.clone();
    for path in [
        "/2/users/{id}/tweets?max_results=5",
        "/2/users/{id}/mentions?max_results=5",
        "/2/dm_events?max_results=1",
    ] {
        let token = f.token.clone();
        let (_, page) = f.call(
            Method::GET,
            &path.replace("{id}", &ids[0]),
            Some(&token),
            None,
            Vec::new(),
        );
        if let Some(next) = page["meta"]["next_token"].as_str() {
            words.push(next.to_owned());
            words.push(format!("{next}x"));
        }
    }
    let plain = headers(&f.token, None);
    let user_path = |suffix: &'static str| {
        path_id(&ids)
            .prop_map(move |id| format!("/2/users/{id}/{suffix}"))
            .boxed()
    };
    let at = |path: &'static str| Just(path.to_owned()).boxed();
    let strategy = prop_oneof![
        3 => probe_of(Method::GET, user_path("tweets"), query(TIMELINE_PARAMS, &words), plain.clone(), empty_body()),
        3 => probe_of(Method::GET, user_path("mentions"), query(TIMELINE_PARAMS, &words), plain.clone(), empty_body()),
        2 => probe_of(Method::GET, at("/2/dm_events"), query(DM_PARAMS, &words), plain.clone(), empty_body()),
        1 => probe_of(Method::GET, at("/2/users/me"), query(ME_PARAMS, &words), plain.clone(), empty_body()),
        2 => probe_of(Method::GET, at("/2/media/upload"), query(STATUS_PARAMS, &words), plain.clone(), empty_body()),
        1 => probe_of(Method::DELETE, path_id(&ids).prop_map(|id| format!("/2/tweets/{id}")).boxed(), query(ME_PARAMS, &words), plain, empty_body()),
    ];
    run("queries and path ids", cases(), strategy, |probe| {
        f.probe(&probe)
    });
    f.assert_serves_the_account();
}

const TOKEN_KEYS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
    "refresh_token",
    "token",
    "token_type_hint",
];
const AUTHORIZE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// The token and revoke endpoints (forms) and the authorize page (query strings).
#[test]
fn oauth_forms_and_queries_get_oauth_errors() {
    let f = Fixture::start();
    let (_, challenge) = common::pkce("fuzz");
    let mut words = vec![
        f.code.clone(),
        f.refresh.clone(),
        common::REDIRECT.to_owned(),
        common::CLIENT.to_owned(),
        challenge,
        common::pkce("fuzz").0,
        SCOPES.to_owned(),
        "tweet.read users.read".to_owned(),
        "tweet.read unknown.scope".to_owned(),
        "javascript:alert(1)".to_owned(),
        "http://127.0.0.1:53682/callback?x=1#frag".to_owned(),
        "a".repeat(501),
    ];
    words.extend(TEXTS.iter().map(|s| (*s).to_owned()));
    let word = prop_oneof![3 => select(words.clone()), 1 => text()].boxed();
    let form_headers = (
        prop_oneof![
            4 => Just(None),
            1 => select(&[
                "Basic Y291bnRlcnNpZ24tdGVzdC1jbGllbnQ6",
                "Basic Y291bnRlcnNpZ24tdGVzdC1jbGllbnQ",
                "basic !!!",
                "Basic /w==",
                "Bearer x",
            ][..]).prop_map(|v| Some(v.as_bytes().to_vec())),
            1 => prop::collection::vec(any::<u8>(), 0..60).prop_map(|b| {
                let mut v = b"Basic ".to_vec();
                v.extend(header_bytes(b));
                Some(v)
            }),
        ],
        content_type(Some("application/x-www-form-urlencoded")),
        extra_headers(&f.token),
    )
        .prop_map(|(auth, ctype, extra)| {
            let mut headers = Vec::new();
            headers.extend(auth.map(|a| ("authorization".to_owned(), a)));
            headers.extend(ctype.map(|c| ("content-type".to_owned(), c)));
            headers.extend(extra);
            headers
        })
        .boxed();
    let authorize_query = {
        let key = prop_oneof![8 => select(AUTHORIZE_PARAMS).prop_map(str::to_owned), 1 => text()];
        prop_oneof![
            6 => prop::collection::vec((key, word.clone(), any::<bool>()), 0..9).prop_map(|pairs| {
                Some(within_uri_limit(pairs.into_iter().map(|(k, v, encoded)| if encoded {
                    url::form_urlencoded::Serializer::new(String::new()).append_pair(&k, &v).finish()
                } else {
                    format!("{}={}", uri_text(&k, "%"), uri_text(&v, "%/?"))
                }).collect::<Vec<_>>().join("&")))
            }),
            1 => query(AUTHORIZE_PARAMS, &words),
        ]
        .boxed()
    };
    let at = |path: &'static str| Just(path.to_owned()).boxed();
    let strategy = prop_oneof![
        3 => probe_of(Method::POST, at("/2/oauth2/token"), no_query(), form_headers.clone(), payload(form_body(TOKEN_KEYS, word.clone()))),
        1 => probe_of(Method::POST, at("/2/oauth2/revoke"), no_query(), form_headers, payload(form_body(TOKEN_KEYS, word))),
        3 => probe_of(Method::GET, at("/i/oauth2/authorize"), authorize_query, headers(&f.token, None), empty_body()),
    ];
    run("OAuth forms and queries", cases(), strategy, |probe| {
        f.probe(&probe)
    });
    f.assert_serves_the_account();
}

/// One-shot uploads and chunked APPEND / FINALIZE: multipart and JSON bodies.
#[test]
fn media_uploads_get_x_errors() {
    let f = Fixture::start();
    let ids = f.ids.clone();
    let upload_ids: Vec<String> = f.uploads.clone();
    let upload_id = prop_oneof![3 => select(upload_ids), 1 => path_id(&ids)].boxed();
    let body = {
        let token = f.token.clone();
        let ids = ids.clone();
        prop_oneof![
            4 => (multipart(), authorization(&token), extra_headers(&token), any::<u8>()).prop_map(|((ctype, body), auth, extra, broken)| {
                let mut headers = Vec::new();
                headers.extend(auth.map(|a| ("authorization".to_owned(), a)));
                headers.extend(ctype.map(|c| ("content-type".to_owned(), c.into_bytes())));
                headers.extend(extra);
                let payload = if broken < 4 { Payload::Broken(body) } else { Payload::Whole(body) };
                (headers, payload)
            }),
            1 => (headers(&token, Some("application/json")), payload(json_upload(&ids))),
        ]
        .boxed()
    };
    let shaped = |method: Method, path: BoxedStrategy<String>| {
        (path, body.clone())
            .prop_map(move |(path, (headers, payload))| Probe {
                method: method.clone(),
                path,
                query: None,
                headers,
                payload,
            })
            .boxed()
    };
    let strategy = prop_oneof![
        3 => shaped(Method::POST, Just("/2/media/upload".to_owned()).boxed()),
        3 => shaped(Method::POST, upload_id.clone().prop_map(|id| format!("/2/media/upload/{id}/append")).boxed()),
        1 => probe_of(
            Method::POST,
            upload_id.prop_map(|id| format!("/2/media/upload/{id}/finalize")).boxed(),
            no_query(),
            headers(&f.token, None),
            empty_body(),
        ),
    ];
    run("media uploads", cases(), strategy, |probe| f.probe(&probe));
    f.assert_serves_the_account();
}

const ADMIN_POSTS: &[&str] = &[
    "/_sandbox/faults",
    "/_sandbox/latency",
    "/_sandbox/limits",
    "/_sandbox/clock",
    "/_sandbox/mentions",
    "/_sandbox/people/posts",
    "/_sandbox/dms",
];
const ADMIN_GETS: &[&str] = &[
    "/_sandbox/health",
    "/_sandbox/posts",
    "/_sandbox/timeline",
    "/_sandbox/requests",
    "/_sandbox/faults",
    "/_sandbox/latency",
    "/_sandbox/limits",
    "/_sandbox/clock",
    "/_sandbox/dms",
    "/_sandbox/nothing",
    "/_sandbox/",
    "/_sandbox",
];

/// The admin API: its JSON bodies, and its routes with any method. (In-process, so a
/// generated `hang` fault or latency never reaches a request: faults and latency live in the
/// listener.)
#[test]
fn admin_bodies_get_admin_errors() {
    let f = Fixture::start();
    let ids = f.ids.clone();
    let json_headers = headers(&f.token, Some("application/json"));
    let admin_body = json_body(ADMIN_KEYS, &ids);
    let method = select(vec![
        Method::GET,
        Method::POST,
        Method::DELETE,
        Method::PUT,
        Method::HEAD,
        Method::OPTIONS,
    ]);
    let strategy = prop_oneof![
        8 => (select(ADMIN_POSTS), json_headers.clone(), payload(admin_body))
            .prop_map(|(path, headers, payload)| Probe {
                method: Method::POST,
                path: path.to_owned(),
                query: None,
                headers,
                payload,
            }),
        1 => (method, select(ADMIN_GETS), query(ADMIN_KEYS, &ids), json_headers, empty_body())
            .prop_map(|(method, path, query, headers, payload)| Probe {
                method,
                path: path.to_owned(),
                query,
                headers,
                payload,
            }),
    ];
    run("admin API", cases(), strategy, |probe| f.probe(&probe));
    f.assert_serves_the_account();
}

/// Every route template, plus strangers.
const ROUTES: &[&str] = &[
    "/i/oauth2/authorize",
    "/2/oauth2/token",
    "/2/oauth2/revoke",
    "/2/tweets",
    "/2/tweets/{id}",
    "/2/users/me",
    "/2/users/{id}/tweets",
    "/2/users/{id}/mentions",
    "/2/dm_events",
    "/2/dm_conversations/with/{id}/messages",
    "/2/media/upload",
    "/2/media/upload/initialize",
    "/2/media/upload/{id}/append",
    "/2/media/upload/{id}/finalize",
    "/2/media/metadata",
    "/2/",
    "/2",
    "/",
    "/2/tweets/{id}/{id}",
    "/2/users/{id}",
    "//2/tweets",
    "/2/./tweets",
    "/2/tweets/../users/me",
    "/2/TWEETS",
    "/2/tweets/",
    "/1.1/statuses/update.json",
];

/// Any method on any route with any headers, query and body: what reaches a route it was
/// not shaped for.
fn anything(f: &Fixture) -> BoxedStrategy<Probe> {
    let ids = f.ids.clone();
    let method = prop_oneof![
        6 => select(vec![Method::GET, Method::POST, Method::DELETE]),
        2 => select(vec![Method::PUT, Method::PATCH, Method::HEAD, Method::OPTIONS, Method::TRACE]),
        1 => from_alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1..11).prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ];
    let path = prop_oneof![
        8 => (select(ROUTES), path_id(&ids)).prop_map(|(route, id)| route.replace("{id}", &id)),
        1 => chars().prop_map(|s| format!("/{}", uri_text(&s, "%/"))),
    ];
    let body = prop_oneof![
        3 => json_body(JSON_KEYS, &ids),
        1 => form_body(TOKEN_KEYS, text()),
        1 => multipart().prop_map(|(_, body)| body),
        1 => Just(Vec::new()),
    ]
    .boxed();
    let usual = select(
        &[
            Some("application/json"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            None,
        ][..],
    );
    let token = f.token.clone();
    let words = ids.clone();
    (method, path, usual)
        .prop_flat_map(move |(method, path, usual)| {
            (
                Just(method),
                Just(path),
                query(TIMELINE_PARAMS, &words),
                headers(&token, usual),
                payload(body.clone()),
            )
        })
        .prop_map(|(method, path, query, headers, payload)| Probe {
            method,
            path,
            query,
            headers,
            payload,
        })
        .boxed()
}

/// Any method, route, query, headers and body.
#[test]
fn any_request_gets_a_proper_answer() {
    let f = Fixture::start();
    let strategy = anything(&f);
    run("any request", cases(), strategy, |probe| f.probe(&probe));
    f.assert_serves_the_account();
}

// ---- raw TCP ----

/// What a client might do to the bytes of a request on the wire.
#[derive(Debug, Clone)]
enum Mangle {
    None,
    /// Cut off after this many bytes.
    Cut(Index),
    /// This `Content-Length` instead of the true one.
    Length(String),
    /// Two `Content-Length`s.
    TwoLengths,
    /// Chunked, with this junk for a chunk.
    Chunked(Vec<u8>),
    /// Bare `\n` line ends.
    LineFeeds,
    /// Another request line version.
    Version(String),
    /// A header this big.
    HugeHeader(usize),
    /// A request target this long.
    HugeTarget(usize),
}

fn mangle() -> BoxedStrategy<Mangle> {
    prop_oneof![
        4 => Just(Mangle::None),
        2 => any::<Index>().prop_map(Mangle::Cut),
        2 => select(NUMBERS).prop_map(|n| Mangle::Length(n.to_owned())),
        1 => Just(Mangle::TwoLengths),
        2 => prop_oneof![
            select(vec![&b"5\r\nhello\r\n0\r\n\r\n"[..], b"ffffffffffffffffff\r\n", b"zz\r\n", b"5\r\nhel", b"-1\r\n", b"0\r\n", b"3;ext=\"\r\nabc\r\n0\r\n\r\n"]).prop_map(<[u8]>::to_vec),
            prop::collection::vec(any::<u8>(), 0..64),
        ].prop_map(Mangle::Chunked),
        1 => Just(Mangle::LineFeeds),
        1 => select(&["HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "", "http/1.1", "HTTP/1.1 extra"][..]).prop_map(|v| Mangle::Version(v.to_owned())),
        1 => (1_000usize..120_000).prop_map(Mangle::HugeHeader),
        1 => (1_000usize..120_000).prop_map(Mangle::HugeTarget),
    ]
    .boxed()
}

/// Raw bytes for the listener: a generated request, mangled, or junk.
#[derive(Clone)]
enum Wire {
    Request(Probe, Mangle),
    Junk(Vec<u8>),
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Wire::Request(probe, mangle) => write!(f, "{probe:#?}\nmangled: {mangle:?}"),
            Wire::Junk(bytes) => write!(f, "junk: {:?}", shown(bytes)),
        }
    }
}

impl Wire {
    fn bytes(&self) -> Vec<u8> {
        let Wire::Request(probe, mangle) = self else {
            let Wire::Junk(bytes) = self else {
                unreachable!()
            };
            return bytes.clone();
        };
        let mut probe = probe.clone();
        if matches!(probe.payload, Payload::Oversized(_)) {
            // Over the wire the limit is met the same way; keep the socket cases quick.
            probe.payload = Payload::Whole(oversized(BODY_LIMIT + 1));
        }
        match mangle {
            Mangle::None | Mangle::LineFeeds | Mangle::Cut(_) | Mangle::Version(_) => {}
            Mangle::Length(n) => probe
                .headers
                .push(("content-length".into(), n.clone().into_bytes())),
            Mangle::TwoLengths => {
                probe.headers.push(("content-length".into(), b"1".to_vec()));
                probe.headers.push(("content-length".into(), b"2".to_vec()));
            }
            Mangle::Chunked(_) => probe
                .headers
                .push(("transfer-encoding".into(), b"chunked".to_vec())),
            Mangle::HugeHeader(n) => probe.headers.push(("x-huge".into(), vec![b'h'; *n])),
            Mangle::HugeTarget(n) => probe.path = format!("/2/tweets/{}", "9".repeat(*n)),
        }
        let mut wire = probe.wire();
        match mangle {
            Mangle::Cut(at) => wire.truncate(at.index(wire.len() + 1)),
            Mangle::Chunked(chunk) => {
                // `wire()` put the body after the blank line; make it chunked junk instead.
                let head_end = find(&wire, b"\r\n\r\n").map_or(wire.len(), |i| i + 4);
                wire.truncate(head_end);
                wire.extend_from_slice(chunk);
            }
            Mangle::LineFeeds => {
                let head_end = find(&wire, b"\r\n\r\n").map_or(wire.len(), |i| i + 4);
                let (head, body) = wire.split_at(head_end);
                let head = String::from_utf8_lossy(head).replace("\r\n", "\n");
                wire = [head.as_bytes(), body].concat();
            }
            Mangle::Version(v) => {
                if let Some(i) = find(&wire, b" HTTP/1.1\r\n") {
                    let replacement = format!(" {v}\r\n");
                    wire.splice(i..i + 11, replacement.bytes());
                }
            }
            _ => {}
        }
        wire
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends `bytes`, half-closes, and reads until the server closes. `Err` if it neither
/// answered nor closed within [`DEADLINE`]; `Ok` with the status line's code, if any.
fn exchange(base: &str, bytes: &[u8]) -> Result<Option<u16>, TestCaseError> {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr)
        .map_err(|e| TestCaseError::fail(format!("cannot connect: {e}")))?;
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.set_write_timeout(Some(DEADLINE)).unwrap();
    // The server may answer and close before reading everything (a 431, say): a failed
    // write is not the server's failure; what it answers is checked below.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(TestCaseError::fail(format!(
                    "neither answered nor closed within {DEADLINE:?} (got {:?} so far)",
                    shown(&answer)
                )));
            }
            // Reset after the server gave up on the request: closed, not hung.
            Err(_) => break,
        }
        if started.elapsed() > DEADLINE * 2 {
            return Err(TestCaseError::fail("still sending after the deadline"));
        }
    }
    if answer.is_empty() {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&answer[..answer.len().min(64)]).into_owned();
    let code = line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| line.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| TestCaseError::fail(format!("not an HTTP answer: {}", shown(&answer))))?;
    prop_assert!(code < 500, "answered {}", shown(&answer));
    Ok(Some(code))
}

/// Raw bytes to the real listener (X routes go through its latency and fault layer too):
/// every connection is answered or closed within the deadline, never with a 5xx, and the
/// listener keeps serving. One case in 25 of `COUNTERSIGN_FUZZ_CASES`: each opens a socket.
#[test]
fn raw_http_gets_an_answer_or_a_close() {
    let f = Fixture::start();
    let base = f.sandbox.base_url();
    let strategy = prop_oneof![
        6 => (anything(&f), mangle()).prop_map(|(probe, mangle)| Wire::Request(probe, mangle)),
        1 => prop::collection::vec(any::<u8>(), 0..400).prop_map(Wire::Junk),
        1 => select(vec![
            &b"GET / HTTP/1.1\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: x\r\n",
            b"\r\n\r\n",
            b"GET /2/users/me HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\r\n\r\n",
            b"POST /2/tweets HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"te",
            b"POST /2/oauth2/token HTTP/1.1\r\nContent-Length: 999999999999999999999\r\n\r\n",
            b"GET /2/users/me HTTP/1.1\r\n Folded: header\r\n\r\n",
            b"GET /2/users/me\xff HTTP/1.1\r\n\r\n",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        ])
        .prop_map(|b| Wire::Junk(b.to_vec())),
    ];
    let health = b"GET /_sandbox/health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n";
    run(
        "raw HTTP over TCP",
        (cases() / 25).max(1),
        strategy,
        |wire| {
            exchange(&base, &wire.bytes())?;
            let still = exchange(&base, health)?;
            prop_assert_eq!(
                still,
                Some(200),
                "the listener stopped answering its health check"
            );
            Ok(())
        },
    );
    f.assert_serves_the_account();
    let me = format!(
        "GET /2/users/me HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {}\r\nconnection: close\r\n\r\n",
        f.token
    );
    assert_eq!(exchange(&base, me.as_bytes()).unwrap(), Some(200));
}

/// A client that sends part of a request and then waits without closing (a slow or stuck
/// sender) is closed once the header timeout passes, and the listener serves everyone else
/// meanwhile.
#[test]
fn a_sender_that_stalls_mid_request_is_closed() {
    let limit = Duration::from_secs(3);
    let f = Fixture::start_with(SandboxConfig {
        header_timeout: limit,
        ..SandboxConfig::default()
    });
    let base = f.sandbox.base_url();
    let addr = base.trim_start_matches("http://");
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /2/users/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor")
        .unwrap();
    stalled.set_read_timeout(Some(limit * 2)).unwrap();
    let started = Instant::now();
    // Others are answered while it stalls.
    let health = b"GET /_sandbox/health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n";
    assert_eq!(exchange(&base, health).unwrap(), Some(200));
    let mut buf = [0u8; 1024];
    let closed = match stalled.read(&mut buf) {
        Ok(_) => true, // EOF, or an answer (a 408) before it
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    let waited = started.elapsed();
    assert!(closed, "still open after {waited:?}");
    assert!(
        waited >= limit - Duration::from_secs(1) && waited < limit * 2,
        "closed after {waited:?}, the limit is {limit:?}"
    );
}
