//! A small W3C WebDriver client over plain HTTP: just the commands the journey needs.
//!
//! It talks to `tauri-driver`, which starts the app and proxies to WebKitWebDriver. Every call
//! returns a `Result` with a readable error; the journey turns errors into test failures.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver error: what was asked, and what the driver said.
#[derive(Debug, Clone)]
pub struct WdError(pub String);

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WdError {}

pub type WdResult<T> = Result<T, WdError>;

fn err(msg: impl Into<String>) -> WdError {
    WdError(msg.into())
}

/// A reference to an element in the page.
#[derive(Debug, Clone)]
pub struct Element {
    pub id: String,
    /// The selector it was found by, for error messages.
    pub selector: String,
}

/// One WebDriver session: one running app.
#[derive(Debug)]
pub struct Session {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    id: String,
    closed: bool,
}

impl Session {
    /// Starts a session that launches `application` (the app binary) through tauri-driver.
    pub fn start(driver_url: &str, application: &Path, timeout: Duration) -> WdResult<Session> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| err(format!("tokio runtime: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| err(format!("http client: {e}")))?;
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "tauri:options": { "application": application.to_string_lossy() }
                }
            }
        });
        let mut session = Session {
            rt,
            http,
            base: driver_url.trim_end_matches('/').to_string(),
            id: String::new(),
            closed: true,
        };
        let value = session.raw("POST", "/session", Some(caps))?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| err(format!("new session: no sessionId in {value}")))?;
        session.id = id.to_string();
        session.closed = false;
        Ok(session)
    }

    /// Sends one command; returns the response's `value`, or the driver's error.
    fn raw(&self, method: &str, path: &str, body: Option<Value>) -> WdResult<Value> {
        let url = format!("{}{}", self.base, path);
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| err(format!("method {method}: {e}")))?;
        let what = format!("{method} {path}");
        self.rt.block_on(async {
            let mut req = self.http.request(method, &url);
            if let Some(body) = body {
                req = req.json(&body);
            }
            let resp = req.send().await.map_err(|e| err(format!("{what}: {e}")))?;
            let status = resp.status();
            let text = resp
                .text()
                .await
                .map_err(|e| err(format!("{what}: reading the body: {e}")))?;
            let parsed: Value = serde_json::from_str(&text).map_err(|e| {
                err(format!(
                    "{what}: HTTP {status}, not JSON ({e}): {}",
                    text.chars().take(300).collect::<String>()
                ))
            })?;
            let value = parsed.get("value").cloned().unwrap_or(Value::Null);
            if !status.is_success() {
                let error = value.get("error").and_then(Value::as_str).unwrap_or("?");
                let message = value.get("message").and_then(Value::as_str).unwrap_or("");
                return Err(err(format!("{what}: HTTP {status}: {error}: {message}")));
            }
            Ok(value)
        })
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> WdResult<Value> {
        self.raw(method, &format!("/session/{}{}", self.id, path), body)
    }

    /// Runs a script in the page (its body, with `arguments`); returns its result.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Runs an asynchronous script: it calls `arguments[arguments.length - 1]` with its result.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// POSTs `body` as JSON over plain HTTP (e.g. to the sandbox's admin API); its JSON answer.
    pub fn post_json(&self, url: &str, body: &Value) -> WdResult<Value> {
        self.plain("POST", url, Some(body))
    }

    /// GETs a JSON document over plain HTTP (e.g. the sandbox's admin API).
    pub fn get_json(&self, url: &str) -> WdResult<Value> {
        self.plain("GET", url, None)
    }

    /// A plain HTTP request outside the WebDriver session; its JSON answer, or why not.
    fn plain(&self, method: &str, url: &str, body: Option<&Value>) -> WdResult<Value> {
        self.rt.block_on(async {
            let mut req = match method {
                "POST" => self.http.post(url),
                _ => self.http.get(url),
            };
            if let Some(body) = body {
                req = req.json(body);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| err(format!("{method} {url}: {e}")))?;
            let status = resp.status();
            let text = resp
                .text()
                .await
                .map_err(|e| err(format!("{method} {url}: reading the body: {e}")))?;
            if !status.is_success() {
                return Err(err(format!("{method} {url}: HTTP {status}: {text}")));
            }
            serde_json::from_str(&text).map_err(|e| err(format!("{method} {url}: not JSON ({e})")))
        })
    }

    /// All elements matching a CSS selector (or, starting with `/` or `(`, an XPath), now.
    pub fn find_all(&self, css: &str) -> WdResult<Vec<Element>> {
        let using = if css.starts_with('/') || css.starts_with('(') {
            "xpath"
        } else {
            "css selector"
        };
        let value = self.cmd(
            "POST",
            "/elements",
            Some(json!({ "using": using, "value": css })),
        )?;
        let list = value
            .as_array()
            .ok_or_else(|| err(format!("find {css}: not a list: {value}")))?;
        list.iter()
            .map(|v| {
                v.get(ELEMENT_KEY)
                    .and_then(Value::as_str)
                    .map(|id| Element {
                        id: id.to_string(),
                        selector: css.to_string(),
                    })
                    .ok_or_else(|| err(format!("find {css}: no element reference in {v}")))
            })
            .collect()
    }

    /// The first element matching `css`, waiting up to `timeout` for it to appear.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> WdResult<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(el) = self.find_all(css)?.into_iter().next() {
                return Ok(el);
            }
            if Instant::now() >= deadline {
                return Err(err(format!(
                    "no element matches `{css}` after {timeout:?}; the page shows: {}",
                    self.page_text_excerpt()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until no element matches `css`.
    pub fn wait_gone(&self, css: &str, timeout: Duration) -> WdResult<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.find_all(css)?.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(err(format!("`{css}` is still there after {timeout:?}")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `check` returns `Some`, polling every 100 ms.
    pub fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Session) -> WdResult<Option<T>>,
    ) -> WdResult<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = check(self)? {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                return Err(err(format!(
                    "timed out after {timeout:?} waiting for {what}; the page shows: {}",
                    self.page_text_excerpt()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The first 600 characters of the page's visible text, for error messages.
    pub fn page_text_excerpt(&self) -> String {
        match self.execute(
            "return document.body ? document.body.innerText : '';",
            vec![],
        ) {
            Ok(Value::String(s)) => s
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(600)
                .collect(),
            Ok(other) => other.to_string(),
            Err(e) => format!("(could not read the page: {e})"),
        }
    }

    pub fn click(&self, el: &Element) -> WdResult<()> {
        self.cmd(
            "POST",
            &format!("/element/{}/click", el.id),
            Some(json!({})),
        )
        .map(drop)
        .map_err(|e| err(format!("click {}: {e}", el.selector)))
    }

    pub fn clear(&self, el: &Element) -> WdResult<()> {
        self.cmd(
            "POST",
            &format!("/element/{}/clear", el.id),
            Some(json!({})),
        )
        .map(drop)
        .map_err(|e| err(format!("clear {}: {e}", el.selector)))
    }

    /// Types `text` with key events.
    pub fn send_keys(&self, el: &Element, text: &str) -> WdResult<()> {
        self.cmd(
            "POST",
            &format!("/element/{}/value", el.id),
            Some(json!({ "text": text })),
        )
        .map(drop)
        .map_err(|e| err(format!("type into {}: {e}", el.selector)))
    }

    /// Replaces a field's value with `text`. Types it as a person would; if the driver cannot
    /// type some characters (WebKitWebDriver and non-BMP emoji), sets the value the way an
    /// input method does and fires `input`, so the UI sees exactly what a person would enter.
    pub fn fill(&self, el: &Element, text: &str) -> WdResult<()> {
        self.clear(el)?;
        let typed = self.send_keys(el, text).is_ok() && self.value(el)? == text;
        if !typed {
            self.execute(
                "const el = arguments[0];
                 const proto = el instanceof HTMLTextAreaElement
                   ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
                 Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, arguments[1]);
                 el.dispatchEvent(new InputEvent('input', { bubbles: true, data: arguments[1],
                                                           inputType: 'insertText' }));
                 el.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![el.to_json(), json!(text)],
            )?;
        }
        let got = self.value(el)?;
        if got != text {
            return Err(err(format!(
                "{} holds {got:?} after entering {text:?}",
                el.selector
            )));
        }
        Ok(())
    }

    /// An input's or textarea's current value.
    pub fn value(&self, el: &Element) -> WdResult<String> {
        let v = self.cmd("GET", &format!("/element/{}/property/value", el.id), None)?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// An element's rendered text.
    pub fn text(&self, el: &Element) -> WdResult<String> {
        let v = self
            .cmd("GET", &format!("/element/{}/text", el.id), None)
            .map_err(|e| err(format!("text of {}: {e}", el.selector)))?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// An element's attribute, if set.
    pub fn attribute(&self, el: &Element, name: &str) -> WdResult<Option<String>> {
        let v = self.cmd("GET", &format!("/element/{}/attribute/{name}", el.id), None)?;
        Ok(v.as_str().map(str::to_string))
    }

    /// Uploads a file through an `<input type=file>`.
    pub fn choose_file(&self, el: &Element, file: &Path) -> WdResult<()> {
        self.send_keys(el, &file.to_string_lossy())
    }

    /// Selects the `<option>` whose visible text or value is `label` in a `<select>`.
    pub fn select(&self, el: &Element, label: &str) -> WdResult<()> {
        let found = self.execute(
            "const s = arguments[0];
             const o = [...s.options].find(o => o.value === arguments[1]
                                              || o.textContent.trim() === arguments[1]);
             if (!o) return [...s.options].map(o => o.textContent.trim()).join(' | ');
             s.value = o.value;
             s.dispatchEvent(new Event('input', { bubbles: true }));
             s.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            vec![el.to_json(), json!(label)],
        )?;
        if found != Value::Bool(true) {
            return Err(err(format!(
                "{} has no option {label:?}; it has: {found}",
                el.selector
            )));
        }
        Ok(())
    }

    /// Ends the session, which closes the app.
    pub fn quit(mut self) -> WdResult<()> {
        self.closed = true;
        self.raw("DELETE", &format!("/session/{}", self.id), None)
            .map(drop)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.closed {
            self.closed = true;
            let _ = self.raw("DELETE", &format!("/session/{}", self.id), None);
        }
    }
}

impl Element {
    /// The element as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }
}
