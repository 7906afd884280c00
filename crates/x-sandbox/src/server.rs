//! Listening, routing and misbehaving on purpose.
//!
//! Connections are served with hyper directly (not `axum::serve`) so that a faulted request can
//! be processed and then have its connection dropped before any response byte is written: the
//! one failure a publisher cannot tell apart from "X never got it".

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::admin::{self, SandboxPost};
use crate::config::SandboxConfig;
use crate::conversations::{self, SandboxDm};
use crate::error::SandboxError;
use crate::media::{self, FailProcessing};
use crate::oauth;
use crate::problem::ApiError;
use crate::store::Store;
use crate::tweets;
use crate::world::{FaultKind, World};

/// A running sandbox on 127.0.0.1. Dropping it stops it too; [`Sandbox::shutdown`] also waits
/// until every connection is closed.
#[derive(Debug)]
pub struct Sandbox {
    base_url: String,
    world: Arc<World>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Opens the store, binds 127.0.0.1:`config.port` and starts serving on the current tokio
    /// runtime. Returns once the port is bound, so `base_url` works at once.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let store = Store::open(config.state_dir.as_deref())?;
        let world = Arc::new(World::new(&config, store)?);
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))
            .await
            .map_err(|source| SandboxError::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            port: config.port,
            source,
        })?;
        let router = router(world.clone());
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(conversations::chatter(
            world.clone(),
            config.chatter_per_minute,
            stopped.clone(),
        ));
        let task = tokio::spawn(accept_loop(
            listener,
            router,
            world.clone(),
            stopped,
            config.header_timeout,
        ));
        tracing::info!(
            "x-sandbox serving @{} at http://{addr}",
            config.user.username
        );
        Ok(Sandbox {
            base_url: format!("http://{addr}"),
            world,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`: the API (`/2/…`), the authorize page (`/i/oauth2/authorize`)
    /// and the admin API (`/_sandbox/…`) all live here.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every post created, deleted ones included, oldest first (same data as
    /// `GET /_sandbox/posts`). Empty if the store cannot be read.
    pub fn posts(&self) -> Vec<SandboxPost> {
        admin::posts(&self.world).unwrap_or_default()
    }

    /// Every direct message to or from the account, oldest first (`GET /_sandbox/dms`).
    pub fn dms(&self) -> Vec<SandboxDm> {
        conversations::dms(&self.world).unwrap_or_default()
    }

    /// `from` (a handle, created on first use) posts `text` mentioning the account, replying
    /// to `in_reply_to` if given (`POST /_sandbox/mentions`). Returns the post's id.
    pub fn mention(
        &self,
        from: &str,
        text: &str,
        in_reply_to: Option<&str>,
    ) -> Result<String, String> {
        conversations::say(
            &self.world,
            conversations::Said::Mention,
            from,
            None,
            text,
            in_reply_to,
        )
        .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
    }

    /// `from` writes the account a direct message (`POST /_sandbox/dms`). Returns the DM
    /// event's id.
    pub fn dm(&self, from: &str, text: &str) -> Result<String, String> {
        conversations::say(&self.world, conversations::Said::Dm, from, None, text, None)
            .map(|v| v["dm_event_id"].as_str().unwrap_or_default().to_owned())
    }

    /// The same routes and state the listener serves, as a tower service to call in-process
    /// (the request-parsing property tests send tens of thousands of requests; a socket each
    /// would not fit CI's time). Requests sent this way skip what the listener adds: latency,
    /// faults and the `/_sandbox/requests` counts.
    pub fn router(&self) -> Router {
        router(self.world.clone())
    }

    /// Stops listening, closes every connection (hanging ones included) and waits for that.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Starts a sandbox on its own thread with its own tokio runtime, for code that is not
    /// async (the CLI, the desktop app, blocking tests). Returns once it is listening.
    pub fn start_blocking(config: SandboxConfig) -> Result<SandboxThread, SandboxError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("x-sandbox".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(SandboxError::Runtime(e.to_string())));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Sandbox::start(config).await {
                        Ok(sandbox) => {
                            let _ = ready_tx.send(Ok((sandbox.base_url(), sandbox.world.clone())));
                            let _ = stop_rx.await;
                            sandbox.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|e| SandboxError::Runtime(e.to_string()))?;
        match ready_rx.recv() {
            Ok(Ok((base_url, world))) => Ok(SandboxThread {
                base_url,
                world,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(SandboxError::Runtime(
                    "the sandbox thread ended before it was ready".into(),
                ))
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A sandbox running on its own thread (see [`Sandbox::start_blocking`]). Dropping it stops
/// the sandbox and joins the thread.
#[derive(Debug)]
pub struct SandboxThread {
    base_url: String,
    world: Arc<World>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SandboxThread {
    /// `http://127.0.0.1:PORT`, as [`Sandbox::base_url`].
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every post created, as [`Sandbox::posts`].
    pub fn posts(&self) -> Vec<SandboxPost> {
        admin::posts(&self.world).unwrap_or_default()
    }

    /// Every direct message to or from the account, oldest first (`GET /_sandbox/dms`).
    pub fn dms(&self) -> Vec<SandboxDm> {
        conversations::dms(&self.world).unwrap_or_default()
    }

    /// `from` (a handle, created on first use) posts `text` mentioning the account, replying
    /// to `in_reply_to` if given (`POST /_sandbox/mentions`). Returns the post's id.
    pub fn mention(
        &self,
        from: &str,
        text: &str,
        in_reply_to: Option<&str>,
    ) -> Result<String, String> {
        conversations::say(
            &self.world,
            conversations::Said::Mention,
            from,
            None,
            text,
            in_reply_to,
        )
        .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
    }

    /// `from` writes the account a direct message (`POST /_sandbox/dms`). Returns the DM
    /// event's id.
    pub fn dm(&self, from: &str, text: &str) -> Result<String, String> {
        conversations::say(&self.world, conversations::Said::Dm, from, None, text, None)
            .map(|v| v["dm_event_id"].as_str().unwrap_or_default().to_owned())
    }

    /// Stops the sandbox and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SandboxThread {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Runs a sandbox until Ctrl-C or SIGTERM (`countersign sandbox serve`). Prints the base URL
/// alone on the first line of stdout (scripts can read it), then a summary on stderr.
pub async fn serve_forever(config: SandboxConfig) -> Result<(), SandboxError> {
    let username = config.user.username.clone();
    let state = config
        .state_dir
        .as_ref()
        .map(|d| d.join(crate::store::STATE_FILE));
    let sandbox = Sandbox::start(config).await?;
    let url = sandbox.base_url();
    println!("{url}");
    eprintln!("x-sandbox: X API v2 for @{username} at {url}");
    eprintln!("  authorize: {url}/i/oauth2/authorize   admin: {url}/_sandbox/health");
    match &state {
        Some(path) => eprintln!("  state: {}", path.display()),
        None => eprintln!("  state: in memory (gone when this stops)"),
    }
    eprintln!("  Ctrl-C to stop");
    let waited = wait_for_stop_signal().await;
    sandbox.shutdown().await;
    waited
}

/// [`serve_forever`] for callers without a tokio runtime.
pub fn serve_forever_blocking(config: SandboxConfig) -> Result<(), SandboxError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| SandboxError::Runtime(e.to_string()))?
        .block_on(serve_forever(config))
}

async fn wait_for_stop_signal() -> Result<(), SandboxError> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| SandboxError::Runtime(e.to_string()))?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(|e| SandboxError::Runtime(e.to_string())),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| SandboxError::Runtime(e.to_string()))
    }
}

/// Every route: X's API, the authorize page and the admin API.
fn router(world: Arc<World>) -> Router {
    let unlimited = DefaultBodyLimit::disable();
    Router::new()
        .route("/i/oauth2/authorize", get(oauth::authorize))
        .route("/2/oauth2/token", post(oauth::token))
        .route("/2/oauth2/revoke", post(oauth::revoke))
        .route("/2/tweets", post(tweets::create))
        .route("/2/tweets/{id}", axum::routing::delete(tweets::delete))
        .route("/2/users/me", get(tweets::me))
        .route("/2/users/{id}/tweets", get(tweets::timeline))
        .route(
            "/2/users/{id}/mentions",
            get(conversations::mentions_timeline),
        )
        .route("/2/dm_events", get(conversations::dm_events))
        .route(
            "/2/dm_conversations/with/{id}/messages",
            post(conversations::send_dm),
        )
        .route(
            "/2/media/upload",
            post(media::upload).layer(unlimited).get(media::status),
        )
        .route("/2/media/upload/initialize", post(media::initialize))
        .route(
            "/2/media/upload/{id}/append",
            post(media::append).layer(unlimited),
        )
        .route("/2/media/upload/{id}/finalize", post(media::finalize))
        .route("/2/media/metadata", post(media::metadata))
        .route("/_sandbox/health", get(admin::health))
        .route("/_sandbox/posts", get(admin::list_posts))
        .route("/_sandbox/timeline", get(admin::timeline))
        .route("/_sandbox/mentions", post(conversations::inject_mention))
        .route("/_sandbox/people/posts", post(conversations::inject_post))
        .route(
            "/_sandbox/dms",
            get(conversations::list_dms).post(conversations::inject_dm),
        )
        .route("/_sandbox/reset", post(admin::reset))
        .route("/_sandbox/requests", get(admin::requests))
        .route(
            "/_sandbox/faults",
            get(admin::faults)
                .post(admin::add_fault)
                .delete(admin::clear_faults),
        )
        .route(
            "/_sandbox/latency",
            get(admin::latency).post(admin::set_latency),
        )
        .route(
            "/_sandbox/limits",
            get(admin::limits).post(admin::set_limits),
        )
        .route("/_sandbox/clock", get(admin::clock).post(admin::set_clock))
        .route("/_sandbox/{*rest}", axum::routing::any(admin::unknown))
        .fallback(|| async { ApiError::no_route().into_response() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed().into_response() })
        .with_state(world)
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    world: Arc<World>,
    mut stopped: watch::Receiver<bool>,
    header_timeout: std::time::Duration,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(
                        stream,
                        router.clone(),
                        world.clone(),
                        header_timeout,
                    ));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("x-sandbox accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    world: Arc<World>,
    header_timeout: std::time::Duration,
) {
    let _ = stream.set_nodelay(true);
    let service =
        hyper::service::service_fn(move |request| dispatch(request, router.clone(), world.clone()));
    let _ = hyper::server::conn::http1::Builder::new()
        // A client may shut down its sending side once the request is out (`nc -N`, some
        // proxies). Without this hyper closes the connection at that EOF, often before the
        // answer is written, so the request is processed and the answer lost.
        .half_close(true)
        // A client that sends part of a request and then waits, without closing, would hold
        // its connection (and a task) for ever; X's front ends drop such a client too. (hyper
        // also times an idle kept-alive connection with it: see `header_timeout`.)
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Why a connection was dropped on purpose. Returning it from the service makes hyper close
/// the connection without writing a response.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("x-sandbox fault: connection dropped after processing")
    }
}

impl std::error::Error for Dropped {}

/// One request: latency and faults for X routes, then the router.
async fn dispatch(
    request: Request<Incoming>,
    router: Router,
    world: Arc<World>,
) -> Result<Response<Body>, Dropped> {
    let path = request.uri().path().to_owned();
    let mut request = request.map(Body::new);
    if path.starts_with("/_sandbox") {
        return Ok(route(router, request).await);
    }
    let (latency, fault) = {
        let mut inner = world.lock();
        inner.counters.requests += 1;
        if request.method() == axum::http::Method::POST && path == "/2/tweets" {
            inner.counters.create_requests += 1;
        }
        (inner.latency_ms, inner.take_fault(request.method(), &path))
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match fault {
        None => Ok(route(router, request).await),
        Some(FaultKind::Status500) => Ok(ApiError::internal().into_response()),
        Some(FaultKind::Status503) => Ok(ApiError::unavailable().into_response()),
        Some(FaultKind::Hang) => std::future::pending().await,
        Some(FaultKind::AcceptThenDrop) => {
            let _processed = route(router, request).await;
            Err(Dropped)
        }
        Some(FaultKind::AcceptThenHang) => {
            let _processed = route(router, request).await;
            std::future::pending().await
        }
        Some(FaultKind::MediaProcessingFailed) => {
            request.extensions_mut().insert(FailProcessing);
            Ok(route(router, request).await)
        }
    }
}

async fn route(router: Router, request: Request<Body>) -> Response<Body> {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
