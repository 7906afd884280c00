//! What every test needs: a sandbox on loopback, a client pointed at it, the sandbox's admin
//! API, and a counting relay to see exactly which requests reached the server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countersign_x::{MemoryTokenStore, TokenStore, Tokens, XClient, XConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;
use x_sandbox::{Sandbox, SandboxConfig};

pub const CLIENT_ID: &str = "countersign-test";

/// A sandbox with X's defaults, in memory, on a free port.
pub async fn sandbox() -> Sandbox {
    sandbox_with(|_| {}).await
}

/// A sandbox with its configuration changed by `tweak`.
pub async fn sandbox_with(tweak: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = SandboxConfig::default();
    tweak(&mut config);
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn url(base: &str) -> Url {
    Url::parse(base).expect("base URL parses")
}

/// Client settings for tests: short timeouts so failures show quickly.
pub fn config(base: &str) -> XConfig {
    let mut c = XConfig::sandbox(&url(base), CLIENT_ID);
    c.connect_timeout = Duration::from_secs(2);
    c.request_timeout = Duration::from_secs(10);
    c.max_rate_limit_wait = Duration::from_secs(10);
    c.authorize_timeout = Duration::from_secs(20);
    c
}

pub fn client(config: XConfig, store: &Arc<MemoryTokenStore>) -> XClient {
    XClient::new(config, store.clone() as Arc<dyn TokenStore>).expect("client builds")
}

/// A client connected through the headless flow, and its store.
pub async fn connected(base: &str) -> (XClient, Arc<MemoryTokenStore>) {
    connected_with(config(base)).await
}

pub async fn connected_with(config: XConfig) -> (XClient, Arc<MemoryTokenStore>) {
    let store = Arc::new(MemoryTokenStore::new());
    let c = client(config, &store);
    c.connect_headless().await.expect("headless connect");
    (c, store)
}

/// The stored tokens (there must be some).
pub fn tokens(store: &MemoryTokenStore) -> Tokens {
    store.load().expect("store loads").expect("tokens stored")
}

/// A copy of `tokens` that the client will consider expired.
pub fn expired(mut tokens: Tokens) -> Tokens {
    tokens.expires_at = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1);
    tokens
}

/// `POST /_sandbox/<path>` with a JSON body; panics unless the sandbox says 200.
pub async fn admin(base: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("admin client")
        .post(format!("{base}/_sandbox/{path}"))
        .json(&body)
        .send()
        .await
        .expect("admin request");
    let status = response.status();
    let body: Value = response.json().await.expect("admin JSON");
    assert!(status.is_success(), "admin {path}: {status} {body}");
    body
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub async fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// A transparent TCP relay in front of the sandbox that logs every HTTP request line passing
/// through (`"POST /2/oauth2/token"`), following HTTP/1.1 framing so keep-alive connections and
/// bodies are read correctly. Answers are relayed untouched, and a server that drops or hangs a
/// connection is seen as dropping or hanging by the client.
pub struct Relay {
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Relay {
    pub async fn start(upstream_base: &str) -> Relay {
        let upstream: SocketAddr = url(upstream_base)
            .socket_addrs(|| None)
            .expect("upstream address")[0];
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let addr = listener.local_addr().expect("relay addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = log.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let log = shared.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        relay(client, server, log).await;
                    }
                });
            }
        });
        Relay {
            base: format!("http://{addr}"),
            log,
        }
    }

    /// Every request line so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    /// How many requests had this method and exactly this path (query ignored).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|line| {
                let mut parts = line.split(' ');
                parts.next() == Some(method)
                    && parts
                        .next()
                        .is_some_and(|target| target.split('?').next() == Some(path))
            })
            .count()
    }

    /// How many requests had this method and a path starting with `prefix`.
    pub fn count_prefix(&self, method: &str, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|line| line.starts_with(&format!("{method} {prefix}")))
            .count()
    }
}

async fn relay(client: TcpStream, server: TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async move {
        let mut framing = Framing::default();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for line in framing.feed(&buf[..n]) {
                log.lock().expect("log").push(line);
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    // When the server closes (or drops) the connection, `downstream` ends and closes the
    // client's side at once, so the client sees exactly what the server did.
    tokio::join!(upstream, downstream);
}

/// Splits a client's byte stream into HTTP/1.1 requests (Content-Length or chunked bodies) and
/// reports each request line.
#[derive(Default)]
struct Framing {
    buf: Vec<u8>,
    state: State,
}

#[derive(Default)]
enum State {
    #[default]
    Head,
    Body(usize),
    ChunkSize,
    ChunkData(usize),
    Trailer,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Framing {
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(bytes);
        let mut lines = Vec::new();
        loop {
            match self.state {
                State::Head => {
                    let Some(end) = find(&self.buf, b"\r\n\r\n") else {
                        break;
                    };
                    let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                    self.buf.drain(..end + 4);
                    let mut head_lines = head.split("\r\n");
                    let request_line = head_lines.next().unwrap_or_default();
                    let mut parts = request_line.split(' ');
                    let method = parts.next().unwrap_or_default();
                    let target = parts.next().unwrap_or_default();
                    lines.push(format!("{method} {target}"));
                    let mut length = 0usize;
                    let mut chunked = false;
                    for h in head_lines {
                        if let Some((name, value)) = h.split_once(':') {
                            let name = name.trim().to_ascii_lowercase();
                            let value = value.trim();
                            if name == "content-length" {
                                length = value.parse().unwrap_or(0);
                            } else if name == "transfer-encoding"
                                && value.to_ascii_lowercase().contains("chunked")
                            {
                                chunked = true;
                            }
                        }
                    }
                    self.state = if chunked {
                        State::ChunkSize
                    } else if length > 0 {
                        State::Body(length)
                    } else {
                        State::Head
                    };
                }
                State::Body(left) => {
                    if self.buf.is_empty() {
                        break;
                    }
                    let take = left.min(self.buf.len());
                    self.buf.drain(..take);
                    self.state = if take == left {
                        State::Head
                    } else {
                        State::Body(left - take)
                    };
                }
                State::ChunkSize => {
                    let Some(end) = find(&self.buf, b"\r\n") else {
                        break;
                    };
                    let line = String::from_utf8_lossy(&self.buf[..end]).to_string();
                    self.buf.drain(..end + 2);
                    let size =
                        usize::from_str_radix(line.split(';').next().unwrap_or("0").trim(), 16)
                            .unwrap_or(0);
                    self.state = if size == 0 {
                        State::Trailer
                    } else {
                        State::ChunkData(size + 2)
                    };
                }
                State::ChunkData(left) => {
                    if self.buf.is_empty() {
                        break;
                    }
                    let take = left.min(self.buf.len());
                    self.buf.drain(..take);
                    self.state = if take == left {
                        State::ChunkSize
                    } else {
                        State::ChunkData(left - take)
                    };
                }
                State::Trailer => {
                    let Some(end) = find(&self.buf, b"\r\n") else {
                        break;
                    };
                    self.buf.drain(..end + 2);
                    if end == 0 {
                        self.state = State::Head;
                    }
                }
            }
        }
        lines
    }
}

#[test]
fn framing_follows_bodies_and_chunks() {
    let mut f = Framing::default();
    let stream = b"POST /2/oauth2/token HTTP/1.1\r\nContent-Length: 11\r\n\r\ngrant_type=GET /2/users/me HTTP/1.1\r\nhost: x\r\n\r\nPOST /2/tweets HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n4\r\nab\r\n\r\n0\r\n\r\nDELETE /2/tweets/1 HTTP/1.1\r\n\r\n";
    // Fed in awkward pieces, the framing still finds exactly the four request lines.
    let mut lines = Vec::new();
    for piece in stream.chunks(7) {
        lines.extend(f.feed(piece));
    }
    assert_eq!(
        lines,
        vec![
            "POST /2/oauth2/token",
            "GET /2/users/me",
            "POST /2/tweets",
            "DELETE /2/tweets/1"
        ]
    );
}
