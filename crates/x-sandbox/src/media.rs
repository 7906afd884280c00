//! Media upload (v2): one-shot upload, chunked initialize / append / finalize, STATUS polling
//! and alt text. Uploads are checked by their bytes, not their declared type; GIFs and videos
//! go through processing (`pending` → `in_progress` → `succeeded`) before a post may use them.
//!
//! Only the first [`HEAD_MAX`] bytes of a file are kept (enough to sniff it and read its
//! headers); sizes are counted exactly, so X's size limits hold for any file.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::api::{PathId, Schema, gate, json_object, ok, parse_id, query_pairs, read_body};
use crate::problem::ApiError;
use crate::sniff::{Sniffed, sniff};
use crate::store::MediaRow;
use crate::world::{Endpoint, Inner, World, duration_ms};

/// Bytes kept from the start of every upload.
pub(crate) const HEAD_MAX: usize = 1024 * 1024;
const MAX_IMAGE_BYTES: i64 = 5 * 1024 * 1024;
const MAX_GIF_BYTES: i64 = 15 * 1024 * 1024;
const MAX_VIDEO_BYTES: i64 = 512 * 1024 * 1024;
const CATEGORIES: &[&str] = &[
    "amplify_video",
    "tweet_gif",
    "tweet_image",
    "tweet_video",
    "dm_gif",
    "dm_image",
    "dm_video",
    "subtitles",
];

/// Marks a request that a `media_processing_failed` fault hit (set by the server).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FailProcessing;

/// X's media key: type prefix (3 photo, 16 animated GIF, 7 video) and id.
pub(crate) fn media_key(m: &MediaRow) -> String {
    let prefix = match m.kind.as_str() {
        "animated_gif" => 16,
        "video" => 7,
        _ => 3,
    };
    format!("{prefix}_{}", m.id)
}

/// What a category accepts: `(kind, largest size, MIME types)`.
fn category_rule(category: &str) -> Option<(&'static str, i64, &'static [&'static str])> {
    match category {
        "tweet_image" => Some((
            "photo",
            MAX_IMAGE_BYTES,
            &["image/png", "image/jpeg", "image/gif", "image/webp"],
        )),
        "tweet_gif" => Some(("animated_gif", MAX_GIF_BYTES, &["image/gif"])),
        "tweet_video" => Some(("video", MAX_VIDEO_BYTES, &["video/mp4", "video/quicktime"])),
        _ => None,
    }
}

fn check_category(
    category: &str,
) -> Result<(&'static str, i64, &'static [&'static str]), ApiError> {
    if !CATEGORIES.contains(&category) {
        return Err(ApiError::invalid_param(
            "media_category",
            category,
            format!(
                "The `media_category` value [{category}] is not one of [{}]",
                CATEGORIES.join(",")
            ),
        ));
    }
    category_rule(category).ok_or_else(|| {
        ApiError::invalid_param(
            "media_category",
            category,
            format!("media_category [{category}] cannot be attached to a post; use tweet_image, tweet_gif or tweet_video"),
        )
    })
}

/// Why processing of a GIF or video will fail, from what its bytes say.
fn processing_problem(category: &str, declared: &str, sniffed: Option<&Sniffed>) -> Option<String> {
    let Some(s) = sniffed else {
        return Some("Invalid or Unsupported media, Reason: UnsupportedMedia.".into());
    };
    fn family(m: &str) -> &str {
        if m == "video/quicktime" {
            "video/mp4"
        } else {
            m
        }
    }
    if family(s.mime) != family(declared) {
        return Some(format!(
            "Invalid or Unsupported media, Reason: the file is {}, not {declared}.",
            s.mime
        ));
    }
    match category {
        "tweet_gif" => {
            if s.width.is_some_and(|w| w > 1280) || s.height.is_some_and(|h| h > 1080) {
                return Some(
                    "Invalid or Unsupported media, Reason: GIF dimensions exceed 1280x1080.".into(),
                );
            }
            if s.frames.is_some_and(|f| f > 350) {
                return Some(
                    "Invalid or Unsupported media, Reason: GIF has more than 350 frames.".into(),
                );
            }
            None
        }
        "tweet_video" => match s.duration_ms {
            Some(d) if !(500..=140_000).contains(&d) => Some(format!(
                "Invalid or Unsupported media, Reason: video duration {}.{:03} s is outside 0.5 to 140 s.",
                d / 1000,
                d % 1000
            )),
            _ => None,
        },
        _ => None,
    }
}

/// Moves a finalized GIF or video through processing: each STATUS poll (`poll`) is a step,
/// and the configured processing time (on the sandbox clock) finishes it regardless. Returns
/// whether the row changed.
pub(crate) fn advance_processing(
    m: &mut MediaRow,
    now: i64,
    processing: Duration,
    poll: bool,
) -> bool {
    if m.state != "pending" && m.state != "in_progress" {
        return false;
    }
    if poll {
        m.polls += 1;
    }
    let elapsed = now - m.finalized_at.unwrap_or(now);
    let total = duration_ms(processing).max(1);
    let state = if elapsed >= total || m.polls >= 3 {
        if m.fail || m.error.is_some() {
            "failed"
        } else {
            "succeeded"
        }
    } else if m.polls >= 1 || elapsed.saturating_mul(2) >= total {
        "in_progress"
    } else {
        "pending"
    };
    let changed = poll || state != m.state;
    m.state = state.to_owned();
    if state == "failed" && m.error.is_none() {
        m.error = Some("Invalid or Unsupported media, Reason: UnsupportedMedia.".into());
    }
    changed
}

/// The `data` object of upload, finalize and STATUS responses.
fn media_data(m: &MediaRow, now: i64, processing: Duration) -> Value {
    let mut data = json!({
        "id": m.id.to_string(),
        "media_key": media_key(m),
        "size": m.total_bytes,
        "expires_after_secs": (m.expires_at - now).max(0) / 1000,
    });
    if m.kind == "photo" {
        if let Some(s) = sniff(&m.head, false)
            && let (Some(w), Some(h)) = (s.width, s.height)
        {
            data["image"] = json!({"image_type": m.mime, "w": w, "h": h});
        }
    } else {
        if m.kind == "video" {
            data["video"] = json!({"video_type": m.mime});
        }
        let total = duration_ms(processing).max(1);
        let elapsed = now - m.finalized_at.unwrap_or(now);
        let mut info = json!({"state": m.state});
        match m.state.as_str() {
            "pending" => {
                info["check_after_secs"] = json!(1);
                info["progress_percent"] = json!(0);
            }
            "in_progress" => {
                let by_time = elapsed.saturating_mul(100) / total;
                info["check_after_secs"] = json!(1);
                info["progress_percent"] = json!(by_time.max(m.polls * 33).clamp(1, 99));
            }
            "succeeded" => info["progress_percent"] = json!(100),
            "failed" => {
                info["progress_percent"] = json!(100);
                info["error"] = json!({
                    "code": 1,
                    "name": "InvalidMedia",
                    "message": m.error.clone().unwrap_or_default(),
                });
            }
            _ => return data,
        }
        data["processing_info"] = info;
    }
    data
}

/// The fields of a multipart (or base64 JSON) upload body.
#[derive(Debug, Default)]
struct Upload {
    head: Vec<u8>,
    size: i64,
    has_media: bool,
    fields: HashMap<String, String>,
}

impl Upload {
    fn take(&mut self, bytes: &[u8]) {
        self.has_media = true;
        self.size += i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let room = HEAD_MAX.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }
}

/// Reads an upload body: `multipart/form-data` (the `media` part streamed, not buffered) or
/// JSON with `media` as base64. Only `allowed` fields may appear.
async fn read_upload(request: Request, allowed: &[&str], max: i64) -> Result<Upload, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut upload = Upload::default();
    if content_type.starts_with("application/json") {
        let body = read_body(Bytes::from_request(request, &()).await)?;
        let object = json_object(&body)?;
        let mut schema = Schema::default();
        schema.only("$", &object, allowed);
        for (key, value) in &object {
            match value {
                Value::String(s) if key == "media" => match STANDARD.decode(s) {
                    Ok(bytes) => upload.take(&bytes),
                    Err(_) => schema.fail("$.media", "is not valid base64"),
                },
                Value::String(s) => {
                    upload.fields.insert(key.clone(), s.clone());
                }
                Value::Number(n) => {
                    upload.fields.insert(key.clone(), n.to_string());
                }
                other => schema.wrong_type(&format!("$.{key}"), other, "string"),
            }
        }
        schema.finish()?;
    } else {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| {
            ApiError::invalid_message(format!(
                "Expected a multipart/form-data body with a `media` part: {e}"
            ))
        })?;
        let bad = |e: axum::extract::multipart::MultipartError| {
            ApiError::invalid_message(format!("The multipart body could not be read: {e}"))
        };
        while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_owned();
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::invalid_param(
                    &name,
                    "",
                    format!(
                        "The form field [{name}] is not one of [{}]",
                        allowed.join(",")
                    ),
                ));
            }
            if name == "media" {
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    upload.take(&chunk);
                    if upload.size > max {
                        return Err(too_large(max));
                    }
                }
            } else {
                let text = field.text().await.map_err(bad)?;
                upload.fields.insert(name, text);
            }
        }
    }
    if !upload.has_media {
        return Err(ApiError::invalid_param(
            "media",
            "",
            "The `media` field is required.",
        ));
    }
    if upload.size > max {
        return Err(too_large(max));
    }
    Ok(upload)
}

fn too_large(max: i64) -> ApiError {
    ApiError::invalid_param("media", "", format!("File size exceeds {max} bytes."))
}

fn lookup(inner: &Inner, user: &str, id_text: &str, parameter: &str) -> Result<MediaRow, ApiError> {
    let not_found = || ApiError::not_found("media", parameter, id_text);
    let id = parse_id(id_text).ok_or_else(|| {
        ApiError::invalid_param(
            parameter,
            id_text,
            format!("The `{parameter}` value [{id_text}] is not a valid media id"),
        )
    })?;
    let m = inner.store.media(id)?.ok_or_else(not_found)?;
    if m.owner != user || inner.now_ms() >= m.expires_at {
        return Err(not_found());
    }
    Ok(m)
}

/// `POST /2/media/upload`: the whole file in one request.
pub(crate) async fn upload(State(world): State<Arc<World>>, request: Request) -> Response {
    let ctx = match gate(&world, request.headers(), Endpoint::MediaUpload) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let fail = request.extensions().get::<FailProcessing>().is_some();
    let result: Result<Response, ApiError> = async {
        let upload = read_upload(request, &["media", "media_category", "additional_owners"], MAX_VIDEO_BYTES).await?;
        let category = upload
            .fields
            .get("media_category")
            .ok_or_else(|| ApiError::invalid_param("media_category", "", "The `media_category` field is required."))?;
        let (kind, max, mimes) = check_category(category)?;
        if upload.size > max {
            return Err(too_large(max));
        }
        let sniffed = sniff(&upload.head, upload.head.len() as i64 == upload.size);
        let Some(s) = sniffed.filter(|s| mimes.contains(&s.mime)) else {
            return Err(ApiError::invalid_param(
                "media",
                "",
                format!("The file is not a supported type for media_category [{category}] (accepted: {}).", mimes.join(", ")),
            ));
        };
        if upload.size == 0 {
            return Err(ApiError::invalid_param("media", "", "The file is empty."));
        }
        let mut inner = world.lock();
        let now = inner.now_ms();
        let id = inner.next_id();
        let limits = &inner.settings.limits;
        let (expiry, processing) = (duration_ms(limits.media_expiry), limits.media_processing);
        let photo = kind == "photo";
        let row = MediaRow {
            id,
            owner: ctx.caller.user_id.clone(),
            category: category.clone(),
            mime: s.mime.to_owned(),
            kind: kind.to_owned(),
            total_bytes: upload.size,
            head: upload.head,
            state: if photo { "succeeded" } else { "pending" }.to_owned(),
            created_at: now,
            finalized_at: Some(now),
            expires_at: now.saturating_add(expiry),
            alt_text: None,
            error: if photo { None } else { processing_problem(category, s.mime, Some(&s)) },
            polls: 0,
            fail: fail && !photo,
        };
        inner.store.save_media(&row)?;
        ok(StatusCode::OK, &json!({"data": media_data(&row, now, processing)}))
    }
    .await;
    ctx.finish(result)
}

/// `POST /2/media/upload/initialize`: announces a chunked upload.
pub(crate) async fn initialize(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::MediaInitialize) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        let object = json_object(&read_body(body)?)?;
        let mut schema = Schema::default();
        schema.only(
            "$",
            &object,
            &[
                "additional_owners",
                "media_category",
                "media_type",
                "shared",
                "total_bytes",
            ],
        );
        schema.required("$", &object, "media_type");
        schema.required("$", &object, "total_bytes");
        schema.boolean("$.shared", object.get("shared"));
        let media_type = schema
            .string("$.media_type", object.get("media_type"))
            .map(str::to_owned);
        let category = schema
            .string("$.media_category", object.get("media_category"))
            .map(str::to_owned);
        let total = match object.get("total_bytes") {
            Some(Value::Number(n)) => match n.as_i64() {
                Some(t) if t >= 0 => Some(t),
                _ => {
                    schema.fail("$.total_bytes", "must have a minimum value of 0");
                    None
                }
            },
            Some(other) => {
                schema.wrong_type("$.total_bytes", other, "integer");
                None
            }
            None => None,
        };
        schema.finish()?;
        let (Some(media_type), Some(total)) = (media_type, total) else {
            return Err(ApiError::invalid_message(
                "$: media_type and total_bytes are required",
            ));
        };
        let category = category.unwrap_or_else(|| {
            if media_type.starts_with("video/") {
                "tweet_video".into()
            } else {
                "tweet_image".into()
            }
        });
        let (kind, max, mimes) = check_category(&category)?;
        let mime = if media_type == "image/pjpeg" {
            "image/jpeg".to_owned()
        } else {
            media_type.clone()
        };
        if !mimes.contains(&mime.as_str()) {
            return Err(ApiError::invalid_param(
                "media_type",
                &media_type,
                format!(
                    "media_type [{media_type}] is not accepted for media_category [{category}] (accepted: {}).",
                    mimes.join(", ")
                ),
            ));
        }
        if total == 0 || total > max {
            return Err(ApiError::invalid_param(
                "total_bytes",
                &total.to_string(),
                format!("total_bytes must be between 1 and {max} for media_category [{category}]."),
            ));
        }
        let mut inner = world.lock();
        let now = inner.now_ms();
        let id = inner.next_id();
        let expiry = duration_ms(inner.settings.limits.media_expiry);
        let row = MediaRow {
            id,
            owner: ctx.caller.user_id.clone(),
            category,
            mime,
            kind: kind.to_owned(),
            total_bytes: total,
            head: Vec::new(),
            state: "uploading".into(),
            created_at: now,
            finalized_at: None,
            expires_at: now.saturating_add(expiry),
            alt_text: None,
            error: None,
            polls: 0,
            fail: false,
        };
        inner.store.save_media(&row)?;
        ok(
            StatusCode::OK,
            &json!({"data": {"id": id.to_string(), "media_key": media_key(&row), "expires_after_secs": expiry / 1000}}),
        )
    })();
    ctx.finish(result)
}

/// `POST /2/media/upload/{id}/append`: one segment (`segment_index` 0..=999).
pub(crate) async fn append(
    State(world): State<Arc<World>>,
    PathId(id): PathId,
    request: Request,
) -> Response {
    let ctx = match gate(&world, request.headers(), Endpoint::MediaAppend) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result: Result<Response, ApiError> = async {
        let (total, media_id) = {
            let inner = world.lock();
            let m = lookup(&inner, &ctx.caller.user_id, &id, "id")?;
            if m.state != "uploading" {
                return Err(ApiError::invalid_param(
                    "id",
                    &id,
                    "This upload has been finalized; it takes no more segments.",
                ));
            }
            (m.total_bytes, m.id)
        };
        let upload = read_upload(request, &["media", "segment_index"], total).await?;
        let index_text = upload
            .fields
            .get("segment_index")
            .cloned()
            .unwrap_or_default();
        let index = index_text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|i| (0..=999).contains(i))
            .ok_or_else(|| {
                ApiError::invalid_param(
                    "segment_index",
                    &index_text,
                    "The `segment_index` field is required and must be an integer from 0 to 999.",
                )
            })?;
        let inner = world.lock();
        let mut m = lookup(&inner, &ctx.caller.user_id, &id, "id")?;
        let others: i64 = inner
            .store
            .segments(media_id)?
            .iter()
            .filter(|(i, _)| *i != index)
            .map(|(_, s)| s)
            .sum();
        if others + upload.size > m.total_bytes {
            return Err(ApiError::invalid_param(
                "media",
                "",
                format!(
                    "The segments add up to more than the total_bytes ({}) given at initialize.",
                    m.total_bytes
                ),
            ));
        }
        inner.store.put_segment(media_id, index, upload.size)?;
        if index == 0 {
            m.head = upload.head;
            inner.store.save_media(&m)?;
        }
        ok(
            StatusCode::OK,
            &json!({"data": {"expires_at": m.expires_at / 1000}}),
        )
    }
    .await;
    ctx.finish(result)
}

/// `POST /2/media/upload/{id}/finalize`: checks the segments add up and starts processing.
pub(crate) async fn finalize(
    State(world): State<Arc<World>>,
    PathId(id): PathId,
    request: Request,
) -> Response {
    let ctx = match gate(&world, request.headers(), Endpoint::MediaFinalize) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let fail = request.extensions().get::<FailProcessing>().is_some();
    let result = (|| {
        let inner = world.lock();
        let now = inner.now_ms();
        let processing = inner.settings.limits.media_processing;
        let mut m = lookup(&inner, &ctx.caller.user_id, &id, "id")?;
        if m.state != "uploading" {
            // Finalizing twice answers with the upload's current state.
            return ok(
                StatusCode::OK,
                &json!({"data": media_data(&m, now, processing)}),
            );
        }
        let segments = inner.store.segments(m.id)?;
        let contiguous = segments
            .iter()
            .enumerate()
            .all(|(i, (index, _))| i64::try_from(i).ok() == Some(*index));
        let received: i64 = segments.iter().map(|(_, s)| s).sum();
        if segments.is_empty() || !contiguous || received != m.total_bytes {
            return Err(ApiError::invalid_param(
                "id",
                &id,
                format!(
                    "The uploaded segments do not make up the file: {} segment(s), {received} of {} bytes, indices must run 0, 1, 2, …",
                    segments.len(),
                    m.total_bytes
                ),
            ));
        }
        let complete = m.head.len() as i64 == m.total_bytes;
        let sniffed = sniff(&m.head, complete);
        m.finalized_at = Some(now);
        if m.kind == "photo" {
            let family_ok = sniffed.is_some_and(|s| s.mime == m.mime);
            if !family_ok {
                return Err(ApiError::invalid_param(
                    "id",
                    &id,
                    format!(
                        "The uploaded bytes are not {}: the media is invalid or unsupported.",
                        m.mime
                    ),
                ));
            }
            m.state = "succeeded".into();
        } else {
            m.state = "pending".into();
            m.error = processing_problem(&m.category, &m.mime, sniffed.as_ref());
            m.fail = fail;
        }
        inner.store.save_media(&m)?;
        ok(
            StatusCode::OK,
            &json!({"data": media_data(&m, now, processing)}),
        )
    })();
    ctx.finish(result)
}

/// `GET /2/media/upload?command=STATUS&media_id=…`: processing progress; each poll advances it.
pub(crate) async fn status(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::MediaStatus) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        let pairs = query_pairs(query.as_deref());
        crate::api::known_params(&pairs, &["command", "media_id"])?;
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if let Some(command) = get("command")
            && command != "STATUS"
        {
            return Err(ApiError::invalid_param(
                "command",
                command,
                "The `command` value must be STATUS.",
            ));
        }
        let Some(media_id) = get("media_id") else {
            return Err(ApiError::invalid_param(
                "media_id",
                "",
                "The `media_id` query parameter is required.",
            ));
        };
        let inner = world.lock();
        let now = inner.now_ms();
        let processing = inner.settings.limits.media_processing;
        let mut m = lookup(&inner, &ctx.caller.user_id, media_id, "media_id")?;
        if m.state == "uploading" {
            return Err(ApiError::invalid_param(
                "media_id",
                media_id,
                "This upload has not been finalized.",
            ));
        }
        if advance_processing(&mut m, now, processing, true) {
            inner.store.save_media(&m)?;
        }
        ok(
            StatusCode::OK,
            &json!({"data": media_data(&m, now, processing)}),
        )
    })();
    ctx.finish(result)
}

/// `POST /2/media/metadata`: alt text (at most 1,000 characters).
pub(crate) async fn metadata(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let ctx = match gate(&world, &headers, Endpoint::MediaMetadata) {
        Ok(ctx) => ctx,
        Err(refusal) => return *refusal,
    };
    let result = (|| {
        let object = json_object(&read_body(body)?)?;
        let mut schema = Schema::default();
        schema.only("$", &object, &["id", "metadata"]);
        schema.required("$", &object, "id");
        let id = schema.string("$.id", object.get("id")).map(str::to_owned);
        if id.as_deref().is_some_and(|i| parse_id(i).is_none()) {
            schema.fail("$.id", "does not match the regex pattern ^[0-9]{1,19}$");
        }
        let mut alt = None;
        if let Some(meta) = schema.object("$.metadata", object.get("metadata")) {
            schema.only(
                "$.metadata",
                meta,
                &[
                    "allow_download_status",
                    "alt_text",
                    "audience_policy",
                    "content_expiration",
                    "domain_restrictions",
                    "found_media_origin",
                    "geo_restrictions",
                    "management_info",
                    "preview_image",
                    "sensitive_media_warning",
                    "shared_info",
                    "sticker_info",
                    "upload_source",
                ],
            );
            if let Some(a) = schema.object("$.metadata.alt_text", meta.get("alt_text")) {
                schema.only("$.metadata.alt_text", a, &["text"]);
                schema.required("$.metadata.alt_text", a, "text");
                if let Some(text) = schema.string("$.metadata.alt_text.text", a.get("text")) {
                    if text.chars().count() > 1000 {
                        schema.fail(
                            "$.metadata.alt_text.text",
                            "may only be 1000 characters long",
                        );
                    }
                    alt = Some(text.to_owned());
                }
            }
        }
        schema.finish()?;
        let id = id.unwrap_or_default();
        let inner = world.lock();
        let mut m = lookup(&inner, &ctx.caller.user_id, &id, "id")?;
        let mut associated = json!({});
        if let Some(text) = alt {
            associated["alt_text"] = json!({"text": text});
            m.alt_text = Some(text);
            inner.store.save_media(&m)?;
        }
        ok(
            StatusCode::OK,
            &json!({"data": {"id": id, "associated_metadata": associated}}),
        )
    })();
    ctx.finish(result)
}
