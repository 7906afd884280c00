-- Team mode: the server stamps its own receipt time on each audit entry. The laptop that wrote
-- an entry has it before the server's stamp comes back, so the one change the trail allows is
-- that stamp arriving: received_at from nothing to a time, every other column as it was.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (OLD.received_at IS NULL AND NEW.received_at IS NOT NULL
          AND NEW.seq IS OLD.seq AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id
          AND NEW.actor_name IS OLD.actor_name AND NEW.action IS OLD.action
          AND NEW.post_id IS OLD.post_id AND NEW.version IS OLD.version
          AND NEW.digest IS OLD.digest AND NEW.detail IS OLD.detail
          AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
          AND NEW.public_key IS OLD.public_key AND NEW.signature IS OLD.signature)
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
