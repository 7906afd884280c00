//! The `workspace` table: the one brand account and its settings.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::ms;
use crate::error::Result;
use crate::model::Account;

#[derive(Debug)]
pub struct Workspace<'c> {
    pub(super) conn: &'c Connection,
}

impl Workspace<'_> {
    pub fn create(&self, account: &Account, at: Timestamp) -> Result<()> {
        self.conn.execute(
            "INSERT INTO workspace (id, created_at, handle, display_name, x_user_id,
                 max_weighted_length, timezone, solo_mode, grace_minutes)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                ms(at),
                account.handle,
                account.display_name,
                account.x_user_id,
                account.max_weighted_length,
                account.timezone,
                account.solo_mode,
                account.grace_minutes
            ],
        )?;
        Ok(())
    }

    /// The account; `None` only in a database whose `init` never finished.
    pub fn account(&self) -> Result<Option<Account>> {
        Ok(self
            .conn
            .query_row(
                "SELECT handle, display_name, x_user_id, max_weighted_length, timezone, solo_mode,
                        grace_minutes
                 FROM workspace WHERE id = 1",
                [],
                |r| {
                    Ok(Account {
                        handle: r.get(0)?,
                        display_name: r.get(1)?,
                        x_user_id: r.get(2)?,
                        max_weighted_length: r.get(3)?,
                        timezone: r.get(4)?,
                        solo_mode: r.get(5)?,
                        grace_minutes: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn update(&self, account: &Account) -> Result<()> {
        self.conn.execute(
            "UPDATE workspace SET handle = ?1, display_name = ?2, x_user_id = ?3,
                 max_weighted_length = ?4, timezone = ?5, solo_mode = ?6, grace_minutes = ?7
             WHERE id = 1",
            params![
                account.handle,
                account.display_name,
                account.x_user_id,
                account.max_weighted_length,
                account.timezone,
                account.solo_mode,
                account.grace_minutes
            ],
        )?;
        Ok(())
    }
}
