//! History as the app shows it: posted posts, searched and filtered a page at a time, and
//! exported as CSV or JSON for people who keep records elsewhere.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::App;
use crate::acts::{Acts, AuditNote};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::store::ImportedPost;
use crate::store::{HistoryQuery, HistoryRow};
use crate::workflow::AccountAction;
use serde_json::json;

/// The file formats History exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// One row per post; the parts of a thread joined by a blank line.
    Csv,
    /// An array of the rows History shows.
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// The largest page History asks for at once.
pub const MAX_PAGE: u32 = 500;
/// How many rows an export reads per query.
const EXPORT_BATCH: u32 = 1_000;

impl App {
    /// Posted posts, newest first; `search` is full-text over every part.
    pub fn history(&self, search: Option<&str>, limit: u32) -> Result<Vec<HistoryRow>> {
        self.read(|tx| tx.posts().history(search, limit))
    }

    /// Brings posts made elsewhere (e.g. before Countersign) into History, as one audited act.
    pub fn import_history(&self, actor: &str, items: Vec<ImportedPost>) -> Result<usize> {
        let now = self.now();
        let key = self.prepare(actor)?;
        self.write(|tx| {
            let admin = tx.allowed(actor, AccountAction::ChangeAccount, key.pin())?;
            let admin = key.signer(admin)?;
            tx.posts().import_posted(&items)?;
            tx.record(
                now,
                AuditNote::by(&admin, AuditAction::HistoryImported)
                    .detail(json!({"posts": items.len()})),
            )?;
            Ok(items.len())
        })
    }

    /// One page of History, newest first. Pages are capped at [`MAX_PAGE`] rows.
    pub fn history_page(&self, query: &HistoryQuery) -> Result<Vec<HistoryRow>> {
        let mut q = query.clone();
        q.limit = q.limit.clamp(1, MAX_PAGE);
        self.read(|tx| tx.posts().history_page(&q))
    }

    /// Writes every posted post matching `query` (its offset and limit are ignored) to `dest`,
    /// which must not exist yet. Returns how many posts were written.
    pub fn export_history(
        &self,
        query: &HistoryQuery,
        format: ExportFormat,
        dest: &Path,
    ) -> Result<u64> {
        let mut rows = Vec::new();
        let mut q = HistoryQuery {
            offset: 0,
            limit: EXPORT_BATCH,
            ..query.clone()
        };
        loop {
            let page = self.read(|tx| tx.posts().history_page(&q))?;
            let n = page.len() as u32;
            rows.extend(page);
            if n < EXPORT_BATCH {
                break;
            }
            q.offset += n;
        }
        let text = match format {
            ExportFormat::Csv => to_csv(&rows),
            ExportFormat::Json => {
                serde_json::to_string_pretty(&rows).map_err(|e| Error::Internal(e.to_string()))?
            }
        };
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|e| Error::io(format!("cannot create {}", dest.display()), e))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
        Ok(rows.len() as u64)
    }
}

/// RFC 4180 CSV: every field quoted when it holds a comma, quote or line break.
fn to_csv(rows: &[HistoryRow]) -> String {
    let mut out =
        String::from("id,posted_at,author,approver,approved_at,solo,post_url,parts,text\r\n");
    for r in rows {
        let fields = [
            r.id.to_string(),
            r.posted_at.map(|t| t.to_string()).unwrap_or_default(),
            r.author.clone(),
            r.approver.clone().unwrap_or_default(),
            r.approved_at.map(|t| t.to_string()).unwrap_or_default(),
            r.solo.to_string(),
            r.post_url.clone().unwrap_or_default(),
            r.parts.len().to_string(),
            r.parts.join("\n\n"),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
