// Cold start of the desktop app, measured through W3C WebDriver (tauri-driver): the time from
// asking for a session (which launches the app) to the first screen being interactive.
//
//   node tests/e2e/bench-start.mjs DRIVER_URL APP_BINARY [SELECTOR]
//
// Prints one JSON line: {"session_ms":…, "interactive_ms":…, "ready_epoch_ms":…, "selector":…}
// (ready_epoch_ms: the wall clock when the first screen was found, to compare with the app
// process's start time, which the caller reads from /proc). SELECTOR is the
// CSS selector of an element that exists only once the first screen is interactive (default:
// the app root once it is no longer busy); the page must also be visible. Exits non-zero with
// a reason on failure.

const [driver, app, selector = '[data-testid="app-root"][aria-busy="false"]'] =
  process.argv.slice(2);
if (!driver || !app) {
  console.error("usage: bench-start.mjs DRIVER_URL APP_BINARY [SELECTOR]");
  process.exit(2);
}

async function wd(method, path, body) {
  const res = await fetch(driver + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const v = json.value || {};
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${v.error || ""} ${v.message || ""}`);
  }
  return json.value;
}

const t0 = performance.now();
let session;
try {
  const value = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
  });
  session = value.sessionId;
  const sessionMs = performance.now() - t0;
  const deadline = t0 + 30_000;
  for (;;) {
    const found = await wd("POST", `/session/${session}/elements`, {
      using: "css selector",
      value: selector,
    });
    // Found, and shown: the window is built hidden until its page has loaded, and a screen
    // nobody can see is not interactive yet.
    if (found.length > 0) {
      const shown = await wd("POST", `/session/${session}/execute/sync`, {
        script: `return document.visibilityState === "visible";`,
        args: [],
      });
      if (shown) break;
    }
    if (performance.now() > deadline) throw new Error(`no ${selector} within 30 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const interactiveMs = performance.now() - t0;
  const readyEpochMs = Date.now();
  // Where the page's own time went (epoch ms), for finding what to speed up: when WebKit began
  // loading the page, when its script had run, and when the first screen was ready.
  const page = await wd("POST", `/session/${session}/execute/sync`, {
    script: `const n = performance.getEntriesByType("navigation")[0] || {};
      const o = performance.timeOrigin;
      const at = (t) => (t ? Math.round(o + t) : null);
      return { navigation_start: Math.round(o), dom_content_loaded: at(n.domContentLoadedEventEnd),
        ready: at((performance.getEntriesByName("countersign-ready")[0] || {}).startTime) };`,
    args: [],
  });
  console.log(
    JSON.stringify({
      session_ms: Math.round(sessionMs),
      interactive_ms: Math.round(interactiveMs),
      ready_epoch_ms: readyEpochMs,
      page,
      selector,
    }),
  );
} catch (e) {
  console.error(`bench-start: ${e.message}`);
  process.exitCode = 1;
} finally {
  if (session) await wd("DELETE", `/session/${session}`).catch(() => {});
}
