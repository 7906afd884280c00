//! [`App`]: the one handle through which every adapter runs Countersign's use cases.
//!
//! Each use case is one method. It resolves the acting member, asks [`workflow::check`] whether
//! the move is allowed, changes the store and appends to the audit trail in one write
//! transaction, and only then emits events. A refusal changes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditReport};
use crate::clock::Clock;
use crate::content;
use crate::count::{self, Count, CountConfig};
use crate::diff::{self, PartDiff};
use crate::error::{Error, Result};
use crate::events::{Event, Events};
use crate::keys::{self, KdfCost, KeySecret, MemberKey};
use crate::media;
use crate::model::{
    Account, Approval, Attachment, Comment, Content, Member, Part, Post, ReplySettings, Role,
    Status, Version,
};
use crate::roster::{Roster, RosterEntry, Standing};
use crate::schedule::{self, Fold};
use crate::secrets::{Channel, Keychain, SecretString};
use crate::store::{HistoryRow, ImportedPost, NewAuditEntry, PostSummary, Store, Tx};
use crate::workflow::{self, Action, Subject};

/// The database file inside a data directory.
pub const DB_FILE: &str = "countersign.sqlite";
/// The folder for media files inside a data directory.
pub const MEDIA_DIR: &str = "media";

/// What `init` needs to create a workspace.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub handle: String,
    pub display_name: Option<String>,
    /// IANA name; the machine's zone when `None`.
    pub timezone: Option<String>,
    pub solo: bool,
    /// 280 when `None`.
    pub max_weighted_length: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct NewMember {
    pub name: String,
    pub role: Role,
    /// Derived from the name when `None`.
    pub initials: Option<String>,
    /// The new member's own passphrase, which seals their key. Approvers and admins need one.
    pub passphrase: Option<SecretString>,
}

/// A post's content as a person writes it.
#[derive(Debug, Clone, Default)]
pub struct DraftInput {
    pub parts: Vec<PartInput>,
    pub signature: bool,
    pub reply_settings: ReplySettings,
}

#[derive(Debug, Clone, Default)]
pub struct PartInput {
    pub text: String,
    pub media: Vec<MediaInput>,
}

/// Media for a part: a file to attach, or one already in the workspace (by hash).
#[derive(Debug, Clone)]
pub enum MediaInput {
    File { path: PathBuf, alt_text: String },
    Stored { hash: String, alt_text: String },
}

/// A change to a post's content.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Replace one part's text (1-based); the part after the last adds a part.
    Text { part: usize, text: String },
    /// Replace the whole content (what the Compose screen sends).
    Content(DraftInput),
}

/// When to publish: a wall time in a zone (the brand's when `None`).
#[derive(Debug, Clone)]
pub struct When {
    pub wall: String,
    pub zone: Option<String>,
    pub fold: Option<Fold>,
}

/// A post with everything a screen shows about it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PostView {
    pub post: Post,
    /// X's count of each part as it will be published.
    pub counts: Vec<Count>,
    pub approval: Option<Approval>,
    /// Solo mode is shown wherever an approval is shown.
    pub solo_mode: bool,
    pub comments: Vec<Comment>,
    /// What the member viewing the post may do with it now ([`App::post_view`] with a viewer).
    pub may: Option<Permissions>,
    /// The file each attached media is kept under in the media folder, by content hash
    /// ([`media::stored_name`]).
    pub stored_names: std::collections::BTreeMap<String, String>,
}

/// What one member may do with a post now, each with the reason when they may not. Screens
/// show or hide their buttons from this, so the rules (roles, four-eyes, solo mode, which
/// states allow what) are decided here only, by the same checks the acts themselves make.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Permissions {
    pub edit: Permit,
    pub submit: Permit,
    pub approve: Permit,
    pub request_changes: Permit,
    pub reject: Permit,
    /// Set or move the publish time (countersigning it), or add the post to the queue.
    pub schedule: Permit,
    pub unschedule: Permit,
    pub drop: Permit,
    pub comment: Permit,
}

/// Whether an act is allowed; when it is not, the refusal the act would give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Permit {
    pub allowed: bool,
    /// The refusal's code and message; `null` when allowed.
    #[cfg_attr(feature = "ts", ts(type = "ErrorCode | null"))]
    pub code: Option<String>,
    pub reason: Option<String>,
}

impl Permit {
    pub(crate) fn from_check<T>(check: Result<T>) -> Permit {
        match check {
            Ok(_) => Permit {
                allowed: true,
                code: None,
                reason: None,
            },
            Err(e) => Permit {
                allowed: false,
                code: Some(e.code().to_string()),
                reason: Some(e.to_string()),
            },
        }
    }
}

/// What changed since a reviewer last looked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewDiff {
    /// The version the reviewer last reviewed; `None` if they never did.
    pub from_version: Option<u32>,
    pub to_version: u32,
    pub parts: Vec<PartDiff>,
}

/// The handle to one workspace.
#[derive(Debug)]
pub struct App {
    data_dir: PathBuf,
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    pub(crate) events: Events,
    keychain: Keychain,
    kdf: KdfCost,
    /// Keys unsealed with a passphrase, kept for `unlock_for` so a person is not asked for
    /// every act. In this process only; never written anywhere.
    unlocked: Mutex<HashMap<Uuid, (MemberKey, Instant)>>,
    unlock_for: Duration,
    /// Wakes this process's publisher when the schedule changes.
    wake: Arc<tokio::sync::Notify>,
    /// The X client for the connection as it was when the client was made: kept so the
    /// rate-limit budgets X reported are remembered between publishing passes.
    pub(crate) x_cache: Mutex<Option<(crate::connection::Connection, countersign_x::XClient)>>,
    /// The account's counting configuration, for counting on every keystroke without the
    /// store ([`App::count_part_fast`]).
    pub(crate) count_cache: crate::live_count::CountCache,
}

/// How long an unsealed key stays usable unless [`App::set_unlock_for`] says otherwise.
pub const DEFAULT_UNLOCK_FOR: Duration = Duration::from_secs(5 * 60);

/// A member with their unsealed key: every act a member makes is signed with it.
#[derive(Debug)]
pub(crate) struct Signer {
    pub(crate) member: Member,
    key: MemberKey,
}

/// A member as the signed roster has them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterLine {
    pub seq: i64,
    pub member_id: Uuid,
    pub name: String,
    pub role: Role,
    pub public_key: String,
    pub fingerprint: String,
    pub active: bool,
    pub at: Timestamp,
    pub signer_id: Option<Uuid>,
    /// Whether this entry counts (signed by an admin in the roster, or the genesis).
    pub counts: bool,
    pub standing: Standing,
}

impl App {
    /// Creates a workspace in `data_dir`.
    pub fn init(data_dir: &Path, opts: InitOptions, clock: Arc<dyn Clock>) -> Result<App> {
        let handle = valid_handle(&opts.handle)?;
        let timezone = match opts.timezone {
            Some(z) => {
                schedule::zone(&z)?;
                z
            }
            None => jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_string(),
        };
        let limit = opts.max_weighted_length.unwrap_or(280);
        if !(1..=25_000).contains(&limit) {
            return Err(Error::InvalidLimit { limit });
        }
        let account = Account {
            display_name: opts
                .display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| handle.clone()),
            handle,
            x_user_id: None,
            max_weighted_length: limit,
            timezone,
            solo_mode: opts.solo,
            grace_minutes: 10,
        };
        let path = data_dir.join(DB_FILE);
        let mut store = match Store::create(&path) {
            // A file without a workspace row is an `init` that stopped half-way: finish it.
            Err(Error::AlreadyInitialized { dir }) => {
                let mut store = Store::open(&path)?;
                if store.read(|tx| tx.workspace().account())?.is_some() {
                    return Err(Error::AlreadyInitialized { dir });
                }
                store
            }
            other => other?,
        };
        let now = clock.now();
        store.write(|tx| {
            tx.workspace().create(&account, now)?;
            tx.audit().append(
                NewAuditEntry {
                    actor: None,
                    action: "workspace_created",
                    post_id: None,
                    version: None,
                    digest: None,
                    detail: json!({"handle": account.handle, "timezone": account.timezone, "solo_mode": account.solo_mode}),
                    key: None,
                },
                now,
            )?;
            Ok(())
        })?;
        Ok(App::with_store(data_dir, store, clock))
    }

    /// Opens the workspace in `data_dir`.
    pub fn open(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<App> {
        let mut store = Store::open(&data_dir.join(DB_FILE))?;
        if store.read(|tx| tx.workspace().account())?.is_none() {
            return Err(Error::NoWorkspace {
                dir: data_dir.to_path_buf(),
            });
        }
        Ok(App::with_store(data_dir, store, clock))
    }

    fn with_store(data_dir: &Path, mut store: Store, clock: Arc<dyn Clock>) -> App {
        let count_cache = crate::live_count::CountCache::opened(&mut store);
        let channel = Channel::from_env();
        App {
            data_dir: data_dir.to_path_buf(),
            store: Mutex::new(store),
            clock,
            events: Events::default(),
            keychain: Keychain::new(channel),
            kdf: KdfCost::for_channel(channel),
            unlocked: Mutex::new(HashMap::new()),
            unlock_for: DEFAULT_UNLOCK_FOR,
            wake: Arc::new(tokio::sync::Notify::new()),
            x_cache: Mutex::new(None),
            count_cache,
        }
    }

    /// How long a key unsealed with a passphrase stays usable in this process.
    pub fn set_unlock_for(&mut self, d: Duration) {
        self.unlock_for = d;
    }

    fn unlocked(&self) -> MutexGuard<'_, HashMap<Uuid, (MemberKey, Instant)>> {
        self.unlocked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens `name`'s sealed key with their passphrase and keeps it usable for a while. A
    /// contributor's key needs no passphrase; unlocking it does nothing.
    pub fn unlock(&self, name: &str, passphrase: &SecretString) -> Result<()> {
        let (ws, m) = self.read(|tx| Ok((tx.workspace().id()?, member(tx, name)?)))?;
        let stored =
            self.keychain
                .get(&key_entry(&ws, m.id))?
                .ok_or_else(|| Error::MemberKeyMissing {
                    name: m.name.clone(),
                })?;
        if let KeySecret::Sealed(sealed) = keys::read(&m.name, &stored)? {
            let key = keys::unseal(&m.name, &sealed, passphrase)?;
            self.unlocked()
                .insert(m.id, (key, Instant::now() + self.unlock_for));
        }
        Ok(())
    }

    /// Whether acting as `name` needs their passphrase first: their key is sealed and not
    /// unlocked in this process.
    pub fn needs_passphrase(&self, name: &str) -> Result<bool> {
        let (ws, m) = self.read(|tx| Ok((tx.workspace().id()?, member(tx, name)?)))?;
        if let Some((_, until)) = self.unlocked().get(&m.id)
            && *until > Instant::now()
        {
            return Ok(false);
        }
        let stored =
            self.keychain
                .get(&key_entry(&ws, m.id))?
                .ok_or_else(|| Error::MemberKeyMissing {
                    name: m.name.clone(),
                })?;
        Ok(matches!(
            keys::read(&m.name, &stored)?,
            KeySecret::Sealed(_)
        ))
    }

    /// Forgets every unsealed key.
    pub fn lock(&self) {
        self.unlocked().clear();
    }

    /// `member` with their key: from the unlock cache, or the keychain if it is not sealed.
    pub(crate) fn signer(&self, tx: &Tx<'_>, member: Member) -> Result<Signer> {
        {
            let mut cache = self.unlocked();
            match cache.get(&member.id) {
                Some((key, until)) if *until > Instant::now() => {
                    let key = key.clone();
                    return Ok(Signer { member, key });
                }
                Some(_) => {
                    cache.remove(&member.id);
                }
                None => {}
            }
        }
        let ws = tx.workspace().id()?;
        let stored = self
            .keychain
            .get(&key_entry(&ws, member.id))?
            .ok_or_else(|| Error::MemberKeyMissing {
                name: member.name.clone(),
            })?;
        match keys::read(&member.name, &stored)? {
            KeySecret::Plain(key) => Ok(Signer { member, key }),
            KeySecret::Sealed(_) => Err(Error::PassphraseRequired { name: member.name }),
        }
    }

    /// What the keychain keeps for a member in `role`: sealed for approvers and admins.
    fn keep(
        &self,
        name: &str,
        role: Role,
        key: &MemberKey,
        pass: Option<&SecretString>,
    ) -> Result<SecretString> {
        if !role.reviews() {
            return Ok(keys::keep_plain(key));
        }
        let pass = pass.ok_or_else(|| Error::NewPassphraseRequired {
            name: name.to_string(),
            role,
        })?;
        keys::check_new_passphrase(name, pass)?;
        keys::seal(key, pass, self.kdf)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join(MEDIA_DIR)
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Events from now on.
    pub fn subscribe(&self) -> std::sync::mpsc::Receiver<Event> {
        self.events.subscribe()
    }

    /// What wakes this process's publisher (see [`crate::publisher`]).
    pub fn wake_handle(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Tells the publisher, here or in another process on this data dir, that what is due
    /// may have changed.
    pub(crate) fn schedule_changed(&self) {
        self.wake.notify_one();
        crate::publisher::wake_other_process(&self.data_dir);
    }

    /// The earliest instant anything is due to be published (or retried).
    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        self.read(|tx| tx.publishing().next_due())
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.store().read(f)
    }

    pub(crate) fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.store().write(f)
    }

    // --- account and members ---------------------------------------------------------------

    pub fn account(&self) -> Result<Account> {
        self.read(account)
    }

    /// Counts `text` as X would for this account.
    pub fn count(&self, text: &str) -> Result<Count> {
        let a = self.account()?;
        Ok(count::count(text, &count_config(&a)))
    }

    /// Counts a part as it will be published: NFC, with ` ^INITIALS` when the post is signed.
    /// What the Compose screen's live counter shows.
    pub fn count_part(&self, text: &str, signature: Option<&str>) -> Result<Count> {
        let a = self.account()?;
        let part = Part {
            text: text.to_string(),
            media: Vec::new(),
        };
        Ok(count::count(
            &content::published_text(&part, signature),
            &count_config(&a),
        ))
    }

    /// Changes the account's settings. Admins only.
    pub fn update_account(&self, actor: &str, change: AccountChange) -> Result<Account> {
        let now = self.now();
        let changed = self.write(|tx| {
            let admin = admin(tx, actor, "change the account")?;
            let admin = self.signer(tx, admin)?;
            let mut a = account(tx)?;
            if let Some(name) = change.display_name {
                a.display_name = name;
            }
            if let Some(z) = change.timezone {
                schedule::zone(&z)?;
                a.timezone = z;
            }
            if let Some(limit) = change.max_weighted_length {
                if !(1..=25_000).contains(&limit) {
                    return Err(Error::InvalidLimit { limit });
                }
                a.max_weighted_length = limit;
            }
            if let Some(solo) = change.solo_mode {
                a.solo_mode = solo;
            }
            if let Some(g) = change.grace_minutes {
                a.grace_minutes = g;
            }
            tx.workspace().update(&a)?;
            audit_entry(tx, now, Some(&admin), "account_changed", None, json!(a))?;
            Ok(a)
        })?;
        self.count_cache.refresh(&changed);
        Ok(changed)
    }

    /// Adds a member. `actor`, when given, must be an active admin and is recorded as who did it.
    pub fn add_member(&self, actor: Option<&str>, new: NewMember) -> Result<Member> {
        let name = valid_member_name(&new.name)?;
        let initials = match new.initials {
            Some(i) => valid_initials(&i)?,
            None => initials_of(&name),
        };
        let now = self.now();
        let key = MemberKey::generate();
        // Sealing runs Argon2 on purpose slowly: do it before taking the write lock.
        let kept = self.keep(&name, new.role, &key, new.passphrase.as_ref())?;
        self.write(|tx| {
            // Without an admin's signature a member is recorded but does not count in the
            // signed roster: nothing they approve is published until an admin signs them in.
            let by = actor
                .map(|a| admin(tx, a, "manage members"))
                .transpose()?
                .map(|a| self.signer(tx, a))
                .transpose()?;
            let ws = tx.workspace().id()?;
            let m = Member {
                id: Uuid::now_v7(),
                name,
                initials,
                role: new.role,
                active: true,
                created_at: now,
            };
            if !tx.members().insert(&m)? {
                return Err(Error::MemberExists { name: m.name });
            }
            // Who signs the roster entry: the admin acting, or, for the workspace's first
            // admin, that admin themselves (the genesis). Otherwise it is recorded unsigned
            // and does not count until an admin signs the member in.
            let genesis = by.is_none() && m.role == Role::Admin && !roster(tx, &ws)?.has_admin();
            let signer = match &by {
                Some(a) => Some((a.member.id, &a.key)),
                None if genesis => Some((m.id, &key)),
                None => None,
            };
            let standing = append_roster(tx, &ws, &m, &key.public_hex(), now, signer)?;
            audit_entry(
                tx,
                now,
                by.as_ref(),
                "member_added",
                None,
                json!({"member_id": m.id, "name": m.name, "initials": m.initials, "role": m.role,
                       "public_key": key.public_hex(), "roster": standing}),
            )?;
            // Last, so a refusal above leaves no key behind; a failed commit leaves only an
            // orphan keychain entry, never a member without a key.
            self.keychain.set(&key_entry(&ws, m.id), &kept)?;
            Ok(m)
        })
    }

    pub fn members(&self) -> Result<Vec<Member>> {
        self.read(|tx| tx.members().list())
    }

    pub fn member(&self, name: &str) -> Result<Member> {
        self.read(|tx| member(tx, name))
    }

    /// Deactivates a member; their history stays. Admins only; the last admin stays.
    pub fn deactivate_member(&self, actor: &str, name: &str) -> Result<Member> {
        let now = self.now();
        self.write(|tx| {
            let admin = admin(tx, actor, "manage members")?;
            let admin = self.signer(tx, admin)?;
            let ws = tx.workspace().id()?;
            let mut m = member(tx, name)?;
            if !m.active {
                return Ok(m);
            }
            if m.role == Role::Admin && tx.members().active_admins()? <= 1 {
                return Err(Error::LastAdmin { name: m.name });
            }
            tx.members().deactivate(m.id, now)?;
            m.active = false;
            if let Some(pk) = current_key(tx, &ws, m.id)? {
                append_roster(tx, &ws, &m, &pk, now, Some((admin.member.id, &admin.key)))?;
            }
            audit_entry(
                tx,
                now,
                Some(&admin),
                "member_deactivated",
                None,
                json!({"member_id": m.id, "name": m.name}),
            )?;
            Ok(m)
        })
    }

    // --- writing ----------------------------------------------------------------------------

    /// Saves a new draft. An over-long draft is kept (and says so in its counts); it cannot be
    /// submitted until it fits.
    pub fn create_draft(&self, actor: &str, input: DraftInput) -> Result<Post> {
        let attached = self.attach(&input)?;
        let now = self.now();
        self.write(|tx| {
            let author = member(tx, actor)?;
            if !author.active {
                return Err(Error::MemberInactive { name: author.name });
            }
            let author = self.signer(tx, author)?;
            let content = materialize(tx, &input, &attached, now)?;
            content::check_shape(&content)?;
            let post = Post {
                id: Uuid::now_v7(),
                author: author.member.clone(),
                status: Status::Draft,
                version: 1,
                content,
                scheduled: None,
                status_reason: None,
                created_at: now,
                updated_at: now,
                posted_at: None,
                post_url: None,
            };
            tx.posts().insert(&post)?;
            tx.posts()
                .save_version(post.id, 1, &author.member, now, &post.content)?;
            let account = account(tx)?;
            record(
                tx,
                now,
                &author,
                "draft_created",
                &post,
                &account,
                json!({"parts": post.content.parts.len()}),
            )?;
            Ok(post)
        })
    }

    /// Saves a changed version. On an approved or scheduled post this voids the approval and
    /// sends the post back to review.
    pub fn edit(&self, id: Uuid, actor: &str, edit: Edit) -> Result<Post> {
        let attached = match &edit {
            Edit::Content(input) => self.attach(input)?,
            Edit::Text { .. } => Vec::new(),
        };
        let now = self.now();
        let (post, voided) = self.write(|tx| {
            let account = account(tx)?;
            let mut post = post(tx, id)?;
            let editor = member(tx, actor)?;
            let next = workflow::check(&editor, Action::Edit, subject(&post), account.solo_mode)?;
            let editor = self.signer(tx, editor)?;
            let content = apply(tx, &post.content, &edit, &attached, now)?;
            let voided = save_edit(tx, now, &account, &mut post, &editor, content, next)?;
            Ok((post, voided))
        })?;
        if let Some(reason) = voided {
            self.events.emit(Event::ApprovalVoided {
                post_id: id,
                reason,
            });
            self.events.emit(Event::NeedsReview {
                post_id: id,
                author: post.author.name.clone(),
            });
        }
        Ok(post)
    }

    /// Asks for review. Every part must be publishable as X counts it.
    pub fn submit(&self, id: Uuid, actor: &str) -> Result<Post> {
        let now = self.now();
        let post = self.write(|tx| {
            let account = account(tx)?;
            let mut post = post(tx, id)?;
            let who = member(tx, actor)?;
            let next = workflow::check(&who, Action::Submit, subject(&post), account.solo_mode)?;
            let who = self.signer(tx, who)?;
            content::check_publishable(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            )?;
            post.status = next;
            post.updated_at = now;
            tx.posts().update(&post)?;
            record(tx, now, &who, "submitted", &post, &account, json!({}))?;
            Ok(post)
        })?;
        self.events.emit(Event::NeedsReview {
            post_id: id,
            author: post.author.name.clone(),
        });
        Ok(post)
    }

    /// Countersigns the post as it stands (and its time, if it has one). An approver may edit
    /// in the act of approving; that is recorded as such.
    pub fn approve(&self, id: Uuid, actor: &str, edit: Option<Edit>) -> Result<Post> {
        let attached = match &edit {
            Some(Edit::Content(input)) => self.attach(input)?,
            _ => Vec::new(),
        };
        let now = self.now();
        let post = self.write(|tx| {
            let account = account(tx)?;
            let mut post = post(tx, id)?;
            let approver = member(tx, actor)?;
            let mut next = workflow::check(
                &approver,
                Action::Approve,
                subject(&post),
                solo_allowed(tx, &account)?,
            )?;
            if edit.is_none() {
                check_not_own_edit(tx, &post, &approver)?;
            }
            let approver = self.signer(tx, approver)?;
            let edited = match &edit {
                Some(e) => {
                    let content = apply(tx, &post.content, e, &attached, now)?;
                    save_edit(
                        tx,
                        now,
                        &account,
                        &mut post,
                        &approver,
                        content,
                        Status::InReview,
                    )?;
                    true
                }
                None => false,
            };
            content::check_publishable(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            )?;
            let mut note = None;
            match &post.scheduled {
                Some(s) if s.at > now => next = Status::Scheduled,
                Some(s) => {
                    note = Some(format!(
                        "the scheduled time {} had passed and was cleared",
                        s.at
                    ));
                    post.scheduled = None;
                }
                None => {}
            }
            countersign(
                tx,
                now,
                &account,
                &mut post,
                &approver,
                next,
                edited,
                "approved",
                json!({"note": note}),
            )?;
            Ok(post)
        })?;
        self.events.emit(Event::Approved {
            post_id: id,
            by: actor.to_string(),
        });
        if post.status == Status::Scheduled {
            self.schedule_changed();
        }
        Ok(post)
    }

    /// Sets or moves the publish time. This is a countersignature of content and time, so only
    /// an approver who is not the author (or a solo admin) may do it.
    pub fn schedule(&self, id: Uuid, actor: &str, when: When) -> Result<Post> {
        self.countersign_time(id, actor, crate::queue::TimePick::Wall(when))
    }

    /// Sends the post back to its author with a comment. Voids any approval.
    pub fn request_changes(&self, id: Uuid, actor: &str, comment: &str) -> Result<Post> {
        let post = self.review_decision(
            id,
            actor,
            comment,
            Action::RequestChanges,
            "changes_requested",
        )?;
        self.events.emit(Event::ChangesRequested {
            post_id: id,
            by: actor.to_string(),
        });
        Ok(post)
    }

    /// Ends the post's road with a comment. Voids any approval.
    pub fn reject(&self, id: Uuid, actor: &str, comment: &str) -> Result<Post> {
        let post = self.review_decision(id, actor, comment, Action::Reject, "rejected")?;
        self.events.emit(Event::Rejected {
            post_id: id,
            by: actor.to_string(),
        });
        Ok(post)
    }

    fn review_decision(
        &self,
        id: Uuid,
        actor: &str,
        comment: &str,
        action: Action,
        what: &'static str,
    ) -> Result<Post> {
        let text = comment.trim();
        if text.is_empty() {
            return Err(Error::CommentRequired {
                what: if action == Action::Reject {
                    "rejecting"
                } else {
                    "requesting changes"
                },
            });
        }
        let now = self.now();
        self.write(|tx| {
            let account = account(tx)?;
            let mut post = post(tx, id)?;
            let reviewer = member(tx, actor)?;
            let next = workflow::check(&reviewer, action, subject(&post), account.solo_mode)?;
            let reviewer = self.signer(tx, reviewer)?;
            let voided = tx.approvals().void(post.id, now, what)?;
            if action == Action::Reject {
                post.scheduled = None;
            }
            post.status = next;
            post.updated_at = now;
            tx.posts().update(&post)?;
            add_comment(tx, now, &post, &reviewer.member, text)?;
            tx.reviews()
                .record(post.id, reviewer.member.id, post.version, now)?;
            record(
                tx,
                now,
                &reviewer,
                what,
                &post,
                &account,
                json!({"comment": text, "approvals_voided": voided}),
            )?;
            Ok(post)
        })
    }

    /// Any member may comment on any post.
    pub fn comment(&self, id: Uuid, actor: &str, text: &str) -> Result<Comment> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::EmptyComment);
        }
        let now = self.now();
        self.write(|tx| {
            let account = account(tx)?;
            let post = post(tx, id)?;
            let who = member(tx, actor)?;
            workflow::check(&who, Action::Comment, subject(&post), account.solo_mode)?;
            let who = self.signer(tx, who)?;
            let c = add_comment(tx, now, &post, &who.member, text)?;
            record(
                tx,
                now,
                &who,
                "commented",
                &post,
                &account,
                json!({"comment": text}),
            )?;
            Ok(c)
        })
    }

    // --- reading ----------------------------------------------------------------------------

    pub fn post(&self, id: Uuid) -> Result<PostView> {
        self.post_view(id, None)
    }

    /// The post with everything a screen shows about it; with a `viewer`, also what they may
    /// do with it now.
    pub fn post_view(&self, id: Uuid, viewer: Option<&str>) -> Result<PostView> {
        self.read(|tx| {
            let account = account(tx)?;
            let post = post(tx, id)?;
            let counts = content::counts(
                &post.content,
                &post.author.initials,
                &count_config(&account),
            );
            let may = match viewer {
                Some(name) => Some(permissions(tx, &account, &post, &member(tx, name)?)?),
                None => None,
            };
            let stored_names = post
                .content
                .parts
                .iter()
                .flat_map(|p| &p.media)
                .map(|a| (a.media.hash.clone(), media::stored_name(&a.media)))
                .collect();
            Ok(PostView {
                counts,
                stored_names,
                approval: tx.approvals().current(id)?,
                solo_mode: account.solo_mode,
                comments: tx.comments().for_post(id)?,
                may,
                post,
            })
        })
    }

    pub fn posts(&self, status: Option<Status>) -> Result<Vec<PostSummary>> {
        self.read(|tx| tx.posts().list(status))
    }

    pub fn versions(&self, id: Uuid) -> Result<Vec<Version>> {
        self.read(|tx| {
            post(tx, id)?;
            tx.posts().versions(id)
        })
    }

    /// The word diff of each part since the version `reviewer` last reviewed.
    pub fn diff_since_review(&self, id: Uuid, reviewer: &str) -> Result<ReviewDiff> {
        self.read(|tx| {
            let post = post(tx, id)?;
            let who = member(tx, reviewer)?;
            let from = tx.reviews().last(id, who.id)?;
            let old = from
                .map(|v| tx.posts().content(id, v))
                .transpose()?
                .flatten();
            Ok(ReviewDiff {
                from_version: from,
                to_version: post.version,
                parts: diff::diff(old.as_ref(), &post.content),
            })
        })
    }

    /// Posted posts, newest first; `search` is full-text over every part.
    pub fn history(&self, search: Option<&str>, limit: u32) -> Result<Vec<HistoryRow>> {
        self.read(|tx| tx.posts().history(search, limit))
    }

    /// Brings posts made elsewhere (e.g. before Countersign) into History, as one audited act.
    pub fn import_history(&self, actor: &str, items: Vec<ImportedPost>) -> Result<usize> {
        let now = self.now();
        self.write(|tx| {
            let admin = admin(tx, actor, "change the account")?;
            let admin = self.signer(tx, admin)?;
            tx.posts().import_posted(&items)?;
            audit_entry(
                tx,
                now,
                Some(&admin),
                "history_imported",
                None,
                json!({"posts": items.len()}),
            )?;
            Ok(items.len())
        })
    }

    /// The single check every publishing path runs: does the approval in force vouch for
    /// exactly what would be published now? Returns that approval.
    pub fn verify_for_publish(&self, id: Uuid) -> Result<Approval> {
        self.read(|tx| verify_post(tx, id))?
            .map_err(|reason| Error::ApprovalInvalid {
                id: id.to_string(),
                reason,
            })
    }

    /// The claim-time check the publisher runs on a post it is about to send: on success the
    /// approval in force. On failure the post does not go out: it moves to `needs_check` with
    /// the reason (if it was waiting to be published), the refusal is audited, and the result
    /// is `approval_invalid` with that reason.
    pub fn check_before_publish(&self, id: Uuid) -> Result<Approval> {
        let now = self.now();
        let outcome = self.write(|tx| {
            let outcome = verify_post(tx, id)?;
            if let Err(reason) = &outcome {
                let account = account(tx)?;
                let mut post = post(tx, id)?;
                crate::publish::refuse(tx, now, &account, &mut post, reason)?;
            }
            Ok(outcome)
        })?;
        outcome.map_err(|reason| {
            self.events.emit(Event::ApprovalVoided {
                post_id: id,
                reason: reason.clone(),
            });
            Error::ApprovalInvalid {
                id: id.to_string(),
                reason,
            }
        })
    }

    // --- the roster ---------------------------------------------------------------------------

    /// Every roster entry, oldest first, with whether it counts.
    pub fn roster(&self) -> Result<Vec<RosterLine>> {
        self.read(|tx| {
            let ws = tx.workspace().id()?;
            Ok(roster(tx, &ws)?
                .entries()
                .iter()
                .map(|(e, s)| RosterLine {
                    seq: e.seq,
                    member_id: e.member_id,
                    name: e.name.clone(),
                    role: e.role,
                    fingerprint: keys::fingerprint(&e.public_key),
                    public_key: e.public_key.clone(),
                    active: e.active,
                    at: e.at,
                    signer_id: e.signer_id,
                    counts: s.counts(),
                    standing: s.clone(),
                })
                .collect())
        })
    }

    /// Gives a member a role, as a roster entry the acting admin signs. Also how an admin signs
    /// in a member who was added unsigned (same role). Promoting a contributor seals their key
    /// with `passphrase`, which they choose.
    pub fn set_role(
        &self,
        actor: &str,
        name: &str,
        role: Role,
        passphrase: Option<SecretString>,
    ) -> Result<Member> {
        let now = self.now();
        self.write(|tx| {
            let admin = admin(tx, actor, "manage members")?;
            let admin = self.signer(tx, admin)?;
            let ws = tx.workspace().id()?;
            let mut m = member(tx, name)?;
            if !m.active {
                return Err(Error::MemberInactive { name: m.name });
            }
            if m.role == Role::Admin && role != Role::Admin && tx.members().active_admins()? <= 1 {
                return Err(Error::LastAdmin { name: m.name });
            }
            let pk = current_key(tx, &ws, m.id)?.ok_or_else(|| Error::MemberKeyMissing {
                name: m.name.clone(),
            })?;
            let entry = key_entry(&ws, m.id);
            let stored = self
                .keychain
                .get(&entry)?
                .ok_or_else(|| Error::MemberKeyMissing {
                    name: m.name.clone(),
                })?;
            // A contributor's key is kept plain; one who now reviews must have it sealed.
            let reseal = match keys::read(&m.name, &stored)? {
                KeySecret::Plain(key) if role.reviews() => {
                    Some(self.keep(&m.name, role, &key, passphrase.as_ref())?)
                }
                _ => None,
            };
            m.role = role;
            tx.members().set_role(m.id, role)?;
            let standing =
                append_roster(tx, &ws, &m, &pk, now, Some((admin.member.id, &admin.key)))?;
            audit_entry(
                tx,
                now,
                Some(&admin),
                "member_role_changed",
                None,
                json!({"member_id": m.id, "name": m.name, "role": role, "public_key": pk,
                       "roster": standing}),
            )?;
            if let Some(sealed) = reseal {
                self.keychain.set(&entry, &sealed)?;
            }
            Ok(m)
        })
    }

    /// Gives a member a new key pair (a lost passphrase or key), as a roster entry the acting
    /// admin signs. Approvals made with the old key stay verifiable: the roster keeps it.
    /// In a workspace from before member keys, an admin first re-keys themselves: that entry is
    /// the genesis.
    pub fn rekey(
        &self,
        actor: &str,
        name: &str,
        passphrase: Option<SecretString>,
    ) -> Result<RosterLine> {
        let now = self.now();
        let key = MemberKey::generate();
        let (ws, m) = self.read(|tx| Ok((tx.workspace().id()?, member(tx, name)?)))?;
        let kept = self.keep(&m.name, m.role, &key, passphrase.as_ref())?;
        self.write(|tx| {
            let admin = admin(tx, actor, "manage members")?;
            let m = member(tx, name)?;
            // With no admin in the signed roster (a workspace made before keys existed), an
            // admin re-keying themselves signs their own genesis entry, as a first admin would.
            let genesis = admin.id == m.id && !roster(tx, &ws)?.has_admin();
            let admin = if genesis {
                None
            } else {
                Some(self.signer(tx, admin)?)
            };
            let signer = match &admin {
                Some(a) => (a.member.id, &a.key),
                None => (m.id, &key),
            };
            let standing = append_roster(tx, &ws, &m, &key.public_hex(), now, Some(signer))?;
            audit_entry(
                tx,
                now,
                admin.as_ref(),
                "member_rekeyed",
                None,
                json!({"member_id": m.id, "name": m.name, "public_key": key.public_hex(),
                       "roster": standing}),
            )?;
            self.keychain.set(&key_entry(&ws, m.id), &kept)?;
            Ok(())
        })?;
        self.unlocked().remove(&m.id);
        self.roster()?
            .into_iter()
            .rev()
            .find(|l| l.member_id == m.id)
            .ok_or_else(|| Error::Storage("the new roster entry is missing".into()))
    }

    // --- the audit trail and the file -------------------------------------------------------

    /// Checks the audit trail's chain and signatures, and the signed roster's.
    pub fn audit_verify(&self) -> Result<AuditReport> {
        self.read(|tx| {
            let mut report = audit::verify(tx.audit().all()?);
            let ws = tx.workspace().id()?;
            // Countersign never writes a roster entry that does not hold: one that fails was
            // changed, removed or forged behind its back.
            let roster = roster(tx, &ws)?;
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
                .map_err(|e| Error::Storage(e.to_string()))?;
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

    /// Writes a consistent copy of the workspace database to `dest`.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        self.store().backup_to(dest)
    }

    /// Checks and copies every file the input attaches, before any transaction starts.
    fn attach(&self, input: &DraftInput) -> Result<Vec<crate::model::Media>> {
        let dir = self.media_dir();
        let mut out = Vec::new();
        for part in &input.parts {
            for m in &part.media {
                if let MediaInput::File { path, .. } = m {
                    out.push(media::ingest(path, &dir)?);
                }
            }
        }
        Ok(out)
    }
}

/// Optional changes to the account's settings.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub timezone: Option<String>,
    pub max_weighted_length: Option<u32>,
    pub solo_mode: Option<bool>,
    pub grace_minutes: Option<u32>,
}

// --- helpers shared by the use cases ----------------------------------------------------------

/// The keychain entry that holds a member's private key.
fn key_entry(workspace_id: &str, member_id: Uuid) -> String {
    format!("member-key/{workspace_id}/{member_id}")
}

fn roster(tx: &Tx<'_>, workspace_id: &str) -> Result<Roster> {
    Ok(Roster::check(workspace_id, tx.roster().all()?))
}

/// The member's current public key: the one in their latest roster entry.
fn current_key(tx: &Tx<'_>, workspace_id: &str, member_id: Uuid) -> Result<Option<String>> {
    Ok(roster(tx, workspace_id)?
        .latest(member_id)
        .map(|(e, _)| e.public_key.clone()))
}

/// Appends a roster entry stating `m` as it now is, with `public_key`, signed by `signer`.
/// Returns the entry's standing.
fn append_roster(
    tx: &Tx<'_>,
    workspace_id: &str,
    m: &Member,
    public_key: &str,
    now: Timestamp,
    signer: Option<(Uuid, &MemberKey)>,
) -> Result<Standing> {
    let (seq, prev_hash) = tx
        .roster()
        .last()?
        .map(|(s, h)| (s + 1, h))
        .unwrap_or((1, audit::GENESIS.to_string()));
    let mut e = RosterEntry {
        seq,
        member_id: m.id,
        name: m.name.clone(),
        role: m.role,
        public_key: public_key.to_string(),
        active: m.active,
        at: now,
        signer_id: None,
        signature: None,
        prev_hash,
        hash: String::new(),
    };
    e.seal(workspace_id, signer);
    tx.roster().insert(&e)?;
    let standing = roster(tx, workspace_id)?
        .entries()
        .last()
        .map(|(_, s)| s.clone())
        .unwrap_or(Standing::Unsigned);
    // A signature that would not count (the signer is not an admin in the signed roster) is
    // refused rather than stored: the roster then only ever holds entries that count, entries
    // nobody signed, and tampering.
    if let (Some((signer_id, _)), false) = (signer, standing.counts()) {
        let name = tx
            .members()
            .by_id(signer_id)?
            .map(|m| m.name)
            .unwrap_or_else(|| signer_id.to_string());
        return Err(Error::SignerNotInRoster { name });
    }
    Ok(standing)
}

/// The four checks of [`crate::approval::verify`] on a post as stored.
pub(crate) fn verify_post(tx: &Tx<'_>, id: Uuid) -> Result<std::result::Result<Approval, String>> {
    let account = account(tx)?;
    let post = post(tx, id)?;
    let ws = tx.workspace().id()?;
    let approval = tx.approvals().current(id)?;
    let roster = roster(tx, &ws)?;
    Ok(
        crate::approval::verify(&post, approval.as_ref(), &account, &roster)
            .and_then(|()| approval.ok_or_else(|| "there is no approval in force".to_string())),
    )
}

pub(crate) fn count_config(account: &Account) -> CountConfig {
    CountConfig::v3().with_max_weighted_length(account.max_weighted_length)
}

pub(crate) fn account(tx: &Tx<'_>) -> Result<Account> {
    tx.workspace()
        .account()?
        .ok_or_else(|| Error::Storage("the workspace has no account row".into()))
}

pub(crate) fn member(tx: &Tx<'_>, name: &str) -> Result<Member> {
    tx.members()
        .by_name(name)?
        .ok_or_else(|| Error::UnknownMember {
            name: name.to_string(),
        })
}

pub(crate) fn admin(tx: &Tx<'_>, name: &str, action: &'static str) -> Result<Member> {
    let m = member(tx, name)?;
    if !m.active {
        return Err(Error::MemberInactive { name: m.name });
    }
    if m.role != Role::Admin {
        return Err(Error::RoleNotAllowed {
            name: m.name,
            role: m.role,
            action,
        });
    }
    Ok(m)
}

pub(crate) fn post(tx: &Tx<'_>, id: Uuid) -> Result<Post> {
    tx.posts()
        .get(id)?
        .ok_or_else(|| Error::UnknownPost { id: id.to_string() })
}

/// What `viewer` may do with `post`: the checks each act makes before it asks for a key.
fn permissions(
    tx: &Tx<'_>,
    account: &Account,
    post: &Post,
    viewer: &Member,
) -> Result<Permissions> {
    let solo = solo_allowed(tx, account)?;
    let check = |action| workflow::check(viewer, action, subject(post), solo);
    // Countersigning also refuses a version the viewer saved in someone else's post.
    let countersign = |action| check(action).and_then(|_| check_not_own_edit(tx, post, viewer));
    // Taking a post off its road waits while a request for it is on its way to X.
    let settled = |action| check(action).and_then(|_| crate::queue::guard_not_in_flight(tx, post));
    Ok(Permissions {
        edit: Permit::from_check(check(Action::Edit)),
        submit: Permit::from_check(check(Action::Submit)),
        approve: Permit::from_check(countersign(Action::Approve)),
        request_changes: Permit::from_check(check(Action::RequestChanges)),
        reject: Permit::from_check(check(Action::Reject)),
        schedule: Permit::from_check(countersign(Action::Schedule)),
        unschedule: Permit::from_check(settled(Action::Unschedule)),
        drop: Permit::from_check(settled(Action::Drop)),
        comment: Permit::from_check(check(Action::Comment)),
    })
}

/// Solo mode lets an admin countersign their own posts only while nobody else could: once a
/// second approver or admin is active, four-eyes applies again.
pub(crate) fn solo_allowed(tx: &Tx<'_>, account: &Account) -> Result<bool> {
    Ok(account.solo_mode && tx.members().active_reviewers()? <= 1)
}

/// Four-eyes also covers words an approver put into someone else's post: they may not
/// countersign a version they saved themselves, unless they saved it in the act of approving
/// (which that approval records).
pub(crate) fn check_not_own_edit(tx: &Tx<'_>, post: &Post, approver: &Member) -> Result<()> {
    if approver.id == post.author.id
        || tx.posts().editor_of(post.id, post.version)? != Some(approver.id)
    {
        return Ok(());
    }
    if let Some(a) = tx.approvals().current(post.id)?
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

/// Builds content from input, recording newly attached media; `attached` holds the files
/// [`App::attach`] already checked, in input order.
fn materialize(
    tx: &Tx<'_>,
    input: &DraftInput,
    attached: &[crate::model::Media],
    now: Timestamp,
) -> Result<Content> {
    let mut files = attached.iter();
    let mut parts = Vec::with_capacity(input.parts.len());
    for p in &input.parts {
        let mut media = Vec::with_capacity(p.media.len());
        for m in &p.media {
            let (media_item, alt) = match m {
                MediaInput::File { alt_text, .. } => {
                    let item = files
                        .next()
                        .cloned()
                        .ok_or_else(|| Error::Storage("attachment list out of step".into()))?;
                    tx.media().record(&item, now)?;
                    (item, alt_text)
                }
                MediaInput::Stored { hash, alt_text } => (
                    tx.media()
                        .get(hash)?
                        .ok_or_else(|| Error::UnknownMedia { hash: hash.clone() })?,
                    alt_text,
                ),
            };
            let len = alt.chars().count();
            if len > content::MAX_ALT_TEXT {
                return Err(Error::AltTextTooLong { len });
            }
            media.push(Attachment {
                media: media_item,
                alt_text: alt.trim().to_string(),
            });
        }
        parts.push(Part {
            text: p.text.clone(),
            media,
        });
    }
    Ok(Content {
        parts,
        signature: input.signature,
        reply_settings: input.reply_settings,
    })
}

fn apply(
    tx: &Tx<'_>,
    old: &Content,
    edit: &Edit,
    attached: &[crate::model::Media],
    now: Timestamp,
) -> Result<Content> {
    match edit {
        Edit::Content(input) => materialize(tx, input, attached, now),
        Edit::Text { part, text } => {
            let mut c = old.clone();
            let count = c.parts.len();
            match part.checked_sub(1) {
                Some(i) if i < count => c.parts[i].text = text.clone(),
                Some(i) if i == count => c.parts.push(Part {
                    text: text.clone(),
                    media: Vec::new(),
                }),
                _ => return Err(Error::NoSuchPart { part: *part, count }),
            }
            Ok(c)
        }
    }
}

/// Saves `content` as the next version. Voids the approval when the post had one. Returns the
/// void reason if it did.
fn save_edit(
    tx: &Tx<'_>,
    now: Timestamp,
    account: &Account,
    post: &mut Post,
    editor: &Signer,
    content: Content,
    next: Status,
) -> Result<Option<String>> {
    if content == post.content {
        return Err(Error::NothingChanged);
    }
    content::check_shape(&content)?;
    post.version += 1;
    post.content = content;
    tx.posts()
        .save_version(post.id, post.version, &editor.member, now, &post.content)?;
    let reason = format!(
        "{} edited the post (version {})",
        editor.member.name, post.version
    );
    let voided = tx.approvals().void(post.id, now, &reason)?;
    post.status = next;
    post.updated_at = now;
    tx.posts().update(post)?;
    record(
        tx,
        now,
        editor,
        "edited",
        post,
        account,
        json!({"approvals_voided": voided}),
    )?;
    if voided > 0 {
        record(
            tx,
            now,
            editor,
            "approval_voided",
            post,
            account,
            json!({"reason": reason}),
        )?;
        return Ok(Some(reason));
    }
    Ok(None)
}

/// Records a countersignature of the post as it stands and moves it to `next`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn countersign(
    tx: &Tx<'_>,
    now: Timestamp,
    account: &Account,
    post: &mut Post,
    approver: &Signer,
    next: Status,
    edited: bool,
    action: &str,
    mut detail: serde_json::Value,
) -> Result<()> {
    tx.approvals()
        .void(post.id, now, "superseded by a new countersignature")?;
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
    };
    let statement = crate::approval::statement(
        approval.approver.id,
        approval.post_id,
        approval.version,
        &approval.digest,
        approval.scheduled_at,
        approval.at,
    );
    approval.signature = Some(approver.key.sign(&statement));
    tx.approvals().insert(&approval)?;
    tx.reviews()
        .record(post.id, approver.member.id, post.version, now)?;
    post.status = next;
    post.updated_at = now;
    tx.posts().update(post)?;
    if let Some(obj) = detail.as_object_mut() {
        obj.insert("approval_id".into(), json!(approval.id));
        obj.insert("solo".into(), json!(solo));
        obj.insert("edited_in_approval".into(), json!(edited));
    }
    record(tx, now, approver, action, post, account, detail)
}

fn add_comment(
    tx: &Tx<'_>,
    now: Timestamp,
    post: &Post,
    who: &Member,
    text: &str,
) -> Result<Comment> {
    let c = Comment {
        id: Uuid::now_v7(),
        post_id: post.id,
        author: who.clone(),
        version: post.version,
        text: text.to_string(),
        at: now,
    };
    tx.comments().insert(&c)?;
    Ok(c)
}

/// Appends an audit entry about a post, with its version and current digest.
pub(crate) fn record(
    tx: &Tx<'_>,
    now: Timestamp,
    who: &Signer,
    action: &str,
    post: &Post,
    account: &Account,
    detail: serde_json::Value,
) -> Result<()> {
    let digest = digest_of(account, post);
    tx.audit().append(
        NewAuditEntry {
            actor: Some(&who.member),
            action,
            post_id: Some(post.id),
            version: Some(post.version),
            digest: Some(&digest),
            detail,
            key: Some(&who.key),
        },
        now,
    )?;
    Ok(())
}

pub(crate) fn audit_entry(
    tx: &Tx<'_>,
    now: Timestamp,
    who: Option<&Signer>,
    action: &str,
    post_id: Option<Uuid>,
    detail: serde_json::Value,
) -> Result<()> {
    tx.audit().append(
        NewAuditEntry {
            actor: who.map(|w| &w.member),
            action,
            post_id,
            version: None,
            digest: None,
            detail,
            key: who.map(|w| &w.key),
        },
        now,
    )?;
    Ok(())
}

fn valid_handle(handle: &str) -> Result<String> {
    let h = handle.trim().trim_start_matches('@');
    if h.is_empty() || h.len() > 15 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::InvalidHandle {
            handle: handle.to_string(),
        });
    }
    Ok(h.to_string())
}

fn valid_member_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(Error::InvalidMemberName {
            name: name.to_string(),
        });
    }
    Ok(n.to_string())
}

fn valid_initials(initials: &str) -> Result<String> {
    let i = initials.trim();
    if i.is_empty() || i.chars().count() > 4 || !i.chars().all(char::is_alphanumeric) {
        return Err(Error::InvalidInitials {
            initials: initials.to_string(),
        });
    }
    Ok(i.to_uppercase())
}

/// "Jane Smith" → "JS"; "alice" → "AL".
fn initials_of(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let s: String = if words.len() > 1 {
        words
            .iter()
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .take(3)
            .collect()
    } else {
        name.chars()
            .filter(|c| c.is_alphanumeric())
            .take(2)
            .collect()
    };
    if s.is_empty() {
        "X".into()
    } else {
        s.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_are_derived_from_names() {
        assert_eq!(initials_of("Jane Smith"), "JS");
        assert_eq!(initials_of("alice"), "AL");
        assert_eq!(initials_of("Mary Ann de Vries"), "MAD");
    }

    #[test]
    fn handles_are_checked() {
        assert_eq!(valid_handle("@acme_co").unwrap(), "acme_co");
        assert_eq!(
            valid_handle("has space").unwrap_err().code(),
            "invalid_handle"
        );
        assert_eq!(
            valid_handle("waytoolonghandle_").unwrap_err().code(),
            "invalid_handle"
        );
    }
}
