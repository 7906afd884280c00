//! The workflow as a state machine: which member may move a post from which state, and where to.
//!
//! Every use case asks [`check`] before it changes anything, so the rules live in one place and
//! every refusal carries a stable code. The publisher's states (`publishing` onwards) are moved
//! by the publisher, not by members.

use crate::error::{Error, Result};
use crate::model::{Member, Role, Status};

/// What a member asks to do to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Save a changed version of the content.
    Edit,
    /// Ask for review.
    Submit,
    /// Countersign the current content (and time, if scheduled).
    Approve,
    RequestChanges,
    Reject,
    /// Set or move the publish time; an approver's countersignature of content and time.
    Schedule,
    /// Take the post off the schedule; it stays approved (or goes back to review).
    Unschedule,
    /// Take the post off the road for good: it will never be published.
    Drop,
    /// Record that a post whose fate was unclear is on X after all.
    MarkPosted,
    Comment,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::RequestChanges => "request changes on",
            Action::Reject => "reject",
            Action::Schedule => "schedule",
            Action::Unschedule => "unschedule",
            Action::Drop => "drop",
            Action::MarkPosted => "mark as posted",
            Action::Comment => "comment on",
        }
    }

    /// Only approvers and admins may do it.
    pub fn needs_reviewer(self) -> bool {
        matches!(
            self,
            Action::Approve
                | Action::RequestChanges
                | Action::Reject
                | Action::Schedule
                | Action::Unschedule
                | Action::MarkPosted
        )
    }

    /// Approving and scheduling are countersignatures: the four-eyes rule applies.
    pub fn countersigns(self) -> bool {
        matches!(self, Action::Approve | Action::Schedule)
    }
}

/// What a member asks to do to the workspace rather than to one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// Add, deactivate, re-key members or give them roles: admins only.
    ManageMembers,
    /// Change the account's settings, connect or disconnect X, import history: admins only.
    ChangeAccount,
    /// Add or remove the brand's weekly queue slots: approvers and admins.
    EditQueueSlots,
    /// Give a conversation to a member to answer: approvers and admins.
    AssignConversations,
}

impl AccountAction {
    pub fn describe(self) -> &'static str {
        match self {
            AccountAction::ManageMembers => "manage members",
            AccountAction::ChangeAccount => "change the account",
            AccountAction::EditQueueSlots => "edit the queue slots",
            AccountAction::AssignConversations => "assign conversations",
        }
    }

    /// Whether a member in `role` may do it.
    pub fn allowed(self, role: Role) -> bool {
        match self {
            AccountAction::ManageMembers | AccountAction::ChangeAccount => role == Role::Admin,
            AccountAction::EditQueueSlots | AccountAction::AssignConversations => role.reviews(),
        }
    }

    /// Who may, in words.
    pub fn needed(self) -> &'static str {
        match self {
            AccountAction::ManageMembers | AccountAction::ChangeAccount => "only an admin may",
            AccountAction::EditQueueSlots | AccountAction::AssignConversations => REVIEWERS_MAY,
        }
    }
}

/// Who may do what only reviewers do, in words.
pub const REVIEWERS_MAY: &str = "an approver or admin may";

/// The facts a decision needs about a post.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub status: Status,
    pub author: &'a Member,
}

/// Decides whether `actor` may do `action` to the post, and the state it leads to.
///
/// For `Edit`, the returned state is where an edit by this actor leaves the post: an edit to an
/// approved or scheduled post voids the approval and sends it back to review.
pub fn check(actor: &Member, action: Action, post: Subject<'_>, solo_mode: bool) -> Result<Status> {
    if !actor.active {
        return Err(Error::MemberInactive {
            name: actor.name.clone(),
        });
    }
    if action.needs_reviewer() && !actor.role.reviews() {
        return Err(Error::RoleNotAllowed {
            name: actor.name.clone(),
            role: actor.role,
            action: action.verb(),
            needed: REVIEWERS_MAY,
        });
    }
    let is_author = actor.id == post.author.id;
    if matches!(action, Action::Edit | Action::Submit | Action::Drop)
        && !is_author
        && !actor.role.reviews()
    {
        return Err(Error::NotAuthor {
            name: actor.name.clone(),
            author: post.author.name.clone(),
        });
    }

    use Status::*;
    let next = match (action, post.status) {
        (Action::Comment, s) => s,
        (Action::Edit, s @ (Draft | InReview | ChangesRequested)) => s,
        (Action::Edit, Approved | Scheduled | Missed | Failed | NeedsCheck) => InReview,
        (Action::Submit, Draft | ChangesRequested) => InReview,
        (Action::Approve, InReview) => Approved,
        (Action::RequestChanges, InReview | Approved | Scheduled | Missed) => ChangesRequested,
        (Action::Reject, Draft | InReview | ChangesRequested | Approved | Scheduled | Missed) => {
            Rejected
        }
        // A missed, failed or unclear post is sent again by countersigning a new time.
        (Action::Schedule, InReview | Approved | Scheduled | Missed | Failed | NeedsCheck) => {
            Scheduled
        }
        (Action::Unschedule, Scheduled | Publishing | Missed | Failed | NeedsCheck) => Approved,
        // A contributor may drop their own post only before an approver has signed it.
        (Action::Drop, Draft | InReview | ChangesRequested) => Dropped,
        (
            Action::Drop,
            Approved | Scheduled | Publishing | Missed | Failed | NeedsCheck | Rejected,
        ) if actor.role.reviews() => Dropped,
        (Action::MarkPosted, Missed | Failed | NeedsCheck | Publishing) => Posted,
        (action, status) => {
            return Err(Error::InvalidTransition {
                action: action.verb(),
                status,
            });
        }
    };

    if action.countersigns() && is_author && !(solo_mode && actor.role == crate::model::Role::Admin)
    {
        return Err(Error::SelfApproval {
            name: actor.name.clone(),
            solo_possible: actor.role == crate::model::Role::Admin,
        });
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use jiff::Timestamp;
    use uuid::Uuid;

    fn member(name: &str, role: Role) -> Member {
        Member {
            id: Uuid::now_v7(),
            name: name.into(),
            initials: name[..1].to_uppercase(),
            role,
            active: true,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn code(r: Result<Status>) -> &'static str {
        r.map(|_| "ok").unwrap_or_else(|e| e.code())
    }

    #[test]
    fn the_happy_path() {
        let ann = member("ann", Role::Contributor);
        let bob = member("bob", Role::Approver);
        let s = |status| Subject {
            status,
            author: &ann,
        };
        assert_eq!(
            check(&ann, Action::Submit, s(Status::Draft), false).unwrap(),
            Status::InReview
        );
        assert_eq!(
            check(&bob, Action::RequestChanges, s(Status::InReview), false).unwrap(),
            Status::ChangesRequested
        );
        assert_eq!(
            check(&ann, Action::Edit, s(Status::ChangesRequested), false).unwrap(),
            Status::ChangesRequested
        );
        assert_eq!(
            check(&ann, Action::Submit, s(Status::ChangesRequested), false).unwrap(),
            Status::InReview
        );
        assert_eq!(
            check(&bob, Action::Approve, s(Status::InReview), false).unwrap(),
            Status::Approved
        );
        assert_eq!(
            check(&ann, Action::Edit, s(Status::Approved), false).unwrap(),
            Status::InReview
        );
        assert_eq!(
            check(&bob, Action::Schedule, s(Status::Approved), false).unwrap(),
            Status::Scheduled
        );
        assert_eq!(
            check(&ann, Action::Edit, s(Status::Scheduled), false).unwrap(),
            Status::InReview
        );
    }

    #[test]
    fn refusals_carry_their_codes() {
        let ann = member("ann", Role::Contributor);
        let cat = member("cat", Role::Contributor);
        let bob = member("bob", Role::Approver);
        let ada = member("ada", Role::Admin);
        let own = |status| Subject {
            status,
            author: &ann,
        };
        assert_eq!(
            code(check(&ann, Action::Approve, own(Status::InReview), false)),
            "role_not_allowed"
        );
        assert_eq!(
            code(check(&ann, Action::Schedule, own(Status::Approved), false)),
            "role_not_allowed"
        );
        assert_eq!(
            code(check(&ann, Action::Reject, own(Status::InReview), false)),
            "role_not_allowed"
        );
        assert_eq!(
            code(check(&cat, Action::Edit, own(Status::Draft), false)),
            "not_author"
        );
        assert_eq!(
            code(check(&cat, Action::Submit, own(Status::Draft), false)),
            "not_author"
        );
        assert_eq!(
            code(check(&bob, Action::Approve, own(Status::Draft), false)),
            "invalid_transition"
        );
        assert_eq!(
            code(check(&ann, Action::Submit, own(Status::InReview), false)),
            "invalid_transition"
        );
        assert_eq!(
            code(check(&ann, Action::Edit, own(Status::Rejected), false)),
            "invalid_transition"
        );
        assert_eq!(
            code(check(&ann, Action::Edit, own(Status::Posted), false)),
            "invalid_transition"
        );
        assert_eq!(
            code(check(&ann, Action::Edit, own(Status::Publishing), false)),
            "invalid_transition"
        );

        let bobs = |status| Subject {
            status,
            author: &bob,
        };
        assert_eq!(
            code(check(&bob, Action::Approve, bobs(Status::InReview), false)),
            "self_approval"
        );
        assert_eq!(
            code(check(&bob, Action::Schedule, bobs(Status::Approved), false)),
            "self_approval"
        );
        // Solo mode is for a lone admin, not for approvers.
        assert_eq!(
            code(check(&bob, Action::Approve, bobs(Status::InReview), true)),
            "self_approval"
        );
        let adas = |status| Subject {
            status,
            author: &ada,
        };
        assert_eq!(
            code(check(&ada, Action::Approve, adas(Status::InReview), false)),
            "self_approval"
        );
        assert_eq!(
            code(check(&ada, Action::Approve, adas(Status::InReview), true)),
            "ok"
        );

        let mut gone = bob.clone();
        gone.active = false;
        assert_eq!(
            code(check(&gone, Action::Approve, own(Status::InReview), false)),
            "member_inactive"
        );
    }

    #[test]
    fn anyone_active_may_comment_in_any_state() {
        let ann = member("ann", Role::Contributor);
        let cat = member("cat", Role::Contributor);
        for status in Status::ALL {
            let s = Subject {
                status,
                author: &ann,
            };
            assert_eq!(check(&cat, Action::Comment, s, false).unwrap(), status);
        }
    }
}
