-- The public week timetable and the catalogue are the same for every
-- visitor who is not signed in, so the app keeps them rendered, and the
-- sessions of each course for the schedules of its trainees (package
-- courses, pages.go). public_changes counts the committed changes to the
-- tables they are drawn from; what is kept is used only while the count
-- is the one read before its data was, so nothing shown is stale once a
-- change has committed, in any app process.
--
-- Two counts: shown, for every change to courses, sessions, lecturers,
-- venues and communities but the seats taken on a course; and seats, for
-- those (courses.enrolled and waitlisted, which every enrolment changes
-- through the seat trigger). Only the catalogue shows seats, so a rush of
-- enrolments leaves the timetable and the schedules kept.
--
-- The triggers are deferred constraint triggers: each count is raised once
-- per transaction, at its commit. Its row is then locked from that moment
-- until the commit is done, after every other lock the transaction takes,
-- so writers queue on it only for their commit and cannot deadlock on it.
-- There is no TRUNCATE trigger: a TRUNCATE trigger marks a table
-- append-only (database.GrantRuntime), and the server may not truncate.

-- +goose Up
CREATE TABLE public_changes (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    shown bigint NOT NULL,
    seats bigint NOT NULL
);
INSERT INTO public_changes (id, shown, seats) VALUES (true, 0, 0);

-- +goose StatementBegin
CREATE FUNCTION public_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the setting is local to it.
    IF current_setting('partyschool.public_changed', true) IS DISTINCT FROM '1' THEN
        UPDATE public_changes SET shown = shown + 1;
        PERFORM set_config('partyschool.public_changed', '1', true);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION public_seats_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('partyschool.public_seats_changed', true) IS DISTINCT FROM '1' THEN
        UPDATE public_changes SET seats = seats + 1;
        PERFORM set_config('partyschool.public_seats_changed', '1', true);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER courses_public_changed AFTER INSERT OR DELETE ON courses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public_changed();
-- Any column but the seats, including columns added later.
CREATE CONSTRAINT TRIGGER courses_public_updated AFTER UPDATE ON courses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (to_jsonb(OLD) - 'enrolled' - 'waitlisted' IS DISTINCT FROM to_jsonb(NEW) - 'enrolled' - 'waitlisted')
    EXECUTE FUNCTION public_changed();
CREATE CONSTRAINT TRIGGER courses_seats_changed AFTER UPDATE OF enrolled, waitlisted ON courses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.enrolled IS DISTINCT FROM NEW.enrolled OR OLD.waitlisted IS DISTINCT FROM NEW.waitlisted)
    EXECUTE FUNCTION public_seats_changed();
CREATE CONSTRAINT TRIGGER course_sessions_public_changed AFTER INSERT OR UPDATE OR DELETE ON course_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public_changed();
CREATE CONSTRAINT TRIGGER lecturers_public_changed AFTER INSERT OR UPDATE OR DELETE ON lecturers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public_changed();
CREATE CONSTRAINT TRIGGER venues_public_changed AFTER INSERT OR UPDATE OR DELETE ON venues
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public_changed();
CREATE CONSTRAINT TRIGGER communities_public_changed AFTER INSERT OR UPDATE OR DELETE ON communities
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public_changed();

-- +goose Down
DROP TRIGGER communities_public_changed ON communities;
DROP TRIGGER venues_public_changed ON venues;
DROP TRIGGER lecturers_public_changed ON lecturers;
DROP TRIGGER course_sessions_public_changed ON course_sessions;
DROP TRIGGER courses_seats_changed ON courses;
DROP TRIGGER courses_public_updated ON courses;
DROP TRIGGER courses_public_changed ON courses;
DROP FUNCTION public_seats_changed();
DROP FUNCTION public_changed();
DROP TABLE public_changes;
