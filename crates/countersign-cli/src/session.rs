//! What every command shares: where the workspace is, opening or creating it, the acting
//! member's passphrase, the async runtime and post ids.
//!
//! [`Session::open`] and [`Session::init`] are the only places the CLI builds an [`App`], from
//! the parts [`Session::parts`] chooses: the system clock and the OS keychain of the install
//! channel `COUNTERSIGN_CHANNEL` names, read once here (core reads no environment).

use countersign_core::secrets::{Channel, Keychain, SecretString};
use countersign_core::{App, Error, InitOptions, Parts};
use std::path::PathBuf;
use uuid::Uuid;

/// One run of `countersign`: the workspace folder it acts on, as `--data-dir` (or
/// `COUNTERSIGN_DATA_DIR`) gave it.
#[derive(Debug)]
pub struct Session {
    data_dir: Option<PathBuf>,
}

impl Session {
    /// A session for the workspace in `data_dir`, or in the platform's data folder when `None`.
    pub fn new(data_dir: Option<PathBuf>) -> Self {
        Session { data_dir }
    }

    /// The workspace folder: the one given, else the platform's data folder for Countersign.
    pub fn data_dir(&self) -> Result<PathBuf, Error> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        directories::ProjectDirs::from("app", "Countersign", "countersign")
            .map(|p| p.data_dir().to_path_buf())
            .ok_or_else(|| Error::Io {
                context: "cannot find a data folder for this user".into(),
                source: std::io::Error::other("set --data-dir or COUNTERSIGN_DATA_DIR"),
            })
    }

    /// Opens the existing workspace.
    pub fn open(&self) -> Result<App, Error> {
        App::open(&self.data_dir()?, self.parts())
    }

    /// Creates the workspace (`countersign init`).
    pub fn init(&self, options: InitOptions) -> Result<App, Error> {
        App::init(&self.data_dir()?, options, self.parts())
    }

    /// What the workspace runs on: the system clock and this install's OS keychain.
    pub fn parts(&self) -> Parts {
        Parts::for_channel(channel())
    }

    /// The OS keychain for this install's channel (`COUNTERSIGN_CHANNEL`).
    pub fn keychain(&self) -> Keychain {
        Keychain::new(channel())
    }
}

/// The install channel `COUNTERSIGN_CHANNEL` names (release, dev or test), read once per run.
fn channel() -> Channel {
    Channel::named(std::env::var("COUNTERSIGN_CHANNEL").ok().as_deref())
}

/// The async runtime for the commands that talk to X or run the publisher.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io {
            context: "cannot start the async runtime".into(),
            source: e,
        })
}

/// A post id as typed: a UUID, with stray whitespace forgiven.
pub fn post_id(s: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(s.trim()).map_err(|_| Error::UnknownPost { id: s.to_string() })
}

/// Unlocks the acting member's sealed key, if they have one: the passphrase comes from
/// `COUNTERSIGN_PASSPHRASE` when set, from a prompt without echo otherwise.
pub fn unlock(app: &App, actor: Option<&str>) -> Result<(), Error> {
    let Some(name) = actor else { return Ok(()) };
    if !app.needs_passphrase(name)? {
        return Ok(());
    }
    let pass = match std::env::var("COUNTERSIGN_PASSPHRASE") {
        Ok(p) => SecretString::new(p),
        Err(_) => rpassword::prompt_password(format!("Passphrase for {name}: "))
            .map(SecretString::new)
            .map_err(|_| Error::PassphraseRequired {
                name: name.to_string(),
            })?,
    };
    app.unlock(name, &pass)
}

/// Runs `act` without a new passphrase; if it needs one (an approver or admin whose key must
/// be sealed), asks for it and runs it again. `COUNTERSIGN_NEW_PASSPHRASE`, then
/// `COUNTERSIGN_PASSPHRASE`, stand in for the prompt in scripts.
pub fn with_new_passphrase<T>(
    act: impl Fn(Option<SecretString>) -> Result<T, Error>,
) -> Result<T, Error> {
    match act(None) {
        Err(e @ Error::NewPassphraseRequired { .. }) => {
            let Error::NewPassphraseRequired { name, .. } = &e else {
                return Err(e);
            };
            let from_env = std::env::var("COUNTERSIGN_NEW_PASSPHRASE")
                .or_else(|_| std::env::var("COUNTERSIGN_PASSPHRASE"));
            let pass = match from_env {
                Ok(p) => SecretString::new(p),
                Err(_) => {
                    let ask = |prompt: String| rpassword::prompt_password(prompt).ok();
                    let (Some(first), Some(again)) = (
                        ask(format!("New passphrase for {name}: ")),
                        ask("Type it again: ".to_string()),
                    ) else {
                        return Err(e);
                    };
                    if first != again {
                        return Err(Error::PassphrasesDiffer { name: name.clone() });
                    }
                    SecretString::new(first)
                }
            };
            act(Some(pass))
        }
        r => r,
    }
}
