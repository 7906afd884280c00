//! Use cases of the audit trail: verifying it (and the signed roster), exporting it, and
//! checking an export on its own.

use std::path::Path;

use uuid::Uuid;

use super::App;
use crate::acts::Acts;
use crate::audit::{self, AuditReport};
use crate::error::{Error, Result};
use crate::roster::Standing;

impl App {
    // --- the audit trail and the file -------------------------------------------------------

    /// Checks the audit trail's chain and signatures, and the signed roster's.
    pub fn audit_verify(&self) -> Result<AuditReport> {
        let pin = self.pin()?;
        self.read(|tx| {
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
        })
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
