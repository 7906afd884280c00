//! The audit trail: an append-only list of every action, each entry chained to the one before
//! by hash, so that changing, removing or reordering any entry is detectable.
//!
//! An entry's hash covers its sequence number, the previous entry's hash and every field, each
//! length-prefixed. An entry made by a member also carries their public key (then covered by
//! the hash, under the `v2` encoding) and their Ed25519 signature over the hash, so the trail
//! proves who did what with nothing but public keys. [`verify`] walks the chain, checks every
//! signature, and names the first entry that does not hold. `docs/audit-export.md` describes the
//! exact bytes for anyone verifying an export with another Ed25519 library.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::keys::{self, MemberKey};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Every action the audit trail records. The names are an export format (third parties verify
/// exports, `docs/audit-export.md` lists them): add new ones, never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    WorkspaceCreated,
    AccountChanged,
    AccountConnected,
    AccountDisconnected,
    AccountNeedsReconnect,
    MemberAdded,
    MemberDeactivated,
    MemberRoleChanged,
    MemberRekeyed,
    MemberInvited,
    SoloModeChanged,
    DraftCreated,
    Edited,
    ApprovalVoided,
    Submitted,
    Approved,
    ChangesRequested,
    Rejected,
    Commented,
    HistoryImported,
    Scheduled,
    QueueSlotAdded,
    QueueSlotRemoved,
    Unscheduled,
    Dropped,
    MarkedPosted,
    PublishClaimed,
    PublishRefused,
    Posted,
    PublishFailed,
    NeedsCheck,
    Missed,
    PublisherKeyAdded,
    ConversationTaken,
    ConversationAssigned,
    ConversationClosed,
    AnswerDrafted,
    InboxChanged,
    ConversationHeard,
}

impl AuditAction {
    /// Every action, in the order `docs/audit-export.md` lists them.
    pub const ALL: [AuditAction; 39] = [
        AuditAction::WorkspaceCreated,
        AuditAction::AccountChanged,
        AuditAction::AccountConnected,
        AuditAction::AccountDisconnected,
        AuditAction::AccountNeedsReconnect,
        AuditAction::MemberAdded,
        AuditAction::MemberDeactivated,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberRekeyed,
        AuditAction::MemberInvited,
        AuditAction::SoloModeChanged,
        AuditAction::DraftCreated,
        AuditAction::Edited,
        AuditAction::ApprovalVoided,
        AuditAction::Submitted,
        AuditAction::Approved,
        AuditAction::ChangesRequested,
        AuditAction::Rejected,
        AuditAction::Commented,
        AuditAction::HistoryImported,
        AuditAction::Scheduled,
        AuditAction::QueueSlotAdded,
        AuditAction::QueueSlotRemoved,
        AuditAction::Unscheduled,
        AuditAction::Dropped,
        AuditAction::MarkedPosted,
        AuditAction::PublishClaimed,
        AuditAction::PublishRefused,
        AuditAction::Posted,
        AuditAction::PublishFailed,
        AuditAction::NeedsCheck,
        AuditAction::Missed,
        AuditAction::PublisherKeyAdded,
        AuditAction::ConversationTaken,
        AuditAction::ConversationAssigned,
        AuditAction::ConversationClosed,
        AuditAction::AnswerDrafted,
        AuditAction::InboxChanged,
        AuditAction::ConversationHeard,
    ];

    /// The name written into the trail and the export.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::WorkspaceCreated => "workspace_created",
            AuditAction::AccountChanged => "account_changed",
            AuditAction::AccountConnected => "account_connected",
            AuditAction::AccountDisconnected => "account_disconnected",
            AuditAction::AccountNeedsReconnect => "account_needs_reconnect",
            AuditAction::MemberAdded => "member_added",
            AuditAction::MemberDeactivated => "member_deactivated",
            AuditAction::MemberRoleChanged => "member_role_changed",
            AuditAction::MemberRekeyed => "member_rekeyed",
            AuditAction::MemberInvited => "member_invited",
            AuditAction::SoloModeChanged => "solo_mode_changed",
            AuditAction::DraftCreated => "draft_created",
            AuditAction::Edited => "edited",
            AuditAction::ApprovalVoided => "approval_voided",
            AuditAction::Submitted => "submitted",
            AuditAction::Approved => "approved",
            AuditAction::ChangesRequested => "changes_requested",
            AuditAction::Rejected => "rejected",
            AuditAction::Commented => "commented",
            AuditAction::HistoryImported => "history_imported",
            AuditAction::Scheduled => "scheduled",
            AuditAction::QueueSlotAdded => "queue_slot_added",
            AuditAction::QueueSlotRemoved => "queue_slot_removed",
            AuditAction::Unscheduled => "unscheduled",
            AuditAction::Dropped => "dropped",
            AuditAction::MarkedPosted => "marked_posted",
            AuditAction::PublishClaimed => "publish_claimed",
            AuditAction::PublishRefused => "publish_refused",
            AuditAction::Posted => "posted",
            AuditAction::PublishFailed => "publish_failed",
            AuditAction::NeedsCheck => "needs_check",
            AuditAction::Missed => "missed",
            AuditAction::PublisherKeyAdded => "publisher_key_added",
            AuditAction::ConversationTaken => "conversation_taken",
            AuditAction::ConversationAssigned => "conversation_assigned",
            AuditAction::ConversationClosed => "conversation_closed",
            AuditAction::AnswerDrafted => "answer_drafted",
            AuditAction::InboxChanged => "inbox_changed",
            AuditAction::ConversationHeard => "conversation_heard",
        }
    }

    /// The action named `name`, if it is one.
    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// The actor's Ed25519 public key, hex, on entries a member signed.
    pub public_key: Option<String>,
    /// The actor's signature over [`signed_bytes`] of `hash`, hex.
    pub signature: Option<String>,
}

/// What an audit signature signs: the entry's hash, under its own domain.
pub fn signed_bytes(hash: &str) -> Vec<u8> {
    keys::statement(&["countersign/audit-signature/v1", hash])
}

impl AuditEntry {
    /// The hash this entry must carry, given its fields and `prev_hash`. Unsigned entries use
    /// the `v1` encoding; signed ones `v2`, which adds the public key as the last field.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |v: &str| {
            h.update((v.len() as u64).to_be_bytes());
            h.update(v.as_bytes());
        };
        field(if self.public_key.is_some() {
            "countersign/audit/v2"
        } else {
            "countersign/audit/v1"
        });
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
        if let Some(pk) = &self.public_key {
            field(pk);
        }
        hex::encode(h.finalize())
    }

    /// Fills in the hash and, given the actor's key, the public key and signature.
    pub fn seal(&mut self, key: Option<&MemberKey>) {
        self.public_key = key.map(MemberKey::public_hex);
        self.hash = self.expected_hash();
        self.signature = key.map(|k| k.sign(&signed_bytes(&self.hash)));
    }
}

/// One line of `countersign audit export`: an entry with its instant in milliseconds, the
/// form the hash covers. See `docs/audit-export.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportLine {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub action: String,
    pub post_id: Option<Uuid>,
    pub version: Option<u32>,
    pub digest: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
    pub public_key: Option<String>,
    pub signature: Option<String>,
}

impl From<&AuditEntry> for ExportLine {
    fn from(e: &AuditEntry) -> Self {
        ExportLine {
            seq: e.seq,
            at_ms: e.at.as_millisecond(),
            actor_id: e.actor_id,
            actor_name: e.actor_name.clone(),
            action: e.action.clone(),
            post_id: e.post_id,
            version: e.version,
            digest: e.digest.clone(),
            detail: e.detail.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
            public_key: e.public_key.clone(),
            signature: e.signature.clone(),
        }
    }
}

impl ExportLine {
    pub fn into_entry(self) -> Option<AuditEntry> {
        Some(AuditEntry {
            seq: self.seq,
            at: Timestamp::from_millisecond(self.at_ms).ok()?,
            actor_id: self.actor_id,
            actor_name: self.actor_name,
            action: self.action,
            post_id: self.post_id,
            version: self.version,
            digest: self.digest,
            detail: self.detail,
            prev_hash: self.prev_hash,
            hash: self.hash,
            public_key: self.public_key,
            signature: self.signature,
        })
    }
}

/// The actions whose detail announces a member's public key (`member_id`, `public_key`).
pub const KEY_ANNOUNCEMENTS: [AuditAction; 3] = [
    AuditAction::MemberAdded,
    AuditAction::MemberRekeyed,
    AuditAction::MemberRoleChanged,
];

/// What a team laptop's publisher records. In team mode these are signed with the laptop's
/// publishing key ([`AuditAction::PublisherKeyAdded`] announces it), which counts for these
/// actions only: the always-on publisher holds no key that could sign a member's other acts.
pub const PUBLISHER_ACTIONS: [AuditAction; 7] = [
    AuditAction::PublishClaimed,
    AuditAction::PublishRefused,
    AuditAction::Posted,
    AuditAction::PublishFailed,
    AuditAction::NeedsCheck,
    AuditAction::Missed,
    // The publisher reads the inbox, too.
    AuditAction::ConversationHeard,
];

/// Checks one export (JSON Lines) on its own: parses every line, then runs [`verify`].
pub fn verify_export(text: &str) -> AuditReport {
    let mut entries = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let text = line.strip_suffix('\n');
        let parsed = text.and_then(|l| serde_json::from_str::<ExportLine>(l).ok());
        // Exactly as the export writes it (compact JSON, its field order, nothing escaped that
        // need not be): a line that parses to the same values from other bytes was changed.
        if let (Some(l), Some(p)) = (text, &parsed)
            && (serde_json::to_string(p).ok().as_deref() != Some(l) || !lower_hex_fields(p))
        {
            return AuditReport {
                entries: i as u64 + 1,
                ok: false,
                first_broken: Some(BrokenEntry {
                    seq: i as i64 + 1,
                    reason: format!(
                        "line {} is not written as the export writes its lines (it was changed)",
                        i + 1
                    ),
                }),
                ..AuditReport::default()
            };
        }
        match parsed.and_then(ExportLine::into_entry) {
            Some(e) => entries.push(e),
            None => {
                return AuditReport {
                    entries: i as u64 + 1,
                    ok: false,
                    first_broken: Some(BrokenEntry {
                        seq: i as i64 + 1,
                        reason: format!("line {} is not an audit entry", i + 1),
                    }),
                    ..AuditReport::default()
                };
            }
        }
    }
    verify(entries)
}

/// Hashes, keys and signatures are written as lower-case hex: decoding would take upper case
/// too, so a line carrying it was changed.
fn lower_hex_fields(l: &ExportLine) -> bool {
    let lower = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    [
        Some(&l.hash),
        Some(&l.prev_hash),
        l.digest.as_ref(),
        l.public_key.as_ref(),
        l.signature.as_ref(),
    ]
    .into_iter()
    .flatten()
    .all(|s| lower(s))
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries: u64,
    pub ok: bool,
    /// The first entry that does not hold, if any.
    pub first_broken: Option<BrokenEntry>,
    /// The first roster entry that does not hold (a workspace's trail only; `seq` is the
    /// roster's).
    pub roster_broken: Option<BrokenEntry>,
    /// The first post waiting to go out whose approval does not hold (forged, re-pointed to
    /// another version, its author changed, its approver never counted by the roster): a
    /// workspace's check only. Reported beside the trail; `ok` speaks of the trail, the
    /// roster and the server's copy. Such a post is never published: the claim refuses it.
    pub post_broken: Option<BrokenPost>,
    /// Team mode: how the server's copy of the trail and the roster compares with this
    /// laptop's (`None` on a solo workspace or an export).
    pub server_copy: Option<ServerCopy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenPost {
    pub post_id: Uuid,
    pub reason: String,
}

/// How a team server's copy of the trail and the roster compares with this laptop's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum ServerCopy {
    /// Every entry this laptop holds is on the server, unchanged.
    Matches,
    /// Not compared: the server could not be reached (why).
    Unreachable(String),
    /// The server lost, changed or rewrote entries this laptop holds (which, how).
    Differs(String),
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
    // The public keys each member has had, as announced by earlier entries.
    let mut known = Announced::default();
    // Entries from before signing existed (older workspaces) carry no signature; once one entry
    // is signed, every entry a member makes must be.
    let mut signing = false;
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
            signature_problem(&e, &known, signing)
        };
        if let Some(reason) = broken {
            return AuditReport {
                entries: count,
                ok: false,
                first_broken: Some(BrokenEntry { seq: e.seq, reason }),
                ..AuditReport::default()
            };
        }
        signing |= e.signature.is_some();
        known.learn(&e);
        prev_hash = e.hash;
        prev_seq = e.seq;
    }
    AuditReport {
        entries: count,
        ok: true,
        ..AuditReport::default()
    }
}

/// The keys the trail has given each member so far: their own keys, and the publishing keys
/// of the team laptops they publish from.
#[derive(Default)]
struct Announced {
    member: HashMap<Uuid, HashSet<String>>,
    publisher: HashMap<Uuid, HashSet<String>>,
}

impl Announced {
    /// Takes in the key `e` announces, if it announces one.
    fn learn(&mut self, e: &AuditEntry) {
        let Some(action) = AuditAction::parse(&e.action) else {
            return;
        };
        let into = if KEY_ANNOUNCEMENTS.contains(&action) {
            &mut self.member
        } else if action == AuditAction::PublisherKeyAdded {
            &mut self.publisher
        } else {
            return;
        };
        let Ok(d) = serde_json::from_str::<serde_json::Value>(&e.detail) else {
            return;
        };
        let id = d["member_id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok());
        if let (Some(id), Some(pk)) = (id, d["public_key"].as_str()) {
            into.entry(id).or_default().insert(pk.to_string());
        }
    }

    /// Whether `pk` may sign `action` for `member`.
    fn vouches(&self, member: Uuid, action: &str, pk: &str) -> bool {
        let has =
            |m: &HashMap<Uuid, HashSet<String>>| m.get(&member).is_some_and(|k| k.contains(pk));
        has(&self.member)
            || (AuditAction::parse(action).is_some_and(|a| PUBLISHER_ACTIONS.contains(&a))
                && has(&self.publisher))
    }
}

fn signature_problem(e: &AuditEntry, known: &Announced, signing: bool) -> Option<String> {
    match (&e.public_key, &e.signature, e.actor_id) {
        (None, None, Some(_)) if signing => Some(format!(
            "the {} entry by {} is not signed",
            e.action, e.actor_name
        )),
        (None, None, _) => None,
        (Some(pk), Some(sig), Some(actor)) => {
            if !keys::verify(pk, &signed_bytes(&e.hash), sig) {
                Some(format!(
                    "the signature on the {} entry does not verify",
                    e.action
                ))
            } else if !known.vouches(actor, &e.action, pk) {
                Some(format!(
                    "the {} entry is signed with a key the trail never gave {}",
                    e.action, e.actor_name
                ))
            } else {
                None
            }
        }
        _ => Some(format!("the {} entry has a partial signature", e.action)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The action names are a published format: the export doc lists exactly these, in order.
    #[test]
    fn the_export_doc_lists_every_action() {
        let doc = include_str!("../../../docs/audit-export.md");
        let listed: Vec<&str> = doc
            .lines()
            .skip_while(|l| *l != "## Actions")
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .collect();
        let names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(listed, names);
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
    }

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
                    public_key: None,
                    signature: None,
                };
                e.hash = e.expected_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    /// A trail where a member is announced (entry 1, unsigned) and then acts (entries 2..).
    fn signed_chain(key: &MemberKey, signer: &MemberKey) -> Vec<AuditEntry> {
        let member = Uuid::now_v7();
        let mut prev = GENESIS.to_string();
        (1..=3)
            .map(|seq| {
                let announce = seq == 1;
                let mut e = AuditEntry {
                    seq,
                    at: Timestamp::from_second(1_800_000_000 + seq).unwrap(),
                    actor_id: (!announce).then_some(member),
                    actor_name: "ann".into(),
                    action: if announce {
                        "member_added"
                    } else {
                        "commented"
                    }
                    .into(),
                    post_id: None,
                    version: None,
                    digest: None,
                    detail: if announce {
                        serde_json::json!({"member_id": member, "public_key": key.public_hex()})
                            .to_string()
                    } else {
                        "{}".into()
                    },
                    prev_hash: prev.clone(),
                    hash: String::new(),
                    public_key: None,
                    signature: None,
                };
                e.seal((!announce).then_some(signer));
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn signatures_are_checked_against_announced_keys() {
        let k = MemberKey::generate();
        assert!(verify(signed_chain(&k, &k)).ok);
        // Signed, and the chain holds, but with a key the trail never gave the member.
        let r = verify(signed_chain(&k, &MemberKey::generate()));
        assert_eq!(r.first_broken.unwrap().seq, 2);
        // A signature stripped (and the hash recomputed as unsigned).
        let mut c = signed_chain(&k, &k);
        c[2].signature = None;
        c[2].public_key = None;
        c[2].hash = c[2].expected_hash();
        let r = verify(c);
        assert!(r.first_broken.unwrap().reason.contains("not signed"));
        // A signature moved to another entry.
        let mut c = signed_chain(&k, &k);
        c[2].signature = c[1].signature.clone();
        assert!(!verify(c).ok);
    }

    /// A member announced (1), who announces a laptop's publishing key (2, signed by them),
    /// then entries signed with that laptop key: `actions[i]` at `3 + i`.
    fn publisher_chain(actions: &[&str]) -> Vec<AuditEntry> {
        let member = Uuid::now_v7();
        let own = MemberKey::generate();
        let laptop = MemberKey::generate();
        let mut prev = GENESIS.to_string();
        let mut out = Vec::new();
        let steps = [
            (
                "member_added",
                None,
                json!({"member_id": member, "public_key": own.public_hex()}),
            ),
            (
                "publisher_key_added",
                Some(&own),
                json!({"member_id": member, "public_key": laptop.public_hex(), "laptop": "L1"}),
            ),
        ];
        let rest = actions.iter().map(|a| (*a, Some(&laptop), json!({})));
        for (i, (action, key, detail)) in steps.into_iter().chain(rest).enumerate() {
            let mut e = AuditEntry {
                seq: i as i64 + 1,
                at: Timestamp::from_second(1_800_000_000 + i as i64).unwrap(),
                actor_id: key.is_some().then_some(member),
                actor_name: "ann".into(),
                action: action.into(),
                post_id: None,
                version: None,
                digest: None,
                detail: detail.to_string(),
                prev_hash: prev.clone(),
                hash: String::new(),
                public_key: None,
                signature: None,
            };
            e.seal(key);
            prev = e.hash.clone();
            out.push(e);
        }
        out
    }

    #[test]
    fn a_laptop_publishing_key_signs_publisher_entries_only() {
        assert!(
            verify(publisher_chain(&[
                "publish_claimed",
                "posted",
                "needs_check"
            ]))
            .ok
        );
        for act in ["approved", "commented", "scheduled", "member_rekeyed"] {
            let r = verify(publisher_chain(&["posted", act]));
            let broken = r.first_broken.expect(act);
            assert_eq!(broken.seq, 4, "{act}");
            assert!(broken.reason.contains("never gave"), "{}", broken.reason);
        }
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
