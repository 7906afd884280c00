//! The one check that stands between an approval and X.
//!
//! Every path that could publish a post calls [`verify`] right before it does. It trusts
//! neither the post's status nor the `members` table, nor any other column a database admin
//! could edit. It checks that:
//!
//! 1. the signed roster still starts at the genesis this machine pinned and still holds the
//!    head it saw (nobody rewrote or cut it short), and no entry in it was altered;
//! 2. the approval is a valid Ed25519 signature, by the key the signed roster gave the
//!    approver, over its [`statement`];
//! 3. the digest of what would be published now matches the one signed;
//! 4. the signer held an approver or admin role in the signed roster when approving and
//!    still does;
//! 5. the author is who signed the post's first version (authorship is proven, not read from
//!    `posts.author_id`), and the approver is not them (four-eyes), unless solo mode, a fact of
//!    the signed roster, lets a lone admin be both; nor did the approver write the version
//!    they approved, unless they wrote it in the act of approving.
//!
//! Approval statements come in two versions: `v1` (before authorship and the roster position
//! were bound) keeps verifying; every new approval is `v2`, which also binds the author and
//! the roster head the approver saw.

use jiff::Timestamp;
use uuid::Uuid;

use serde::Serialize;

use crate::content;
use crate::keys;
use crate::model::{Account, Approval, Post, Role, Status, VersionProof};
use crate::roster::{Roster, RosterPin};

/// What a `v2` approval statement binds beyond `v1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Statement {
    /// The author the approver saw (proven by the first version's signature).
    pub author_id: Uuid,
    /// The roster head the approver's machine verified: its length and its last hash.
    pub roster_seq: i64,
    pub roster_hash: String,
}

/// The bytes `approval`'s signature is over, in its own statement version.
pub fn statement_of(workspace_id: &str, a: &Approval) -> Vec<u8> {
    match &a.statement {
        None => statement(
            a.approver.id,
            a.post_id,
            a.version,
            &a.digest,
            a.scheduled_at,
            a.at,
        ),
        Some(st) => keys::statement(&[
            "countersign/approval/v2",
            workspace_id,
            &a.approver.id.to_string(),
            &a.post_id.to_string(),
            &a.version.to_string(),
            &a.digest,
            &a.scheduled_at
                .map(|t| t.as_millisecond().to_string())
                .unwrap_or_else(|| "-".into()),
            &a.at.as_millisecond().to_string(),
            &st.author_id.to_string(),
            &st.roster_seq.to_string(),
            &st.roster_hash,
            if a.edited { "edited" } else { "as-is" },
        ]),
    }
}

/// The bytes an editor signs when saving a version: which post, which version, whose post it
/// is, who saved it, and the digest of what it says.
pub fn version_statement(
    workspace_id: &str,
    post_id: Uuid,
    version: u32,
    author_id: Uuid,
    editor_id: Uuid,
    digest: &str,
) -> Vec<u8> {
    keys::statement(&[
        "countersign/version/v1",
        workspace_id,
        &post_id.to_string(),
        &version.to_string(),
        &author_id.to_string(),
        &editor_id.to_string(),
        digest,
    ])
}

/// The `v1` canonical bytes an approver signed: who, which post and version, the content
/// digest, the scheduled instant (or `-`) and when they approved, each length-prefixed.
pub fn statement(
    member_id: Uuid,
    post_id: Uuid,
    version: u32,
    digest: &str,
    scheduled_at: Option<Timestamp>,
    at: Timestamp,
) -> Vec<u8> {
    keys::statement(&[
        "countersign/approval/v1",
        &member_id.to_string(),
        &post_id.to_string(),
        &version.to_string(),
        digest,
        &scheduled_at
            .map(|t| t.as_millisecond().to_string())
            .unwrap_or_else(|| "-".into()),
        &at.as_millisecond().to_string(),
    ])
}

/// Everything [`verify`] looks at.
#[derive(Debug)]
pub struct Evidence<'a> {
    pub workspace_id: &'a str,
    pub post: &'a Post,
    pub approval: Option<&'a Approval>,
    pub account: &'a Account,
    pub roster: &'a Roster,
    /// What each version's editor signed, oldest first.
    pub versions: &'a [VersionProof],
    /// What this machine pinned of the roster; `None` only before it ever saw one.
    pub pin: Option<&'a RosterPin>,
}

/// Why a post may not be published on its approval.
pub fn verify(ev: &Evidence<'_>) -> Result<(), String> {
    let (post, account, roster) = (ev.post, ev.account, ev.roster);
    if !matches!(
        post.status,
        Status::Approved | Status::Scheduled | Status::Publishing | Status::Missed
    ) {
        return Err(format!(
            "the post is {}, not approved",
            post.status.describe()
        ));
    }
    let Some(a) = ev.approval else {
        return Err("there is no approval in force".into());
    };
    // 1: the roster is the one this machine trusted, whole.
    if let Some(pin) = ev.pin {
        roster.check_pin(pin)?;
    }
    if let Some((seq, reason)) = roster.broken() {
        return Err(format!(
            "the signed roster was altered at entry {seq} ({reason})"
        ));
    }
    // 2 and 4: the signer as the signed roster had them when they approved: at the roster head
    // they saw (v2), or at the time they gave (v1).
    let then = match &a.statement {
        Some(st) => {
            let seen = usize::try_from(st.roster_seq - 1)
                .ok()
                .and_then(|i| roster.entries().get(i));
            if st.roster_seq > 0 && seen.is_none_or(|(e, _)| e.hash != st.roster_hash) {
                return Err("the signed roster the approver saw is no longer there".into());
            }
            roster.upto(st.roster_seq)
        }
        None => roster.at(a.at),
    };
    let Some(holder) = then.get(&a.approver.id) else {
        return Err(format!(
            "{} was not in the signed roster when the approval was made",
            a.approver.name
        ));
    };
    let (Some(fingerprint), Some(signature)) = (&a.key_fingerprint, &a.signature) else {
        return Err("the approval is not signed".into());
    };
    if *fingerprint != keys::fingerprint(&holder.public_key) {
        return Err(format!(
            "the approval was not signed with the key the roster gave {}",
            holder.name
        ));
    }
    if !keys::verify(
        &holder.public_key,
        &statement_of(ev.workspace_id, a),
        signature,
    ) {
        return Err("the approval's signature does not verify".into());
    }
    // 3: the signed statement is about exactly this post as it stands.
    if a.post_id != post.id {
        return Err("the approval belongs to another post".into());
    }
    if a.version != post.version {
        return Err(format!(
            "the approval is for version {}, the post is at version {}",
            a.version, post.version
        ));
    }
    let scheduled_at = post.scheduled.as_ref().map(|s| s.at);
    if a.scheduled_at != scheduled_at {
        return Err("the scheduled time differs from the approved one".into());
    }
    let now = content::digest(
        &account.handle,
        &post.content,
        &post.author.initials,
        scheduled_at,
    );
    if now != a.digest {
        return Err("the content differs from what was approved".into());
    }
    if !holder.active || !holder.role.reviews() {
        return Err(format!(
            "{} was not an active approver or admin in the signed roster when they approved",
            holder.name
        ));
    }
    match roster.current().get(&a.approver.id) {
        Some(h) if h.active && h.role.reviews() => {}
        _ => {
            return Err(format!(
                "{} is no longer an active approver or admin in the signed roster",
                holder.name
            ));
        }
    }
    // 5: authorship, proven by signatures (a post pinned as written before versions were
    // signed rests on the stored author, which a v2 approval then binds).
    let legacy = ev.pin.is_some_and(|p| p.unsigned_posts.contains(&post.id));
    let (author, editor) = authorship(
        ev.workspace_id,
        &account.handle,
        post,
        ev.versions,
        roster,
        legacy,
    )?;
    if let Some(st) = &a.statement
        && st.author_id != author
    {
        return Err("the post's author is not the one the approver saw".into());
    }
    // Solo mode, a fact of the roster, lets a lone admin countersign their own post: only an
    // admin, only while solo mode is on, and only while nobody else could countersign.
    let lone = then
        .values()
        .filter(|h| h.active && h.role.reviews())
        .count()
        <= 1;
    if a.approver.id == author && !(roster.solo() && a.solo && holder.role == Role::Admin && lone) {
        return Err(format!("{} approved their own post", holder.name));
    }
    if editor == Some(a.approver.id) && a.approver.id != author && !a.edited {
        return Err(format!(
            "{} approved version {} which they wrote themselves",
            holder.name, post.version
        ));
    }
    Ok(())
}

/// Who wrote `post` and who saved its current version, as their signatures prove: the first
/// version must be signed by the stored author, and the current one by its editor, over the
/// content as it stands. A `legacy` post (pinned as written before versions were signed) may
/// lack those signatures; then the stored author stands and the editor is unknown.
pub fn authorship(
    workspace_id: &str,
    handle: &str,
    post: &Post,
    versions: &[VersionProof],
    roster: &Roster,
    legacy: bool,
) -> Result<(Uuid, Option<Uuid>), String> {
    let stored = post.author.id;
    let signed = |version| signed_version(workspace_id, post, versions, roster, version);
    let author = match signed(1)? {
        Some(v) if v.editor_id == stored && v.author_id == Some(stored) => stored,
        Some(_) => {
            return Err("the post's author is not the member who signed its first version".into());
        }
        None if legacy => stored,
        None => {
            return Err("its first version carries no signature of the member who wrote it".into());
        }
    };
    let editor = match signed(post.version)? {
        Some(v) => {
            if v.author_id != Some(stored) {
                return Err(format!(
                    "version {} was signed for another author",
                    post.version
                ));
            }
            let now = content::digest(handle, &post.content, &post.author.initials, None);
            if v.digest.as_deref() != Some(now.as_str()) {
                return Err(format!(
                    "the content differs from what the editor of version {} signed",
                    post.version
                ));
            }
            Some(v.editor_id)
        }
        None if legacy => None,
        None => {
            return Err(format!(
                "version {} carries no signature of the member who saved it",
                post.version
            ));
        }
    };
    Ok((author, editor))
}

/// `version`'s proof if it is signed: the signature must verify, under a key the signed roster
/// gave its editor, over what it states.
fn signed_version<'v>(
    workspace_id: &str,
    post: &Post,
    versions: &'v [VersionProof],
    roster: &Roster,
    version: u32,
) -> Result<Option<&'v VersionProof>, String> {
    let Some(v) = versions.iter().find(|v| v.version == version) else {
        return Ok(None);
    };
    let (Some(sig), Some(author), Some(digest)) = (&v.signature, v.author_id, &v.digest) else {
        return Ok(None);
    };
    let bytes = version_statement(
        workspace_id,
        post.id,
        v.version,
        author,
        v.editor_id,
        digest,
    );
    let signed = roster
        .keys_of(v.editor_id)
        .iter()
        .any(|pk| keys::verify(pk, &bytes, sig));
    if !signed {
        return Err(format!(
            "version {} does not carry a valid signature of the member who saved it",
            v.version
        ));
    }
    Ok(Some(v))
}
