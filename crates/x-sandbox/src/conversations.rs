//! Conversations: the other people on the sandbox, the account's mentions and its direct
//! messages, and X's 2026 rule that a self-serve app replies only where it was summoned.
//!
//! Other people exist only to talk to the account: the admin API (or the chatter, see
//! [`crate::SandboxConfig::chatter_per_minute`]) makes one write a post that mentions it, or a
//! direct message to it. Every token still acts as the account itself.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::admin::AdminBody;
use crate::api::{
    PathId, Schema, USER_FIELDS, gate, json_object, known_params, list_param, ok, parse_id,
    query_pairs, read_body,
};
use crate::ids::{page_token, parse_page_token};
use crate::problem::ApiError;
use crate::store::{DmRow, Person, PostRow};
use crate::tweets::{Listing, listed, parse_listing, rfc3339_ms};
use crate::world::{Endpoint, Inner, World};

/// X lists only the 800 newest mentions.
const REACHABLE_MENTIONS: usize = 800;
/// X's longest direct message.
const DM_MAX_CHARS: usize = 10_000;
/// Query parameters of `GET /2/users/:id/mentions` (X's OpenAPI description; `tweet.fields` is
/// the older name of `post.fields`, still accepted).
const MENTION_PARAMS: &[&str] = &[
    "max_results",
    "pagination_token",
    "since_id",
    "until_id",
    "start_time",
    "end_time",
    "tweet.fields",
    "post.fields",
    "expansions",
    "media.fields",
    "poll.fields",
    "place.fields",
    "user.fields",
];
const DM_PARAMS: &[&str] = &[
    "max_results",
    "pagination_token",
    "event_types",
    "dm_event.fields",
    "expansions",
    "user.fields",
    "tweet.fields",
    "post.fields",
    "media.fields",
];
const DM_EVENT_FIELDS: &[&str] = &[
    "attachments",
    "created_at",
    "dm_conversation_id",
    "entities",
    "event_type",
    "id",
    "text",
];
const DM_EXPANSIONS: &[&str] = &[
    "attachments.media_keys",
    "participant_ids",
    "referenced_posts",
    "sender_id",
];

/// Whether `text` mentions `@username` as a whole handle (X handles are letters, digits and
/// `_`; case does not matter).
pub(crate) fn mentions(text: &str, username: &str) -> bool {
    let handle = username.to_ascii_lowercase();
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_handle = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(at) = lower[from..].find('@').map(|i| from + i) {
        let start = at + 1;
        let end = start + handle.len();
        let before_ok = at == 0 || !is_handle(bytes[at - 1]);
        if before_ok
            && lower.get(start..end) == Some(handle.as_str())
            && bytes.get(end).is_none_or(|b| !is_handle(*b))
        {
            return true;
        }
        from = start;
    }
    false
}

/// X's 2026 rule for self-serve apps: a reply from the account (`user_id`, @`username`) to
/// another person's `target` is allowed only where that person summoned it, by mentioning it
/// or quoting one of its posts. Replies to the account's own posts (threads) are governed by
/// the `self_replies_allowed` quirk instead.
pub(crate) fn summoned(
    inner: &Inner,
    target: &PostRow,
    user_id: &str,
    username: &str,
) -> rusqlite::Result<bool> {
    if mentions(&target.text, username) {
        return Ok(true);
    }
    match target.quote_of {
        Some(q) => Ok(inner.store.post(q)?.is_some_and(|p| p.author_id == user_id)),
        None => Ok(false),
    }
}

/// `GET /2/users/:id/mentions`: posts by others that mention the account, newest first.
pub(crate) async fn mentions_timeline(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::Mentions) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        if parse_id(&id).is_none() {
            return Err(ApiError::invalid_param(
                "id",
                &id,
                format!("The `id` query parameter value [{id}] is not valid"),
            ));
        }
        let listing = parse_listing(&query_pairs(query.as_deref()), MENTION_PARAMS)?;
        if id != world.user.id {
            return not_found_user(&id);
        }
        let inner = world.lock();
        let all = inner.store.mentions_of(&world.user.username)?;
        let candidates: Vec<&PostRow> = all
            .iter()
            .filter(|p| p.author_id != world.user.id && mentions(&p.text, &world.user.username))
            .take(REACHABLE_MENTIONS)
            .collect();
        let (page, mut body) = listed(&inner, candidates, &listing)?;
        let users = mention_users(&inner, &world, &page, &listing)?;
        if !users.is_empty() {
            body["includes"] = json!({ "users": users });
        }
        ok(StatusCode::OK, &body)
    })();
    ctx.finish(result)
}

/// X answers 200 with an errors array for a user it cannot find.
pub(crate) fn not_found_user(id: &str) -> Result<Response, ApiError> {
    ok(
        StatusCode::OK,
        &json!({"errors": [{
            "value": id, "detail": format!("Could not find user with id: [{id}]."), "title": "Not Found Error",
            "resource_type": "user", "parameter": "id", "resource_id": id,
            "type": crate::problem::NOT_FOUND_TYPE,
        }]}),
    )
}

/// `includes.users` for the `author_id` and `in_reply_to_user_id` expansions.
fn mention_users(
    inner: &Inner,
    world: &World,
    page: &[&PostRow],
    listing: &Listing,
) -> Result<Vec<Value>, ApiError> {
    let wants = |e: &str| listing.expansions.iter().any(|x| x == e);
    let mut ids: Vec<String> = Vec::new();
    for post in page {
        if wants("author_id") && !ids.contains(&post.author_id) {
            ids.push(post.author_id.clone());
        }
        if wants("in_reply_to_user_id")
            && let Some(target) = post.reply_to
            && let Some(t) = inner.store.post(target)?
            && !ids.contains(&t.author_id)
        {
            ids.push(t.author_id);
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(user_json(inner, world, &id, &listing.user_fields)?);
    }
    Ok(out)
}

/// A user object: the account itself or one of the people, with the asked-for `user.fields`.
fn user_json(inner: &Inner, world: &World, id: &str, fields: &[String]) -> Result<Value, ApiError> {
    let (username, name) = if id == world.user.id {
        (world.user.username.clone(), world.user.name.clone())
    } else {
        match inner.store.person(id)? {
            Some(p) => (p.username, p.name),
            None => (format!("user{id}"), "Someone".to_owned()),
        }
    };
    let mut user = json!({"id": id, "name": name, "username": username});
    for f in fields {
        let value = match f.as_str() {
            "verified" | "protected" => json!(false),
            "profile_image_url" => json!(
                "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
            ),
            "created_at" => json!("2024-10-24T09:00:00.000Z"),
            _ => continue,
        };
        user[f.as_str()] = value;
    }
    Ok(user)
}

/// What a valid `GET /2/dm_events` asks for.
#[derive(Debug)]
struct DmListing {
    max_results: usize,
    page_below: Option<i64>,
    fields: Vec<String>,
    expansions: Vec<String>,
    user_fields: Vec<String>,
    message_create: bool,
}

fn parse_dm_listing(pairs: &[(String, String)]) -> Result<DmListing, ApiError> {
    known_params(pairs, DM_PARAMS)?;
    let mut l = DmListing {
        max_results: 100,
        page_below: None,
        fields: Vec::new(),
        expansions: Vec::new(),
        user_fields: Vec::new(),
        message_create: true,
    };
    let bad = |k: &str, v: &str, why: &str| {
        ApiError::invalid_param(k, v, format!("The `{k}` query parameter value [{v}] {why}"))
    };
    for (k, v) in pairs {
        match k.as_str() {
            "max_results" => {
                l.max_results = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| bad(k, v, "is not between 1 and 100"))?;
            }
            "pagination_token" => {
                l.page_below = Some(parse_page_token(v).ok_or_else(|| bad(k, v, "is not valid"))?);
            }
            "event_types" => {
                l.message_create = list_param(
                    k,
                    v,
                    &["MessageCreate", "ParticipantsJoin", "ParticipantsLeave"],
                )?
                .iter()
                .any(|t| t == "MessageCreate");
            }
            "dm_event.fields" => l.fields = list_param(k, v, DM_EVENT_FIELDS)?,
            "expansions" => l.expansions = list_param(k, v, DM_EXPANSIONS)?,
            "user.fields" => l.user_fields = list_param(k, v, USER_FIELDS)?,
            _ => {
                // Post and media fields are accepted; DM events here carry neither.
                if v.is_empty() {
                    return Err(bad(k, v, "is empty"));
                }
            }
        }
    }
    Ok(l)
}

/// `GET /2/dm_events`: the account's direct messages, both ways, newest first. X offers no
/// `since_id` here: a client pages until it meets an event it has.
pub(crate) async fn dm_events(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::DmRead) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        let listing = parse_dm_listing(&query_pairs(query.as_deref()))?;
        let inner = world.lock();
        let all = if listing.message_create {
            inner.store.dms_of(&world.user.id)?
        } else {
            Vec::new()
        };
        let matching: Vec<&DmRow> = all
            .iter()
            .filter(|d| listing.page_below.is_none_or(|below| d.id < below))
            .collect();
        let page: Vec<&DmRow> = matching.iter().take(listing.max_results).copied().collect();
        let wants = |e: &str| listing.expansions.iter().any(|x| x == e);
        let mut users: Vec<String> = Vec::new();
        let mut data = Vec::with_capacity(page.len());
        for d in &page {
            let mut v =
                json!({"id": d.id.to_string(), "event_type": "MessageCreate", "text": d.text});
            for f in &listing.fields {
                match f.as_str() {
                    "created_at" => v["created_at"] = json!(rfc3339_ms(d.created_at)),
                    "dm_conversation_id" => v["dm_conversation_id"] = json!(d.conversation_id),
                    _ => {}
                }
            }
            let participants = [d.sender_id.clone(), d.recipient_id.clone()];
            if wants("sender_id") {
                v["sender_id"] = json!(d.sender_id);
                if !users.contains(&d.sender_id) {
                    users.push(d.sender_id.clone());
                }
            }
            if wants("participant_ids") {
                v["participant_ids"] = json!(participants);
                for p in participants {
                    if !users.contains(&p) {
                        users.push(p);
                    }
                }
            }
            data.push(v);
        }
        let mut meta = json!({"result_count": page.len()});
        if matching.len() > page.len()
            && let Some(oldest) = page.last()
        {
            meta["next_token"] = json!(page_token(oldest.id));
        }
        let mut body = json!({ "meta": meta });
        if !data.is_empty() || inner.settings.quirks.empty_listing_data {
            body["data"] = Value::Array(data);
        }
        if !users.is_empty() {
            let mut out = Vec::with_capacity(users.len());
            for id in &users {
                out.push(user_json(&inner, &world, id, &listing.user_fields)?);
            }
            body["includes"] = json!({ "users": out });
        }
        ok(StatusCode::OK, &body)
    })();
    ctx.finish(result)
}

/// `POST /2/dm_conversations/with/:participant_id/messages`: the account writes to someone
/// who wrote to it first (the only people a brand's DMs reach here).
pub(crate) async fn send_dm(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    PathId(participant): PathId,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::DmSend) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        if parse_id(&participant).is_none() {
            return Err(ApiError::invalid_param(
                "participant_id",
                &participant,
                format!(
                    "The `participant_id` query parameter value [{participant}] does not match ^[0-9]{{1,19}}$"
                ),
            ));
        }
        let map = json_object(&read_body(body)?)?;
        let text = parse_dm(&map)?;
        let me = ctx.caller.user_id.clone();
        if participant == me {
            return Err(ApiError::invalid_param(
                "participant_id",
                &participant,
                "You cannot send a Direct Message to yourself.",
            ));
        }
        let mut inner = world.lock();
        if !inner.store.has_written(&participant, &me)? {
            return Err(ApiError::forbidden_detail(
                "You are not permitted to send Direct Messages to this user.",
            ));
        }
        let now = inner.now_ms();
        let id = inner.next_id();
        let row = DmRow {
            id,
            conversation_id: conversation_id(&me, &participant),
            sender_id: me,
            recipient_id: participant,
            text,
            created_at: now,
        };
        inner.store.insert_dm(&row)?;
        ok(
            StatusCode::CREATED,
            &json!({"data": {"dm_conversation_id": row.conversation_id, "dm_event_id": id.to_string()}}),
        )
    })();
    ctx.finish(result)
}

/// Checks a DM body against X's `CreateDirectMessagesByParticipantIdRequest`: `text` (at
/// least one character) or `attachments`, nothing else. Attachments are refused here: the
/// sandbox does not model `dm_*` media.
fn parse_dm(map: &Map<String, Value>) -> Result<String, ApiError> {
    let mut schema = Schema::default();
    schema.only("$", map, &["text", "attachments"]);
    let text = schema.string("$.text", map.get("text")).map(str::to_owned);
    if map.contains_key("attachments") {
        schema.fail(
            "$.attachments",
            "media in direct messages is not modelled by the sandbox",
        );
    }
    match &text {
        None if !map.contains_key("attachments") => schema.required("$", map, "text"),
        Some(t) if t.is_empty() => schema.fail("$.text", "must be at least 1 character long"),
        Some(t) if t.chars().count() > DM_MAX_CHARS => {
            schema.fail("$.text", "must be at most 10000 characters long");
        }
        _ => {}
    }
    schema.finish()?;
    Ok(text.unwrap_or_default())
}

/// X's id of the one-to-one conversation between two users: smaller id first.
fn conversation_id(a: &str, b: &str) -> String {
    let (lo, hi) = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) if x <= y => (a, b),
        (Ok(_), Ok(_)) => (b, a),
        _ if a <= b => (a, b),
        _ => (b, a),
    };
    format!("{lo}-{hi}")
}

// ---- the admin side: people write to the account ----

/// A direct message as the sandbox recorded it (`GET /_sandbox/dms`, `Sandbox::dms`), oldest
/// first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxDm {
    /// The DM event id.
    pub id: String,
    /// `smaller_id-larger_id`.
    pub conversation_id: String,
    pub sender_id: String,
    pub recipient_id: String,
    pub text: String,
    /// On the sandbox clock, RFC 3339 with milliseconds.
    pub created_at: String,
}

/// Who writes, by handle; created on first use with a stable numeric id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Inject {
    from: String,
    #[serde(default)]
    name: Option<String>,
    text: String,
    /// A mention may reply to a post (the account's, say); X then shows it in the mentions.
    #[serde(default)]
    in_reply_to: Option<String>,
}

/// What the admin API (and the chatter) make: a mention or a direct message to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Said {
    /// A post that mentions the account (prefixed with `@account` if it does not).
    Mention,
    /// A post exactly as written, mentioning the account or not.
    Post,
    Dm,
}

/// Makes `from` (a handle) say `text` to the account: a post that mentions it (prefixed with
/// `@account` when it does not, as X shows replies), or a direct message. The JSON answer of
/// the admin route.
pub(crate) fn say(
    world: &World,
    kind: Said,
    from: &str,
    name: Option<&str>,
    text: &str,
    in_reply_to: Option<&str>,
) -> Result<Value, String> {
    let handle = from.trim().trim_start_matches('@');
    if handle.is_empty()
        || handle.len() > 15
        || !handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(format!(
            "from: {from:?} is not an X handle (1 to 15 letters, digits or _)"
        ));
    }
    if handle.eq_ignore_ascii_case(&world.user.username) {
        return Err("from: the account cannot write to itself".into());
    }
    if text.trim().is_empty() {
        return Err("text: must not be empty".into());
    }
    let mut inner = world.lock();
    let db = |e: rusqlite::Error| e.to_string();
    let person = match inner.store.person_by_username(handle).map_err(db)? {
        Some(p) => p,
        None => {
            let p = Person {
                id: person_id(handle),
                username: handle.to_owned(),
                name: name.map_or_else(|| title_case(handle), str::to_owned),
            };
            inner.store.insert_person(&p).map_err(db)?;
            p
        }
    };
    let now = inner.now_ms();
    let id = inner.next_id();
    match kind {
        Said::Mention | Said::Post => {
            let reply_to = match in_reply_to {
                Some(t) => {
                    let t = parse_id(t).ok_or("in_reply_to: not a post id")?;
                    match inner.store.post(t).map_err(db)? {
                        Some(p) if p.deleted_at.is_none() => Some(t),
                        _ => return Err("in_reply_to: no such live post".into()),
                    }
                }
                None => None,
            };
            let text = if kind == Said::Post || mentions(text, &world.user.username) {
                text.to_owned()
            } else {
                format!("@{} {text}", world.user.username)
            };
            let row = PostRow {
                id,
                author_id: person.id.clone(),
                text,
                reply_to,
                quote_of: None,
                media_ids: Vec::new(),
                reply_settings: None,
                poll: None,
                created_at: now,
                deleted_at: None,
            };
            inner.store.insert_post(&row).map_err(db)?;
            Ok(json!({
                "id": id.to_string(), "author_id": person.id, "username": person.username,
                "name": person.name, "text": row.text, "created_at": rfc3339_ms(now),
            }))
        }
        Said::Dm => {
            let row = DmRow {
                id,
                conversation_id: conversation_id(&person.id, &world.user.id),
                sender_id: person.id.clone(),
                recipient_id: world.user.id.clone(),
                text: text.to_owned(),
                created_at: now,
            };
            inner.store.insert_dm(&row).map_err(db)?;
            Ok(json!({
                "dm_event_id": id.to_string(), "dm_conversation_id": row.conversation_id,
                "sender_id": person.id, "username": person.username, "name": person.name,
                "created_at": rfc3339_ms(now),
            }))
        }
    }
}

/// A stable 18-digit id for a handle (never the account's: that one has 19 digits).
fn person_id(handle: &str) -> String {
    let digest = Sha256::digest(handle.to_ascii_lowercase().as_bytes());
    let mut n: u64 = 0;
    for b in digest.iter().take(8) {
        n = (n << 8) | u64::from(*b);
    }
    (100_000_000_000_000_000 + n % 900_000_000_000_000_000).to_string()
}

fn title_case(handle: &str) -> String {
    handle
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn admin_reply(result: Result<Value, String>) -> Response {
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": error })),
        )
            .into_response(),
    }
}

fn inject(world: &World, kind: Said, body: &[u8]) -> Response {
    let i: Inject = match serde_json::from_slice(body) {
        Ok(i) => i,
        Err(e) => {
            return admin_reply(Err(format!(
                "expected {{\"from\": \"handle\", \"text\": \"…\", \"name\"?: \"…\"{}}}: {e}",
                if kind == Said::Dm {
                    ""
                } else {
                    ", \"in_reply_to\"?: \"post id\""
                }
            )));
        }
    };
    if kind == Said::Dm && i.in_reply_to.is_some() {
        return admin_reply(Err("in_reply_to: only mentions reply to posts".into()));
    }
    admin_reply(say(
        world,
        kind,
        &i.from,
        i.name.as_deref(),
        &i.text,
        i.in_reply_to.as_deref(),
    ))
}

/// `POST /_sandbox/mentions`.
pub(crate) async fn inject_mention(
    State(world): State<Arc<World>>,
    AdminBody(body): AdminBody,
) -> Response {
    inject(&world, Said::Mention, &body)
}

/// `POST /_sandbox/posts`: someone else's post, exactly as written.
pub(crate) async fn inject_post(
    State(world): State<Arc<World>>,
    AdminBody(body): AdminBody,
) -> Response {
    inject(&world, Said::Post, &body)
}

/// `POST /_sandbox/dms`.
pub(crate) async fn inject_dm(
    State(world): State<Arc<World>>,
    AdminBody(body): AdminBody,
) -> Response {
    inject(&world, Said::Dm, &body)
}

/// Every direct message, oldest first.
pub(crate) fn dms(world: &World) -> rusqlite::Result<Vec<SandboxDm>> {
    let inner = world.lock();
    let mut rows = inner.store.dms_of(&world.user.id)?;
    rows.reverse();
    Ok(rows
        .into_iter()
        .map(|d| SandboxDm {
            id: d.id.to_string(),
            conversation_id: d.conversation_id,
            sender_id: d.sender_id,
            recipient_id: d.recipient_id,
            text: d.text,
            created_at: rfc3339_ms(d.created_at),
        })
        .collect())
}

/// `GET /_sandbox/dms`.
pub(crate) async fn list_dms(State(world): State<Arc<World>>) -> Response {
    match dms(&world) {
        Ok(d) => axum::Json(d).into_response(),
        Err(e) => admin_reply(Err(e.to_string())),
    }
}

// ---- chatter ----

/// The small cast that talks to the Sandbox account when chatter is on.
const CAST: &[(&str, &str)] = &[
    ("maya_runs", "Maya Okafor"),
    ("tom_bakes", "Tom Lindqvist"),
    ("priya_dev", "Priya Raman"),
    ("lucas_m", "Lucas Moreau"),
    ("hana_k", "Hana Kobayashi"),
];
const MENTION_LINES: &[&str] = &[
    "is the spring range out yet? Can't find it on the site",
    "my order hasn't arrived, it's been 9 days. Can you check?",
    "loved the new packaging, so much less plastic 👏",
    "do you ship to Norway?",
    "the app keeps logging me out since the update",
    "any chance of a discount code for students?",
];
const DM_LINES: &[&str] = &[
    "Hi! I was charged twice for order #4471, can you help?",
    "Hello, is there a way to change my delivery address?",
    "Hey, I'd like to talk about a collaboration, who should I write to?",
    "Your support form isn't working, so trying here.",
    "Can I return an item bought in a shop online?",
];

/// The `n`th chatter line: mentions and DMs in turn, from the cast in turn, never the same
/// text twice in a row.
pub(crate) fn chatter_once(world: &World, n: u64) -> Result<Value, String> {
    let who = CAST[(n as usize / 2) % CAST.len()];
    if n.is_multiple_of(2) {
        let line = MENTION_LINES[(n as usize / 2) % MENTION_LINES.len()];
        let text = format!("@{} {line} ({})", world.user.username, n / 2 + 1);
        say(world, Said::Mention, who.0, Some(who.1), &text, None)
    } else {
        let line = DM_LINES[(n as usize / 2) % DM_LINES.len()];
        say(world, Said::Dm, who.0, Some(who.1), line, None)
    }
}

/// Talks to the account `per_minute` times a minute until `stopped` says so.
pub(crate) async fn chatter(
    world: Arc<World>,
    per_minute: u32,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    if per_minute == 0 {
        return;
    }
    let every = Duration::from_secs_f64(60.0 / f64::from(per_minute));
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
        if let Err(e) = chatter_once(&world, n) {
            tracing::warn!("sandbox chatter: {e}");
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_the_whole_handle() {
        assert!(mentions("@acme hi", "acme"));
        assert!(mentions("hey @ACME!", "acme"));
        assert!(mentions("cc @bob @acme", "acme"));
        assert!(!mentions("@acmecorp hi", "acme"));
        assert!(!mentions("mail me at bob@acme", "acme"));
        assert!(!mentions("acme", "acme"));
        assert!(mentions("@@acme", "acme"));
        assert!(!mentions("é@acm", "acme"));
    }

    #[test]
    fn conversation_ids_put_the_smaller_id_first() {
        assert_eq!(conversation_id("20", "3"), "3-20");
        assert_eq!(conversation_id("3", "20"), "3-20");
    }

    #[test]
    fn person_ids_are_stable_numeric_and_never_the_accounts() {
        let a = person_id("maya_runs");
        assert_eq!(a, person_id("Maya_Runs"));
        assert_eq!(a.len(), 18);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(a, person_id("tom_bakes"));
    }

    #[test]
    fn dm_bodies_follow_xs_schema() {
        let parse = |s: &str| parse_dm(&json_object(s.as_bytes()).unwrap());
        assert_eq!(parse(r#"{"text":"hi"}"#).unwrap(), "hi");
        assert!(parse(r#"{}"#).is_err());
        assert!(parse(r#"{"text":""}"#).is_err());
        assert!(parse(r#"{"text":"hi","extra":1}"#).is_err());
        assert!(parse(r#"{"text":5}"#).is_err());
        assert!(parse(&format!(r#"{{"text":"{}"}}"#, "a".repeat(10_001))).is_err());
    }
}
