//! Posts: create (with every check X makes), delete, the user's timeline, and `users/me`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use countersign_core::count::{CountConfig, Invalid, count, extract_urls};
use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::api::{
    PathId, Schema, USER_FIELDS, gate, json_object, known_params, list_param, ok, parse_id,
    query_pairs, read_body,
};
use crate::config::LengthErrorForm;
use crate::ids::{page_token, parse_page_token, tco_slug};
use crate::media::{advance_processing, media_key};
use crate::problem::ApiError;
use crate::store::{MediaRow, PostRow};
use crate::world::{Endpoint, Inner, World, duration_ms};

/// Members `POST /2/tweets` accepts (X's `CreatePostsRequest`); anything else is a 400.
const CREATE_FIELDS: &[&str] = &[
    "card_uri",
    "community_id",
    "direct_message_deep_link",
    "edit_options",
    "for_super_followers_only",
    "geo",
    "made_with_ai",
    "media",
    "nullcast",
    "paid_partnership",
    "poll",
    "quote_tweet_id",
    "reply",
    "reply_settings",
    "share_with_followers",
    "text",
];
const REPLY_SETTINGS: &[&str] = &["following", "mentionedUsers", "subscribers", "verified"];
/// Only the newest 3,200 posts of a user can be listed.
const REACHABLE_POSTS: u32 = 3_200;

/// What a valid create request asks for.
struct NewPost {
    text: String,
    reply_to: Option<i64>,
    quote_of: Option<i64>,
    media_ids: Vec<i64>,
    reply_settings: Option<String>,
    poll: Option<Value>,
}

/// `POST /2/tweets`.
pub(crate) async fn create(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut ctx = match gate(&world, &headers, Endpoint::CreatePost) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        let request = parse_create(&json_object(&read_body(body)?)?)?;
        let mut inner = world.lock();
        let now = inner.now_ms();
        let user = ctx.caller.user_id.clone();

        // The 24-hour caps and the usage cap: checked before anything else is looked at, and
        // reported on every posting response.
        let limits = inner.settings.limits.clone();
        let (user_day, app_day) = inner.counters.day_quotas(&user, &limits, now);
        ctx.rate.user_day = Some(user_day);
        ctx.rate.app_day = Some(app_day);
        if user_day.remaining == 0 || app_day.remaining == 0 {
            return Err(ApiError::too_many_requests());
        }
        if limits
            .usage_cap
            .is_some_and(|cap| inner.counters.usage >= u64::from(cap))
        {
            return Err(ApiError::usage_capped());
        }

        check_content(&mut inner, &user, &world.user.username, &request, now)?;

        let id = inner.next_id();
        let row = PostRow {
            id,
            author_id: user.clone(),
            text: request.text,
            reply_to: request.reply_to,
            quote_of: request.quote_of,
            media_ids: request.media_ids,
            reply_settings: request.reply_settings,
            poll: request.poll.map(|p| p.to_string()),
            created_at: now,
            deleted_at: None,
        };
        inner.store.insert_post(&row)?;
        inner.counters.count_post(&user, now);
        let (user_day, app_day) = inner.counters.day_quotas(&user, &limits, now);
        ctx.rate.user_day = Some(user_day);
        ctx.rate.app_day = Some(app_day);

        let text = returned_text(&row, inner.settings.quirks.media_link_in_text);
        ok(
            StatusCode::CREATED,
            &json!({"data": {"id": id.to_string(), "text": text, "edit_history_tweet_ids": [id.to_string()]}}),
        )
    })();
    ctx.finish(result)
}

/// Checks the request body against X's schema for `POST /2/tweets`.
fn parse_create(body: &Map<String, Value>) -> Result<NewPost, ApiError> {
    let mut schema = Schema::default();
    schema.only("$", body, CREATE_FIELDS);
    let text = schema
        .string("$.text", body.get("text"))
        .unwrap_or("")
        .to_owned();
    for flag in [
        "for_super_followers_only",
        "made_with_ai",
        "nullcast",
        "paid_partnership",
        "share_with_followers",
    ] {
        schema.boolean(&format!("$.{flag}"), body.get(flag));
    }
    for s in ["card_uri", "direct_message_deep_link"] {
        schema.string(&format!("$.{s}"), body.get(s));
    }
    if body.contains_key("community_id") {
        schema.id("$.community_id", body.get("community_id"));
    }
    if let Some(geo) = schema.object("$.geo", body.get("geo")) {
        schema.only("$.geo", geo, &["place_id"]);
        schema.required("$.geo", geo, "place_id");
        schema.string("$.geo.place_id", geo.get("place_id"));
    }
    if let Some(edit) = schema.object("$.edit_options", body.get("edit_options")) {
        schema.only("$.edit_options", edit, &["previous_post_id"]);
        schema.required("$.edit_options", edit, "previous_post_id");
        schema.id(
            "$.edit_options.previous_post_id",
            edit.get("previous_post_id"),
        );
    }

    let mut reply_to = None;
    if let Some(reply) = schema.object("$.reply", body.get("reply")) {
        schema.only(
            "$.reply",
            reply,
            &[
                "auto_populate_reply_metadata",
                "exclude_reply_user_ids",
                "in_reply_to_tweet_id",
            ],
        );
        schema.required("$.reply", reply, "in_reply_to_tweet_id");
        schema.boolean(
            "$.reply.auto_populate_reply_metadata",
            reply.get("auto_populate_reply_metadata"),
        );
        if let Some(v) = reply
            .get("exclude_reply_user_ids")
            .filter(|v| !v.is_array())
        {
            schema.wrong_type("$.reply.exclude_reply_user_ids", v, "array");
        }
        reply_to = schema.id(
            "$.reply.in_reply_to_tweet_id",
            reply.get("in_reply_to_tweet_id"),
        );
    }

    let quote_of = if body.contains_key("quote_tweet_id") {
        schema.id("$.quote_tweet_id", body.get("quote_tweet_id"))
    } else {
        None
    };

    let mut media_ids = Vec::new();
    if let Some(media) = schema.object("$.media", body.get("media")) {
        schema.only(
            "$.media",
            media,
            &[
                "call_to_actions",
                "description",
                "embeddable",
                "media_ids",
                "preview_media_id",
                "tagged_user_ids",
                "title",
            ],
        );
        schema.required("$.media", media, "media_ids");
        match media.get("media_ids") {
            Some(Value::Array(items)) => {
                if items.is_empty() {
                    schema.fail(
                        "$.media.media_ids",
                        "there must be a minimum of 1 items in the array",
                    );
                }
                if items.len() > 4 {
                    schema.fail(
                        "$.media.media_ids",
                        "there must be a maximum of 4 items in the array",
                    );
                }
                for (i, item) in items.iter().enumerate() {
                    if let Some(id) = schema.id(&format!("$.media.media_ids[{i}]"), Some(item)) {
                        media_ids.push(id);
                    }
                }
            }
            Some(other) => schema.wrong_type("$.media.media_ids", other, "array"),
            None => {}
        }
        if let Some(tagged) = media.get("tagged_user_ids") {
            match tagged {
                Value::Array(items) if items.len() > 10 => {
                    schema.fail(
                        "$.media.tagged_user_ids",
                        "there must be a maximum of 10 items in the array",
                    );
                }
                Value::Array(_) => {}
                other => schema.wrong_type("$.media.tagged_user_ids", other, "array"),
            }
        }
    }

    let mut poll = None;
    if let Some(p) = schema.object("$.poll", body.get("poll")) {
        schema.only(
            "$.poll",
            p,
            &["duration_minutes", "options", "reply_settings"],
        );
        schema.required("$.poll", p, "options");
        schema.required("$.poll", p, "duration_minutes");
        match p.get("options") {
            Some(Value::Array(options)) => {
                if !(2..=4).contains(&options.len()) {
                    schema.fail(
                        "$.poll.options",
                        "there must be between 2 and 4 items in the array",
                    );
                }
                for (i, option) in options.iter().enumerate() {
                    let path = format!("$.poll.options[{i}]");
                    if let Some(s) = schema.string(&path, Some(option)) {
                        let len = s.chars().count();
                        if len == 0 {
                            schema.fail(&path, "must be at least 1 characters long");
                        } else if len > 25 {
                            schema.fail(&path, "may only be 25 characters long");
                        }
                    }
                }
            }
            Some(other) => schema.wrong_type("$.poll.options", other, "array"),
            None => {}
        }
        match p.get("duration_minutes") {
            Some(Value::Number(n)) if n.as_i64().is_some_and(|m| (5..=10_080).contains(&m)) => {}
            Some(Value::Number(n)) if n.as_i64().is_some() => {
                schema.fail(
                    "$.poll.duration_minutes",
                    "must have a minimum value of 5 and a maximum value of 10080",
                );
            }
            Some(other) => schema.wrong_type("$.poll.duration_minutes", other, "integer"),
            None => {}
        }
        schema.enumeration(
            "$.poll.reply_settings",
            p.get("reply_settings"),
            REPLY_SETTINGS,
        );
        poll = Some(Value::Object(p.clone()));
    }

    let reply_settings = schema.enumeration(
        "$.reply_settings",
        body.get("reply_settings"),
        REPLY_SETTINGS,
    );

    // media, quote_tweet_id, poll (and card_uri) exclude one another.
    let exclusive: Vec<&str> = ["media", "quote_tweet_id", "poll", "card_uri"]
        .into_iter()
        .filter(|k| body.contains_key(*k))
        .collect();
    if exclusive.len() > 1 {
        schema.fail(
            "$",
            &format!(
                "only one of [media, quote_tweet_id, poll, card_uri] may be specified; found [{}]",
                exclusive.join(", ")
            ),
        );
    }
    schema.finish()?;
    if body.contains_key("edit_options") {
        // Editing needs X Premium, which the sandbox account does not have.
        return Err(ApiError::not_permitted());
    }
    Ok(NewPost {
        text,
        reply_to,
        quote_of,
        media_ids,
        reply_settings,
        poll,
    })
}

/// Length, emptiness, duplicates, reply and quote targets, media: everything X checks about
/// the content itself.
fn check_content(
    inner: &mut Inner,
    user: &str,
    username: &str,
    request: &NewPost,
    now: i64,
) -> Result<(), ApiError> {
    let limits = inner.settings.limits.clone();
    let quirks = inner.settings.quirks;

    let counted = count(
        &request.text,
        &CountConfig::v3().with_max_weighted_length(limits.max_weighted_length),
    );
    match counted.invalid {
        Some(Invalid::TooLong) => {
            return Err(match quirks.length_error {
                LengthErrorForm::Forbidden => ApiError::not_permitted(),
                LengthErrorForm::InvalidRequest => ApiError::invalid_param(
                    "text",
                    &request.text,
                    format!(
                        "The text of your post is too long: weighted length {} exceeds {}.",
                        counted.weighted_length, limits.max_weighted_length
                    ),
                ),
            });
        }
        Some(Invalid::InvalidCharacter) => {
            return Err(ApiError::invalid_param(
                "text",
                &request.text,
                "Your post text contains an invalid character.",
            ));
        }
        Some(Invalid::Empty) if request.media_ids.is_empty() && request.poll.is_none() => {
            return Err(ApiError::invalid_param(
                "text",
                &request.text,
                "Text of your post is required unless you attach media.",
            ));
        }
        _ => {}
    }

    if !request.text.is_empty() {
        let mine: String = request.text.nfc().collect();
        let since = now.saturating_sub(duration_ms(limits.duplicate_window));
        if inner
            .store
            .recent_texts(user, since)?
            .iter()
            .any(|t| t.nfc().collect::<String>() == mine)
        {
            return Err(ApiError::duplicate());
        }
    }

    if let Some(target) = request.reply_to {
        match inner.store.post(target)? {
            Some(p) if p.deleted_at.is_none() => {
                // X's 2026 rule for self-serve apps: reply only where summoned.
                let allowed = if p.author_id == user {
                    quirks.self_replies_allowed
                } else {
                    crate::conversations::summoned(inner, &p, user, username)?
                };
                if !allowed {
                    return Err(ApiError::forbidden_detail(
                        "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.",
                    ));
                }
            }
            _ => {
                return Err(ApiError::forbidden_detail(
                    "You attempted to reply to a Tweet that is deleted or not visible to you.",
                ));
            }
        }
    }
    if let Some(target) = request.quote_of
        && inner
            .store
            .post(target)?
            .is_none_or(|p| p.deleted_at.is_some())
    {
        return Err(ApiError::forbidden_detail(
            "You attempted to quote a Tweet that is deleted or not visible to you.",
        ));
    }

    check_media(inner, user, &request.media_ids, now)
}

/// Every id must be this user's, unexpired and processed; four photos, or one GIF, or one video.
fn check_media(inner: &mut Inner, user: &str, ids: &[i64], now: i64) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let all = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() != ids.len() {
        return Err(ApiError::invalid_param(
            "media.media_ids",
            &all,
            "Your media IDs are invalid.",
        ));
    }
    let processing = inner.settings.limits.media_processing;
    let mut kinds = Vec::new();
    for &id in ids {
        let invalid = || {
            ApiError::invalid_param(
                "media.media_ids",
                &id.to_string(),
                "Your media IDs are invalid.",
            )
        };
        let Some(mut m) = inner.store.media(id)? else {
            return Err(invalid());
        };
        if m.owner != user || now >= m.expires_at {
            return Err(invalid());
        }
        if advance_processing(&mut m, now, processing, false) {
            inner.store.save_media(&m)?;
        }
        match m.state.as_str() {
            "succeeded" => kinds.push(m.kind),
            "failed" => return Err(invalid()),
            _ => {
                return Err(ApiError::invalid_param(
                    "media.media_ids",
                    &id.to_string(),
                    format!(
                        "Media id {id} is not ready: finalize it and wait until processing has succeeded."
                    ),
                ));
            }
        }
    }
    let photos = kinds.iter().filter(|k| *k == "photo").count();
    if photos != kinds.len() && kinds.len() > 1 {
        return Err(ApiError::invalid_param(
            "media.media_ids",
            &all,
            "Your media IDs are invalid: attach up to four photos, or one GIF, or one video, never a mix.",
        ));
    }
    Ok(())
}

/// The text X returns for a post: every URL replaced by a t.co link and, for a post with
/// media, the media's t.co link at the end.
pub(crate) fn returned_text(post: &PostRow, media_link: bool) -> String {
    let units: Vec<u16> = post.text.encode_utf16().collect();
    let mut out: Vec<u16> = Vec::with_capacity(units.len());
    let mut at = 0;
    for (i, url) in extract_urls(&post.text).iter().enumerate() {
        if url.start < at || url.end > units.len() {
            continue;
        }
        out.extend_from_slice(&units[at..url.start]);
        out.extend(format!("https://t.co/{}", tco_slug(post.id, i)).encode_utf16());
        at = url.end;
    }
    out.extend_from_slice(&units[at..]);
    let mut text = String::from_utf16_lossy(&out);
    if media_link && !post.media_ids.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&format!("https://t.co/{}", tco_slug(post.id, 999)));
    }
    text
}

/// `DELETE /2/tweets/:id`. Deleting an already deleted post answers `deleted: true` again, so
/// a client that lost the first answer can retry.
pub(crate) async fn delete(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    PathId(id): PathId,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::DeletePost) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        let Some(post_id) = parse_id(&id) else {
            return Err(ApiError::invalid_param(
                "id",
                &id,
                format!("The `id` query parameter value [{id}] is not valid"),
            ));
        };
        let inner = world.lock();
        let Some(post) = inner.store.post(post_id)? else {
            return Err(ApiError::not_found("tweet", "id", &id));
        };
        if post.author_id != ctx.caller.user_id {
            return Err(ApiError::forbidden_detail(
                "You are not allowed to delete this Tweet.",
            ));
        }
        inner.store.mark_deleted(post_id, inner.now_ms())?;
        ok(StatusCode::OK, &json!({"data": {"deleted": true}}))
    })();
    ctx.finish(result)
}

/// `GET /2/users/me`.
pub(crate) async fn me(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::Me) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        let pairs = query_pairs(query.as_deref());
        known_params(
            &pairs,
            &["user.fields", "expansions", "tweet.fields", "post.fields"],
        )?;
        let mut fields = Vec::new();
        for (k, v) in &pairs {
            match k.as_str() {
                "user.fields" => fields = list_param(k, v, USER_FIELDS)?,
                "expansions" => {
                    list_param(
                        k,
                        v,
                        &[
                            "affiliation",
                            "most_recent_tweet_id",
                            "pinned_tweet_id",
                            "most_recent_post_id",
                            "pinned_post_id",
                        ],
                    )?;
                }
                _ => {
                    list_param(k, v, TWEET_FIELDS)?;
                }
            }
        }
        let inner = world.lock();
        let user = &world.user;
        let mut data = json!({"id": user.id, "name": user.name, "username": user.username});
        for f in &fields {
            let value = match f.as_str() {
                "created_at" => json!("2024-10-24T09:00:00.000Z"),
                "description" => json!("The Countersign sandbox account. Nothing here is public."),
                "verified" | "protected" | "parody" => json!(false),
                "verified_type" => json!("none"),
                "subscription_type" => json!("None"),
                "location" => json!("127.0.0.1"),
                "url" => json!(""),
                "profile_image_url" => json!(
                    "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
                ),
                "public_metrics" => json!({
                    "followers_count": 0, "following_count": 0, "listed_count": 0, "like_count": 0, "media_count": 0,
                    "tweet_count": inner.store.count_live_posts(&user.id)?,
                }),
                _ => continue,
            };
            data[f.as_str()] = value;
        }
        ok(StatusCode::OK, &json!({ "data": data }))
    })();
    ctx.finish(result)
}

/// `tweet.fields` / `post.fields` values X accepts (both names, old and new).
const TWEET_FIELDS: &[&str] = &[
    "article",
    "article_title",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "matched_media_notes",
    "media_metadata",
    "non_public_metrics",
    "note_post",
    "note_request_suggestions",
    "note_tweet",
    "organic_metrics",
    "paid_partnership",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "suggested_source_links",
    "suggested_source_links_with_counts",
    "text",
    "withheld",
];
const EXPANSIONS: &[&str] = &[
    "article.cover_media",
    "article.media_entities",
    "attachments.media_keys",
    "attachments.media_source_tweet",
    "attachments.poll_ids",
    "author_id",
    "edit_history_tweet_ids",
    "edit_history_post_ids",
    "entities.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
    "referenced_posts",
    "username",
];
const MEDIA_FIELDS: &[&str] = &[
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "non_public_metrics",
    "organic_metrics",
    "preview_image_url",
    "promoted_metrics",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
];
const LIST_PARAMS: &[&str] = &[
    "max_results",
    "pagination_token",
    "since_id",
    "until_id",
    "start_time",
    "end_time",
    "exclude",
    "tweet.fields",
    "post.fields",
    "expansions",
    "media.fields",
    "poll.fields",
    "place.fields",
    "user.fields",
];

/// A timeline request (the account's posts or its mentions), validated.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub max_results: usize,
    pub page_below: Option<i64>,
    pub since_id: Option<i64>,
    pub until_id: Option<i64>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub exclude_replies: bool,
    pub fields: Vec<String>,
    pub expansions: Vec<String>,
    pub media_fields: Vec<String>,
    pub user_fields: Vec<String>,
}

/// Validates a timeline's query against the parameters the endpoint knows (`known`).
pub(crate) fn parse_listing(
    pairs: &[(String, String)],
    known: &[&str],
) -> Result<Listing, ApiError> {
    known_params(pairs, known)?;
    let mut l = Listing {
        max_results: 10,
        ..Default::default()
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
                    .filter(|n| (5..=100).contains(n))
                    .ok_or_else(|| bad(k, v, "is not between 5 and 100"))?;
            }
            "pagination_token" => {
                l.page_below = Some(parse_page_token(v).ok_or_else(|| bad(k, v, "is not valid"))?);
            }
            "since_id" => {
                l.since_id =
                    Some(parse_id(v).ok_or_else(|| bad(k, v, "does not match ^[0-9]{1,19}$"))?)
            }
            "until_id" => {
                l.until_id =
                    Some(parse_id(v).ok_or_else(|| bad(k, v, "does not match ^[0-9]{1,19}$"))?)
            }
            "start_time" | "end_time" => {
                // X reads both at second granularity, inclusive: `end_time=…:01Z` includes
                // every post of that second.
                let ts: jiff::Timestamp = v
                    .parse()
                    .map_err(|_| bad(k, v, "is not a valid RFC 3339 date-time"))?;
                let second_ms = ts.as_second().saturating_mul(1000);
                if k == "start_time" {
                    l.start_ms = Some(second_ms);
                } else {
                    l.end_ms = Some(second_ms.saturating_add(999));
                }
            }
            "exclude" => {
                l.exclude_replies = list_param(k, v, &["replies", "retweets"])?
                    .iter()
                    .any(|e| e == "replies")
            }
            "tweet.fields" | "post.fields" => l.fields.extend(list_param(k, v, TWEET_FIELDS)?),
            "expansions" => l.expansions = list_param(k, v, EXPANSIONS)?,
            "media.fields" => l.media_fields = list_param(k, v, MEDIA_FIELDS)?,
            "user.fields" => l.user_fields = list_param(k, v, USER_FIELDS)?,
            "poll.fields" => {
                list_param(
                    k,
                    v,
                    &[
                        "duration_minutes",
                        "end_datetime",
                        "id",
                        "options",
                        "voting_status",
                    ],
                )?;
            }
            _ => {
                list_param(
                    k,
                    v,
                    &[
                        "contained_within",
                        "country",
                        "country_code",
                        "full_name",
                        "geo",
                        "id",
                        "name",
                        "place_type",
                    ],
                )?;
            }
        }
    }
    if let (Some(start), Some(end)) = (l.start_ms, l.end_ms)
        && end <= start
    {
        return Err(ApiError::invalid_message(
            "The `end_time` query parameter value must be after the `start_time`",
        ));
    }
    if let (Some(since), Some(until)) = (l.since_id, l.until_id)
        && until <= since
    {
        return Err(ApiError::invalid_message(
            "The `until_id` query parameter value must be greater than the `since_id`",
        ));
    }
    Ok(l)
}

/// `GET /2/users/:id/tweets`: the user's live posts, newest first, with X's `meta`.
pub(crate) async fn timeline(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::UserPosts) {
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
        let listing = parse_listing(&query_pairs(query.as_deref()), LIST_PARAMS)?;
        if id != world.user.id {
            return crate::conversations::not_found_user(&id);
        }
        let inner = world.lock();
        let reachable = inner.store.live_posts(&id, REACHABLE_POSTS)?;
        let candidates: Vec<&PostRow> = reachable
            .iter()
            .filter(|p| !listing.exclude_replies || p.reply_to.is_none())
            .collect();
        let (page, mut body) = listed(&inner, candidates, &listing)?;
        let includes = includes(&inner, &world, &page, &listing)?;
        if !includes.is_empty() {
            body["includes"] = Value::Object(includes);
        }
        ok(StatusCode::OK, &body)
    })();
    ctx.finish(result)
}

/// A timeline's page of `candidates` (newest first) as X answers it: the listing's id, time
/// and page bounds applied, `max_results` of them with X's `meta` (and `next_token` when more
/// match), and `data` with the asked-for fields. Returns the page for the caller's `includes`.
pub(crate) fn listed<'a>(
    inner: &Inner,
    candidates: Vec<&'a PostRow>,
    listing: &Listing,
) -> Result<(Vec<&'a PostRow>, Value), ApiError> {
    let quirks = inner.settings.quirks;
    let matching: Vec<&PostRow> = candidates
        .into_iter()
        .filter(|p| listing.since_id.is_none_or(|s| p.id > s))
        .filter(|p| listing.until_id.is_none_or(|u| p.id < u))
        .filter(|p| listing.start_ms.is_none_or(|s| p.created_at >= s))
        .filter(|p| listing.end_ms.is_none_or(|e| p.created_at <= e))
        .filter(|p| listing.page_below.is_none_or(|below| p.id < below))
        .collect();
    let page: Vec<&PostRow> = matching.iter().take(listing.max_results).copied().collect();
    let mut meta = json!({"result_count": page.len()});
    if let (Some(newest), Some(oldest)) = (page.first(), page.last()) {
        meta["newest_id"] = json!(newest.id.to_string());
        meta["oldest_id"] = json!(oldest.id.to_string());
        if matching.len() > page.len() {
            meta["next_token"] = json!(page_token(oldest.id));
        }
    }
    let mut body = json!({ "meta": meta });
    if !page.is_empty() || quirks.empty_listing_data {
        let mut data = Vec::with_capacity(page.len());
        for post in &page {
            data.push(post_json(
                inner,
                post,
                &listing.fields,
                quirks.media_link_in_text,
            )?);
        }
        body["data"] = Value::Array(data);
    }
    Ok((page, body))
}

/// One post as X's Post object, with the requested `tweet.fields`.
pub(crate) fn post_json(
    inner: &Inner,
    post: &PostRow,
    fields: &[String],
    media_link: bool,
) -> Result<Value, ApiError> {
    let id = post.id.to_string();
    let mut v =
        json!({"id": id, "text": returned_text(post, media_link), "edit_history_tweet_ids": [id]});
    for f in fields {
        let value = match f.as_str() {
            "created_at" => json!(rfc3339_ms(post.created_at)),
            "author_id" => json!(post.author_id),
            "conversation_id" => json!(conversation_root(inner, post)?.to_string()),
            "in_reply_to_user_id" => match post.reply_to {
                Some(target) => match inner.store.post(target)? {
                    Some(p) => json!(p.author_id),
                    None => continue,
                },
                None => continue,
            },
            "referenced_tweets" => {
                let mut refs = Vec::new();
                if let Some(t) = post.reply_to {
                    refs.push(json!({"type": "replied_to", "id": t.to_string()}));
                }
                if let Some(q) = post.quote_of {
                    refs.push(json!({"type": "quoted", "id": q.to_string()}));
                }
                if refs.is_empty() {
                    continue;
                }
                Value::Array(refs)
            }
            "attachments" => {
                if post.media_ids.is_empty() {
                    continue;
                }
                let mut keys = Vec::new();
                for id in &post.media_ids {
                    if let Some(m) = inner.store.media(*id)? {
                        keys.push(json!(media_key(&m)));
                    }
                }
                json!({"media_keys": keys})
            }
            "reply_settings" => json!(post.reply_settings.as_deref().unwrap_or("everyone")),
            "lang" => json!("en"),
            "possibly_sensitive" => json!(false),
            "public_metrics" => json!({
                "retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0, "bookmark_count": 0, "impression_count": 0,
            }),
            _ => continue,
        };
        v[f.as_str()] = value;
    }
    Ok(v)
}

/// The first post of the thread `post` belongs to.
fn conversation_root(inner: &Inner, post: &PostRow) -> Result<i64, ApiError> {
    let mut root = post.id;
    let mut next = post.reply_to;
    let mut hops = 0;
    while let Some(id) = next {
        root = id;
        hops += 1;
        if hops > 10_000 {
            break;
        }
        next = inner.store.post(id)?.and_then(|p| p.reply_to);
    }
    Ok(root)
}

/// `includes` for the `author_id` and `attachments.media_keys` expansions.
fn includes(
    inner: &Inner,
    world: &World,
    page: &[&PostRow],
    listing: &Listing,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    if page.is_empty() {
        return Ok(out);
    }
    if listing.expansions.iter().any(|e| e == "author_id") {
        let u = &world.user;
        let mut user = json!({"id": u.id, "name": u.name, "username": u.username});
        for f in &listing.user_fields {
            if f == "verified" || f == "protected" {
                user[f.as_str()] = json!(false);
            }
        }
        out.insert("users".into(), json!([user]));
    }
    if listing
        .expansions
        .iter()
        .any(|e| e == "attachments.media_keys")
    {
        let mut media = Vec::new();
        for post in page {
            for id in &post.media_ids {
                if let Some(m) = inner.store.media(*id)? {
                    media.push(media_json(&m, &listing.media_fields));
                }
            }
        }
        if !media.is_empty() {
            out.insert("media".into(), Value::Array(media));
        }
    }
    Ok(out)
}

fn media_json(m: &MediaRow, fields: &[String]) -> Value {
    let mut v = json!({"media_key": media_key(m), "type": m.kind});
    for f in fields {
        if f == "alt_text"
            && let Some(alt) = &m.alt_text
        {
            v["alt_text"] = json!(alt);
        }
    }
    v
}

/// X's timestamp format: RFC 3339, UTC, milliseconds.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(text: &str, media: Vec<i64>) -> PostRow {
        PostRow {
            id: 42,
            author_id: "1".into(),
            text: text.into(),
            reply_to: None,
            quote_of: None,
            media_ids: media,
            reply_settings: None,
            poll: None,
            created_at: 0,
            deleted_at: None,
        }
    }

    #[test]
    fn urls_become_tco_links() {
        let t = returned_text(
            &post("see example.com and https://x.com/a?b=1 now", vec![]),
            true,
        );
        let words: Vec<&str> = t.split(' ').collect();
        assert_eq!(words[0], "see");
        assert!(
            words[1].starts_with("https://t.co/") && words[1].len() == 23,
            "{t}"
        );
        assert_eq!(words[2], "and");
        assert!(
            words[3].starts_with("https://t.co/") && words[3].len() == 23,
            "{t}"
        );
        assert_eq!(words[4], "now");
        assert_ne!(words[1], words[3]);
    }

    #[test]
    fn media_posts_end_with_a_media_link() {
        let t = returned_text(&post("🇯🇵 hi", vec![1]), true);
        assert!(t.starts_with("🇯🇵 hi https://t.co/"), "{t}");
        assert_eq!(returned_text(&post("", vec![1]), true).len(), 23);
        assert_eq!(returned_text(&post("hi", vec![1]), false), "hi");
    }

    #[test]
    fn timestamps_have_milliseconds() {
        assert_eq!(rfc3339_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}
