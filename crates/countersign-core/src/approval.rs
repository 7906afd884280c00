//! The one check that stands between an approval and X.
//!
//! Every path that could publish a post calls [`verify`] right before it does. It trusts
//! neither the post's status nor the `members` table. It checks that:
//!
//! 1. the approval is a valid Ed25519 signature, by the key the signed roster gave the
//!    approver at the time of approval, over [`statement`];
//! 2. the digest of what would be published now matches the one signed;
//! 3. the signer held an approver or admin role in the signed roster at the time of approval;
//! 4. the signer is not the author (four-eyes), unless solo mode lets a lone admin be both.

use jiff::Timestamp;
use uuid::Uuid;

use crate::content;
use crate::keys;
use crate::model::{Account, Approval, Post, Role, Status};
use crate::roster::Roster;

/// The canonical bytes an approver signs: who, which post and version, the content digest,
/// the scheduled instant (or `-`) and when they approved, each length-prefixed.
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

/// Why a post may not be published on its approval.
pub fn verify(
    post: &Post,
    approval: Option<&Approval>,
    account: &Account,
    roster: &Roster,
) -> Result<(), String> {
    if !matches!(
        post.status,
        Status::Approved | Status::Scheduled | Status::Publishing | Status::Missed
    ) {
        return Err(format!(
            "the post is {}, not approved",
            post.status.describe()
        ));
    }
    let Some(a) = approval else {
        return Err("there is no approval in force".into());
    };
    // 1 and 3: the signer as the signed roster had them when they approved.
    let Some(holder) = roster.at(a.at).remove(&a.approver.id) else {
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
    let signed = statement(
        a.approver.id,
        a.post_id,
        a.version,
        &a.digest,
        a.scheduled_at,
        a.at,
    );
    if !keys::verify(&holder.public_key, &signed, signature) {
        return Err("the approval's signature does not verify".into());
    }
    // 2: the signed statement is about exactly this post as it stands.
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
    // 4: four-eyes.
    if a.approver.id == post.author.id
        && !(account.solo_mode && a.solo && holder.role == Role::Admin)
    {
        return Err(format!("{} approved their own post", holder.name));
    }
    Ok(())
}
