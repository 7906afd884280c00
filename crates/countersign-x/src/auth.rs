//! Connecting the account: OAuth 2.0 Authorization Code with PKCE, as a public native client.
//!
//! Countersign ships as a desktop binary, so it cannot keep a client secret; PKCE proves to X
//! that whoever exchanges the code is whoever started the authorization. The browser comes back
//! to `http://127.0.0.1:<port>/callback` (X prefers the loopback address over `localhost`), where
//! [`XClient::connect_with_browser`] listens for exactly one good redirect.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use rand::RngCore as _;
use reqwest::Method;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::{debug, info, warn};
use url::Url;

use crate::budget::Endpoint;
use crate::client::{Inner, XClient};
use crate::config::XConfig;
use crate::error::XError;
use crate::http::Request;
use crate::secret::{Secret, Tokens};

/// How long one browser connection may take to send its request line. Browsers open
/// speculative connections that never send anything; they must not hold up the real redirect.
const CALLBACK_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request head the callback listener reads.
const CALLBACK_MAX_HEAD: usize = 16 * 1024;

/// One authorization attempt: the consent URL to open and what must come back.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// X's consent page with every parameter (client id, scopes, state, PKCE challenge).
    pub url: Url,
    /// The anti-forgery value X hands back with the code; a redirect with any other state is
    /// not ours.
    pub state: String,
    /// The PKCE code verifier (its SHA-256 is the challenge in `url`). Secret until the exchange.
    pub verifier: Secret,
    /// `http://127.0.0.1:<port>/callback`, sent again, byte for byte, with the code exchange.
    pub redirect_uri: String,
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(&buf)
}

/// The S256 challenge for a verifier: base64url(SHA-256(verifier)), unpadded.
pub(crate) fn challenge_for(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Builds an authorization for `redirect_uri`.
pub(crate) fn authorization_for(config: &XConfig, redirect_uri: String) -> Authorization {
    // 48 random bytes make a 64-character verifier (RFC 7636 allows 43..128).
    let verifier = random_token(48);
    let state = random_token(24);
    let challenge = challenge_for(&verifier);
    let scope = config.scopes.join(" ");
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", &scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    // Form encoding writes spaces as `+`; X documents the scope list with `%20`. A literal `+`
    // is already `%2B` here, so every `+` is a space.
    let query = query.finish().replace('+', "%20");
    let mut url = config.authorize_url.clone();
    url.set_query(Some(&query));
    Authorization {
        url,
        state,
        verifier: Secret::new(verifier),
        redirect_uri,
    }
}

/// Which grant a token request is for: their refusals mean different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenGrant {
    Code,
    Refresh,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    scope: Option<String>,
}

impl Inner {
    fn api_url(&self, path: &str) -> Result<Url, XError> {
        self.config.api_base.join(path).map_err(|e| XError::Config {
            detail: format!("bad API URL for {path}: {e}"),
        })
    }

    /// POSTs to the token endpoint and reads the new grant.
    pub(crate) async fn token_request(
        &self,
        fields: Vec<(&'static str, String)>,
        grant: TokenGrant,
    ) -> Result<Tokens, XError> {
        let req = Request::new(
            Endpoint::OAuth,
            Method::POST,
            self.api_url("/2/oauth2/token")?,
        )
        .form(fields)
        .without_auth();
        // Boxed: `call` reaches this function (through a refresh), and async recursion needs an
        // indirection. A token request is unauthenticated, so it never recurses further.
        let reply = Box::pin(self.call(req)).await?;
        if !reply.is_success() {
            let problem = reply.problem();
            return Err(match (reply.status, grant) {
                // invalid_grant / invalid_request / 401: the refresh token is spent or revoked.
                (400 | 401, TokenGrant::Refresh) => {
                    debug!(error = ?problem.error, "refresh refused");
                    XError::NeedsReconnect
                }
                (400 | 401, TokenGrant::Code) => XError::AuthorizationFailed {
                    detail: problem.summary(),
                },
                _ => reply.error(),
            });
        }
        let body: TokenResponse = reply.json()?;
        // Counted from receipt, so it runs a request's latency behind X's own clock; the
        // refresh margin absorbs that.
        let expires_in = SignedDuration::from_secs(body.expires_in.unwrap_or(7200).max(0));
        Ok(Tokens {
            access_token: Secret::new(body.access_token),
            refresh_token: body.refresh_token.map(Secret::new),
            expires_at: Timestamp::now()
                .checked_add(expires_in)
                .unwrap_or(Timestamp::MAX),
            scope: body.scope.unwrap_or_default(),
        })
    }

    async fn revoke(&self, token: &Secret, hint: &'static str) -> Result<(), XError> {
        let req = Request::new(
            Endpoint::OAuth,
            Method::POST,
            self.api_url("/2/oauth2/revoke")?,
        )
        .form(vec![
            ("token", token.expose().to_string()),
            ("token_type_hint", hint.to_string()),
            ("client_id", self.config.client_id.clone()),
        ])
        .without_auth();
        self.call(req).await?.success().map(|_| ())
    }
}

impl XClient {
    /// A fresh authorization (new state and PKCE verifier) for the configured redirect port.
    pub fn authorization(&self) -> Authorization {
        let config = &self.inner.config;
        authorization_for(config, XConfig::redirect_uri_for(config.redirect_port))
    }

    /// Exchanges the code X sent to the redirect URI for tokens and stores them.
    ///
    /// `state` is the value that came back with the code; it must be `auth.state`.
    pub async fn exchange_code(
        &self,
        auth: &Authorization,
        code: &str,
        state: &str,
    ) -> Result<(), XError> {
        if state != auth.state {
            return Err(XError::StateMismatch);
        }
        let fields = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", auth.redirect_uri.clone()),
            ("code_verifier", auth.verifier.expose().to_string()),
            ("client_id", self.inner.config.client_id.clone()),
        ];
        let tokens = self.inner.token_request(fields, TokenGrant::Code).await?;
        self.inner.adopt(tokens).await?;
        info!("X account connected");
        Ok(())
    }

    /// Connects the account through the person's browser.
    ///
    /// Binds `127.0.0.1:<redirect_port>` first (so the redirect has somewhere to land), then
    /// calls `open` with the consent URL (the app opens the system browser), waits for X's
    /// redirect to `/callback`, checks its state, exchanges the code, stores the tokens, and
    /// answers the browser with a page that says whether it worked. Redirects with another state
    /// are answered and ignored. Gives up after `authorize_timeout`.
    pub async fn connect_with_browser(
        &self,
        open: impl FnOnce(&Url) -> Result<(), String>,
    ) -> Result<(), XError> {
        let port = self.inner.config.redirect_port;
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            XError::AuthorizationSetup {
                detail: format!("cannot listen on 127.0.0.1:{port} for X's redirect: {e}"),
            }
        })?;
        let bound = listener
            .local_addr()
            .map_err(|e| XError::AuthorizationSetup {
                detail: format!("cannot read the callback address: {e}"),
            })?
            .port();
        let auth = authorization_for(&self.inner.config, XConfig::redirect_uri_for(bound));
        open(&auth.url).map_err(|detail| XError::AuthorizationSetup {
            detail: format!("cannot open the browser: {detail}"),
        })?;
        let limit = self.inner.config.authorize_timeout;
        match tokio::time::timeout(limit, self.await_callback(listener, &auth)).await {
            Ok(result) => result,
            Err(_) => Err(XError::AuthorizationTimeout {
                secs: limit.as_secs(),
            }),
        }
    }

    async fn await_callback(
        &self,
        listener: TcpListener,
        auth: &Authorization,
    ) -> Result<(), XError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(TcpStream, String)>(8);
        // Each connection is read in its own task so an idle one cannot block the real one.
        let acceptor = AbortOnDrop(tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let read = tokio::time::timeout(
                        CALLBACK_READ_TIMEOUT,
                        read_request_target(&mut stream),
                    )
                    .await;
                    if let Ok(Some(target)) = read {
                        let _ = tx.send((stream, target)).await;
                    }
                });
            }
        }));

        while let Some((mut stream, target)) = rx.recv().await {
            let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
                respond(
                    &mut stream,
                    400,
                    "Bad request",
                    "That was not a valid request.",
                )
                .await;
                continue;
            };
            if url.path() != "/callback" {
                respond(&mut stream, 404, "Not found", "Nothing here.").await;
                continue;
            }
            let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
            if query.get("state") != Some(&auth.state) {
                warn!("ignored a callback whose state does not match this authorization");
                respond(
                    &mut stream,
                    400,
                    "Not this connection",
                    "This link does not belong to the connection Countersign is waiting for. \
                     Go back to Countersign and start again if needed.",
                )
                .await;
                continue;
            }
            if let Some(reason) = query.get("error") {
                respond(
                    &mut stream,
                    200,
                    "Not connected",
                    "X did not grant access. You can close this tab and try again from Countersign.",
                )
                .await;
                return Err(XError::AuthorizationDenied {
                    reason: reason.clone(),
                });
            }
            let Some(code) = query.get("code") else {
                respond(
                    &mut stream,
                    400,
                    "Bad request",
                    "X sent no authorization code.",
                )
                .await;
                continue;
            };
            let result = self.exchange_code(auth, code, &auth.state).await;
            match &result {
                Ok(()) => {
                    respond(
                        &mut stream,
                        200,
                        "Connected",
                        "Countersign is connected to X. You can close this tab.",
                    )
                    .await
                }
                Err(e) => {
                    let message = format!("Countersign could not finish connecting: {e}");
                    respond(&mut stream, 200, "Not connected", &message).await
                }
            }
            drop(acceptor);
            return result;
        }
        Err(XError::AuthorizationSetup {
            detail: "the callback listener stopped".into(),
        })
    }

    /// Connects the account without a browser or listener, for the sandbox (whose consent page
    /// consents at once): GETs the consent URL without following the redirect, reads the code
    /// and state from `Location`, and exchanges the code. Against the real X this fails with
    /// [`XError::AuthorizationFailed`]: X's consent page needs a person.
    pub async fn connect_headless(&self) -> Result<(), XError> {
        let auth = self.authorization();
        let response = self
            .inner
            .http
            .get(auth.url.clone())
            .send()
            .await
            .map_err(|e| crate::http::transport(&e))?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some(location) = location.filter(|_| status.is_redirection()) else {
            return Err(XError::AuthorizationFailed {
                detail: format!(
                    "the consent page answered {status} instead of redirecting; \
                     headless connection works only with the sandbox"
                ),
            });
        };
        let target = auth
            .url
            .join(&location)
            .map_err(|e| XError::AuthorizationFailed {
                detail: format!("unreadable redirect: {e}"),
            })?;
        let query: HashMap<String, String> = target.query_pairs().into_owned().collect();
        let state = query.get("state").ok_or(XError::StateMismatch)?;
        if *state != auth.state {
            return Err(XError::StateMismatch);
        }
        if let Some(reason) = query.get("error") {
            return Err(XError::AuthorizationDenied {
                reason: reason.clone(),
            });
        }
        let code = query
            .get("code")
            .ok_or_else(|| XError::AuthorizationFailed {
                detail: "the redirect carried no code".into(),
            })?;
        self.exchange_code(&auth, code, state).await
    }

    /// Disconnects the account: forgets the tokens here (memory and store) and asks X to revoke
    /// them. The local tokens are gone even when this returns an error; the error then says X
    /// did not confirm the revocation (the person can revoke the app in X's settings).
    pub async fn disconnect(&self) -> Result<(), XError> {
        let Some(tokens) = self.inner.forget_grant().await? else {
            return Ok(());
        };
        let mut first_error = None;
        if let Some(refresh) = &tokens.refresh_token
            && let Err(e) = self.inner.revoke(refresh, "refresh_token").await
        {
            first_error.get_or_insert(e);
        }
        if let Err(e) = self
            .inner
            .revoke(&tokens.access_token, "access_token")
            .await
        {
            first_error.get_or_insert(e);
        }
        info!("X account disconnected");
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Aborts a spawned task when dropped (the callback acceptor must not outlive the connect call).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads an HTTP/1 request head and returns its target (`/callback?code=...`), or `None` for
/// anything that is not a GET.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > CALLBACK_MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    (method == "GET" && target.starts_with('/')).then(|| target.to_string())
}

/// Answers the browser with a small page and closes the connection.
async fn respond(stream: &mut TcpStream, status: u16, title: &str, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title} · Countersign</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32em;margin:4em auto\">\
         <h1>{title}</h1><p>{}</p></body></html>",
        html_escape(message)
    );
    let mut response = String::new();
    let _ = write!(
        response,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Err(e) = stream.write_all(response.as_bytes()).await {
        debug!(error = %e, "could not answer the browser");
    }
    let _ = stream.shutdown().await;
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_matches_rfc7636_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn authorization_url_carries_every_parameter() {
        let config = XConfig::x("my-client");
        let auth = authorization_for(&config, XConfig::redirect_uri_for(47820));
        let q: HashMap<String, String> = auth.url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "my-client");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:47820/callback");
        assert_eq!(
            q["scope"],
            "tweet.read tweet.write users.read offline.access media.write dm.read dm.write"
        );
        assert_eq!(q["state"], auth.state);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], challenge_for(auth.verifier.expose()));
        assert!(auth.url.as_str().contains("scope=tweet.read%20tweet.write"));
        assert!(
            auth.url
                .as_str()
                .starts_with("https://x.com/i/oauth2/authorize?")
        );
        let v = auth.verifier.expose().len();
        assert!((43..=128).contains(&v), "{v}");
        assert!(!format!("{auth:?}").contains(auth.verifier.expose()));
    }

    #[test]
    fn each_authorization_is_fresh() {
        let config = XConfig::x("c");
        let a = authorization_for(&config, "r".into());
        let b = authorization_for(&config, "r".into());
        assert_ne!(a.state, b.state);
        assert_ne!(a.verifier, b.verifier);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
