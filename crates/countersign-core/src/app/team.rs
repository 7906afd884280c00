//! Team use cases: starting a team server from this workspace, inviting, joining, admitting,
//! and how this laptop stands with the server.
//!
//! Trust runs through the roster, not the server: a joining laptop pins the genesis the invite
//! names and refuses a server whose roster starts anywhere else; its key is made on the laptop
//! and only counts once an admin, having compared its fingerprint out loud, signs it into the
//! roster. Every password the server learns is a SCRAM verifier; every password a laptop keeps
//! is in its keychain, under a name scoped to that laptop.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{App, DB_FILE, Parts, RosterLine};
use crate::acts::{Acts, AuditNote, RosterFact};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::keys::{self, MemberKey};
use crate::model::{Member, Role};
use crate::secrets::SecretString;
use crate::store::{Laptop, ReplicaState, ServerLogin, Store};
use crate::team::config::{self, TeamConfig};
use crate::team::invite::Invite;
use crate::workflow::AccountAction;

/// What `team init` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamStarted {
    pub server: String,
    pub workspace_id: String,
    pub genesis_hash: String,
    /// The admin's own database login.
    pub login: String,
    pub device: String,
}

/// What `team join` did: the fingerprint to read out to the admin.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Joined {
    pub member: String,
    pub role: Role,
    pub fingerprint: String,
    pub device: String,
    pub server: String,
    /// The workspace and the brand account it posts for, as the laptop found them on the server.
    pub workspace_id: String,
    pub brand: String,
    /// The inviting admin's fingerprint, as the invite names it (to compare with theirs).
    pub admin_fingerprint: String,
}

/// `team status`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamStatus {
    pub server: String,
    pub online: bool,
    pub offline_because: Option<String>,
    pub high_water: i64,
    /// Server changes not yet pulled (when online).
    pub behind: Option<i64>,
    /// When this laptop last pulled (this process), by its own clock.
    pub pulled_at: Option<Timestamp>,
    /// Moves when this laptop pulled something new to show (anything but laptops' heartbeats):
    /// screens read again then.
    pub content_seen: u64,
    pub device: String,
    /// Whether this laptop publishes: it is among the laptops that can, as last seen.
    pub publishes_here: bool,
    pub member: String,
    pub laptops: Vec<Laptop>,
    /// Acts made offline waiting to be sent, and acts the server refused (kept for a person).
    pub waiting: u32,
    pub refused: u32,
    /// The next post due to publish, if any.
    pub next_due: Option<Timestamp>,
    /// When a laptop that can publish was last seen (`None`: never).
    pub publisher_last_seen: Option<Timestamp>,
    /// Said when the next due post has no publishing laptop seen recently.
    pub warning: Option<String>,
    /// Whether this laptop's key counts: until an admin admits it, nothing its member approves
    /// does.
    pub admitted: bool,
    /// This laptop's key's fingerprint while it waits to be admitted (to read out to an admin).
    pub fingerprint: Option<String>,
}

/// A member whose laptop offered a key that an admin has not admitted yet.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitingMember {
    pub name: String,
    pub role: Role,
    /// The fingerprint their laptop showed them, to compare out loud before admitting.
    pub fingerprint: String,
    pub offered_at: Timestamp,
}

/// The workspace's role tag on the server: derived from its id, so it is stable, and always a
/// plain `[a-z0-9]` word (it is spliced into role names).
fn workspace_tag(workspace_id: &str) -> String {
    hex::encode(Sha256::digest(workspace_id.as_bytes()))[..12].to_string()
}

/// The longest an invite (and its one-time login) lasts; the server holds the same limit.
const MAX_INVITE: Duration = Duration::from_secs(30 * 24 * 3600);

/// A publishing laptop seen this recently is taken to be up.
const PUBLISHER_RECENT: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// How often an always-on laptop tells the team it is up.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// How often an always-on laptop pulls in team mode besides when the server tells it of a
/// change (`LISTEN`) and after each of its own acts: a safety net for a notification lost
/// while the listener reconnected.
pub const TEAM_POLL: Duration = Duration::from_secs(5);

fn new_device() -> String {
    // Hyphenated: the server keeps it as a uuid and hands it back in this form.
    Uuid::now_v7().to_string()
}

impl App {
    fn team_config(&self, what: &'static str) -> Result<&TeamConfig> {
        self.team.as_ref().ok_or(Error::NotTeam { what })
    }

    /// Whether this data dir is a team laptop.
    pub fn is_team(&self) -> bool {
        self.team.is_some()
    }

    /// The member a team laptop acts as (one laptop, one member); `None` on a solo workspace.
    pub fn laptop_member(&self) -> Result<Option<String>> {
        let Some(t) = &self.team else {
            return Ok(None);
        };
        Ok(self
            .read(|tx| tx.members().by_id(t.member_id))?
            .map(|m| m.name))
    }

    /// `team init`: shares the solo workspace in `data_dir` through a team server. The operator's
    /// login (`operator`: a role that owns the database and may create roles) applies the
    /// server's schema, uploads the workspace as it stands (its id, roster, audit trail and
    /// history), and makes `admin`'s own login; the operator's password is used once and kept
    /// nowhere. From then on the data dir is `admin`'s laptop: its file is the replica.
    ///
    /// Called on the solo workspace's handle (with `admin`'s key unlocked if it is sealed: a
    /// workspace already connected to X announces this laptop's publishing key, signed by
    /// them); the caller opens the data dir again for the team laptop.
    pub fn start_team(self, operator: ServerLogin, admin: &str) -> Result<TeamStarted> {
        let app = self;
        let data_dir = app.data_dir.clone();
        let data_dir = data_dir.as_path();
        let parts = app.parts();
        if app.team.is_some() {
            return Err(Error::TeamSetup(
                "this workspace is already shared with a team server".into(),
            ));
        }
        let pin = app.pin()?;
        let (ws, admin, genesis) = app.read(|tx| {
            let ws = tx.workspace().id()?;
            let admin = tx.allowed(admin, AccountAction::ManageMembers, pin.as_ref())?;
            let roster = tx.signed_roster(&ws)?;
            if let Some((seq, why)) = roster.broken() {
                return Err(Error::RosterAltered { seq, reason: why });
            }
            if tx.account()?.solo_mode || roster.solo() {
                return Err(Error::TeamSetup(
                    "solo mode is on; a team server always needs a second person to countersign. \
                     Turn solo mode off first (countersign member solo off)"
                        .into(),
                ));
            }
            let genesis = roster
                .entries()
                .first()
                .map(|(e, _)| e.hash.clone())
                .ok_or_else(|| Error::TeamSetup("the workspace has no signed roster yet".into()))?;
            Ok((ws, admin, genesis))
        })?;
        let device = new_device();
        app.announce_first_publisher_key(&admin, &device)?;
        let tag = workspace_tag(&ws);
        let password = config::new_password();
        let describe = operator.describe();
        let login = {
            let mut server =
                crate::store::upload_workspace(&data_dir.join(DB_FILE), &operator, &tag, &genesis)?;
            server.create_login(&tag, admin.id, &config::verifier(&password))?
        };
        let cfg = TeamConfig {
            host: operator.host.clone(),
            port: operator.port,
            database: operator.database.clone(),
            login: login.clone(),
            workspace_id: ws.clone(),
            genesis_hash: genesis.clone(),
            member_id: admin.id,
            device: device.clone(),
            tls: operator.tls.clone(),
        };
        let secrets = parts.secrets.clone();
        secrets.set(&cfg.login_key(), &password)?;
        // This laptop's X grant and roster pin move to this laptop's names.
        for base in [format!("x-tokens/{ws}"), format!("roster-pin/{ws}")] {
            if let Some(v) = secrets.get(&base)? {
                secrets.set(&format!("{base}/{device}"), &v)?;
                secrets.delete(&base)?;
            }
        }
        cfg.save(data_dir)?;
        drop(app);
        // The media the workspace already had go up with it, as the admin.
        App::open(data_dir, parts)?.share_all_media()?;
        Ok(TeamStarted {
            server: describe,
            workspace_id: ws,
            genesis_hash: genesis,
            login,
            device,
        })
    }

    /// `team invite`: adds `name` as a member in `role` with a login of their own on the
    /// server, and returns the bundle their laptop joins with. Until they join and an admin
    /// admits their key, nothing they approve counts.
    pub fn invite(
        &self,
        actor: &str,
        name: &str,
        role: Role,
        valid_for: Duration,
    ) -> Result<Invite> {
        let cfg = self.team_config("inviting")?.clone();
        if valid_for < Duration::from_secs(1) || valid_for > MAX_INVITE {
            return Err(Error::InvalidInput {
                detail: "an invite lasts from a second to 30 days (720 hours)".into(),
            });
        }
        let name = super::members::valid_member_name(name)?;
        let now = self.now();
        let key = self.prepare(actor)?;
        let m = Member {
            id: Uuid::now_v7(),
            initials: super::members::initials_of(&name),
            name,
            role,
            active: true,
            created_at: now,
        };
        let (m, admin_key) = self.write(|tx| {
            let admin = tx.allowed(actor, AccountAction::ManageMembers, key.pin())?;
            let ws = tx.workspace().id()?;
            let roster = tx.signed_roster(&ws)?;
            let admin_key = roster
                .latest(admin.id)
                .map(|(e, _)| e.public_key.clone())
                .ok_or_else(|| {
                    Error::TeamSetup(format!("{} has no key in the roster", admin.name))
                })?;
            // Inviting again someone who never joined makes them a new login; anyone else with
            // that name is a different person.
            let m = match tx.members().by_name(&m.name)? {
                Some(old) if roster.latest(old.id).is_none() && old.active => old,
                Some(old) => return Err(Error::MemberExists { name: old.name }),
                None => {
                    tx.members().insert(&m)?;
                    m.clone()
                }
            };
            let signer = key.signer(admin)?;
            tx.record(
                now,
                AuditNote::by(&signer, AuditAction::MemberInvited).detail(json!({
                    "member_id": m.id, "name": m.name, "initials": m.initials, "role": m.role,
                })),
            )?;
            Ok((m, admin_key))
        })?;
        let password = config::new_password();
        let verifier = config::verifier(&password);
        let login = self.store().on_server("inviting", |s| {
            s.invite(m.id, &verifier, valid_for.as_secs() as i64)
        })?;
        let expires_at =
            now.checked_add(jiff::SignedDuration::try_from(valid_for).map_err(|_| {
                Error::InvalidInput {
                    detail: "that invite lifetime is out of range".into(),
                }
            })?)?;
        Ok(Invite {
            tls: cfg.tls.clone(),
            host: cfg.host,
            port: cfg.port,
            database: cfg.database,
            login,
            password,
            workspace_id: cfg.workspace_id,
            genesis_hash: cfg.genesis_hash,
            admin_fingerprint: keys::fingerprint(&admin_key),
            member: m.name,
            role: m.role,
            expires_at,
        })
    }

    /// `team join`: makes `data_dir` (new, empty) `as_name`'s laptop in the team the bundle
    /// names. Replaces the one-time password at once, pulls the workspace, refuses it unless its
    /// roster starts at the bundle's genesis, makes this member's key here (sealed with
    /// `passphrase` for reviewers) and offers it; returns the fingerprint to read out.
    pub fn join(
        data_dir: &Path,
        parts: Parts,
        bundle: &str,
        as_name: &str,
        passphrase: Option<SecretString>,
    ) -> Result<Joined> {
        let invite = Invite::decode(bundle, parts.clock.now())?;
        if invite.member.trim().to_lowercase() != as_name.trim().to_lowercase() {
            return Err(Error::InviteUnusable {
                detail: format!(
                    "it is for {}, not {as_name}; each member joins with their own",
                    invite.member
                ),
            });
        }
        let db = data_dir.join(DB_FILE);
        if db.exists() || TeamConfig::path(data_dir).exists() {
            return Err(Error::AlreadyInitialized {
                dir: data_dir.to_path_buf(),
            });
        }
        // The key is made (and sealed: slow on purpose) before anything touches the server.
        let key = MemberKey::generate();
        let keys =
            crate::signer::MemberKeys::new(parts.secrets.clone(), parts.kdf, parts.unlock_for);
        let kept = keys.seal_for_role(&invite.member, invite.role, &key, passphrase.as_ref())?;

        let mut login = ServerLogin {
            host: invite.host.clone(),
            port: invite.port,
            database: invite.database.clone(),
            user: invite.login.clone(),
            password: invite.password.clone(),
            tls: invite.tls.clone(),
        };
        let device = new_device();
        let password = config::new_password();
        let login_key = config::login_key(&invite.workspace_id, &device);
        let member_id = {
            // The invite's password is replaced as soon as it is used: a refused login means
            // the invite was used (or withdrawn), which the person can act on.
            let mut server = crate::store::connect(&login).map_err(|e| match e {
                Error::LoginRefused { .. } => Error::InviteUsed {
                    member: invite.member.clone(),
                },
                e => e,
            })?;
            let me = server.me()?.ok_or_else(|| {
                Error::TeamSetup("the server does not count this login as an active member".into())
            })?;
            parts.secrets.set(&login_key, &password)?;
            if let Err(e) = server.replace_password(&config::verifier(&password)) {
                let _ = parts.secrets.delete(&login_key);
                return Err(e);
            }
            me
        };
        login.password = password;
        let cfg = TeamConfig {
            host: invite.host.clone(),
            port: invite.port,
            database: invite.database.clone(),
            login: invite.login.clone(),
            workspace_id: invite.workspace_id.clone(),
            genesis_hash: invite.genesis_hash.clone(),
            member_id,
            device: device.clone(),
            tls: invite.tls.clone(),
        };
        let secrets = parts.secrets.clone();
        let undo = |e: Error| {
            let _ = std::fs::remove_file(&db);
            let _ = std::fs::remove_file(data_dir.join(format!("{DB_FILE}-wal")));
            let _ = std::fs::remove_file(data_dir.join(format!("{DB_FILE}-shm")));
            let _ = std::fs::remove_file(TeamConfig::path(data_dir));
            let _ = secrets.delete(&login_key);
            e
        };
        // The replica: an empty workspace file, filled by the first pull, checked before this
        // laptop trusts anything in it.
        let checked = (|| {
            drop(Store::create(&db)?);
            let clock = std::sync::Arc::new(crate::clock::ServerClock::new(parts.clock.clone()));
            let mut store = Store::open_team(&db, login.clone(), clock)?;
            store.sync()?;
            check_joined(&mut store, &invite)
        })();
        if let Err(e) = checked {
            return Err(undo(e));
        }
        if let Err(e) = cfg.save(data_dir) {
            return Err(undo(e));
        }
        let app = App::open(data_dir, parts).map_err(undo)?;
        let me = app
            .read(|tx| tx.members().by_id(member_id))?
            .ok_or_else(|| {
                Error::TeamSetup(
                    "the server's member list does not name this login's member".into(),
                )
            })?;
        app.keys.store(&invite.workspace_id, me.id, &kept)?;
        let now = app.now();
        app.write(|tx| tx.members().offer_key(me.id, &key.public_hex(), now))?;
        let account = app.account()?;
        Ok(Joined {
            member: me.name,
            role: me.role,
            fingerprint: key.fingerprint(),
            device,
            server: login.describe(),
            workspace_id: invite.workspace_id.clone(),
            brand: format!("{} (@{})", account.display_name, account.handle),
            admin_fingerprint: invite.admin_fingerprint.clone(),
        })
    }

    /// `team admit`: signs `name`'s laptop key into the roster, once the fingerprint their
    /// laptop showed (read out to the admin) matches the key it offered.
    pub fn admit(&self, actor: &str, name: &str, fingerprint: &str) -> Result<RosterLine> {
        self.team_config("admitting")?;
        let now = self.now();
        let key = self.prepare(actor)?;
        let wanted = fingerprint.trim().to_lowercase().replace([':', ' '], "");
        let (ws, m) = self.write(|tx| {
            let admin = tx.allowed(actor, AccountAction::ManageMembers, key.pin())?;
            let m = tx.member(name)?;
            let ws = tx.workspace().id()?;
            let (public_key, _) = tx.members().offered_key(m.id)?.ok_or_else(|| {
                Error::TeamSetup(format!(
                    "{}'s laptop has not joined yet: they run countersign team join with their invite",
                    m.name
                ))
            })?;
            let offered = keys::fingerprint(&public_key);
            if offered != wanted {
                return Err(Error::TeamSetup(format!(
                    "the fingerprint you were given ({fingerprint}) is not the one of the key \
                     {}'s laptop offered; do not admit it. Ask {} to read theirs out again, and \
                     if it still differs, invite them again",
                    m.name, m.name
                )));
            }
            let signer = key.signer(admin)?;
            let standing = tx.append_roster(RosterFact::by_admin(&ws, &m, &public_key, &signer), now)?;
            tx.record(
                now,
                AuditNote::by(&signer, AuditAction::MemberRekeyed).detail(json!({
                    "member_id": m.id, "name": m.name, "public_key": public_key,
                    "admitted": true, "roster": standing,
                })),
            )?;
            Ok((ws, m))
        })?;
        self.roster_grew();
        self.roster()?
            .into_iter()
            .rev()
            .find(|l| l.member_id == m.id)
            .ok_or_else(|| Error::Internal(format!("{} is not in the roster of {ws}", m.name)))
    }

    /// `team sync`: pulls what changed on the server now. Returns how many changes came.
    /// What other laptops did is told here as it is told where it was done (events).
    pub fn sync(&self) -> Result<usize> {
        let n = self.store().sync()?;
        if n > 0 {
            self.roster_grew();
        }
        let heard = self.store().take_heard();
        self.tell(heard);
        Ok(n)
    }

    /// Emits the events for audit entries other laptops wrote: a submit elsewhere is a post
    /// waiting for review here, a post published by another laptop is posted here too.
    fn tell(&self, heard: Vec<serde_json::Value>) {
        for entry in heard {
            if entry["action"].as_str() == Some("conversation_heard") {
                self.tell_heard(&entry);
                continue;
            }
            if entry["action"].as_str() == Some("account_needs_reconnect") {
                let detail: serde_json::Value = entry["detail"]
                    .as_str()
                    .and_then(|d| serde_json::from_str(d).ok())
                    .unwrap_or_default();
                let of = detail["laptop_of"].as_str().unwrap_or("another member");
                self.events.emit(Event::NeedsReconnect {
                    laptop_of: Some(of.to_owned()),
                });
                continue;
            }
            let Some(post_id) = entry["post_id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
            else {
                continue;
            };
            let Ok(post) = self.read(|tx| tx.post(post_id)) else {
                continue;
            };
            let by = entry["actor_name"].as_str().unwrap_or_default().to_string();
            let detail: serde_json::Value = entry["detail"]
                .as_str()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let reason = || post.status_reason.clone().unwrap_or_default();
            let event = match entry["action"].as_str().unwrap_or_default() {
                "submitted" => Event::NeedsReview {
                    post_id,
                    author: post.author.name.clone(),
                },
                "changes_requested" => Event::ChangesRequested { post_id, by },
                "rejected" => Event::Rejected { post_id, by },
                "approved" => Event::Approved { post_id, by },
                "scheduled" => match &post.scheduled {
                    Some(s) => Event::Scheduled { post_id, at: s.at },
                    None => continue,
                },
                "unscheduled" | "dropped" => Event::Unscheduled { post_id, by },
                "posted" | "marked_posted" => Event::Posted {
                    post_id,
                    url: post.post_url.clone().unwrap_or_default(),
                },
                "publish_failed" => Event::Failed {
                    post_id,
                    reason: reason(),
                },
                "needs_check" | "publish_refused" => Event::NeedsCheck {
                    post_id,
                    reason: reason(),
                },
                "missed" => Event::Missed {
                    post_id,
                    at: post.scheduled.as_ref().map_or(post.updated_at, |s| s.at),
                },
                "approval_voided" => Event::ApprovalVoided {
                    post_id,
                    reason: detail["reason"].as_str().unwrap_or_default().to_string(),
                },
                _ => continue,
            };
            self.events.emit(event);
        }
    }

    /// Whether the person at this laptop should be interrupted by `event` (a desktop
    /// notification); the window shows every event either way. A solo workspace is shared by
    /// whoever sits at it, so everything is told. On a team laptop, its member hears:
    /// - a post waiting for review, if they review and did not write it;
    /// - a post posted, failed, missed or needing a check, if they review (they decide what
    ///   happens to it) or wrote it;
    /// - an X connection lost on this laptop, or on another if they are an admin;
    /// - a new conversation while they are on duty (the event names who is);
    /// - what needs them on their own posts (changes asked, rejected, a conflict copy).
    pub fn notifies_here(&self, event: &Event) -> bool {
        let Some(t) = &self.team else {
            return true;
        };
        let Ok(Some(me)) = self.read(|tx| tx.members().by_id(t.member_id)) else {
            return false;
        };
        let author_is_me = |post_id: &Uuid| {
            self.read(|tx| tx.post(*post_id))
                .is_ok_and(|p| p.author.id == me.id)
        };
        let reviews = me.active && me.role.reviews();
        match event {
            Event::NeedsReview { post_id, .. } => reviews && !author_is_me(post_id),
            Event::Posted { post_id, .. }
            | Event::Failed { post_id, .. }
            | Event::Missed { post_id, .. }
            | Event::NeedsCheck { post_id, .. } => reviews || author_is_me(post_id),
            Event::NeedsReconnect { laptop_of: None } => true,
            Event::NeedsReconnect { laptop_of: Some(_) } => me.role == Role::Admin,
            Event::Heard { on_duty, .. } => on_duty.contains(&me.name),
            Event::ChangesRequested { post_id, .. }
            | Event::Rejected { post_id, .. }
            | Event::Approved { post_id, .. }
            | Event::ApprovalVoided { post_id, .. } => author_is_me(post_id),
            Event::ConflictCopy { .. } | Event::OutboxRefused { .. } => true,
            Event::Scheduled { .. } | Event::Unscheduled { .. } => false,
        }
    }

    /// Another laptop heard someone write to the brand: this laptop's members on duty hear it.
    fn tell_heard(&self, entry: &serde_json::Value) {
        let detail: serde_json::Value = entry["detail"]
            .as_str()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default();
        let (Some(id), Some(kind), Some(handle)) = (
            detail["conversation_id"].as_str(),
            detail["kind"]
                .as_str()
                .and_then(crate::conversation::ConversationKind::parse),
            detail["person"].as_str(),
        ) else {
            return;
        };
        self.events.emit(Event::Heard {
            conversation_id: id.to_owned(),
            by: kind,
            handle: handle.to_owned(),
            on_duty: self.on_duty_here().unwrap_or_default(),
        });
    }

    /// `team sync`: pulls what changed on the server, then sends what waits in the outbox.
    pub fn sync_and_send(&self) -> Result<(usize, super::outbox::Sent)> {
        let n = self.sync()?;
        let sent = match self.send_outbox() {
            Ok(sent) => sent,
            // Pulled; what waits for a locked key keeps waiting, and the caller says so.
            Err(Error::PassphraseRequired { .. } | Error::KeychainLocked { .. }) => {
                super::outbox::Sent {
                    waiting: self.waiting_to_send()? as u32,
                    ..Default::default()
                }
            }
            Err(e) => return Err(e),
        };
        Ok((n, sent))
    }

    /// `team status`.
    pub fn team_status(&self) -> Result<TeamStatus> {
        let cfg = self.team_config("team status")?.clone();
        let state: ReplicaState = self.store().replica_state()?;
        let outbox = self.outbox()?;
        let (member, laptops) = self.read(|tx| {
            let member = tx
                .members()
                .by_id(cfg.member_id)?
                .map(|m| m.name)
                .unwrap_or_default();
            Ok((member, tx.members().laptops()?))
        })?;
        let next_due = self.read(|tx| tx.publishing().next_due(None))?;
        let publisher_last_seen = laptops
            .iter()
            .filter(|l| l.can_publish)
            .map(|l| l.last_seen)
            .max();
        let warning = self.no_publisher_warning(next_due, publisher_last_seen)?;
        let roster = self.roster()?;
        let mine = roster.iter().rev().find(|l| l.member_id == cfg.member_id);
        let (admitted, fingerprint) =
            match self.read(|tx| tx.members().offered_key(cfg.member_id))? {
                Some((key, _)) => {
                    let counts = mine.is_some_and(|l| l.counts && l.public_key == key);
                    (counts, (!counts).then(|| keys::fingerprint(&key)))
                }
                None => (mine.is_some_and(|l| l.counts), None),
            };
        Ok(TeamStatus {
            admitted,
            fingerprint,
            next_due,
            publisher_last_seen,
            warning,
            server: state.server,
            online: state.online,
            offline_because: state.offline_because,
            high_water: state.high_water,
            behind: state.behind,
            pulled_at: state.pulled_at,
            content_seen: state.content_seen,
            publishes_here: laptops
                .iter()
                .any(|l| l.device == cfg.device && l.can_publish),
            device: cfg.device,
            member,
            laptops,
            waiting: outbox.iter().filter(|w| w.refused.is_none()).count() as u32,
            refused: outbox.iter().filter(|w| w.refused.is_some()).count() as u32,
        })
    }

    /// The warning a team sees when its next due post has no publishing laptop seen in the last
    /// two minutes (a publisher says it is up every 15 s): nobody will send it unless someone
    /// opens a reviewer's laptop or runs an always-on publisher.
    fn no_publisher_warning(
        &self,
        next_due: Option<Timestamp>,
        last_seen: Option<Timestamp>,
    ) -> Result<Option<String>> {
        let Some(due) = next_due else {
            return Ok(None);
        };
        let now = self.now();
        if last_seen.is_some_and(|t| now.duration_since(t) < PUBLISHER_RECENT) {
            return Ok(None);
        }
        let zone = self.account()?.timezone;
        let wall = |t: Timestamp| {
            jiff::tz::TimeZone::get(&zone)
                .map(|z| t.to_zoned(z).strftime("%H:%M").to_string())
                .unwrap_or_else(|_| t.to_string())
        };
        let since = match last_seen {
            Some(t) => format!("no publisher online since {}", wall(t)),
            None => "no laptop has published yet".to_string(),
        };
        Ok(Some(format!(
            "The {} post: {since}. Open Countersign on a reviewer's laptop or run `countersign \
             run` on an always-on machine",
            wall(due)
        )))
    }

    /// Members whose laptop offered a key that does not count yet: an admin compares each
    /// fingerprint with the one the member reads out, then admits them.
    pub fn waiting_for_admission(&self) -> Result<Vec<WaitingMember>> {
        self.team_config("admitting")?;
        let roster = self.roster()?;
        let members = self.members()?;
        let mut out = Vec::new();
        for m in members.into_iter().filter(|m| m.active) {
            let Some((key, at)) = self.read(|tx| tx.members().offered_key(m.id))? else {
                continue;
            };
            let counted = roster
                .iter()
                .rev()
                .find(|l| l.member_id == m.id)
                .is_some_and(|l| l.counts && l.public_key == key);
            if !counted {
                out.push(WaitingMember {
                    name: m.name,
                    role: m.role,
                    fingerprint: keys::fingerprint(&key),
                    offered_at: at,
                });
            }
        }
        Ok(out)
    }

    /// Team mode: calls `on_change` whenever another laptop (or this one) changed something
    /// on the server, until the returned handle is dropped (`LISTEN`); `None` on a solo
    /// workspace. What changed still comes with [`App::team_tick`]'s pull.
    pub fn listen_for_changes(
        &self,
        on_change: impl Fn() + Send + 'static,
    ) -> Option<crate::store::ChangeListener> {
        self.store().listen(on_change)
    }

    /// What an always-on process does each turn in team mode: pull what others did, send what
    /// waits in the outbox, and now and then tell the team this laptop is up (and whether it
    /// can publish). Failures are logged, not returned: offline is a state the next turn
    /// retries. Returns how soon the next turn should come: soon while acts wait offline, so
    /// they reach the team within a second or two of the server coming back.
    pub fn team_tick(&self) -> Duration {
        if self.team.is_none() {
            return TEAM_POLL;
        }
        let waiting = self.waiting_to_send().unwrap_or(0) > 0;
        let soon = if waiting {
            super::outbox::OFFLINE_RETRY
        } else {
            TEAM_POLL
        };
        if let Err(e) = self.sync() {
            tracing::info!(code = e.code(), "team server: {e}");
            return soon;
        }
        if waiting {
            match self.send_outbox() {
                Ok(sent) => log_sent(&sent),
                Err(e) => {
                    tracing::info!(code = e.code(), "outbox not sent yet: {e}");
                    return soon;
                }
            }
        }
        let mut last = self.heartbeat.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|t| t.elapsed() < HEARTBEAT) {
            return TEAM_POLL;
        }
        let can_publish = self
            .connection()
            .is_ok_and(|c| c.state == crate::connection::ConnectionState::Connected);
        match self.seen(can_publish) {
            Ok(()) => *last = Some(std::time::Instant::now()),
            Err(e) => tracing::info!(code = e.code(), "team heartbeat: {e}"),
        }
        TEAM_POLL
    }

    /// Tells the team this laptop is up, and whether it can publish (a publisher's heartbeat).
    pub fn seen(&self, can_publish: bool) -> Result<()> {
        let cfg = self.team_config("team status")?.clone();
        let now = self.now();
        self.write(|tx| {
            tx.members()
                .laptop_seen(&cfg.device, cfg.member_id, can_publish, now)
        })
    }
}

fn log_sent(sent: &super::outbox::Sent) {
    if sent.sent > 0 || !sent.conflict_copies.is_empty() || !sent.refused.is_empty() {
        tracing::info!(
            sent = sent.sent,
            conflict_copies = sent.conflict_copies.len(),
            refused = sent.refused.len(),
            "outbox sent to the team server"
        );
    }
}

/// The checks a joining laptop runs on what it pulled, before it trusts any of it.
fn check_joined(store: &mut Store, invite: &Invite) -> Result<()> {
    store.read(|tx| {
        let ws = tx.workspace().id()?;
        if ws != invite.workspace_id {
            return Err(Error::TeamSetup(format!(
                "this server holds workspace {ws}, not {} that the invite names; do not join",
                invite.workspace_id
            )));
        }
        let roster = tx.signed_roster(&ws)?;
        let genesis = roster.entries().first().map(|(e, _)| e.hash.clone());
        if genesis.as_deref() != Some(invite.genesis_hash.as_str()) {
            return Err(Error::ServerUntrusted {
                reason: "its roster does not start with the genesis your invite names (it is not \
                         the team you were invited to, or its history was rewritten)"
                    .into(),
            });
        }
        if let Some((seq, why)) = roster.broken() {
            return Err(Error::ServerUntrusted {
                reason: format!("its roster entry {seq} does not hold ({why})"),
            });
        }
        let admin_counts = roster.current().values().any(|h| {
            h.role == Role::Admin && keys::fingerprint(&h.public_key) == invite.admin_fingerprint
        });
        if !admin_counts {
            return Err(Error::ServerUntrusted {
                reason: "the admin who invited you is not an admin in its roster".into(),
            });
        }
        Ok(())
    })
}
