//! Use cases of the audit trail: verifying it (and the signed roster), exporting it, and
//! checking an export on its own.

use std::path::Path;

use uuid::Uuid;

use super::App;
use crate::acts::Acts;
use crate::audit::{self, AuditReport, BrokenPost, ServerCopy};
use crate::error::{Error, Result};
use crate::model::Status;
use crate::roster::Standing;

impl App {
    // --- the audit trail and the file -------------------------------------------------------

    /// Checks the audit trail's chain and signatures, the signed roster's, and that every post
    /// waiting to go out has an approval that holds. In team mode it first pulls, then
    /// compares the server's copy of the trail and the roster with this laptop's: a server
    /// that lost, changed or rewrote an entry is reported (the laptop's own copy is what was
    /// verified).
    pub fn audit_verify(&self) -> Result<AuditReport> {
        let server_copy = self.team.as_ref().map(|_| self.compare_with_server());
        let mut report = self.verify_here()?;
        if let Some(copy) = server_copy {
            report.ok &= !matches!(copy, ServerCopy::Differs(_));
            report.server_copy = Some(copy);
        }
        Ok(report)
    }

    /// Team mode: pulls, then holds the server's chains against this laptop's.
    fn compare_with_server(&self) -> ServerCopy {
        if let Err(e) = self.sync() {
            return match e {
                Error::ServerUntrusted { reason } => ServerCopy::Differs(reason),
                other => ServerCopy::Unreachable(other.to_string()),
            };
        }
        let theirs = match self.store().server_chains() {
            Ok(c) => c,
            Err(Error::ServerUntrusted { reason }) => return ServerCopy::Differs(reason),
            Err(e) => return ServerCopy::Unreachable(e.to_string()),
        };
        let ours = self.read(|tx| {
            let audit: Vec<(i64, String)> = tx
                .audit()
                .all()?
                .into_iter()
                .map(|e| (e.seq, e.hash))
                .collect();
            let roster: Vec<(i64, String)> = tx
                .roster()
                .all()?
                .into_iter()
                .map(|e| (e.seq, e.hash))
                .collect();
            Ok((audit, roster))
        });
        let (audit, roster) = match ours {
            Ok(o) => o,
            Err(e) => return ServerCopy::Unreachable(e.to_string()),
        };
        match chain_differs("audit trail", &audit, &theirs.audit)
            .or_else(|| chain_differs("roster", &roster, &theirs.roster))
        {
            Some(why) => ServerCopy::Differs(why),
            None => ServerCopy::Matches,
        }
    }

    /// The checks on this laptop's own copy.
    fn verify_here(&self) -> Result<AuditReport> {
        let pin = self.pin()?;
        let mut report = self.read(|tx| {
            let mut report = audit::verify(tx.audit().all()?);
            let ws = tx.workspace().id()?;
            // Countersign never writes a roster entry that does not hold: one that fails was
            // changed, removed or forged behind its back.
            let roster = tx.signed_roster(&ws)?;
            // A roster that no longer holds what this machine pinned was rewritten or cut.
            if let Some(reason) = pin.as_ref().and_then(|p| roster.check_pin(p).err()) {
                report.ok = false;
                report.roster_broken = Some(audit::BrokenEntry {
                    seq: pin.as_ref().map_or(0, |p| p.seq),
                    reason,
                });
                return Ok(report);
            }
            if let Some((e, Standing::Invalid(reason))) = roster
                .entries()
                .iter()
                .find(|(_, s)| matches!(s, Standing::Invalid(_)))
            {
                report.ok = false;
                report.roster_broken = Some(audit::BrokenEntry {
                    seq: e.seq,
                    reason: format!("the roster entry for {}: {reason}", e.name),
                });
            }
            Ok(report)
        })?;
        // Every post on its way out must still be vouched for by its approval. One that is not
        // is reported beside the trail, not as a break of it: its cause may be forgery, or a
        // roster that never counted its approver; either way it will not be published.
        let waiting = self.read(|tx| {
            let mut ids = Vec::new();
            for status in [Status::Approved, Status::Scheduled, Status::Publishing] {
                ids.extend(tx.posts().list(Some(status))?.into_iter().map(|p| p.id));
            }
            Ok(ids)
        })?;
        for id in waiting {
            if let Err(Error::ApprovalInvalid { reason, .. }) = self.verify_for_publish(id) {
                report.post_broken = Some(BrokenPost {
                    post_id: id,
                    reason,
                });
                break;
            }
        }
        Ok(report)
    }

    /// Writes the whole trail to `dest` as JSON Lines (see `docs/audit-export.md`). Returns
    /// how many entries were written. Refuses to overwrite a file.
    pub fn audit_export(&self, dest: &Path) -> Result<u64> {
        use std::io::Write;
        let entries = self.read(|tx| tx.audit().all())?;
        let mut out = String::new();
        for e in &entries {
            let line = serde_json::to_string(&audit::ExportLine::from(e))
                .map_err(|e| Error::Internal(e.to_string()))?;
            out.push_str(&line);
            out.push('\n');
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|e| Error::io(format!("cannot create {}", dest.display()), e))?;
        f.write_all(out.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
        Ok(entries.len() as u64)
    }

    /// Checks an export on its own, with nothing but the public keys it carries.
    pub fn verify_audit_export(file: &Path) -> Result<AuditReport> {
        let bytes = std::fs::read(file)
            .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
        let text = String::from_utf8(bytes).map_err(|_| Error::ExportUnreadable {
            detail: format!("{} is not UTF-8 text", file.display()),
        })?;
        Ok(audit::verify_export(&text))
    }

    pub fn audit_trail(&self, post: Option<Uuid>) -> Result<Vec<audit::AuditEntry>> {
        self.read(|tx| match post {
            Some(id) => tx.audit().for_post(id),
            None => tx.audit().all(),
        })
    }
}

/// Why the server's copy `theirs` of a chain does not hold every entry of this laptop's
/// `ours` unchanged, if it does not. The server may hold more (entries not pulled yet).
fn chain_differs(what: &str, ours: &[(i64, String)], theirs: &[(i64, String)]) -> Option<String> {
    let on_server: std::collections::HashMap<i64, &str> = theirs
        .iter()
        .map(|(seq, hash)| (*seq, hash.as_str()))
        .collect();
    for (seq, hash) in ours {
        match on_server.get(seq) {
            None => {
                return Some(format!(
                    "the server's {what} has lost entry {seq}, which this laptop holds (entries \
                     were removed or the tail was cut off on the server)"
                ));
            }
            Some(h) if h != hash => {
                return Some(format!(
                    "the server's {what} entry {seq} is not the one this laptop holds (it was \
                     rewritten on the server)"
                ));
            }
            Some(_) => {}
        }
    }
    None
}
