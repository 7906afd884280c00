-- Replicas: what each laptop pulls, in commit order, and the wake-up it listens for.
SET LOCAL ROLE ${ws}_owner;
SET LOCAL search_path = cs;

-- The team's laptops as the server last heard from them: each member writes only their own.
CREATE TABLE devices (
  device      text PRIMARY KEY,
  member_id   uuid NOT NULL REFERENCES members,
  can_publish boolean NOT NULL,
  last_seen   bigint NOT NULL,
  row_seq     bigint
);
CREATE TRIGGER devices_stamp BEFORE INSERT OR UPDATE ON devices FOR EACH ROW EXECUTE FUNCTION cs.stamp();
ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY devices_read ON devices FOR SELECT TO ${ws}_member USING (true);
GRANT SELECT, INSERT, UPDATE (can_publish, last_seen) ON devices TO ${ws}_member;
CREATE POLICY devices_add ON devices FOR INSERT TO ${ws}_member WITH CHECK (member_id = cs.me());
CREATE POLICY devices_change ON devices FOR UPDATE TO ${ws}_member
  USING (member_id = cs.me()) WITH CHECK (member_id = cs.me());

-- Rows removed from a replicated table (only queue slots are ever removed), so a pull sees it.
CREATE TABLE deletions (
  row_seq bigint PRIMARY KEY,
  tbl     text NOT NULL,
  key     jsonb NOT NULL
);
ALTER TABLE deletions ENABLE ROW LEVEL SECURITY;
CREATE POLICY deletions_read ON deletions FOR SELECT TO ${ws}_member USING (true);
GRANT SELECT ON deletions TO ${ws}_member;
CREATE FUNCTION deleted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = cs AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7262);
  INSERT INTO cs.deletions VALUES (nextval('cs.change_seq'), TG_TABLE_NAME, jsonb_build_object('id', OLD.id));
  RETURN OLD;
END $$;
CREATE TRIGGER queue_slots_deleted AFTER DELETE ON queue_slots FOR EACH ROW EXECUTE FUNCTION deleted();

-- A change a member sent that matched fewer rows than it named: row-level security hid the
-- others from them, which is a refusal, not a no-op.
CREATE FUNCTION expect_rows(got bigint, want bigint, tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF got <> want THEN
    RAISE EXCEPTION 'this member may not change % of those % rows', want - got, tbl
      USING ERRCODE = '42501';
  END IF;
END $$;

-- Every change wakes the laptops listening (one notification per transaction: identical ones
-- are folded at commit).
CREATE FUNCTION changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cs_changes', '');
  RETURN NULL;
END $$;
DO $$ DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['workspace', 'members', 'media', 'posts', 'post_versions', 'parts',
      'part_media', 'approvals', 'reviews', 'comments', 'audit', 'roster', 'key_requests',
      'published_parts', 'queue_slots', 'devices', 'deletions'] LOOP
    EXECUTE format('CREATE TRIGGER %I_changed AFTER INSERT OR UPDATE OR DELETE ON cs.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION cs.changed()', t, t);
  END LOOP;
END $$;

-- Everything changed after a laptop's high-water mark, in commit order (every write holds the
-- workspace lock while it stamps, so row_seq order is commit order). Runs as the caller: the
-- whole team reads everything, and nothing else.
CREATE FUNCTION changes_since(hw bigint) RETURNS TABLE (row_seq bigint, tbl text, data jsonb)
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
    UNION ALL SELECT d.row_seq, 'deleted:' || d.tbl, d.key FROM cs.deletions d WHERE d.row_seq > hw
  ) c ORDER BY 1
$$;
GRANT EXECUTE ON FUNCTION changes_since(bigint) TO ${ws}_member;

-- A solo workspace's history arrives with parts nobody claimed (by_member NULL); members still
-- insert only as themselves (the policy below).
ALTER TABLE published_parts ALTER COLUMN by_member DROP NOT NULL,
  ALTER COLUMN claim_epoch DROP NOT NULL;
-- A part is recorded by the live claimant at its epoch, or by a reviewer deciding a post that
-- needs a check (marking it posted, with the link).
DROP POLICY published_parts_add ON published_parts;
CREATE POLICY published_parts_add ON published_parts FOR INSERT TO ${ws}_member WITH CHECK (
  by_member = cs.me() AND EXISTS (SELECT 1 FROM posts p WHERE p.id = published_parts.post_id
    AND (p.status = 'publishing' AND p.claimed_by = cs.me()
           AND p.claim_epoch = published_parts.claim_epoch
         OR p.status IN ('needs_check', 'missed', 'failed') AND cs.reviews())));

-- The claimant may give a post back to the schedule (nothing of it reached X).
CREATE OR REPLACE FUNCTION posts_guard() RETURNS trigger LANGUAGE plpgsql SET search_path = cs AS $$
DECLARE
  me uuid := cs.me();
  reviewer boolean := cs.reviews();
  t_now bigint := cs.now_ms();
  moved boolean := OLD.status IS DISTINCT FROM NEW.status OR OLD.version <> NEW.version
                   OR OLD.scheduled_at IS DISTINCT FROM NEW.scheduled_at;
  claim_moved boolean := OLD.claim_epoch <> NEW.claim_epoch
                   OR OLD.claimed_by IS DISTINCT FROM NEW.claimed_by;
BEGIN
  IF NEW.id <> OLD.id OR NEW.author_id <> OLD.author_id OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'the author of a post never changes' USING ERRCODE = '42501';
  END IF;

  -- A live or expired claim: the claimant carries on; anyone else must take over first.
  IF OLD.status = 'publishing' THEN
    IF NEW.claim_epoch = OLD.claim_epoch THEN
      IF OLD.claimed_by IS DISTINCT FROM me OR NEW.claimed_by IS DISTINCT FROM OLD.claimed_by THEN
        RAISE EXCEPTION 'post % is claimed by another publisher', OLD.id USING ERRCODE = '42501';
      END IF;
    ELSE
      IF NOT reviewer OR NEW.claim_epoch <> OLD.claim_epoch + 1 OR NEW.claimed_by IS DISTINCT FROM me
         OR NEW.status <> 'publishing' OR NEW.lease_until IS NULL OR NEW.lease_until <= t_now THEN
        RAISE EXCEPTION 'illegal takeover of post %', OLD.id USING ERRCODE = '42501';
      END IF;
      IF coalesce(OLD.lease_until, 0) > t_now THEN
        RAISE EXCEPTION 'the claim on % has not expired', OLD.id USING ERRCODE = '42501';
      END IF;
    END IF;
  ELSIF NEW.status = 'publishing' THEN
    -- A claim: scheduled -> publishing, by a reviewer, as themselves, epoch + 1, with a lease.
    IF OLD.status <> 'scheduled' OR NOT reviewer OR NEW.claimed_by IS DISTINCT FROM me
       OR NEW.claim_epoch <> OLD.claim_epoch + 1 OR NEW.lease_until IS NULL
       OR NEW.lease_until <= t_now THEN
      RAISE EXCEPTION 'illegal claim of post %', OLD.id USING ERRCODE = '42501';
    END IF;
  ELSIF claim_moved THEN
    RAISE EXCEPTION 'the claim on % changes only by a claim or a takeover', OLD.id
      USING ERRCODE = '42501';
  END IF;

  IF NOT moved THEN RETURN NEW; END IF;

  -- What a contributor (or anyone not reviewing) may move a post to: editing and submitting,
  -- and dropping it before an approver has signed it.
  IF NOT reviewer AND NOT (
       OLD.status IN ('draft', 'in_review', 'changes_requested')
         AND (NEW.status IN ('draft', 'in_review', 'dropped') OR NEW.status = OLD.status)
    OR OLD.status IN ('approved', 'scheduled', 'missed', 'failed', 'needs_check')
         AND NEW.status = 'in_review' AND NEW.version > OLD.version) THEN
    RAISE EXCEPTION 'only a reviewer may set % (from %)', NEW.status, OLD.status
      USING ERRCODE = '42501';
  END IF;

  -- (A claimant giving a post back to the schedule, nothing of it on X, is not countersigning:
  -- the claim rule above has checked it is the claimant.)
  IF NEW.status = 'scheduled' AND OLD.status <> 'publishing'
     OR NEW.status = 'approved' AND (OLD.status IN ('draft', 'in_review',
       'changes_requested', 'rejected', 'dropped') OR OLD.version <> NEW.version) THEN
    -- Approving or scheduling is countersigning: the acting reviewer's own, live approval of
    -- this version (and, to schedule, of this time).
    IF NOT reviewer OR NOT EXISTS (SELECT 1 FROM approvals a WHERE a.post_id = NEW.id
         AND a.version = NEW.version AND a.voided_at IS NULL AND a.member_id = me
         AND (NEW.status = 'approved' OR a.scheduled_at IS NOT DISTINCT FROM NEW.scheduled_at)) THEN
      RAISE EXCEPTION 'only a reviewer with an approval of version % may set %', NEW.version,
        NEW.status USING ERRCODE = '42501';
    END IF;
  ELSIF NEW.status = 'approved' THEN
    -- Unscheduling back to approved: some live approval of this version must still stand.
    IF NOT EXISTS (SELECT 1 FROM approvals a WHERE a.post_id = NEW.id AND a.version = NEW.version
         AND a.voided_at IS NULL) THEN
      RAISE EXCEPTION 'version % of % has no approval', NEW.version, NEW.id USING ERRCODE = '42501';
    END IF;
  END IF;

  IF NEW.status = 'posted' AND OLD.status NOT IN ('publishing', 'needs_check', 'missed', 'failed') THEN
    RAISE EXCEPTION 'illegal transition % -> posted', OLD.status USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;

-- An approver may approve the version they save in the act of approving (an edit while
-- approving): that version's row is theirs, written first, and becomes current in the same
-- transaction (the posts guard then requires this very approval).
DROP POLICY approvals_add ON approvals;
CREATE POLICY approvals_add ON approvals FOR INSERT TO ${ws}_member WITH CHECK (
  cs.reviews() AND member_id = cs.me() AND roster_seq IS NOT NULL AND EXISTS (
    SELECT 1 FROM posts p WHERE p.id = approvals.post_id
      AND p.author_id <> cs.me() AND p.author_id = approvals.author_id
      AND (p.version = approvals.version OR p.version + 1 = approvals.version AND EXISTS (
        SELECT 1 FROM post_versions v WHERE v.post_id = approvals.post_id
          AND v.version = approvals.version AND v.editor_id = cs.me()))));

-- A laptop may offer its member's key again (a new laptop, a failed first offer).
GRANT UPDATE (public_key, at) ON key_requests TO ${ws}_member;
CREATE POLICY key_requests_change ON key_requests FOR UPDATE TO ${ws}_member
  USING (member_id = cs.me()) WITH CHECK (member_id = cs.me());

-- Inviting again someone whose laptop never joined (a lost or expired bundle): a new one-time
-- password for the login they already have. Once their key is in the roster, never.
CREATE OR REPLACE FUNCTION invite(member uuid, verifier text) RETURNS name LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = cs AS $$
DECLARE
  r name;
BEGIN
  IF NOT cs.admin() THEN
    RAISE EXCEPTION 'only an admin invites' USING ERRCODE = '42501';
  END IF;
  SELECT db_role INTO r FROM cs.members WHERE id = member AND active;
  IF r IS NULL THEN
    RETURN cs.create_login(member, verifier);
  END IF;
  IF EXISTS (SELECT 1 FROM cs.roster WHERE member_id = member) THEN
    RAISE EXCEPTION 'member % has joined already; an admin re-keys them instead', member
      USING ERRCODE = '42710';
  END IF;
  IF verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'a login takes a SCRAM-SHA-256 verifier, not a password'
      USING ERRCODE = '22023';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', r, verifier);
  RETURN r;
END $$;
REVOKE ALL ON FUNCTION invite(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION invite(uuid, text) TO ${ws}_admin;

INSERT INTO schema_version VALUES (2, '0002_replica', now_ms());
