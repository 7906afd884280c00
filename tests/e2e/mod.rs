//! Helpers for the desktop app's end-to-end test: the world it runs in (`env`), a W3C
//! WebDriver client (`webdriver`), a PNG for attachments (`png`) and screenshots taken from the
//! X server (`xwd`).
#![allow(dead_code)]

pub mod env;
pub mod png;
pub mod webdriver;
pub mod xwd;

use std::path::{Path, PathBuf};
use std::time::Duration;

use webdriver::{Element, Session, WdResult};

/// The app window's title (`tauri.conf.json`), by which screenshots find it.
pub const WINDOW_TITLE: &str = "Countersign";

/// How long a screen may take to show what we wait for.
pub const SCREEN: Duration = Duration::from_secs(15);

/// A screenshot taken right after a DOM change can show the previous frame: wait this long.
pub const SETTLE: Duration = Duration::from_millis(700);

/// The folder for screenshots and logs: `$COUNTERSIGN_E2E_OUT`, else `<target>/e2e-screens`.
pub fn out_dir(default: &Path) -> PathBuf {
    let dir = std::env::var_os("COUNTERSIGN_E2E_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| default.to_path_buf());
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A CSS selector for a `data-testid`.
pub fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// A session plus the screenshot folder: the journey's handle on the app.
#[derive(Debug)]
pub struct Driver {
    pub s: Session,
    pub out: PathBuf,
    /// The display the app is on: screenshots are taken from it.
    x: env::XDisplay,
    shots: usize,
    /// Every screenshot taken, in order.
    pub taken: Vec<PathBuf>,
}

impl Driver {
    pub fn new(s: Session, out: PathBuf, x: env::XDisplay) -> Driver {
        Driver {
            s,
            out,
            x,
            shots: 0,
            taken: Vec::new(),
        }
    }

    /// Waits for the element with this test id.
    pub fn get(&self, id: &str) -> WdResult<Element> {
        self.s.wait_for(&tid(id), SCREEN)
    }

    /// Waits for an element by CSS selector.
    pub fn css(&self, css: &str) -> WdResult<Element> {
        self.s.wait_for(css, SCREEN)
    }

    /// Clicks the element with this test id.
    pub fn click(&self, id: &str) -> WdResult<()> {
        let el = self.get(id)?;
        self.s.click(&el)
    }

    /// Replaces the text of the field with this test id.
    pub fn fill(&self, id: &str, text: &str) -> WdResult<()> {
        let el = self.get(id)?;
        self.s.fill(&el, text)
    }

    /// The rendered text of the element with this test id.
    pub fn text(&self, id: &str) -> WdResult<String> {
        let el = self.get(id)?;
        self.s.text(&el)
    }

    /// Waits until the element with this test id shows `want` (after trimming).
    pub fn wait_text(&self, id: &str, want: &str) -> WdResult<String> {
        let css = tid(id);
        self.s
            .wait_until(&format!("{css} to read {want:?}"), SCREEN, |s| {
                let Some(el) = s.find_all(&css)?.into_iter().next() else {
                    return Ok(None);
                };
                let got = s.text(&el)?;
                Ok((got.trim() == want).then_some(got))
            })
    }

    /// Waits until the element with this test id contains `want`.
    pub fn wait_contains(&self, id: &str, want: &str) -> WdResult<String> {
        let css = tid(id);
        self.s
            .wait_until(&format!("{css} to contain {want:?}"), SCREEN, |s| {
                let Some(el) = s.find_all(&css)?.into_iter().next() else {
                    return Ok(None);
                };
                let got = s.text(&el)?;
                Ok(got.contains(want).then_some(got))
            })
    }

    /// Saves a screenshot as `NN-name.png` after letting the frame settle.
    pub fn shot(&mut self, name: &str) -> WdResult<PathBuf> {
        std::thread::sleep(SETTLE);
        self.shots += 1;
        let file = self.out.join(format!("{:02}-{name}.png", self.shots));
        // The window as the X server shows it (see `xwd` for why not WebDriver's screenshot).
        xwd::capture_window(&self.x, WINDOW_TITLE, &file).map_err(webdriver::WdError)?;
        self.taken.push(file.clone());
        Ok(file)
    }
}

/// `text` as an XPath string literal (XPath 1 has no escapes: quotes are joined with concat).
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        return format!("'{text}'");
    }
    let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
    format!("concat({})", parts.join(", \"'\", "))
}

/// An XPath for an element of type `tag` (e.g. `button`) whose visible text is `label`.
pub fn labelled(tag: &str, label: &str) -> String {
    format!("//{tag}[normalize-space(.)={}]", xpath_literal(label))
}

impl Driver {
    /// Waits for `css` after an act that may need `who`'s passphrase: when the passphrase
    /// dialog opens, screenshots it (once, as `dialog_shot`), types the passphrase and unlocks.
    /// An error banner ends the wait with its message. Returns whether the dialog opened.
    pub fn until_or_unlock(
        &mut self,
        css: &str,
        passphrase: &str,
        dialog_shot: Option<&str>,
    ) -> WdResult<bool> {
        let deadline = std::time::Instant::now() + SCREEN;
        let mut asked = false;
        loop {
            if !self.s.find_all(css)?.is_empty() {
                return Ok(asked);
            }
            if let Some(banner) = self.s.find_all(&tid("error-message"))?.into_iter().next() {
                let text = self.s.text(&banner)?;
                return Err(webdriver::WdError(format!(
                    "waiting for `{css}`, the app says: {text}"
                )));
            }
            if !asked && !self.s.find_all(&tid("passphrase-dialog"))?.is_empty() {
                asked = true;
                if let Some(name) = dialog_shot {
                    self.shot(name)?;
                }
                self.fill("passphrase-input", passphrase)?;
                self.click("passphrase-unlock")?;
            }
            if std::time::Instant::now() >= deadline {
                return Err(webdriver::WdError(format!(
                    "no `{css}` after {SCREEN:?}; the page shows: {}",
                    self.s.page_text_excerpt()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Fails with the app's own words if an error banner is showing.
    pub fn no_error(&self) -> WdResult<()> {
        if let Some(banner) = self.s.find_all(&tid("error-message"))?.into_iter().next() {
            let text = self.s.text(&banner)?;
            return Err(webdriver::WdError(format!(
                "the app shows an error: {text}"
            )));
        }
        Ok(())
    }
}
