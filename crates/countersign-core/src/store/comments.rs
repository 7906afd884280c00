//! The comments and reviews facades: remarks on posts, and the version each reviewer last
//! reviewed (so they can see what changed since).

use jiff::Timestamp;
use uuid::Uuid;

use super::sqlite;
use crate::error::Result;
use crate::model::Comment;

/// The comments on posts.
#[derive(Debug)]
pub struct Comments<'t>(pub(super) CommentsImpl<'t>);

#[derive(Debug)]
pub(super) enum CommentsImpl<'t> {
    Sqlite(sqlite::Comments<'t>),
}

impl Comments<'_> {
    /// Keeps a comment.
    pub fn insert(&self, c: &Comment) -> Result<()> {
        match &self.0 {
            CommentsImpl::Sqlite(h) => h.insert(c),
        }
    }

    /// A post's comments, oldest first (the first inserted, among equal times).
    pub fn for_post(&self, post_id: Uuid) -> Result<Vec<Comment>> {
        match &self.0 {
            CommentsImpl::Sqlite(h) => h.for_post(post_id),
        }
    }
}

/// Which version of each post each reviewer last reviewed.
#[derive(Debug)]
pub struct Reviews<'t>(pub(super) ReviewsImpl<'t>);

#[derive(Debug)]
pub(super) enum ReviewsImpl<'t> {
    Sqlite(sqlite::Reviews<'t>),
}

impl Reviews<'_> {
    /// Records that `member_id` has reviewed `version` of the post, replacing what they had
    /// reviewed before.
    pub fn record(
        &self,
        post_id: Uuid,
        member_id: Uuid,
        version: u32,
        at: Timestamp,
    ) -> Result<()> {
        match &self.0 {
            ReviewsImpl::Sqlite(h) => h.record(post_id, member_id, version, at),
        }
    }

    /// The version `member_id` last reviewed, if any.
    pub fn last(&self, post_id: Uuid, member_id: Uuid) -> Result<Option<u32>> {
        match &self.0 {
            ReviewsImpl::Sqlite(h) => h.last(post_id, member_id),
        }
    }
}
