//! The workspace facade: the one brand account and its settings, the X connection, and the
//! last rate-limit budgets X reported.

use jiff::Timestamp;

use super::sqlite;
use crate::connection::{BudgetRow, Connection as XConnection};
use crate::error::Result;
use crate::model::Account;

/// The workspace's own row: there is exactly one per store.
#[derive(Debug)]
pub struct Workspace<'t>(pub(super) WorkspaceImpl<'t>);

#[derive(Debug)]
pub(super) enum WorkspaceImpl<'t> {
    Sqlite(sqlite::Workspace<'t>),
}

impl Workspace<'_> {
    /// Creates the workspace row with `account`, and a new random workspace id. Runs once, at
    /// `init`.
    pub fn create(&self, account: &Account, at: Timestamp) -> Result<()> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.create(account, at),
        }
    }

    /// The account; `None` only in a database whose `init` never finished.
    pub fn account(&self) -> Result<Option<Account>> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.account(),
        }
    }

    /// Saves every setting of the account.
    pub fn update(&self, account: &Account) -> Result<()> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.update(account),
        }
    }

    /// The workspace's random id: it names keychain entries and binds signatures to this file.
    pub fn id(&self) -> Result<String> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.id(),
        }
    }

    /// The connection to X (or to a sandbox): `disconnected` until someone connects. Tokens
    /// are not in the store; the workspace id names their keychain entry.
    pub fn connection(&self) -> Result<XConnection> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.connection(),
        }
    }

    /// Saves the connection's state and what is known of the account it reaches (not the
    /// workspace id, which never changes).
    pub fn set_connection(&self, c: &XConnection) -> Result<()> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.set_connection(c),
        }
    }

    /// Keeps the latest budget per endpoint and window.
    pub fn save_budgets(&self, rows: &[BudgetRow]) -> Result<()> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.save_budgets(rows),
        }
    }

    /// Every budget kept, by endpoint and then window.
    pub fn budgets(&self) -> Result<Vec<BudgetRow>> {
        match &self.0 {
            WorkspaceImpl::Sqlite(h) => h.budgets(),
        }
    }
}
