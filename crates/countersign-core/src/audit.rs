//! The audit trail: an append-only list of every action, each entry chained to the one before
//! by hash, so that changing, removing or reordering any entry is detectable.
//!
//! An entry's hash covers its sequence number, the previous entry's hash and every field, each
//! length-prefixed. [`verify`] walks the chain and names the first entry that does not hold.

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of the audit trail, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    /// The member who acted; `None` for the workspace itself (e.g. `workspace_created`).
    pub actor_id: Option<Uuid>,
    /// The actor's name at the time, kept so the trail reads without the members table.
    pub actor_name: String,
    pub action: String,
    pub post_id: Option<Uuid>,
    pub version: Option<u32>,
    pub digest: Option<String>,
    /// JSON with the action's particulars (a comment, a schedule, a role).
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry, given its fields and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |v: &str| {
            h.update((v.len() as u64).to_be_bytes());
            h.update(v.as_bytes());
        };
        field("countersign/audit/v1");
        field(&self.seq.to_string());
        field(&self.prev_hash);
        field(&self.at.as_millisecond().to_string());
        field(&self.actor_id.map(|u| u.to_string()).unwrap_or_default());
        field(&self.actor_name);
        field(&self.action);
        field(&self.post_id.map(|u| u.to_string()).unwrap_or_default());
        field(&self.version.map(|v| v.to_string()).unwrap_or_default());
        field(self.digest.as_deref().unwrap_or(""));
        field(&self.detail);
        hex::encode(h.finalize())
    }
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries: u64,
    pub ok: bool,
    /// The first entry that does not hold, if any.
    pub first_broken: Option<BrokenEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenEntry {
    pub seq: i64,
    pub reason: String,
}

/// Walks the entries in `seq` order and reports the first one that breaks the chain.
pub fn verify(entries: impl IntoIterator<Item = AuditEntry>) -> AuditReport {
    let mut prev_hash = GENESIS.to_string();
    let mut prev_seq = 0i64;
    let mut count = 0u64;
    for e in entries {
        count += 1;
        let broken = if e.seq != prev_seq + 1 {
            Some(format!(
                "expected entry {} next, found {} (an entry was removed or reordered)",
                prev_seq + 1,
                e.seq
            ))
        } else if e.prev_hash != prev_hash {
            Some("its link to the previous entry does not match (an entry before it was changed or removed)".to_string())
        } else if e.hash != e.expected_hash() {
            Some(format!(
                "its contents do not match its hash (the {} entry was changed)",
                e.action
            ))
        } else {
            None
        };
        if let Some(reason) = broken {
            return AuditReport {
                entries: count,
                ok: false,
                first_broken: Some(BrokenEntry { seq: e.seq, reason }),
            };
        }
        prev_hash = e.hash;
        prev_seq = e.seq;
    }
    AuditReport {
        entries: count,
        ok: true,
        first_broken: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: Timestamp::from_second(1_800_000_000 + seq).unwrap(),
                    actor_id: None,
                    actor_name: "ann".into(),
                    action: "commented".into(),
                    post_id: None,
                    version: Some(1),
                    digest: None,
                    detail: format!("{{\"n\":{seq}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.expected_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let r = verify(chain(5));
        assert!(r.ok);
        assert_eq!(r.entries, 5);
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut c = chain(5);
        c[2].detail = "{\"n\":99}".into();
        let r = verify(c);
        assert!(!r.ok);
        assert_eq!(r.first_broken.unwrap().seq, 3);
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut c = chain(5);
        c.remove(1);
        let r = verify(c);
        assert_eq!(r.first_broken.unwrap().seq, 3);
    }

    #[test]
    fn a_rehashed_entry_still_breaks_the_next_link() {
        let mut c = chain(5);
        c[1].actor_name = "mallory".into();
        c[1].hash = c[1].expected_hash();
        let r = verify(c);
        assert_eq!(r.first_broken.unwrap().seq, 3);
    }
}
