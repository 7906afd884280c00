-- Logins follow the roster and the invite.
--
-- An invite's one-time password stops working when the invite does: the login is made (or
-- re-made) VALID UNTIL the server's clock plus the invite's lifetime. The joining laptop, as
-- its first act, replaces that password with its own and lifts the limit (cs.joined), which a
-- login cannot do for itself.
--
-- A member's login moves with their role: promoted to admin, it joins the admins' group (the
-- policies that let an admin invite or edit the roster are granted to that group); demoted, it
-- leaves. Deactivated, it can no longer log in at all.
SET LOCAL search_path = cs;

CREATE FUNCTION invite(member uuid, verifier text, valid_secs bigint) RETURNS name
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = cs AS $$
DECLARE
  r name;
BEGIN
  IF valid_secs IS NULL OR valid_secs < 1 OR valid_secs > 30 * 24 * 3600 THEN
    RAISE EXCEPTION 'an invite lasts from a second to 30 days' USING ERRCODE = '22023';
  END IF;
  r := cs.invite(member, verifier);
  EXECUTE format('ALTER ROLE %I VALID UNTIL %L', r,
                 clock_timestamp() + make_interval(secs => valid_secs));
  RETURN r;
END $$;
REVOKE ALL ON FUNCTION invite(uuid, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION invite(uuid, text, bigint) TO ${ws}_admin;
-- Admins invite with a lifetime only: the two-argument form (a login with no end) is the
-- owner's, called from the one above.
REVOKE EXECUTE ON FUNCTION invite(uuid, text) FROM ${ws}_admin;

CREATE FUNCTION joined(verifier text) RETURNS void LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = cs AS $$
DECLARE
  r name;
BEGIN
  SELECT db_role INTO r FROM cs.members WHERE db_role = session_user AND active;
  IF r IS NULL THEN
    RAISE EXCEPTION 'this login is not an active member''s' USING ERRCODE = '42501';
  END IF;
  IF verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'a login takes a SCRAM-SHA-256 verifier, not a password'
      USING ERRCODE = '22023';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L VALID UNTIL %L', r, verifier, 'infinity');
END $$;
REVOKE ALL ON FUNCTION joined(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION joined(text) TO ${ws}_member;

CREATE FUNCTION member_login_moves() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = cs AS $$
BEGIN
  IF NEW.db_role IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.role IS DISTINCT FROM OLD.role THEN
    EXECUTE format('REVOKE %I, %I, %I FROM %I', '${ws}_contributor', '${ws}_reviewer',
                   '${ws}_admin', NEW.db_role);
    EXECUTE format('GRANT %I TO %I',
      CASE NEW.role WHEN 'contributor' THEN '${ws}_contributor'
                    WHEN 'approver' THEN '${ws}_reviewer' ELSE '${ws}_admin' END,
      NEW.db_role);
  END IF;
  IF NEW.active IS DISTINCT FROM OLD.active THEN
    EXECUTE format('ALTER ROLE %I %s', NEW.db_role,
                   CASE WHEN NEW.active THEN 'LOGIN' ELSE 'NOLOGIN' END);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER members_login_moves AFTER UPDATE OF role, active ON members
  FOR EACH ROW EXECUTE FUNCTION member_login_moves();

INSERT INTO schema_version VALUES (4, '0004_logins', now_ms());
