-- Pulls read only what changed.
--
-- Every laptop pulls "each row changed after my high-water mark" (cs.changes_since) on every
-- notification, and every write pulls the same way under the workspace lock. Without an index
-- on row_seq each pull read every replicated table whole, so its cost grew with the
-- workspace's history: with 20 laptops and 10 acts a second (the team_scale bench) that is a
-- couple of hundred pulls a second, and the server's CPU went to scanning rows nobody asked
-- for. With one per table a pull reads only the new rows (deletions is keyed on row_seq
-- already).
SET LOCAL ROLE ${ws}_owner;
SET LOCAL search_path = cs;

DO $$ DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['workspace', 'members', 'media', 'posts', 'post_versions', 'parts',
      'part_media', 'approvals', 'reviews', 'comments', 'audit', 'roster', 'key_requests',
      'published_parts', 'queue_slots', 'devices', 'conversations', 'messages', 'answers',
      'inbox'] LOOP
    EXECUTE format('CREATE INDEX %I ON cs.%I (row_seq)', t || '_by_row_seq', t);
  END LOOP;
END $$;

INSERT INTO schema_version VALUES (6, '0006_pull_indexes', now_ms());
