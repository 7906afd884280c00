//! The `workspace` table: the one brand account and its settings, the X connection, and the
//! `x_budgets` table. The methods' contracts are documented on the facade,
//! [`crate::store::Workspace`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::{bad_value, ms, ts};
use crate::connection::{BudgetRow, Connection as XConnection, ConnectionState};
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
                 max_weighted_length, timezone, solo_mode, grace_minutes, workspace_id)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                ms(at),
                account.handle,
                account.display_name,
                account.x_user_id,
                account.max_weighted_length,
                account.timezone,
                account.solo_mode,
                account.grace_minutes,
                uuid::Uuid::now_v7().simple().to_string()
            ],
        )?;
        Ok(())
    }

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

impl Workspace<'_> {
    pub fn id(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT workspace_id FROM workspace WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    pub fn connection(&self) -> Result<XConnection> {
        Ok(self.conn.query_row(
            "SELECT workspace_id, x_connection, x_sandbox_url, x_client_id, x_user_id, x_username
             FROM workspace WHERE id = 1",
            [],
            |r| {
                let state: String = r.get(1)?;
                Ok(XConnection {
                    workspace_id: r.get(0)?,
                    state: ConnectionState::parse(&state)
                        .ok_or_else(|| bad_value("connection state", &state))?,
                    sandbox_url: r.get(2)?,
                    client_id: r.get(3)?,
                    x_user_id: r.get(4)?,
                    username: r.get(5)?,
                })
            },
        )?)
    }

    pub fn set_connection(&self, c: &XConnection) -> Result<()> {
        self.conn.execute(
            "UPDATE workspace SET x_connection = ?1, x_sandbox_url = ?2, x_client_id = ?3,
                 x_user_id = ?4, x_username = ?5
             WHERE id = 1",
            params![
                c.state.as_str(),
                c.sandbox_url,
                c.client_id,
                c.x_user_id,
                c.username
            ],
        )?;
        Ok(())
    }

    pub fn save_budgets(&self, rows: &[BudgetRow]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO x_budgets (endpoint, window, \"limit\", remaining, reset_at, seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (endpoint, window) DO UPDATE SET \"limit\" = excluded.\"limit\",
                 remaining = excluded.remaining, reset_at = excluded.reset_at, seen_at = excluded.seen_at",
        )?;
        for b in rows {
            stmt.execute(params![
                b.endpoint,
                b.window,
                b.limit as i64,
                b.remaining as i64,
                ms(b.reset_at),
                ms(b.seen_at)
            ])?;
        }
        Ok(())
    }

    pub fn budgets(&self) -> Result<Vec<BudgetRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT endpoint, window, \"limit\", remaining, reset_at, seen_at FROM x_budgets ORDER BY endpoint, window",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BudgetRow {
                endpoint: r.get(0)?,
                window: r.get(1)?,
                limit: r.get::<_, i64>(2)? as u64,
                remaining: r.get::<_, i64>(3)? as u64,
                reset_at: ts(r.get(4)?)?,
                seen_at: ts(r.get(5)?)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
