-- Conversations: the brand's mentions and direct messages, who answers each, and the answers.
-- Shared like every other table: each laptop's replica pulls them. A publishing laptop (a
-- reviewer's) reads the inbox from X and writes what it heard; any member takes or closes a
-- conversation and drafts its own answers; an answer is a post like any other.
SET LOCAL ROLE ${ws}_owner;
SET LOCAL search_path = cs;

-- Where an answer goes ('post:<x id>' or 'dm:<participant id>'), bound by the approval.
ALTER TABLE post_versions ADD COLUMN reply_to text;

CREATE TABLE conversations (
  id            text PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('mention', 'dm')),
  person_id     text NOT NULL,
  person_handle text NOT NULL,
  person_name   text NOT NULL,
  state         text NOT NULL CHECK (state IN ('new', 'assigned', 'answered', 'closed')),
  assignee_id   uuid REFERENCES members,
  note          text,
  waiting_since bigint,
  last_at       bigint NOT NULL,
  updated_at    bigint NOT NULL,
  row_seq       bigint
);

CREATE TABLE messages (
  x_id            text PRIMARY KEY,
  conversation_id text NOT NULL REFERENCES conversations,
  author_id       text NOT NULL,
  text            text NOT NULL,
  at              bigint NOT NULL,
  reply_to_x_id   text,
  row_seq         bigint
);

CREATE TABLE answers (
  post_id         uuid PRIMARY KEY REFERENCES posts,
  conversation_id text NOT NULL REFERENCES conversations,
  waited_ms       bigint,
  answered_at     bigint,
  row_seq         bigint
);

CREATE TABLE inbox (
  id             int PRIMARY KEY CHECK (id = 1),
  poll_minutes   int NOT NULL DEFAULT 2,
  mentions_since text,
  dms_after      text,
  reads_month    text NOT NULL DEFAULT '',
  reads          int NOT NULL DEFAULT 0,
  polled_at      bigint,
  row_seq        bigint
);

DO $$ DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['conversations', 'messages', 'answers', 'inbox'] LOOP
    EXECUTE format('CREATE TRIGGER %I_stamp BEFORE INSERT OR UPDATE ON cs.%I '
                   'FOR EACH ROW EXECUTE FUNCTION cs.stamp()', t, t);
    EXECUTE format('CREATE TRIGGER %I_changed AFTER INSERT OR UPDATE OR DELETE ON cs.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cs.changed()', t, t);
    EXECUTE format('ALTER TABLE cs.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I_read ON cs.%I FOR SELECT TO ${ws}_member USING (true)', t, t);
    EXECUTE format('GRANT SELECT ON cs.%I TO ${ws}_member', t);
  END LOOP;
END $$;
CREATE TRIGGER messages_append_only BEFORE UPDATE OR DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION cs.append_only();


-- What people wrote: only a reviewer's laptop (the one that reads X) adds it; never changed.
GRANT INSERT ON messages TO ${ws}_member;
CREATE POLICY messages_add ON messages FOR INSERT TO ${ws}_member WITH CHECK (cs.reviews());
-- Conversations: opened by a reviewer's laptop; taken, closed or reopened by any member.
GRANT INSERT, UPDATE ON conversations TO ${ws}_member;
CREATE POLICY conversations_add ON conversations FOR INSERT TO ${ws}_member
  WITH CHECK (cs.reviews());
CREATE POLICY conversations_change ON conversations FOR UPDATE TO ${ws}_member
  USING (cs.me() IS NOT NULL) WITH CHECK (cs.me() IS NOT NULL);
-- What a member who does not review may change: take a conversation for themselves (one nobody
-- answers, or one already theirs), close it with a note, answer it; never give it to someone
-- else, take it from someone who answers it, or change who wrote. Reviewers (the laptop that
-- reads X, an approver assigning) may change more, as the app lets them.
CREATE FUNCTION conversations_guard() RETURNS trigger LANGUAGE plpgsql SET search_path = cs AS $$
DECLARE
  me uuid := cs.me();
BEGIN
  IF NEW.id <> OLD.id OR NEW.kind <> OLD.kind OR NEW.person_id <> OLD.person_id THEN
    RAISE EXCEPTION 'who a conversation is with never changes' USING ERRCODE = '42501';
  END IF;
  IF me IS NULL OR cs.reviews() THEN
    RETURN NEW;
  END IF;
  IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id AND NEW.assignee_id IS DISTINCT FROM me THEN
    RAISE EXCEPTION 'only a reviewer gives a conversation to someone else' USING ERRCODE = '42501';
  END IF;
  IF OLD.state = 'assigned' AND OLD.assignee_id IS DISTINCT FROM me THEN
    RAISE EXCEPTION 'someone else answers this conversation' USING ERRCODE = '42501';
  END IF;
  IF NEW.state IS DISTINCT FROM OLD.state AND NEW.state NOT IN ('assigned', 'closed') THEN
    RAISE EXCEPTION 'only a reviewer''s laptop marks a conversation %', NEW.state
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER conversations_guard BEFORE UPDATE ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversations_guard();

-- Answers: each member their own posts; the publishing reviewer records when it went out.
GRANT INSERT ON answers TO ${ws}_member;
GRANT UPDATE (waited_ms, answered_at) ON answers TO ${ws}_member;
CREATE POLICY answers_add ON answers FOR INSERT TO ${ws}_member WITH CHECK (EXISTS (
  SELECT 1 FROM posts p WHERE p.id = answers.post_id AND p.author_id = cs.me()));
CREATE POLICY answers_sent ON answers FOR UPDATE TO ${ws}_member
  USING (cs.reviews()) WITH CHECK (cs.reviews());
-- How the inbox is read (one row, made by its first change): reviewers move the cursors;
-- admins set the interval.
GRANT INSERT ON inbox TO ${ws}_member;
CREATE POLICY inbox_add ON inbox FOR INSERT TO ${ws}_member WITH CHECK (cs.reviews());
GRANT UPDATE (poll_minutes, mentions_since, dms_after, reads_month, reads, polled_at)
  ON inbox TO ${ws}_member;
CREATE POLICY inbox_change ON inbox FOR UPDATE TO ${ws}_member
  USING (cs.reviews()) WITH CHECK (cs.reviews());
-- How often the inbox is read is an admin's setting.
CREATE FUNCTION inbox_guard() RETURNS trigger LANGUAGE plpgsql SET search_path = cs AS $$
BEGIN
  IF cs.me() IS NOT NULL AND NOT cs.admin()
     AND NEW.poll_minutes IS DISTINCT FROM (CASE WHEN TG_OP = 'UPDATE' THEN OLD.poll_minutes ELSE 2 END) THEN
    RAISE EXCEPTION 'only an admin sets how often the inbox is read' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER inbox_guard BEFORE INSERT OR UPDATE ON inbox
  FOR EACH ROW EXECUTE FUNCTION inbox_guard();

-- Pulls carry the new tables too.
CREATE OR REPLACE FUNCTION changes_since(hw bigint) RETURNS TABLE (row_seq bigint, tbl text, data jsonb)
  LANGUAGE sql STABLE AS $$
  SELECT * FROM (
    SELECT t.row_seq, 'workspace', to_jsonb(t) FROM cs.workspace t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'members', to_jsonb(t) FROM cs.members t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'media', to_jsonb(t) FROM cs.media t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'posts', to_jsonb(t) FROM cs.posts t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'post_versions', to_jsonb(t) FROM cs.post_versions t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'parts', to_jsonb(t) FROM cs.parts t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'part_media', to_jsonb(t) FROM cs.part_media t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'approvals', to_jsonb(t) FROM cs.approvals t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'reviews', to_jsonb(t) FROM cs.reviews t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'comments', to_jsonb(t) FROM cs.comments t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'audit', to_jsonb(t) FROM cs.audit t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'roster', to_jsonb(t) FROM cs.roster t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'key_requests', to_jsonb(t) FROM cs.key_requests t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'published_parts', to_jsonb(t) FROM cs.published_parts t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'queue_slots', to_jsonb(t) FROM cs.queue_slots t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'devices', to_jsonb(t) FROM cs.devices t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'conversations', to_jsonb(t) FROM cs.conversations t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'messages', to_jsonb(t) FROM cs.messages t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'answers', to_jsonb(t) FROM cs.answers t WHERE t.row_seq > hw
    UNION ALL SELECT t.row_seq, 'inbox', to_jsonb(t) FROM cs.inbox t WHERE t.row_seq > hw
    UNION ALL SELECT d.row_seq, 'deleted:' || d.tbl, d.key FROM cs.deletions d WHERE d.row_seq > hw
  ) c ORDER BY 1
$$;

INSERT INTO schema_version VALUES (5, '0005_inbox', now_ms());
