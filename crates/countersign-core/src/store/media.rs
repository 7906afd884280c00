//! The media files facade: what is known about each file in the media folder, by the hash of
//! its bytes.

use jiff::Timestamp;

use super::sqlite;
use crate::error::Result;
use crate::model::Media;

/// The media files attached to posts.
#[derive(Debug)]
pub struct MediaFiles<'t>(pub(super) MediaFilesImpl<'t>);

#[derive(Debug)]
pub(super) enum MediaFilesImpl<'t> {
    Sqlite(sqlite::MediaFiles<'t>),
}

impl MediaFiles<'_> {
    /// Records a media file; the same bytes attached twice are one row (the first kept).
    pub fn record(&self, m: &Media, at: Timestamp) -> Result<()> {
        match &self.0 {
            MediaFilesImpl::Sqlite(h) => h.record(m, at),
        }
    }

    /// The media file with this hash, if it was recorded.
    pub fn get(&self, hash: &str) -> Result<Option<Media>> {
        match &self.0 {
            MediaFilesImpl::Sqlite(h) => h.get(hash),
        }
    }

    /// Every media file recorded, oldest first.
    pub fn all(&self) -> Result<Vec<Media>> {
        match &self.0 {
            MediaFilesImpl::Sqlite(h) => h.all(),
        }
    }
}
