-- 0005: what no database column is trusted for any more, signed instead.
--
-- Each version carries its editor's signature over (post, version, author, editor, digest), so
-- who wrote a post is proven rather than read from posts.author_id.
ALTER TABLE post_versions ADD COLUMN author_id TEXT;
ALTER TABLE post_versions ADD COLUMN content_digest TEXT;
ALTER TABLE post_versions ADD COLUMN editor_signature TEXT;

-- A v2 approval statement also binds the author and the roster head the approver verified.
ALTER TABLE approvals ADD COLUMN author_id TEXT;
ALTER TABLE approvals ADD COLUMN roster_seq INTEGER;
ALTER TABLE approvals ADD COLUMN roster_hash TEXT;

-- Solo mode is a fact of the signed roster: an entry that sets it carries it (NULL: unchanged).
ALTER TABLE roster ADD COLUMN solo INTEGER;
