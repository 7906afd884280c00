-- Media bytes travel before the draft that attaches them: a laptop uploads a file's chunks
-- first (content-addressed, so the same file twice is the same rows and the second upload
-- adds nothing), then writes the draft whose media row names it. Any laptop that publishes
-- the post then finds the bytes on the server, and checks their hash before sending them to X.
-- So a chunk no longer waits for its media row; it is still insert-only, by a member.
SET LOCAL ROLE ${ws}_owner;
SET LOCAL search_path = cs;

ALTER TABLE media_chunks DROP CONSTRAINT media_chunks_hash_fkey;

INSERT INTO schema_version VALUES (3, '0003_media', now_ms());
