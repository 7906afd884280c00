//! Media upload (v2): one request for images; initialize, append, finalize and status polling
//! for GIFs and video; then alt text.
//!
//! Uploaded media expire after about a day, so upload close to posting time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tracing::{debug, info};
use url::Url;

use crate::budget::Endpoint;
use crate::client::XClient;
use crate::error::XError;
use crate::http::{Field, Request};

/// Bytes per appended segment. X accepts up to 5 MB per chunk; 2 MiB keeps a retry after a
/// failed segment cheap on slow uplinks and a 512 MB video within X's 1,000 segments.
pub const SEGMENT_BYTES: usize = 2 * 1024 * 1024;

/// A segment may take longer than an ordinary request: the configured request timeout plus one
/// second per this many bytes (a slow 64 KiB/s uplink still gets through).
const SLOWEST_UPLOAD_BYTES_PER_SEC: usize = 64 * 1024;

/// How long to wait for X to process a video before giving up.
const PROCESSING_LIMIT: Duration = Duration::from_secs(15 * 60);

/// Polls never come faster or slower than this, whatever `check_after_secs` says.
const MIN_POLL: Duration = Duration::from_secs(1);
const MAX_POLL: Duration = Duration::from_secs(60);

/// X's limit for alt text, in characters.
pub const ALT_TEXT_LIMIT: usize = 1000;

/// What kind of media is being uploaded (X's `media_category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A still image (JPG, PNG, WEBP, or a GIF posted as a still): one-shot upload.
    Image,
    /// An animated GIF: chunked upload with processing.
    Gif,
    /// An MP4 video: chunked upload with processing.
    Video,
}

impl MediaKind {
    fn category(self) -> &'static str {
        match self {
            MediaKind::Image => "tweet_image",
            MediaKind::Gif => "tweet_gif",
            MediaKind::Video => "tweet_video",
        }
    }
}

/// Where the media bytes come from. A file is read one segment at a time, so a large video
/// never sits whole in memory.
#[derive(Debug, Clone)]
pub enum MediaSource {
    /// Bytes already in memory.
    Bytes(Vec<u8>),
    /// A file on disk (Countersign keeps attachments as `media/<sha256>.<ext>`).
    File(PathBuf),
}

impl From<Vec<u8>> for MediaSource {
    fn from(bytes: Vec<u8>) -> Self {
        MediaSource::Bytes(bytes)
    }
}

impl From<PathBuf> for MediaSource {
    fn from(path: PathBuf) -> Self {
        MediaSource::File(path)
    }
}

impl From<&Path> for MediaSource {
    fn from(path: &Path) -> Self {
        MediaSource::File(path.to_path_buf())
    }
}

/// Reads a source in segments.
enum Reader {
    Bytes { bytes: Vec<u8>, at: usize },
    File { file: tokio::fs::File, left: u64 },
}

impl Reader {
    async fn open(source: MediaSource) -> Result<(Reader, u64), XError> {
        match source {
            MediaSource::Bytes(bytes) => {
                let len = bytes.len() as u64;
                Ok((Reader::Bytes { bytes, at: 0 }, len))
            }
            MediaSource::File(path) => {
                let read_err = |e: std::io::Error| XError::MediaRead {
                    detail: format!("{}: {e}", path.display()),
                };
                let file = tokio::fs::File::open(&path).await.map_err(read_err)?;
                let len = file.metadata().await.map_err(read_err)?.len();
                Ok((Reader::File { file, left: len }, len))
            }
        }
    }

    /// The next segment of at most `max` bytes; empty at the end.
    async fn next(&mut self, max: usize) -> Result<Vec<u8>, XError> {
        match self {
            Reader::Bytes { bytes, at } => {
                let end = at.saturating_add(max).min(bytes.len());
                let chunk = bytes[*at..end].to_vec();
                *at = end;
                Ok(chunk)
            }
            Reader::File { file, left } => {
                let n = (*left).min(max as u64) as usize;
                let mut chunk = vec![0u8; n];
                file.read_exact(&mut chunk)
                    .await
                    .map_err(|e| XError::MediaRead {
                        detail: e.to_string(),
                    })?;
                *left -= n as u64;
                Ok(chunk)
            }
        }
    }
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Deserialize)]
struct Uploaded {
    id: String,
    #[serde(default)]
    processing_info: Option<Processing>,
}

#[derive(Deserialize, Debug)]
struct Processing {
    state: String,
    check_after_secs: Option<u64>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

impl XClient {
    fn media_url(&self, id: Option<&str>, last: Option<&str>) -> Result<Url, XError> {
        let mut url = self
            .inner
            .config
            .api_base
            .join("/2/media/upload")
            .map_err(|e| XError::Config {
                detail: format!("bad media URL: {e}"),
            })?;
        {
            let mut segments = url.path_segments_mut().map_err(|_| XError::Config {
                detail: "the API base URL cannot take a path".into(),
            })?;
            if let Some(id) = id {
                segments.push(id);
            }
            if let Some(last) = last {
                segments.push(last);
            }
        }
        Ok(url)
    }

    /// Uploads media for a post and returns its media id.
    ///
    /// Images go up in one request. GIFs and videos go up in segments of [`SEGMENT_BYTES`]
    /// (initialize, append each, finalize), then the client polls X's processing status, waiting
    /// as long as X's `check_after_secs` asks, until it succeeds or fails. With `alt_text`, the
    /// alt text is attached last (at most [`ALT_TEXT_LIMIT`] characters).
    pub async fn upload_media(
        &self,
        source: impl Into<MediaSource>,
        mime: &str,
        kind: MediaKind,
        alt_text: Option<&str>,
    ) -> Result<String, XError> {
        if let Some(alt) = alt_text
            && alt.chars().count() > ALT_TEXT_LIMIT
        {
            return Err(XError::InvalidRequest {
                detail: format!("alt text is over X's limit of {ALT_TEXT_LIMIT} characters"),
            });
        }
        let (mut reader, total) = Reader::open(source.into()).await?;
        let uploaded = match kind {
            MediaKind::Image => {
                let bytes = reader.next(usize::MAX).await?;
                let req = Request::new(
                    Endpoint::MediaUpload,
                    Method::POST,
                    self.media_url(None, None)?,
                )
                .multipart(vec![
                    Field::Bytes {
                        name: "media",
                        bytes,
                        mime: mime.to_string(),
                    },
                    Field::Text("media_category", kind.category().into()),
                ])
                .timeout(self.segment_timeout(total as usize));
                self.inner
                    .call(req)
                    .await?
                    .success()?
                    .json::<Data<Uploaded>>()?
                    .data
            }
            MediaKind::Gif | MediaKind::Video => {
                self.upload_chunked(&mut reader, total, mime, kind).await?
            }
        };
        let id = uploaded.id.clone();
        if let Some(processing) = uploaded.processing_info {
            self.await_processing(&id, processing).await?;
        }
        if let Some(alt) = alt_text {
            let req = Request::new(
                Endpoint::MediaMetadata,
                Method::POST,
                self.inner
                    .config
                    .api_base
                    .join("/2/media/metadata")
                    .map_err(|e| XError::Config {
                        detail: format!("bad media URL: {e}"),
                    })?,
            )
            .json(json!({ "id": id, "metadata": { "alt_text": { "text": alt } } }));
            self.inner.call(req).await?.success()?;
        }
        info!(%id, ?kind, bytes = total, "media uploaded");
        Ok(id)
    }

    fn segment_timeout(&self, bytes: usize) -> Duration {
        self.inner.config.request_timeout
            + Duration::from_secs((bytes / SLOWEST_UPLOAD_BYTES_PER_SEC) as u64)
    }

    async fn upload_chunked(
        &self,
        reader: &mut Reader,
        total: u64,
        mime: &str,
        kind: MediaKind,
    ) -> Result<Uploaded, XError> {
        let init = Request::new(
            Endpoint::MediaInitialize,
            Method::POST,
            self.media_url(Some("initialize"), None)?,
        )
        .json(json!({
            "media_type": mime,
            "total_bytes": total,
            "media_category": kind.category(),
        }));
        let id = self
            .inner
            .call(init)
            .await?
            .success()?
            .json::<Data<Uploaded>>()?
            .data
            .id;
        let mut index = 0usize;
        loop {
            let chunk = reader.next(SEGMENT_BYTES).await?;
            if chunk.is_empty() {
                break;
            }
            debug!(%id, index, bytes = chunk.len(), "appending segment");
            let timeout = self.segment_timeout(chunk.len());
            let append = Request::new(
                Endpoint::MediaAppend,
                Method::POST,
                self.media_url(Some(&id), Some("append"))?,
            )
            .multipart(vec![
                Field::Bytes {
                    name: "media",
                    bytes: chunk,
                    mime: "application/octet-stream".into(),
                },
                Field::Text("segment_index", index.to_string()),
            ])
            .timeout(timeout);
            self.inner.call(append).await?.success()?;
            index += 1;
        }
        let finalize = Request::new(
            Endpoint::MediaFinalize,
            Method::POST,
            self.media_url(Some(&id), Some("finalize"))?,
        );
        let mut done = self
            .inner
            .call(finalize)
            .await?
            .success()?
            .json::<Data<Uploaded>>()?
            .data;
        if done.id.is_empty() {
            done.id = id;
        }
        Ok(done)
    }

    /// Polls `GET /2/media/upload?command=STATUS` until X has processed the media.
    async fn await_processing(&self, id: &str, mut info: Processing) -> Result<(), XError> {
        let started = Instant::now();
        loop {
            match info.state.as_str() {
                "succeeded" => return Ok(()),
                "failed" => {
                    let detail = info
                        .error
                        .as_ref()
                        .and_then(|e| e.get("message").and_then(|m| m.as_str()))
                        .unwrap_or("processing failed")
                        .to_string();
                    return Err(XError::MediaFailed { detail });
                }
                _ => {}
            }
            let wait =
                Duration::from_secs(info.check_after_secs.unwrap_or(1)).clamp(MIN_POLL, MAX_POLL);
            if started.elapsed() + wait > PROCESSING_LIMIT {
                return Err(XError::MediaFailed {
                    detail: format!(
                        "X was still processing after {} minutes",
                        PROCESSING_LIMIT.as_secs() / 60
                    ),
                });
            }
            debug!(%id, state = %info.state, wait_s = wait.as_secs(), "media processing");
            tokio::time::sleep(wait).await;
            let mut url = self.media_url(None, None)?;
            url.query_pairs_mut()
                .append_pair("command", "STATUS")
                .append_pair("media_id", id);
            let req = Request::new(Endpoint::MediaStatus, Method::GET, url);
            let status = self
                .inner
                .call(req)
                .await?
                .success()?
                .json::<Data<Uploaded>>()?
                .data;
            info = match status.processing_info {
                Some(p) => p,
                // No processing info any more: nothing left to wait for.
                None => return Ok(()),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_are_read_in_segments() {
        let (mut r, len) = Reader::open(MediaSource::Bytes(vec![7u8; 10]))
            .await
            .expect("open");
        assert_eq!(len, 10);
        assert_eq!(r.next(4).await.expect("read").len(), 4);
        assert_eq!(r.next(4).await.expect("read").len(), 4);
        assert_eq!(r.next(4).await.expect("read").len(), 2);
        assert!(r.next(4).await.expect("read").is_empty());
    }

    #[tokio::test]
    async fn files_are_read_in_segments() {
        let path = std::env::temp_dir().join(format!("cs-x-media-{}", std::process::id()));
        tokio::fs::write(&path, vec![1u8; 9]).await.expect("write");
        let (mut r, len) = Reader::open(MediaSource::File(path.clone()))
            .await
            .expect("open");
        assert_eq!(len, 9);
        assert_eq!(r.next(5).await.expect("read"), vec![1u8; 5]);
        assert_eq!(r.next(5).await.expect("read"), vec![1u8; 4]);
        assert!(r.next(5).await.expect("read").is_empty());
        let _ = tokio::fs::remove_file(&path).await;
    }

    #[tokio::test]
    async fn a_missing_file_is_a_read_error() {
        let err = Reader::open(MediaSource::File("/nonexistent/cs-x".into()))
            .await
            .err()
            .expect("error");
        assert_eq!(err.code(), "x_media_read");
    }
}
