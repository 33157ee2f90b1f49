-- Trainees: their profiles, enrolments with the waitlist, the attendance
-- marks that earn credit hours, and the yearly credit-hour target.

-- +goose Up

-- One phone, one account: imports match an existing trainee by phone, and
-- registration refuses a number that already has an account. Accounts
-- made before this rule may share a number (a couple on one phone): the
-- oldest keeps it, the others lose it and can add their own on their
-- profile. Nothing else about those accounts changes.
UPDATE users u SET phone = NULL
WHERE phone IS NOT NULL
  AND EXISTS (SELECT 1 FROM users o WHERE o.phone = u.phone AND o.id < u.id);
CREATE UNIQUE INDEX users_phone_key ON users (phone);
-- Set on accounts created with a one-time password (trainee import): the
-- first sign-in must choose a new one before anything else.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

ALTER TABLE school_settings
    ADD COLUMN credit_hour_target numeric(5,1) NOT NULL DEFAULT 32
        CHECK (credit_hour_target BETWEEN 0 AND 999);

-- A trainee's profile; name and phone stay on the account (users). A trainee
-- account without a row here has not filled in the profile yet.
CREATE TABLE trainees (
    user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    gender       text CHECK (gender IN ('female', 'male')),
    community_id bigint REFERENCES communities (id),
    organisation text NOT NULL DEFAULT '' CHECK (char_length(organisation) <= 60),
    kind         text NOT NULL DEFAULT 'resident'
                 CHECK (kind IN ('party_member', 'community_worker', 'resident', 'volunteer')),
    party_branch text NOT NULL DEFAULT '' CHECK (char_length(party_branch) <= 60),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- Only party members belong to a party branch.
    CHECK (kind = 'party_member' OR party_branch = '')
);
CREATE INDEX trainees_community_kind_idx ON trainees (community_id, kind);
CREATE INDEX trainees_kind_branch_idx ON trainees (kind, party_branch);

-- The secret of a trainee's private calendar feed (256 random bits,
-- base64url), made when they ask for one. Kept apart from the profile, so
-- that asking for a feed does not make a profile.
CREATE TABLE feed_tokens (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token      text NOT NULL UNIQUE CHECK (token ~ '^[A-Za-z0-9_-]{43}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- How many trainees hold a seat and how many wait: kept by the trigger
-- below, so that the CHECK makes over-enrolment impossible whatever the
-- application does, and so that an enrolment that has locked the course's
-- row reads both counts fresh from it.
ALTER TABLE courses
    ADD COLUMN enrolled integer NOT NULL DEFAULT 0 CHECK (enrolled >= 0),
    ADD COLUMN waitlisted integer NOT NULL DEFAULT 0 CHECK (waitlisted >= 0),
    ADD CONSTRAINT courses_enrolled_within_capacity CHECK (enrolled <= capacity);

-- The waitlist's order: numbers are drawn while the course row is locked,
-- so they follow the order in which enrolments got the lock.
CREATE SEQUENCE enrolment_queue;

CREATE TABLE enrolments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    course_id    bigint NOT NULL REFERENCES courses (id),
    trainee_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       text NOT NULL CHECK (status IN ('enrolled', 'waitlisted', 'withdrawn')),
    queue_no     bigint NOT NULL DEFAULT nextval('enrolment_queue'),
    enrolled_at  timestamptz,
    withdrawn_at timestamptz,
    changed_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT enrolments_course_trainee_key UNIQUE (course_id, trainee_id),
    CHECK (status <> 'enrolled' OR enrolled_at IS NOT NULL),
    CHECK (status <> 'withdrawn' OR withdrawn_at IS NOT NULL)
);
CREATE INDEX enrolments_queue_idx ON enrolments (course_id, status, queue_no);
CREATE INDEX enrolments_trainee_idx ON enrolments (trainee_id, status);

-- +goose StatementBegin
CREATE FUNCTION enrolments_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'withdrawn' THEN
        UPDATE courses
        SET enrolled = enrolled - (OLD.status = 'enrolled')::int,
            waitlisted = waitlisted - (OLD.status = 'waitlisted')::int
        WHERE id = OLD.course_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'withdrawn' THEN
        UPDATE courses
        SET enrolled = enrolled + (NEW.status = 'enrolled')::int,
            waitlisted = waitlisted + (NEW.status = 'waitlisted')::int
        WHERE id = NEW.course_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER enrolments_count_seats
    AFTER INSERT OR DELETE OR UPDATE OF status, course_id ON enrolments
    FOR EACH ROW EXECUTE FUNCTION enrolments_count_seats();

-- One mark per trainee per session. Attendance sheets (a later migration)
-- add who may change marks and their history; credit hours count the
-- sessions marked present or late.
CREATE TABLE attendance (
    session_id  bigint NOT NULL REFERENCES course_sessions (id),
    trainee_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    note        text NOT NULL DEFAULT '' CHECK (char_length(note) <= 200),
    recorded_by bigint REFERENCES users (id) ON DELETE SET NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, trainee_id)
);
CREATE INDEX attendance_trainee_idx ON attendance (trainee_id, session_id);

-- +goose Down
DROP TABLE attendance;
DROP TRIGGER enrolments_count_seats ON enrolments;
DROP FUNCTION enrolments_count_seats();
DROP TABLE enrolments;
DROP SEQUENCE enrolment_queue;
ALTER TABLE courses DROP CONSTRAINT courses_enrolled_within_capacity, DROP COLUMN enrolled, DROP COLUMN waitlisted;
DROP TABLE feed_tokens;
DROP TABLE trainees;
ALTER TABLE school_settings DROP COLUMN credit_hour_target;
ALTER TABLE users DROP COLUMN must_change_password;
DROP INDEX users_phone_key;
