//! The one check that stands between an approval and X.
//!
//! Every path that could publish a post calls [`verify`] right before it does. It does not
//! trust the post's status: it recomputes the digest of what would be published and compares
//! it with what the approver countersigned.

use crate::content;
use crate::model::{Account, Approval, Post, Role, Status};

/// Why a post may not be published on its approval.
pub fn verify(post: &Post, approval: Option<&Approval>, account: &Account) -> Result<(), String> {
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
    if !a.approver.role.reviews() {
        return Err(format!("{} is not an approver", a.approver.name));
    }
    if a.approver.id == post.author.id
        && !(account.solo_mode && a.solo && a.approver.role == Role::Admin)
    {
        return Err(format!("{} approved their own post", a.approver.name));
    }
    Ok(())
}
