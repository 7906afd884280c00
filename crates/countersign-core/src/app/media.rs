//! Media bytes in team mode: kept on the team server too, so that any reviewer's laptop can
//! publish a post whose image was attached on another.
//!
//! The bytes go up when a file is attached, before the draft that names it is written (the
//! server keeps them by content hash, so the same file twice costs nothing), and at `team
//! init` for everything the workspace already had. A publishing laptop that lacks a file
//! fetches it and checks its hash before keeping it: the server is trusted with availability,
//! never with content. A file that cannot be had leaves the post to the publisher's usual
//! media check, which asks a person (`needs_check`) and sends nothing.

use sha2::{Digest, Sha256};

use super::App;
use crate::error::{Error, Result};
use crate::media;
use crate::model::{Media, Post};

impl App {
    /// Team mode: puts the bytes of `items` (already in this laptop's media folder) on the
    /// server. Nothing to do on a solo workspace.
    pub(crate) fn share_media(&self, items: &[Media]) -> Result<()> {
        if self.team.is_none() {
            return Ok(());
        }
        for m in items {
            let path = self.media_dir().join(media::stored_name(m));
            let bytes = std::fs::read(&path).map_err(|e| Error::Io {
                context: format!("cannot read the media file {}", path.display()),
                source: e,
            })?;
            self.store().put_media(&m.hash, &bytes)?;
        }
        Ok(())
    }

    /// Team mode: every media file this workspace records, on the server (`team init`).
    pub(crate) fn share_all_media(&self) -> Result<()> {
        let all = self.read(|tx| tx.media().all())?;
        let here: Vec<Media> = all
            .into_iter()
            .filter(|m| self.media_dir().join(media::stored_name(m)).exists())
            .collect();
        self.share_media(&here)
    }

    /// Team mode: fetches from the server every file of `post` this laptop does not have, and
    /// keeps the ones whose bytes match their hash. Best effort: what is still missing is
    /// told by the media check before publishing.
    pub(crate) fn fetch_media(&self, post: &Post) {
        if self.team.is_none() {
            return;
        }
        for part in &post.content.parts {
            for a in &part.media {
                let path = self.media_dir().join(media::stored_name(&a.media));
                if path.exists() {
                    continue;
                }
                match self.store().get_media(&a.media.hash) {
                    Ok(Some(bytes)) if hex::encode(Sha256::digest(&bytes)) == a.media.hash => {
                        if let Err(e) = keep(&path, &bytes) {
                            tracing::warn!(hash = %a.media.hash, "could not keep a fetched media file: {e}");
                        }
                    }
                    Ok(Some(_)) => tracing::warn!(
                        hash = %a.media.hash,
                        "the team server's copy of a media file does not match its hash; not used"
                    ),
                    Ok(None) => {
                        tracing::warn!(hash = %a.media.hash, "the team server has no copy of a media file")
                    }
                    Err(e) => {
                        tracing::warn!(hash = %a.media.hash, code = e.code(), "fetching a media file: {e}")
                    }
                }
            }
        }
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary file, then a rename).
fn keep(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
