//! Where the client talks to and how patient it is.

use std::time::Duration;

use url::Url;

/// The loopback port X redirects the browser to after consent. X requires the redirect URI to
/// match a registered one exactly (scheme, host, port, path), so the app's X registration lists
/// `http://127.0.0.1:47820/callback`.
pub const DEFAULT_REDIRECT_PORT: u16 = 47820;

/// The scopes Countersign asks for: read and write posts, read the account, upload media,
/// read and answer direct messages (the inbox), and `offline.access` for a refresh token
/// (without it the user would reconnect every 2 hours).
pub const DEFAULT_SCOPES: [&str; 7] = [
    "tweet.read",
    "tweet.write",
    "users.read",
    "offline.access",
    "media.write",
    "dm.read",
    "dm.write",
];

/// How an [`crate::XClient`] reaches X (or the sandbox).
#[derive(Debug, Clone)]
pub struct XConfig {
    /// The API host: `https://api.x.com` (or the sandbox's base URL). Paths like `/2/tweets` and
    /// `/2/oauth2/token` are joined onto it.
    pub api_base: Url,
    /// X's consent page: `https://x.com/i/oauth2/authorize`.
    pub authorize_url: Url,
    /// The app's OAuth 2.0 client id. Countersign is a public native client: no secret.
    pub client_id: String,
    /// The loopback port for the browser redirect (`http://127.0.0.1:<port>/callback`). `0` picks
    /// a free port for the browser flow (useful only where any redirect URI is accepted, such as
    /// the sandbox).
    pub redirect_port: u16,
    /// The OAuth scopes to request.
    pub scopes: Vec<String>,
    /// How long to wait for a TCP (and TLS) connection. A connect timeout surely did not send.
    pub connect_timeout: Duration,
    /// How long one whole request may take. After it the request may or may not have reached X.
    pub request_timeout: Duration,
    /// Refresh the access token this long before it expires, so a request never goes out with a
    /// token that dies in flight.
    pub refresh_margin: Duration,
    /// Wait out an exhausted rate limit whose reset is at most this far away; return
    /// [`crate::XError::RateLimited`] for longer waits so the caller can reschedule.
    pub max_rate_limit_wait: Duration,
    /// How long [`crate::XClient::connect_with_browser`] waits for the person to finish on X.
    pub authorize_timeout: Duration,
}

impl XConfig {
    /// The real X: `api.x.com` and `x.com/i/oauth2/authorize` with Countersign's scopes.
    pub fn x(client_id: impl Into<String>) -> Self {
        Self::with_urls(
            Url::parse("https://api.x.com").expect("static URL parses"),
            Url::parse("https://x.com/i/oauth2/authorize").expect("static URL parses"),
            client_id.into(),
        )
    }

    /// The local sandbox at `base_url`, which serves both the API (`/2/...`) and the consent page
    /// (`/i/oauth2/authorize`).
    pub fn sandbox(base_url: &Url, client_id: impl Into<String>) -> Self {
        let api_base = base_url.clone();
        let authorize_url = base_url
            .join("/i/oauth2/authorize")
            .unwrap_or_else(|_| base_url.clone());
        Self::with_urls(api_base, authorize_url, client_id.into())
    }

    fn with_urls(api_base: Url, authorize_url: Url, client_id: String) -> Self {
        XConfig {
            api_base,
            authorize_url,
            client_id,
            redirect_port: DEFAULT_REDIRECT_PORT,
            scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            refresh_margin: Duration::from_secs(5 * 60),
            max_rate_limit_wait: Duration::from_secs(60),
            authorize_timeout: Duration::from_secs(5 * 60),
        }
    }

    /// The redirect URI for `port`, exactly as registered with X.
    pub(crate) fn redirect_uri_for(port: u16) -> String {
        format!("http://127.0.0.1:{port}/callback")
    }

    /// True when the API host is this machine (the sandbox). Such requests bypass any system
    /// proxy: a proxy cannot reach our loopback, and it would hide connection failures.
    pub(crate) fn api_is_loopback(&self) -> bool {
        match self.api_base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_defaults() {
        let c = XConfig::x("cid");
        assert_eq!(c.api_base.as_str(), "https://api.x.com/");
        assert_eq!(c.authorize_url.as_str(), "https://x.com/i/oauth2/authorize");
        assert!(c.scopes.iter().any(|s| s == "offline.access"));
        assert!(!c.api_is_loopback());
    }

    #[test]
    fn sandbox_urls() {
        let base = Url::parse("http://127.0.0.1:4567").expect("url");
        let c = XConfig::sandbox(&base, "cid");
        assert_eq!(
            c.authorize_url.as_str(),
            "http://127.0.0.1:4567/i/oauth2/authorize"
        );
        assert!(c.api_is_loopback());
    }
}
