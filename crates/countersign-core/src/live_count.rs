//! Counting as a person types, without the store.
//!
//! The Compose screen counts a part on every keystroke. [`App::count_part`] reads the account
//! from SQLite, under the store's lock, for that, so a keystroke could wait behind a publisher
//! write or a role change sealing a key. Counting needs nothing from the account but its length
//! limit: [`CountCache`] keeps the account's [`CountConfig`] in memory, read when the workspace
//! opens and refreshed when [`App::update_account`] changes it, and [`App::count_part_fast`]
//! counts with it.
//!
//! A change made by another process on the same data folder (the CLI's `account set`) is seen
//! when this process opens the workspace again; the acts themselves (submit, approve, publish)
//! always count with the account as stored.

use std::sync::RwLock;

use crate::app::{App, count_config};
use crate::content;
use crate::count::{self, Count, CountConfig};
use crate::error::Result;
use crate::model::{Account, Part};
use crate::store::Store;

/// The account's counting configuration, in memory.
#[derive(Debug, Default)]
pub(crate) struct CountCache(RwLock<Option<CountConfig>>);

impl CountCache {
    /// The cache for a workspace being opened, filled from its account. Empty when the account
    /// cannot be read now; the first count then reads it.
    pub(crate) fn opened(store: &mut Store) -> CountCache {
        let config = store
            .read(|tx| tx.workspace().account())
            .ok()
            .flatten()
            .map(|a| count_config(&a));
        CountCache(RwLock::new(config))
    }

    /// Keeps `account`'s configuration, after the account changed.
    pub(crate) fn refresh(&self, account: &Account) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(count_config(account));
    }

    fn get(&self) -> Option<CountConfig> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl App {
    /// [`App::count_part`] for every keystroke: the same count, with the account's limit from
    /// memory, so it takes no store lock and reads no database (except once, if the account
    /// could not be read when the workspace opened).
    pub fn count_part_fast(&self, text: &str, signature: Option<&str>) -> Result<Count> {
        let config = match self.count_cache.get() {
            Some(config) => config,
            None => {
                let account = self.account()?;
                self.count_cache.refresh(&account);
                count_config(&account)
            }
        };
        let part = Part {
            text: text.to_string(),
            media: Vec::new(),
        };
        Ok(count::count(
            &content::published_text(&part, signature),
            &config,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::app::InitOptions;
    use crate::clock::ManualClock;

    fn workspace(limit: u32) -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new("2031-01-01T00:00:00Z".parse().unwrap()));
        let app = App::init(
            dir.path(),
            InitOptions {
                handle: "acme".into(),
                timezone: Some("UTC".into()),
                max_weighted_length: Some(limit),
                ..Default::default()
            },
            clock,
        )
        .unwrap();
        (dir, app)
    }

    #[test]
    fn counts_as_the_stored_account_does() {
        let (_dir, app) = workspace(100);
        for (text, sig) in [
            ("Read example.xyz 🇯🇵", None),
            ("Cafe\u{301} au lait", Some("JS")),
            (&*"a".repeat(150), None),
            ("", None),
        ] {
            assert_eq!(
                app.count_part_fast(text, sig).unwrap(),
                app.count_part(text, sig).unwrap(),
                "{text:?}"
            );
        }
        let c = app.count_part_fast(&"a".repeat(150), None).unwrap();
        assert_eq!((c.valid, c.remaining), (false, -50));
    }

    #[test]
    fn a_changed_account_changes_the_limit() {
        let (_dir, app) = workspace(280);
        let text = "a".repeat(300);
        assert!(!app.count_part_fast(&text, None).unwrap().valid);
        let mut account = app.account().unwrap();
        account.max_weighted_length = 25_000;
        app.count_cache.refresh(&account);
        let c = app.count_part_fast(&text, None).unwrap();
        assert_eq!((c.valid, c.remaining), (true, 24_700));
    }

    #[test]
    fn an_empty_cache_reads_the_account_once() {
        let (_dir, app) = workspace(140);
        *app.count_cache.0.write().unwrap() = None;
        assert_eq!(app.count_part_fast("hi", None).unwrap().remaining, 138);
        assert!(app.count_cache.get().is_some());
    }
}
