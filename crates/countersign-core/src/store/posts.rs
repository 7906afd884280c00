//! The posts facade: each post's row, its saved versions (parts and media), and History.

use jiff::Timestamp;
use uuid::Uuid;

use super::sqlite;
use super::{HistoryQuery, HistoryRow, ImportedPost, PostSummary};
use crate::error::Result;
use crate::model::{Content, Member, Post, Status, Version, VersionProof};

/// Posts, their versions, and the history search.
#[derive(Debug)]
pub struct Posts<'t>(pub(super) PostsImpl<'t>);

#[derive(Debug)]
pub(super) enum PostsImpl<'t> {
    Sqlite(sqlite::Posts<'t>),
}

impl Posts<'_> {
    /// Inserts a new post's row; its content goes in with [`Posts::save_version`].
    pub fn insert(&self, post: &Post) -> Result<()> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.insert(post),
        }
    }

    /// Saves the state of a post: status, version, schedule and the rest of its row (not its
    /// author, its creation time or its content).
    pub fn update(&self, post: &Post) -> Result<()> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.update(post),
        }
    }

    /// Keeps `content` as `version` of the post and makes it the searchable text.
    pub fn save_version(
        &self,
        post_id: Uuid,
        version: u32,
        editor: &Member,
        at: Timestamp,
        content: &Content,
    ) -> Result<()> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.save_version(post_id, version, editor, at, content),
        }
    }

    /// The post as it stands, with the content of its current version; `None` if there is no
    /// such post.
    pub fn get(&self, id: Uuid) -> Result<Option<Post>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.get(id),
        }
    }

    /// The content of one version, if it exists.
    pub fn content(&self, post_id: Uuid, version: u32) -> Result<Option<Content>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.content(post_id, version),
        }
    }

    /// Records what the editor of `version` signed (see [`crate::approval::version_statement`]):
    /// the post's author, the content digest, and the editor's signature over them.
    pub fn sign_version(
        &self,
        post_id: Uuid,
        version: u32,
        author_id: Uuid,
        digest: &str,
        signature: &str,
    ) -> Result<()> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.sign_version(post_id, version, author_id, digest, signature),
        }
    }

    /// What each version's editor signed, oldest first; a version saved before editors signed
    /// has no signature.
    pub fn signed_versions(&self, post_id: Uuid) -> Result<Vec<VersionProof>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.signed_versions(post_id),
        }
    }

    /// The posts still on their way (not posted, dropped or rejected) whose first version
    /// carries no editor's signature: written before versions were signed.
    pub fn unsigned_pending(&self) -> Result<Vec<Uuid>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.unsigned_pending(),
        }
    }

    /// Who saved a version.
    pub fn editor_of(&self, post_id: Uuid, version: u32) -> Result<Option<Uuid>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.editor_of(post_id, version),
        }
    }

    /// Every saved version, oldest first.
    pub fn versions(&self, post_id: Uuid) -> Result<Vec<Version>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.versions(post_id),
        }
    }

    /// Posts, newest change first, optionally in one status.
    pub fn list(&self, status: Option<Status>) -> Result<Vec<PostSummary>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.list(status),
        }
    }

    /// Posted posts, newest first, optionally matching a full-text search.
    ///
    /// The first page of [`Posts::history_page`] with nothing but a search, so no backend
    /// implements it apart.
    pub fn history(&self, search: Option<&str>, limit: u32) -> Result<Vec<HistoryRow>> {
        self.history_page(&HistoryQuery {
            search: search.map(str::to_string),
            limit,
            ..HistoryQuery::default()
        })
    }

    /// One page of posted posts, newest first, matching every filter the query sets.
    ///
    /// The search matches posts whose current text has every word typed, each as a word
    /// prefix, case- and diacritic-insensitively; typed punctuation cannot make it an error. A
    /// blank search is no filter; one with nothing searchable in it (`"-- *"`) matches nothing.
    /// The author and approver filters are exact names; the approver is the one whose approval
    /// is in force.
    pub fn history_page(&self, q: &HistoryQuery) -> Result<Vec<HistoryRow>> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.history_page(q),
        }
    }

    /// Brings posts made elsewhere into History in one go.
    pub fn import_posted(&self, items: &[ImportedPost]) -> Result<()> {
        match &self.0 {
            PostsImpl::Sqlite(h) => h.import_posted(items),
        }
    }
}
