//! What use cases do inside a transaction: look up the account, a member, a post or the
//! signed roster with a refusal that says what is missing; check the roles and four-eyes rules
//! that need the store; and write the records every act leaves (audit entries, roster entries,
//! countersignatures).
//!
//! These are methods on the transaction itself ([`Acts`], implemented for [`Tx`]), so a use
//! case reads `tx.post(id)?` and `tx.admin(actor, why)?`. This module sits below the use cases
//! in `app/` and imports nothing from them.

use jiff::Timestamp;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::approval::{self, Statement};
use crate::audit::{self, AuditAction};
use crate::content;
use crate::count::CountConfig;
use crate::error::{Error, Result};
use crate::keys::MemberKey;
use crate::model::{Account, Approval, Member, Post, Role, Status};
use crate::roster::{Roster, RosterEntry, RosterPin, Standing};
use crate::signer::{Prepared, Signer};
use crate::store::{NewAuditEntry, Tx};
use crate::workflow::{AccountAction, Subject};

/// One audit entry as a use case states it: who acted (a member, or nobody: the workspace or
/// the publisher), the action, the post it is about, and its particulars.
#[derive(Debug)]
pub(crate) struct AuditNote<'a> {
    action: AuditAction,
    by: Option<&'a Signer>,
    post: Option<(&'a Post, &'a Account)>,
    detail: Value,
}

impl<'a> AuditNote<'a> {
    /// An act by a member, signed with their key.
    pub(crate) fn by(who: &'a Signer, action: AuditAction) -> Self {
        AuditNote::by_any(Some(who), action)
    }

    /// An act by a member or, with `None`, by the workspace itself.
    pub(crate) fn by_any(who: Option<&'a Signer>, action: AuditAction) -> Self {
        AuditNote {
            action,
            by: who,
            post: None,
            detail: json!({}),
        }
    }

    /// Something that happened without a member acting (the publisher, a claim-time check).
    pub(crate) fn unsigned(action: AuditAction) -> Self {
        AuditNote::by_any(None, action)
    }

    /// About `post` as it stands: records its id, version and content digest.
    pub(crate) fn about(mut self, post: &'a Post, account: &'a Account) -> Self {
        self.post = Some((post, account));
        self
    }

    pub(crate) fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Use-case steps on a transaction.
pub(crate) trait Acts {
    fn account(&self) -> Result<Account>;
    fn member(&self, name: &str) -> Result<Member>;
    /// `name`, refused when deactivated.
    fn active_member(&self, name: &str) -> Result<Member>;
    /// An active member whose role the signed roster (held to this machine's pin) confirms
    /// may do `action`.
    fn allowed(&self, name: &str, action: AccountAction, pin: Option<&RosterPin>)
    -> Result<Member>;
    fn post(&self, id: Uuid) -> Result<Post>;
    /// The roster, checked against its own chain and signatures.
    fn signed_roster(&self, workspace_id: &str) -> Result<Roster>;
    /// `m` as the signed roster has them now: refused when the roster was altered or no longer
    /// matches this machine's pin, or when it disagrees with the members table.
    fn confirmed(&self, m: Member, pin: Option<&RosterPin>) -> Result<Member>;
    /// Before `approver` countersigns: who wrote `post` must be proven by the signature on its
    /// first version (or, for a post this machine pinned as written before versions were
    /// signed, be as stored), and the current version by its editor's; refused when not. An
    /// approver the signed roster does not count yet is not held to it: their countersignature
    /// is recorded and never counts (the claim-time check refuses it).
    fn check_authorship(
        &self,
        post: &Post,
        approver: &Member,
        pin: Option<&RosterPin>,
    ) -> Result<()>;
    /// Active admins in the signed roster.
    fn roster_admins(&self) -> Result<usize>;
    /// The member about to countersign, as the signed roster confirms them; refused when the
    /// roster was altered or no longer matches this machine's pin.
    fn countersigner(&self, name: &str, pin: Option<&RosterPin>) -> Result<Member>;
    /// The signer for an act that `actor` (when given) may do only with `action`'s role, or
    /// `None` when the workspace itself acts.
    fn acting(
        &self,
        actor: Option<&str>,
        action: AccountAction,
        key: &Prepared,
    ) -> Result<Option<Signer>>;
    /// Solo mode lets an admin countersign their own posts only while it is on in the signed
    /// roster and nobody else could countersign.
    fn solo_allowed(&self) -> Result<bool>;
    /// Four-eyes also covers words an approver put into someone else's post.
    fn check_not_own_edit(&self, post: &Post, approver: &Member) -> Result<()>;
    /// The checks of [`approval::verify`] on a post as stored, against this machine's pin.
    fn verify_post(
        &self,
        id: Uuid,
        pin: Option<&RosterPin>,
    ) -> Result<std::result::Result<Approval, String>>;
    /// The signed roster, refused when it was altered or no longer matches this machine's pin:
    /// nothing is countersigned against a roster that does not hold.
    fn trusted_roster(&self, pin: Option<&RosterPin>) -> Result<Roster>;
    fn record(&self, now: Timestamp, note: AuditNote<'_>) -> Result<()>;
    /// Appends a roster entry stating `m` as it now is, signed by `signer`; its standing.
    fn append_roster(&self, fact: RosterFact<'_>, now: Timestamp) -> Result<Standing>;
    /// Records a countersignature of the post as it stands and moves it to `next`.
    fn countersign(&self, now: Timestamp, act: Countersignature<'_>) -> Result<()>;
}

/// What a new roster entry states.
#[derive(Debug)]
pub(crate) struct RosterFact<'a> {
    pub(crate) workspace_id: &'a str,
    pub(crate) member: &'a Member,
    pub(crate) public_key: &'a str,
    /// Solo mode as this entry sets it; `None` leaves it as it was.
    pub(crate) solo: Option<bool>,
    pub(crate) signer: Option<(Uuid, &'a MemberKey)>,
}

impl<'a> RosterFact<'a> {
    /// `member` as they now are, with `public_key`, signed by the acting admin.
    pub(crate) fn by_admin(
        workspace_id: &'a str,
        member: &'a Member,
        public_key: &'a str,
        admin: &'a Signer,
    ) -> Self {
        RosterFact {
            workspace_id,
            member,
            public_key,
            solo: None,
            signer: Some((admin.member.id, &admin.key)),
        }
    }
}

/// A countersignature about to be recorded.
#[derive(Debug)]
pub(crate) struct Countersignature<'a> {
    pub(crate) account: &'a Account,
    pub(crate) post: &'a mut Post,
    pub(crate) approver: &'a Signer,
    pub(crate) next: Status,
    /// The approver saved this version in the act of approving.
    pub(crate) edited: bool,
    pub(crate) action: AuditAction,
    pub(crate) detail: Value,
}

impl Acts for Tx<'_> {
    fn account(&self) -> Result<Account> {
        self.workspace()
            .account()?
            .ok_or_else(|| Error::Internal("the workspace has no account row".into()))
    }

    fn member(&self, name: &str) -> Result<Member> {
        self.members()
            .by_name(name)?
            .ok_or_else(|| Error::UnknownMember {
                name: name.to_string(),
            })
    }

    fn active_member(&self, name: &str) -> Result<Member> {
        let m = self.member(name)?;
        if !m.active {
            return Err(Error::MemberInactive { name: m.name });
        }
        Ok(m)
    }

    fn allowed(
        &self,
        name: &str,
        action: AccountAction,
        pin: Option<&RosterPin>,
    ) -> Result<Member> {
        let m = self.confirmed(self.active_member(name)?, pin)?;
        if !action.allowed(m.role) {
            return Err(Error::RoleNotAllowed {
                name: m.name,
                role: m.role,
                action: action.describe(),
                needed: action.needed(),
            });
        }
        Ok(m)
    }

    fn post(&self, id: Uuid) -> Result<Post> {
        self.posts()
            .get(id)?
            .ok_or_else(|| Error::UnknownPost { id: id.to_string() })
    }

    fn signed_roster(&self, workspace_id: &str) -> Result<Roster> {
        Ok(Roster::check(workspace_id, self.roster().all()?))
    }

    fn confirmed(&self, m: Member, pin: Option<&RosterPin>) -> Result<Member> {
        let roster = self.trusted_roster(pin)?;
        match roster.current().remove(&m.id) {
            // A member nobody signed in yet acts as the members table says, and every act is
            // audited, but nothing they countersign or sign counts until an admin signs them
            // in: the claim-time check refuses their approvals, and the roster refuses their
            // signature (`signer_not_in_roster`). So a workspace with no admin yet can draft
            // and review, and publishes nothing.
            None => Ok(m),
            Some(h) if h.role != m.role || h.active != m.active => Err(Error::RosterDisagrees {
                name: m.name,
                table: describe_standing(m.role, m.active),
                roster: describe_standing(h.role, h.active),
            }),
            Some(_) => Ok(m),
        }
    }

    fn countersigner(&self, name: &str, pin: Option<&RosterPin>) -> Result<Member> {
        self.confirmed(self.member(name)?, pin)
    }

    fn check_authorship(
        &self,
        post: &Post,
        approver: &Member,
        pin: Option<&RosterPin>,
    ) -> Result<()> {
        let ws = self.workspace().id()?;
        let roster = self.signed_roster(&ws)?;
        if !roster.current().contains_key(&approver.id) {
            return Ok(());
        }
        let versions = self.posts().signed_versions(post.id)?;
        let legacy = pin.is_some_and(|p| p.unsigned_posts.contains(&post.id));
        let handle = self.account()?.handle;
        approval::authorship(&ws, &handle, post, &versions, &roster, legacy)
            .map(drop)
            .map_err(|reason| Error::AuthorshipUnproven { reason })
    }

    fn roster_admins(&self) -> Result<usize> {
        let ws = self.workspace().id()?;
        Ok(self.signed_roster(&ws)?.active(|r| r == Role::Admin))
    }

    fn acting(
        &self,
        actor: Option<&str>,
        action: AccountAction,
        key: &Prepared,
    ) -> Result<Option<Signer>> {
        actor
            .map(|a| key.signer(self.allowed(a, action, key.pin())?))
            .transpose()
    }

    fn solo_allowed(&self) -> Result<bool> {
        let ws = self.workspace().id()?;
        let roster = self.signed_roster(&ws)?;
        Ok(roster.solo() && roster.active(Role::reviews) <= 1)
    }

    fn check_not_own_edit(&self, post: &Post, approver: &Member) -> Result<()> {
        if approver.id == post.author.id
            || self.posts().editor_of(post.id, post.version)? != Some(approver.id)
        {
            return Ok(());
        }
        if let Some(a) = self.approvals().current(post.id)?
            && a.approver.id == approver.id
            && a.edited
            && a.version == post.version
        {
            return Ok(());
        }
        Err(Error::OwnEdit {
            name: approver.name.clone(),
            version: post.version,
        })
    }

    fn verify_post(
        &self,
        id: Uuid,
        pin: Option<&RosterPin>,
    ) -> Result<std::result::Result<Approval, String>> {
        let account = self.account()?;
        let post = self.post(id)?;
        let ws = self.workspace().id()?;
        let approval = self.approvals().current(id)?;
        let roster = self.signed_roster(&ws)?;
        let versions = self.posts().signed_versions(id)?;
        Ok(approval::verify(&approval::Evidence {
            workspace_id: &ws,
            post: &post,
            approval: approval.as_ref(),
            account: &account,
            roster: &roster,
            versions: &versions,
            pin,
        })
        .and_then(|()| approval.ok_or_else(|| "there is no approval in force".to_string())))
    }

    fn trusted_roster(&self, pin: Option<&RosterPin>) -> Result<Roster> {
        let ws = self.workspace().id()?;
        let roster = self.signed_roster(&ws)?;
        if let Some(pin) = pin {
            roster
                .check_pin(pin)
                .map_err(|reason| Error::RosterAltered {
                    seq: pin.seq,
                    reason,
                })?;
        }
        if let Some((seq, reason)) = roster.broken() {
            return Err(Error::RosterAltered { seq, reason });
        }
        Ok(roster)
    }

    fn record(&self, now: Timestamp, note: AuditNote<'_>) -> Result<()> {
        let digest = note.post.map(|(p, a)| digest_of(a, p));
        self.audit().append(
            NewAuditEntry {
                actor: note.by.map(|w| &w.member),
                action: note.action.as_str(),
                post_id: note.post.map(|(p, _)| p.id),
                version: note.post.map(|(p, _)| p.version),
                digest: digest.as_deref(),
                detail: note.detail,
                key: note.by.map(|w| &w.key),
            },
            now,
        )?;
        Ok(())
    }

    fn append_roster(&self, fact: RosterFact<'_>, now: Timestamp) -> Result<Standing> {
        let (seq, prev_hash) = self
            .roster()
            .last()?
            .map(|(s, h)| (s + 1, h))
            .unwrap_or((1, audit::GENESIS.to_string()));
        let m = fact.member;
        let mut e = RosterEntry {
            seq,
            member_id: m.id,
            name: m.name.clone(),
            role: m.role,
            public_key: fact.public_key.to_string(),
            active: m.active,
            at: now,
            solo: fact.solo,
            signer_id: None,
            signature: None,
            prev_hash,
            hash: String::new(),
        };
        e.seal(fact.workspace_id, fact.signer);
        self.roster().insert(&e)?;
        let standing = self
            .signed_roster(fact.workspace_id)?
            .entries()
            .last()
            .map(|(_, s)| s.clone())
            .unwrap_or(Standing::Unsigned);
        // A signature that would not count (the signer is not an admin in the signed roster) is
        // refused rather than stored: the roster then only ever holds entries that count, entries
        // nobody signed, and tampering.
        if let (Some((signer_id, _)), false) = (fact.signer, standing.counts()) {
            let name = self
                .members()
                .by_id(signer_id)?
                .map(|m| m.name)
                .unwrap_or_else(|| signer_id.to_string());
            return Err(Error::SignerNotInRoster { name });
        }
        Ok(standing)
    }

    fn countersign(&self, now: Timestamp, act: Countersignature<'_>) -> Result<()> {
        let Countersignature {
            account,
            post,
            approver,
            next,
            edited,
            action,
            mut detail,
        } = act;
        self.approvals()
            .void(post.id, now, "superseded by a new countersignature")?;
        let ws = self.workspace().id()?;
        let (roster_seq, roster_hash) = self
            .roster()
            .last()?
            .unwrap_or((0, audit::GENESIS.to_string()));
        let solo = approver.member.id == post.author.id;
        let mut approval = Approval {
            id: Uuid::now_v7(),
            post_id: post.id,
            approver: approver.member.clone(),
            version: post.version,
            digest: digest_of(account, post),
            scheduled_at: post.scheduled.as_ref().map(|s| s.at),
            at: now,
            solo,
            edited,
            key_fingerprint: Some(approver.key.fingerprint()),
            signature: None,
            statement: Some(Statement {
                author_id: post.author.id,
                roster_seq,
                roster_hash,
            }),
        };
        approval.signature = Some(approver.key.sign(&approval::statement_of(&ws, &approval)));
        self.approvals().insert(&approval)?;
        self.reviews()
            .record(post.id, approver.member.id, post.version, now)?;
        post.status = next;
        post.updated_at = now;
        self.posts().update(post)?;
        if let Some(obj) = detail.as_object_mut() {
            obj.insert("approval_id".into(), json!(approval.id));
            obj.insert("solo".into(), json!(solo));
            obj.insert("edited_in_approval".into(), json!(edited));
        }
        self.record(
            now,
            AuditNote::by(approver, action)
                .about(post, account)
                .detail(detail),
        )
    }
}

fn describe_standing(role: Role, active: bool) -> String {
    if active {
        role.as_str().to_string()
    } else {
        format!("inactive {}", role.as_str())
    }
}

pub(crate) fn count_config(account: &Account) -> CountConfig {
    CountConfig::v3().with_max_weighted_length(account.max_weighted_length)
}

pub(crate) fn subject(post: &Post) -> Subject<'_> {
    Subject {
        status: post.status,
        author: &post.author,
    }
}

pub(crate) fn digest_of(account: &Account, post: &Post) -> String {
    content::digest(
        &account.handle,
        &post.content,
        &post.author.initials,
        post.scheduled.as_ref().map(|s| s.at),
    )
}
