-- 0001: the team server's schema (PostgreSQL 15+), one database per brand workspace.
--
-- Run by the workspace's migrator: a login role that owns the database, has CREATEROLE, and is
-- the operator's tool, never a member (see store/pg/mod.rs for the trust model). The apply step
-- runs each file in one transaction under the workspace lock and skips those schema_version
-- already records, so applying twice is a no-op.
--
-- ROLE NAMES. Roles are cluster-global, but a cluster may hold several workspaces (and the tests
-- put one per test database in a single cluster), so every role is prefixed per workspace: the
-- apply step replaces each `${ws}` with `cs_<tag>` (the tag is [a-z0-9]{1,16}, checked in Rust
-- before substitution, so nothing else can be spliced in). Deriving the names in SQL from
-- current_database() would need every GRANT and POLICY to be dynamic SQL; a checked textual
-- prefix keeps this file readable and diffable against the sketch.
--
--   ${ws}_owner        NOLOGIN CREATEROLE: owns every object here; nobody logs in as it, so
--                      row-level security applies to every member's login role
--   ${ws}_member       NOLOGIN: what every member's login role is (indirectly) in
--   ${ws}_contributor  NOLOGIN IN member
--   ${ws}_reviewer     NOLOGIN IN member (approvers)
--   ${ws}_admin        NOLOGIN IN reviewer (admins review too)
--   ${ws}_m_<uuid>     LOGIN, one per member, in exactly one of the three groups; created only
--                      by cs.create_login (the operator, for the first admin) or cs.invite
--
-- Identity never comes from a parameter: cs.me() is the active member whose db_role is the
-- session's login role. The group a login role is in gates which statements it may run at all;
-- what a member may do inside them is decided by cs.my_role(), read from members, so demoting a
-- member in members takes effect at once even before their group membership is changed.
--
-- Instants are BIGINT milliseconds since the Unix epoch (UTC) as in SQLite; ids are uuid.
-- Refusals by the guards below use SQLSTATE 42501 (insufficient_privilege) with a message that
-- says which rule refused; a non-extending audit entry is 40001 (re-read the head, retry).

CREATE ROLE ${ws}_owner NOLOGIN CREATEROLE;
CREATE ROLE ${ws}_member NOLOGIN;
CREATE ROLE ${ws}_contributor NOLOGIN IN ROLE ${ws}_member;
CREATE ROLE ${ws}_reviewer NOLOGIN IN ROLE ${ws}_member;
CREATE ROLE ${ws}_admin NOLOGIN IN ROLE ${ws}_reviewer;
GRANT ${ws}_owner TO CURRENT_USER;
-- PostgreSQL 16+ lets a CREATEROLE role grant only roles it holds ADMIN OPTION on (15 allows any
-- non-superuser role, which is why admins never get CREATEROLE: they could grant themselves the
-- owner). On 16+ the owner needs ADMIN on the groups to put new logins in them, without
-- inheriting or SET-ing them.
DO $$ BEGIN
  IF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE 'GRANT ${ws}_contributor, ${ws}_reviewer, ${ws}_admin TO ${ws}_owner '
            'WITH ADMIN OPTION, INHERIT FALSE, SET FALSE';
  END IF;
END $$;

-- Only this workspace's members (and the owner, the migrator) connect to its database; its
-- settings make a lost laptop's transaction let go of the workspace lock.
DO $$ BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${ws}_member', current_database());
  EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = %L',
                 current_database(), '15s');
  EXECUTE format('ALTER DATABASE %I SET lock_timeout = %L', current_database(), '10s');
END $$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA cs AUTHORIZATION ${ws}_owner;
SET LOCAL ROLE ${ws}_owner;
SET LOCAL search_path = cs;
GRANT USAGE ON SCHEMA cs TO ${ws}_member;

-- What the server's schema is at; a laptop refuses a server newer than it knows.
CREATE TABLE schema_version (
  version    int PRIMARY KEY,
  name       text NOT NULL,
  applied_at bigint NOT NULL
);

-- Every write transaction takes the workspace lock first (cs.lock(); the triggers take it too),
-- so change_seq is commit-ordered and a laptop can pull "row_seq > my high-water mark".
-- Advisory locks are per database, so one key serves every workspace in a cluster.
CREATE SEQUENCE change_seq;
CREATE FUNCTION lock() RETURNS void LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(7262) $$;
CREATE FUNCTION now_ms() RETURNS bigint LANGUAGE sql STABLE AS
  $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = cs AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7262);   -- re-entrant within a session; released at commit
  NEW.row_seq := nextval('cs.change_seq');
  RETURN NEW;
END $$;
-- Insert-only tables refuse UPDATE and DELETE even from the owner (members have no grant at
-- all); as in SQLite, this stops mistakes, and the hash chains show tampering.
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '42501';
END $$;

CREATE TABLE workspace (
  id                  int PRIMARY KEY CHECK (id = 1),
  workspace_id        text NOT NULL,
  created_at          bigint NOT NULL,
  handle              text NOT NULL,
  display_name        text NOT NULL,
  x_user_id           text,
  max_weighted_length int NOT NULL DEFAULT 280,
  timezone            text NOT NULL,
  solo_mode           boolean NOT NULL DEFAULT false CHECK (NOT solo_mode),  -- four-eyes always
  grace_minutes       int NOT NULL DEFAULT 10,
  x_sandbox_url       text,
  x_client_id         text,
  x_username          text,
  x_connection        text NOT NULL DEFAULT 'disconnected'
                      CHECK (x_connection IN ('disconnected', 'connected', 'needs_reconnect')),
  genesis_hash        text NOT NULL,   -- the roster's entry 1; every laptop pins it
  row_seq             bigint
);

CREATE TABLE members (
  id             uuid PRIMARY KEY,
  name           text NOT NULL,
  name_key       text NOT NULL UNIQUE,
  initials       text NOT NULL,
  role           text NOT NULL CHECK (role IN ('contributor', 'approver', 'admin')),
  active         boolean NOT NULL DEFAULT true,
  created_at     bigint NOT NULL,
  deactivated_at bigint,
  db_role        name UNIQUE,          -- the login role this member connects as
  row_seq        bigint
);

-- The acting member: the row whose db_role is the session's login role (never a parameter).
CREATE FUNCTION me() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = cs AS
  $$ SELECT id FROM cs.members WHERE db_role = session_user AND active $$;
CREATE FUNCTION my_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = cs AS
  $$ SELECT role FROM cs.members WHERE db_role = session_user AND active $$;
CREATE FUNCTION reviews() RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT coalesce(cs.my_role() IN ('approver', 'admin'), false) $$;
CREATE FUNCTION admin() RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT coalesce(cs.my_role() = 'admin', false) $$;

CREATE TABLE media (
  hash          text PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('image', 'gif', 'video')),
  mime          text NOT NULL,
  bytes         bigint NOT NULL,
  original_name text NOT NULL,
  created_at    bigint NOT NULL,
  row_seq       bigint
);
-- The bytes travel with the workspace: another laptop may be the one that publishes.
CREATE TABLE media_chunks (
  hash text NOT NULL REFERENCES media,
  n    int NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (hash, n)
);

CREATE TABLE posts (
  seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id              uuid PRIMARY KEY,
  author_id       uuid NOT NULL REFERENCES members,
  status          text NOT NULL CHECK (status IN ('draft', 'in_review', 'changes_requested',
                    'rejected', 'approved', 'scheduled', 'publishing', 'posted', 'failed',
                    'needs_check', 'missed', 'dropped')),
  version         int NOT NULL,
  scheduled_at    bigint,
  scheduled_zone  text,
  status_reason   text,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL,
  posted_at       bigint,
  post_url        text,
  queued          boolean NOT NULL DEFAULT false,
  claimed_at      bigint,
  in_flight_at    bigint,
  next_attempt_at bigint,
  server_errors   int NOT NULL DEFAULT 0,
  retries         int NOT NULL DEFAULT 0,
  -- the claim: who holds it, until when, fenced by an epoch that every claim and takeover bumps
  claimed_by      uuid REFERENCES members,
  claim_device    uuid,
  claim_epoch     int NOT NULL DEFAULT 0,
  lease_until     bigint,
  row_seq         bigint
);
CREATE INDEX posts_by_status ON posts (status, scheduled_at);
CREATE INDEX posts_by_posted_at ON posts (status, posted_at, seq);
CREATE INDEX posts_by_scheduled_at ON posts (scheduled_at) WHERE scheduled_at IS NOT NULL;

CREATE TABLE post_versions (
  post_id          uuid NOT NULL REFERENCES posts,
  version          int NOT NULL,
  editor_id        uuid NOT NULL REFERENCES members,
  at               bigint NOT NULL,
  signature        boolean NOT NULL,
  reply_settings   text NOT NULL,
  -- the editor's Ed25519 signature over (post, version, author, editor, content digest)
  author_id        uuid REFERENCES members,
  content_digest   text,
  editor_signature text,
  row_seq          bigint,
  PRIMARY KEY (post_id, version)
);

CREATE TABLE parts (
  post_id uuid NOT NULL,
  version int NOT NULL,
  idx     int NOT NULL,
  text    text NOT NULL,
  row_seq bigint,
  PRIMARY KEY (post_id, version, idx),
  FOREIGN KEY (post_id, version) REFERENCES post_versions
);

CREATE TABLE part_media (
  post_id    uuid NOT NULL,
  version    int NOT NULL,
  idx        int NOT NULL,
  position   int NOT NULL,
  media_hash text NOT NULL REFERENCES media,
  alt_text   text NOT NULL,
  row_seq    bigint,
  PRIMARY KEY (post_id, version, idx, position),
  FOREIGN KEY (post_id, version, idx) REFERENCES parts
);

CREATE TABLE approvals (
  id              uuid PRIMARY KEY,
  post_id         uuid NOT NULL REFERENCES posts,
  member_id       uuid NOT NULL REFERENCES members,
  version         int NOT NULL,
  digest          text NOT NULL,
  scheduled_at    bigint,
  at              bigint NOT NULL,
  received_at     bigint NOT NULL DEFAULT cs.now_ms(),   -- the server's clock, not the laptop's
  solo            boolean NOT NULL DEFAULT false CHECK (NOT solo),
  edited          boolean NOT NULL DEFAULT false,
  voided_at       bigint,
  void_reason     text,
  key_fingerprint text,
  signature       text,
  -- statement v2: the author, and the roster head the approver verified
  author_id       uuid REFERENCES members,
  roster_seq      bigint,
  roster_hash     text,
  row_seq         bigint
);
CREATE INDEX approvals_by_post ON approvals (post_id, at);

CREATE TABLE reviews (
  post_id   uuid NOT NULL REFERENCES posts,
  member_id uuid NOT NULL REFERENCES members,
  version   int NOT NULL,
  at        bigint NOT NULL,
  row_seq   bigint,
  PRIMARY KEY (post_id, member_id)
);

CREATE TABLE comments (
  id        uuid PRIMARY KEY,
  post_id   uuid NOT NULL REFERENCES posts,
  member_id uuid NOT NULL REFERENCES members,
  version   int NOT NULL,
  text      text NOT NULL,
  at        bigint NOT NULL,
  row_seq   bigint
);
CREATE INDEX comments_by_post ON comments (post_id, at);

CREATE TABLE audit (
  seq         bigint PRIMARY KEY,
  at          bigint NOT NULL,
  actor_id    uuid,
  actor_name  text NOT NULL,
  action      text NOT NULL,
  post_id     uuid,
  version     int,
  digest      text,
  detail      text NOT NULL,
  prev_hash   text NOT NULL,
  hash        text NOT NULL,
  public_key  text,
  signature   text,
  received_at bigint NOT NULL DEFAULT cs.now_ms(),
  row_seq     bigint
);
CREATE INDEX audit_by_post ON audit (post_id) WHERE post_id IS NOT NULL;

CREATE TABLE roster (
  seq        bigint PRIMARY KEY,
  member_id  uuid NOT NULL REFERENCES members,
  name       text NOT NULL,
  role       text NOT NULL CHECK (role IN ('contributor', 'approver', 'admin')),
  public_key text NOT NULL,
  active     boolean NOT NULL,
  at         bigint NOT NULL,
  signer_id  uuid,
  signature  text,
  prev_hash  text NOT NULL,
  hash       text NOT NULL,
  solo       boolean CHECK (solo IS NOT TRUE),   -- team mode never turns solo on
  row_seq    bigint
);
CREATE INDEX roster_by_member ON roster (member_id, seq);

-- Keys a joining laptop offers; an admin signs a roster entry for one after comparing fingerprints.
CREATE TABLE key_requests (
  member_id  uuid PRIMARY KEY REFERENCES members,
  public_key text NOT NULL,
  at         bigint NOT NULL,
  row_seq    bigint
);

CREATE TABLE published_parts (
  post_id     uuid NOT NULL REFERENCES posts,
  idx         int NOT NULL,
  x_id        text NOT NULL,
  at          bigint NOT NULL,
  by_member   uuid NOT NULL REFERENCES members,
  claim_epoch int NOT NULL,
  row_seq     bigint,
  PRIMARY KEY (post_id, idx)
);

CREATE TABLE queue_slots (
  id         uuid PRIMARY KEY,
  weekday    int NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  time       text NOT NULL,
  created_at bigint NOT NULL,
  row_seq    bigint,
  UNIQUE (weekday, time)
);

-- Per laptop in the long run (each reviewer's own grant); shared for now, as in SQLite.
CREATE TABLE x_budgets (
  endpoint  text NOT NULL,
  "window"  text NOT NULL,
  "limit"   int NOT NULL,
  remaining int NOT NULL,
  reset_at  bigint NOT NULL,
  seen_at   bigint NOT NULL,
  row_seq   bigint,
  PRIMARY KEY (endpoint, "window")
);

-- Row-level security on every table; the whole team reads everything.
DO $$ DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['workspace', 'members', 'media', 'posts', 'post_versions', 'parts',
      'part_media', 'approvals', 'reviews', 'comments', 'audit', 'roster', 'key_requests',
      'published_parts', 'queue_slots', 'x_budgets'] LOOP
    EXECUTE format('CREATE TRIGGER %I_stamp BEFORE INSERT OR UPDATE ON cs.%I '
                   'FOR EACH ROW EXECUTE FUNCTION cs.stamp()', t, t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['workspace', 'members', 'media', 'media_chunks', 'posts',
      'post_versions', 'parts', 'part_media', 'approvals', 'reviews', 'comments', 'audit',
      'roster', 'key_requests', 'published_parts', 'queue_slots', 'x_budgets',
      'schema_version'] LOOP
    EXECUTE format('ALTER TABLE cs.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I_read ON cs.%I FOR SELECT TO ${ws}_member USING (true)', t, t);
    EXECUTE format('GRANT SELECT ON cs.%I TO ${ws}_member', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['audit', 'roster', 'comments', 'post_versions', 'parts',
      'part_media', 'media', 'media_chunks', 'published_parts'] LOOP
    EXECUTE format('CREATE TRIGGER %I_append_only BEFORE UPDATE OR DELETE ON cs.%I '
                   'FOR EACH ROW EXECUTE FUNCTION cs.append_only()', t, t);
  END LOOP;
END $$;

-- Insert-only tables: INSERT grants only, each row as the acting member.
GRANT INSERT ON audit, comments, post_versions, parts, part_media, media, media_chunks,
  key_requests TO ${ws}_member;
CREATE POLICY audit_add ON audit FOR INSERT TO ${ws}_member
  WITH CHECK (actor_id IS NULL OR actor_id = cs.me());
CREATE POLICY comments_add ON comments FOR INSERT TO ${ws}_member WITH CHECK (member_id = cs.me());
CREATE POLICY versions_add ON post_versions FOR INSERT TO ${ws}_member WITH CHECK (
  editor_id = cs.me() AND EXISTS (SELECT 1 FROM posts p WHERE p.id = post_versions.post_id
    AND p.author_id = post_versions.author_id AND (p.author_id = cs.me() OR cs.reviews())));
CREATE POLICY parts_add ON parts FOR INSERT TO ${ws}_member WITH CHECK (EXISTS (
  SELECT 1 FROM post_versions v WHERE v.post_id = parts.post_id AND v.version = parts.version
    AND v.editor_id = cs.me()));
CREATE POLICY part_media_add ON part_media FOR INSERT TO ${ws}_member WITH CHECK (EXISTS (
  SELECT 1 FROM post_versions v WHERE v.post_id = part_media.post_id
    AND v.version = part_media.version AND v.editor_id = cs.me()));
CREATE POLICY media_add ON media FOR INSERT TO ${ws}_member WITH CHECK (cs.me() IS NOT NULL);
CREATE POLICY media_chunks_add ON media_chunks FOR INSERT TO ${ws}_member
  WITH CHECK (cs.me() IS NOT NULL);
CREATE POLICY key_requests_add ON key_requests FOR INSERT TO ${ws}_member
  WITH CHECK (member_id = cs.me());

-- The audit chain stays linear whatever a client sends.
CREATE FUNCTION audit_link() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = cs AS $$
DECLARE h record;
BEGIN
  PERFORM pg_advisory_xact_lock(7262);
  SELECT seq, hash INTO h FROM cs.audit ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(h.seq, 0) + 1 OR NEW.prev_hash <> coalesce(h.hash, repeat('0', 64)) THEN
    RAISE EXCEPTION 'audit entry % does not extend the head %', NEW.seq, coalesce(h.seq, 0)
      USING ERRCODE = '40001';   -- serialization_failure: the client re-reads the head and retries
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_link BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_link();

-- Approvals: only a reviewer, as themselves, of the post's current version and author, never
-- their own post. Voiding (NULL -> a value) is the only change, by a reviewer or the author.
GRANT INSERT ON approvals TO ${ws}_member;
GRANT UPDATE (voided_at, void_reason) ON approvals TO ${ws}_member;
CREATE POLICY approvals_add ON approvals FOR INSERT TO ${ws}_member WITH CHECK (
  cs.reviews() AND member_id = cs.me() AND roster_seq IS NOT NULL AND EXISTS (
    SELECT 1 FROM posts p WHERE p.id = approvals.post_id AND p.version = approvals.version
      AND p.author_id <> cs.me() AND p.author_id = approvals.author_id));
CREATE POLICY approvals_void ON approvals FOR UPDATE TO ${ws}_member
  USING (voided_at IS NULL AND (cs.reviews() OR EXISTS (
    SELECT 1 FROM posts p WHERE p.id = approvals.post_id AND p.author_id = cs.me())))
  WITH CHECK (voided_at IS NOT NULL);

-- Posts: authors create their own drafts; the author or a reviewer updates; transitions guarded.
GRANT INSERT ON posts TO ${ws}_member;
GRANT UPDATE (status, version, scheduled_at, scheduled_zone, status_reason, updated_at,
  posted_at, post_url, queued, claimed_at, in_flight_at, next_attempt_at, server_errors, retries,
  claimed_by, claim_device, claim_epoch, lease_until) ON posts TO ${ws}_member;
CREATE POLICY posts_add ON posts FOR INSERT TO ${ws}_member WITH CHECK (
  author_id = cs.me() AND status = 'draft' AND claim_epoch = 0 AND claimed_by IS NULL);
CREATE POLICY posts_change ON posts FOR UPDATE TO ${ws}_member
  USING (author_id = cs.me() OR cs.reviews()) WITH CHECK (author_id = cs.me() OR cs.reviews());

-- The status machine's server half (workflow.rs keeps the whole of it on every laptop). Applies
-- to every UPDATE, the owner's too.
CREATE FUNCTION posts_guard() RETURNS trigger LANGUAGE plpgsql SET search_path = cs AS $$
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

  IF NEW.status = 'scheduled' OR NEW.status = 'approved' AND (OLD.status IN ('draft', 'in_review',
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
CREATE TRIGGER posts_guard BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION posts_guard();

-- Parts published to X: only by the live claimant at its epoch (a fenced claimant gets a refusal).
GRANT INSERT ON published_parts TO ${ws}_member;
CREATE POLICY published_parts_add ON published_parts FOR INSERT TO ${ws}_member WITH CHECK (
  by_member = cs.me() AND EXISTS (SELECT 1 FROM posts p WHERE p.id = published_parts.post_id
    AND p.status = 'publishing' AND p.claimed_by = cs.me()
    AND p.claim_epoch = published_parts.claim_epoch));

-- The version each reviewer last reviewed: their own row only.
GRANT INSERT, UPDATE (version, at) ON reviews TO ${ws}_member;
CREATE POLICY reviews_add ON reviews FOR INSERT TO ${ws}_member WITH CHECK (member_id = cs.me());
CREATE POLICY reviews_change ON reviews FOR UPDATE TO ${ws}_member
  USING (member_id = cs.me()) WITH CHECK (member_id = cs.me());

-- Queue slots: reviewers (they schedule); budgets: any member (what X last reported).
GRANT INSERT, DELETE ON queue_slots TO ${ws}_reviewer;
CREATE POLICY queue_slots_add ON queue_slots FOR INSERT TO ${ws}_reviewer WITH CHECK (cs.reviews());
CREATE POLICY queue_slots_remove ON queue_slots FOR DELETE TO ${ws}_reviewer USING (cs.reviews());
GRANT INSERT, UPDATE ON x_budgets TO ${ws}_member;
CREATE POLICY x_budgets_add ON x_budgets FOR INSERT TO ${ws}_member WITH CHECK (cs.me() IS NOT NULL);
CREATE POLICY x_budgets_change ON x_budgets FOR UPDATE TO ${ws}_member
  USING (cs.me() IS NOT NULL) WITH CHECK (cs.me() IS NOT NULL);

-- The workspace row: admins change its settings (the operator writes it at team init).
GRANT UPDATE (handle, display_name, x_user_id, max_weighted_length, timezone, grace_minutes,
  x_sandbox_url, x_client_id, x_username, x_connection) ON workspace TO ${ws}_admin;
CREATE POLICY workspace_admin ON workspace FOR UPDATE TO ${ws}_admin
  USING (cs.admin()) WITH CHECK (cs.admin());

-- Members and the roster: admins only. Nobody but cs.create_login sets db_role, so an admin
-- cannot point a member row at someone else's login. The roster's genesis is the operator's.
GRANT INSERT (id, name, name_key, initials, role, active, created_at, deactivated_at)
  ON members TO ${ws}_admin;
GRANT UPDATE (name, name_key, initials, role, active, deactivated_at) ON members TO ${ws}_admin;
CREATE POLICY members_add ON members FOR INSERT TO ${ws}_admin WITH CHECK (cs.admin());
CREATE POLICY members_change ON members FOR UPDATE TO ${ws}_admin
  USING (cs.admin()) WITH CHECK (cs.admin());
GRANT INSERT ON roster TO ${ws}_admin;
CREATE POLICY roster_admin ON roster FOR INSERT TO ${ws}_admin
  WITH CHECK (cs.admin() AND signer_id = cs.me());
CREATE FUNCTION roster_link() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = cs AS $$
DECLARE h record;
BEGIN
  PERFORM pg_advisory_xact_lock(7262);
  SELECT seq, hash INTO h FROM cs.roster ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(h.seq, 0) + 1 OR (h.seq IS NOT NULL AND NEW.prev_hash <> h.hash) THEN
    RAISE EXCEPTION 'roster entry % does not extend the head %', NEW.seq, coalesce(h.seq, 0)
      USING ERRCODE = '40001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER roster_link BEFORE INSERT ON roster FOR EACH ROW EXECUTE FUNCTION roster_link();

-- Login roles. PG 15's CREATEROLE is too broad to hand to admins (it could grant itself the
-- owner), so logins are made only here, as the owner. The password is a SCRAM-SHA-256 verifier
-- computed on the laptop, never plaintext, so no password reaches the server's logs.
CREATE FUNCTION create_login(member uuid, verifier text) RETURNS name LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = cs AS $$
DECLARE
  r name := '${ws}_m_' || replace(member::text, '-', '');
  kind text;
  taken name;
BEGIN
  PERFORM pg_advisory_xact_lock(7262);
  SELECT role, db_role INTO kind, taken FROM cs.members WHERE id = member AND active FOR UPDATE;
  IF kind IS NULL THEN
    RAISE EXCEPTION 'no active member %', member USING ERRCODE = '42704';
  END IF;
  IF taken IS NOT NULL THEN
    RAISE EXCEPTION 'member % already has a login', member USING ERRCODE = '42710';
  END IF;
  IF verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'a login takes a SCRAM-SHA-256 verifier, not a password'
      USING ERRCODE = '22023';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', r, verifier,
    CASE kind WHEN 'contributor' THEN '${ws}_contributor' WHEN 'approver' THEN '${ws}_reviewer'
              ELSE '${ws}_admin' END);
  UPDATE cs.members SET db_role = r WHERE id = member;
  RETURN r;
END $$;
REVOKE ALL ON FUNCTION create_login(uuid, text) FROM PUBLIC;   -- the owner (operator) only

CREATE FUNCTION invite(member uuid, verifier text) RETURNS name LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = cs AS $$
BEGIN
  IF NOT cs.admin() THEN
    RAISE EXCEPTION 'only an admin invites' USING ERRCODE = '42501';
  END IF;
  RETURN cs.create_login(member, verifier);
END $$;
REVOKE ALL ON FUNCTION invite(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION invite(uuid, text) TO ${ws}_admin;

INSERT INTO schema_version VALUES (1, '0001_team', now_ms());
