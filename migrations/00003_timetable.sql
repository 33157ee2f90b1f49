-- The timetable: lecturers in their three rosters, courses, and the sessions
-- that put a course, a lecturer and a venue together at a time. The
-- exclusion constraints are the guarantee that no lecturer and no venue is
-- ever booked twice; the application checks first only to say which
-- session is in the way.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE venues ADD COLUMN active boolean NOT NULL DEFAULT true;

CREATE TABLE lecturers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 50),
    -- 专家讲师 expert, 草根讲师 grassroots, 夕阳红讲师 senior.
    team         text NOT NULL CHECK (team IN ('expert', 'grassroots', 'senior')),
    title        text NOT NULL DEFAULT '' CHECK (char_length(title) <= 60),
    organisation text NOT NULL DEFAULT '' CHECK (char_length(organisation) <= 100),
    community_id bigint REFERENCES communities (id),
    phone        text CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    topics       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(topics) <= 12),
    bio          text NOT NULL DEFAULT '' CHECK (char_length(bio) <= 1000),
    active       boolean NOT NULL DEFAULT true,
    -- The account that sees this lecturer's teaching as "my teaching".
    user_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX lecturers_phone_key ON lecturers (phone);
CREATE UNIQUE INDEX lecturers_user_id_key ON lecturers (user_id);
CREATE INDEX lecturers_team_name_idx ON lecturers (team, name);
CREATE INDEX lecturers_topics_idx ON lecturers USING gin (topics);

CREATE TABLE courses (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,19}$'),
    title          text NOT NULL CHECK (char_length(btrim(title)) BETWEEN 1 AND 80),
    -- 政策宣讲 policy, 实训 practice, 交流培训 exchange, 跟岗练兵 mentoring.
    category       text NOT NULL CHECK (category IN ('policy', 'practice', 'exchange', 'mentoring')),
    description    text NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
    community_id   bigint REFERENCES communities (id),
    capacity       integer NOT NULL CHECK (capacity BETWEEN 1 AND 5000),
    starts_on      date NOT NULL,
    ends_on        date NOT NULL,
    enrol_opens    timestamptz NOT NULL,
    enrol_closes   timestamptz NOT NULL,
    credit_hours   numeric(5, 1) NOT NULL CHECK (credit_hours BETWEEN 0 AND 500),
    -- Minimum attendance rate, in percent, for a certificate.
    min_attendance integer NOT NULL DEFAULT 80 CHECK (min_attendance BETWEEN 0 AND 100),
    status         text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'published', 'closed', 'archived')),
    created_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT courses_dates_check CHECK (ends_on >= starts_on AND ends_on - starts_on <= 366),
    CONSTRAINT courses_enrolment_check CHECK (enrol_closes > enrol_opens)
);
CREATE UNIQUE INDEX courses_code_key ON courses (code);
CREATE INDEX courses_status_starts_idx ON courses (status, starts_on);

CREATE TABLE course_sessions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    course_id   bigint NOT NULL REFERENCES courses (id),
    lecturer_id bigint NOT NULL REFERENCES lecturers (id),
    venue_id    bigint NOT NULL REFERENCES venues (id),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    topic       text NOT NULL DEFAULT '' CHECK (char_length(topic) <= 100),
    -- A cancelled session (停课) stays on the timetable and in calendar
    -- feeds, marked, and frees its lecturer and venue.
    cancelled_at  timestamptz,
    cancel_reason text NOT NULL DEFAULT '' CHECK (char_length(cancel_reason) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT course_sessions_time_check
        CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '12 hours'),
    -- Half-open ranges: a session ending at 21:00 does not clash with one
    -- starting at 21:00 in the same room.
    CONSTRAINT course_sessions_lecturer_overlap
        EXCLUDE USING gist (lecturer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (cancelled_at IS NULL),
    CONSTRAINT course_sessions_venue_overlap
        EXCLUDE USING gist (venue_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (cancelled_at IS NULL)
);
CREATE INDEX course_sessions_starts_at_idx ON course_sessions (starts_at);
CREATE INDEX course_sessions_course_idx ON course_sessions (course_id, starts_at);

-- An uploaded spreadsheet between its preview and its confirmation: the
-- parsed rows wait here, so any app process can finish the import. A batch
-- is deleted when it is imported, and after an hour in any case.
CREATE TABLE import_batches (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('lecturers', 'trainees')),
    created_by bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename   text NOT NULL DEFAULT '' CHECK (char_length(filename) <= 200),
    rows       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_batches_created_at_idx ON import_batches (created_at);

-- +goose Down
DROP TABLE import_batches;
DROP TABLE course_sessions;
DROP TABLE courses;
DROP TABLE lecturers;
ALTER TABLE venues DROP COLUMN active;
