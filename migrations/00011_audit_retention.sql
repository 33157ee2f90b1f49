-- How long the audit log keeps its entries, and the one way an entry
-- ever leaves it: pruning past that retention, by the table's owner.

-- +goose Up

-- Years an audit entry is kept. At least one: China's Cybersecurity Law
-- (art. 21) asks for network logs to be kept six months or more, and the
-- floor also bounds what a compromised server could do by lowering the
-- setting (its role may write school_settings): it could at most bring
-- forward the deletion of entries already a year old, and the change is
-- itself an audit entry that stays.
ALTER TABLE school_settings
    ADD COLUMN audit_retention_years integer NOT NULL DEFAULT 3
        CHECK (audit_retention_years BETWEEN 1 AND 30);

-- The log is searched by who did things.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);

-- The append-only trigger lets a DELETE through for one kind of row only:
-- an entry older than the retention, deleted by the table's owner (the
-- role that runs the migrations, or a superuser). Everything else is
-- refused as before: UPDATE, TRUNCATE, and deleting anything recent.
--
-- Why a trigger rule and not a SECURITY DEFINER pruning function: the
-- serving role has never had the DELETE privilege on audit_log (see
-- database.GrantRuntime), so PostgreSQL refuses its DELETE before any
-- trigger runs, and that privilege is what database.AuditLogProtected
-- checks at every start. A definer function would be a second door, open
-- to every role by default (PUBLIC has EXECUTE on new functions) and shut
-- only as long as nobody grants it again; the serving role could then
-- prune on demand after lowering the retention. With the rule here the
-- owner's DELETE is the only way in, and even the owner cannot remove a
-- recent entry by mistake without first disabling the trigger, a
-- deliberate act of DDL.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE')
       AND OLD.at < now() - make_interval(years => (SELECT audit_retention_years FROM school_settings))
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
DROP INDEX audit_log_actor_idx;
ALTER TABLE school_settings DROP COLUMN audit_retention_years;
