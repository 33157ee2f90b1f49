-- Attendance: marks that only trainees on the course can have, the history
-- of every change, idempotent saves, self check-in and its settings.

-- +goose Up

-- How a mark was made: on the sheet, by the trainee's own check-in, or
-- by the lecturer for a trainee without a smartphone (代签).
ALTER TABLE attendance
    ADD COLUMN source text NOT NULL DEFAULT 'sheet' CHECK (source IN ('sheet', 'self', 'assisted')),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- A mark is for a trainee with a seat on the session's course: whatever
-- the application does, a mark for anyone else is refused. (A mark made
-- stays if the trainee later withdraws: it is history.)
-- +goose StatementBegin
CREATE FUNCTION attendance_trainee_on_course() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM enrolments e JOIN course_sessions s ON s.course_id = e.course_id
        WHERE s.id = NEW.session_id AND e.trainee_id = NEW.trainee_id AND e.status = 'enrolled'
    ) THEN
        RAISE EXCEPTION 'trainee % has no seat on the course of session %', NEW.trainee_id, NEW.session_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attendance_trainee_on_course';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER attendance_trainee_on_course
    BEFORE INSERT OR UPDATE OF session_id, trainee_id ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_trainee_on_course();

-- Every change of a mark: who, when, how, from what to what, and why when
-- a coordinator changed it after the lock period. Rows are only added.
CREATE TABLE attendance_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES course_sessions (id),
    trainee_id bigint NOT NULL REFERENCES users (id),
    old_status text CHECK (old_status IN ('present', 'late', 'excused', 'absent')),
    new_status text NOT NULL CHECK (new_status IN ('present', 'late', 'excused', 'absent')),
    note       text NOT NULL DEFAULT '' CHECK (char_length(note) <= 200),
    source     text NOT NULL CHECK (source IN ('sheet', 'self', 'assisted', 'walk_in')),
    reason     text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 200),
    changed_by bigint REFERENCES users (id) ON DELETE SET NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attendance_changes_session_idx ON attendance_changes (session_id, changed_at);

-- The history is only ever added to: whatever runs UPDATE or DELETE on it
-- is refused.
-- +goose StatementBegin
CREATE FUNCTION attendance_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'attendance history is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER attendance_changes_append_only
    BEFORE UPDATE OR DELETE ON attendance_changes
    FOR EACH ROW EXECUTE FUNCTION attendance_changes_append_only();
CREATE TRIGGER attendance_changes_no_truncate BEFORE TRUNCATE ON attendance_changes
    FOR EACH STATEMENT EXECUTE FUNCTION attendance_changes_append_only();

-- The saves of sheets, by the key each submission carries: a retried
-- submission finds its key and is not applied again. The digest of what
-- was saved tells a retry (the same marks) from a different form that
-- came back with an old key (the browser's Back button). Kept 30 days.
CREATE TABLE attendance_saves (
    key        text PRIMARY KEY CHECK (key ~ '^[A-Za-z0-9_-]{16,64}$'),
    session_id bigint NOT NULL REFERENCES course_sessions (id) ON DELETE CASCADE,
    digest     text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    saved_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    changed    integer NOT NULL CHECK (changed >= 0),
    saved_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attendance_saves_saved_at_idx ON attendance_saves (saved_at);

-- A session's self check-in: the secret its rotating codes are derived
-- from (256 random bits), who opened it and when; closed_at ends it.
CREATE TABLE checkins (
    session_id bigint PRIMARY KEY REFERENCES course_sessions (id) ON DELETE CASCADE,
    secret     bytea NOT NULL CHECK (octet_length(secret) = 32),
    opened_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    opened_at  timestamptz NOT NULL DEFAULT now(),
    closed_at  timestamptz
);

-- Check-in attempts that failed, counted per trainee to slow down
-- guessing of the six-digit code.
CREATE TABLE checkin_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trainee_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkin_failures_trainee_idx ON checkin_failures (trainee_id, failed_at);

ALTER TABLE school_settings
    -- Days after a session when its marks lock: then only coordinators
    -- change them, with a reason.
    ADD COLUMN attendance_lock_days integer NOT NULL DEFAULT 7 CHECK (attendance_lock_days BETWEEN 0 AND 365),
    -- Self check-in opens this many minutes before the start and closes
    -- at the end; after the grace minutes a check-in is late.
    ADD COLUMN checkin_opens_minutes integer NOT NULL DEFAULT 30 CHECK (checkin_opens_minutes BETWEEN 0 AND 240),
    ADD COLUMN checkin_grace_minutes integer NOT NULL DEFAULT 10 CHECK (checkin_grace_minutes BETWEEN 0 AND 120);

-- +goose Down
ALTER TABLE school_settings
    DROP COLUMN attendance_lock_days, DROP COLUMN checkin_opens_minutes, DROP COLUMN checkin_grace_minutes;
DROP TABLE checkin_failures;
DROP TABLE checkins;
DROP TABLE attendance_saves;
DROP TABLE attendance_changes;
DROP FUNCTION attendance_changes_append_only();
DROP TRIGGER attendance_trainee_on_course ON attendance;
DROP FUNCTION attendance_trainee_on_course();
ALTER TABLE attendance DROP COLUMN source, DROP COLUMN updated_at;
