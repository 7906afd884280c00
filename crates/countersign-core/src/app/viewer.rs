//! What the member at the screen may do beyond any one post, and the passphrase rule for a role.
//!
//! [`super::Permissions`] answers "what may this member do with this post"; screens also
//! show controls that belong to no post: the queue's slots and order, the decisions on posts
//! that missed their time, failed or need a check, the team. [`App::viewer_may`] answers for
//! those with the same checks the acts make, so the screens decide nothing themselves. A
//! per-post rule (four-eyes above all) is still the act's to refuse, when it runs.

use serde::Serialize;
use uuid::Uuid;

use super::App;
use super::review::Permit;
use crate::acts::Acts;
use crate::error::Result;
use crate::keys::MIN_PASSPHRASE_CHARS;
use crate::model::{Member, Role, Status};
use crate::store::PostSummary;
use crate::workflow::{self, AccountAction, Action, Subject};

/// What one member may do in the workspace now, each with the reason when they may not.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ViewerPermissions {
    /// Review posts (approve, request changes, reject); what they may do with each post is in
    /// its `PostView.may`.
    pub review: Permit,
    /// Add and remove the brand's weekly queue slots.
    pub edit_slots: Permit,
    /// Decide about a post that missed its time, failed or needs a check
    /// ([`App::needing_decision`], [`App::decide`]).
    pub decide: Permit,
    /// Reorder the queue, and move or unschedule the posts in it: each move countersigns a new
    /// time, so the four-eyes rule still applies to each post when the act runs.
    pub reorder_queue: Permit,
    /// Add members, change their roles, give them new keys, deactivate them.
    pub manage_members: Permit,
    /// Change the account's settings and its connection to X.
    pub change_account: Permit,
    /// Connect this laptop to X or the Sandbox. Alone, as `change_account`; in a team, every
    /// reviewer's laptop connects its own grant, and a contributor's laptop never holds one.
    pub connect_here: Permit,
}

/// Which roles choose a passphrase to seal their signing key, and how long it must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PassphraseRule {
    /// The roles whose key is sealed with a passphrase the member chooses.
    pub required_for: Vec<Role>,
    /// The fewest characters a new passphrase may have.
    pub min_chars: u32,
}

/// The states in which a post waits for a person's decision ([`crate::queue::Decision`]).
pub const NEEDING_DECISION: [Status; 3] = [Status::NeedsCheck, Status::Missed, Status::Failed];

/// Whether a member in `role` seals their signing key with a passphrase: those who countersign
/// (approvers and admins), as keeping a new key does.
pub fn passphrase_required_for(role: Role) -> bool {
    role.reviews()
}

/// The passphrase rule, for screens that add members or change roles.
pub fn passphrase_rule() -> PassphraseRule {
    PassphraseRule {
        required_for: [Role::Contributor, Role::Approver, Role::Admin]
            .into_iter()
            .filter(|r| passphrase_required_for(*r))
            .collect(),
        min_chars: u32::try_from(MIN_PASSPHRASE_CHARS).unwrap_or(u32::MAX),
    }
}

impl App {
    /// What `name` may do in the workspace now, beyond any one post.
    pub fn viewer_may(&self, name: &str) -> Result<ViewerPermissions> {
        let pin = self.pin()?;
        let laptop = self.publisher_identity().0;
        self.read(|tx| {
            let viewer = tx.member(name)?;
            let own = |status| Subject {
                status,
                author: &viewer,
            };
            // Moving a post's time countersigns it, which nobody may do to their own post: ask
            // about someone else's, and leave that post's four-eyes check to the act.
            let someone_else = Member {
                id: Uuid::nil(),
                ..viewer.clone()
            };
            let others = |status| Subject {
                status,
                author: &someone_else,
            };
            let check = |action, subject| workflow::check(&viewer, action, subject, false);
            Ok(ViewerPermissions {
                review: Permit::from_check(check(Action::RequestChanges, own(Status::InReview))),
                edit_slots: Permit::from_check(tx.allowed(
                    name,
                    AccountAction::EditQueueSlots,
                    pin.as_ref(),
                )),
                decide: Permit::from_check(check(Action::MarkPosted, own(Status::NeedsCheck))),
                reorder_queue: Permit::from_check(
                    check(Action::Schedule, others(Status::Scheduled))
                        .and_then(|_| check(Action::Unschedule, others(Status::Scheduled))),
                ),
                manage_members: Permit::from_check(tx.allowed(
                    name,
                    AccountAction::ManageMembers,
                    pin.as_ref(),
                )),
                change_account: Permit::from_check(tx.allowed(
                    name,
                    AccountAction::ChangeAccount,
                    pin.as_ref(),
                )),
                connect_here: Permit::from_check(super::account::may_connect(
                    tx,
                    laptop,
                    Some(name),
                    pin.as_ref(),
                )),
            })
        })
    }

    /// The posts waiting for a person's decision: those that need a check, missed their time or
    /// failed, in that order, each group newest change first.
    pub fn needing_decision(&self) -> Result<Vec<PostSummary>> {
        self.read(|tx| {
            let mut posts = Vec::new();
            for status in NEEDING_DECISION {
                posts.extend(tx.posts().list(Some(status))?);
            }
            Ok(posts)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvers_and_admins_choose_a_passphrase_of_the_keys_minimum() {
        assert!(!passphrase_required_for(Role::Contributor));
        assert!(passphrase_required_for(Role::Approver));
        assert!(passphrase_required_for(Role::Admin));
        let rule = passphrase_rule();
        assert_eq!(rule.required_for, [Role::Approver, Role::Admin]);
        assert_eq!(rule.min_chars as usize, MIN_PASSPHRASE_CHARS);
    }
}
