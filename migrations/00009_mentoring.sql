-- Shadow-post mentoring (跟岗练兵): pairs of a mentor and a new community
-- worker, their post days with attendance and its history, the mentee's
-- logs with comments, and the final evaluation. The rules that keep a
-- pair sound live here, whatever the application does: who may be in a
-- pair, one active pair per mentee, the sensible status changes, days
-- inside the pair's period, logs frozen once countersigned, and
-- completion only with the attendance rule met and the evaluation
-- confirmed.

-- +goose Up

CREATE TABLE mentoring_pairs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mentor_id     bigint NOT NULL REFERENCES users (id),
    mentee_id     bigint NOT NULL REFERENCES users (id),
    -- 实训导师: a coordinator or lecturer who reviews the logs and
    -- confirms the evaluation; without one, a coordinator confirms.
    supervisor_id bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Where the mentee shadows: the host community, the mentor's post
    -- there (社区党委副书记, say) and the post the mentee learns.
    community_id  bigint REFERENCES communities (id),
    mentor_post   text NOT NULL CHECK (char_length(btrim(mentor_post)) BETWEEN 1 AND 40),
    post          text NOT NULL CHECK (char_length(btrim(post)) BETWEEN 1 AND 40),
    starts_on     date NOT NULL,
    ends_on       date NOT NULL,
    -- What the mentee should be able to do at the end; the evaluation
    -- scores each.
    goals         text[] NOT NULL CHECK (cardinality(goals) BETWEEN 1 AND 8
                                         AND char_length(array_to_string(goals, '')) <= 8 * 100),
    -- The share of post days to attend, in per cent, for completion.
    required_rate integer NOT NULL DEFAULT 80 CHECK (required_rate BETWEEN 1 AND 100),
    status        text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'active', 'completed', 'ended')),
    end_reason    text NOT NULL DEFAULT '' CHECK (char_length(end_reason) <= 200),
    status_at     timestamptz NOT NULL DEFAULT now(),
    created_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mentoring_pairs_period CHECK (ends_on >= starts_on AND ends_on - starts_on <= 366),
    CONSTRAINT mentoring_pairs_two_people CHECK (mentor_id <> mentee_id AND supervisor_id IS DISTINCT FROM mentee_id),
    CHECK (status <> 'ended' OR btrim(end_reason) <> '')
);
-- A mentee shadows one post at a time.
CREATE UNIQUE INDEX mentoring_pairs_one_active ON mentoring_pairs (mentee_id) WHERE status = 'active';
CREATE INDEX mentoring_pairs_mentor_idx ON mentoring_pairs (mentor_id, status);
CREATE INDEX mentoring_pairs_mentee_idx ON mentoring_pairs (mentee_id, status);
CREATE INDEX mentoring_pairs_supervisor_idx ON mentoring_pairs (supervisor_id) WHERE supervisor_id IS NOT NULL;
CREATE INDEX mentoring_pairs_status_idx ON mentoring_pairs (status, community_id);

-- The people of a pair hold the right roles: the mentor a lecturer (an
-- experienced cadre on the rosters), the mentee a trainee, the supervisor
-- a lecturer or coordinator.
-- +goose StatementBegin
CREATE FUNCTION mentoring_pairs_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.mentor_id AND role = 'lecturer') THEN
        RAISE EXCEPTION 'mentor % is not a lecturer', NEW.mentor_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_pairs_mentor_role';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.mentee_id AND role = 'trainee') THEN
        RAISE EXCEPTION 'mentee % is not a trainee', NEW.mentee_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_pairs_mentee_role';
    END IF;
    IF NEW.supervisor_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM users WHERE id = NEW.supervisor_id AND role IN ('lecturer', 'coordinator', 'admin')
    ) THEN
        RAISE EXCEPTION 'supervisor % is neither lecturer nor coordinator', NEW.supervisor_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_pairs_supervisor_role';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER mentoring_pairs_people
    BEFORE INSERT OR UPDATE OF mentor_id, mentee_id, supervisor_id ON mentoring_pairs
    FOR EACH ROW EXECUTE FUNCTION mentoring_pairs_people();

-- Only the sensible changes of status: planned → active or ended (called
-- off), active → completed or ended early. Completed and ended are final.
-- Completion needs the attendance rule met over the pair's post days and
-- the evaluation confirmed. A changed period must still hold every post
-- day.
-- +goose StatementBegin
CREATE FUNCTION mentoring_pairs_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    days     integer;
    attended integer;
BEGIN
    IF NEW.status <> OLD.status THEN
        IF NOT ((OLD.status = 'planned' AND NEW.status IN ('active', 'ended'))
             OR (OLD.status = 'active' AND NEW.status IN ('completed', 'ended'))) THEN
            RAISE EXCEPTION 'a % pair cannot become %', OLD.status, NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_pairs_transition';
        END IF;
        NEW.status_at := now();
    END IF;
    IF NEW.status = 'completed' AND OLD.status <> 'completed' THEN
        SELECT count(*), count(*) FILTER (WHERE status IN ('present', 'late'))
        INTO days, attended FROM post_days WHERE pair_id = NEW.id;
        IF days = 0 OR attended * 100 < NEW.required_rate * days THEN
            RAISE EXCEPTION 'pair % attended % of % post days, below % per cent', NEW.id, attended, days, NEW.required_rate
                USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_pairs_attendance_rule';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM mentoring_evaluations WHERE pair_id = NEW.id AND confirmed_at IS NOT NULL) THEN
            RAISE EXCEPTION 'the evaluation of pair % is not confirmed', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_pairs_evaluation_confirmed';
        END IF;
    END IF;
    IF (NEW.starts_on, NEW.ends_on) IS DISTINCT FROM (OLD.starts_on, OLD.ends_on) AND EXISTS (
        SELECT 1 FROM post_days WHERE pair_id = NEW.id
          AND (starts_at AT TIME ZONE 'Asia/Shanghai')::date NOT BETWEEN NEW.starts_on AND NEW.ends_on
    ) THEN
        RAISE EXCEPTION 'post days of pair % fall outside % – %', NEW.id, NEW.starts_on, NEW.ends_on
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_pairs_days_inside';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER mentoring_pairs_rules BEFORE UPDATE ON mentoring_pairs
    FOR EACH ROW EXECUTE FUNCTION mentoring_pairs_rules();

-- A post day (跟岗日): when and where the mentee is at the post, and the
-- mentor's mark for it with the same four statuses as a session.
CREATE TABLE post_days (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pair_id    bigint NOT NULL REFERENCES mentoring_pairs (id) ON DELETE CASCADE,
    day        date NOT NULL, -- the Beijing date of starts_at, kept by the trigger below
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    place      text NOT NULL DEFAULT '' CHECK (char_length(place) <= 100),
    status     text CHECK (status IN ('present', 'late', 'excused', 'absent')),
    note       text NOT NULL DEFAULT '' CHECK (char_length(note) <= 200),
    marked_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    marked_at  timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT post_days_length CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '12 hours'),
    -- One post day per date and pair.
    CONSTRAINT post_days_one_a_day UNIQUE (pair_id, day)
);
CREATE INDEX post_days_starts_idx ON post_days (starts_at);

-- The credit hours an attended post day earns: its length in hours, to
-- one decimal (a half day 14:00–18:00 earns 4). The ledger, the pair's
-- progress and the certificate all count by this one rule.
CREATE FUNCTION post_day_hours(starts_at timestamptz, ends_at timestamptz) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT
    RETURN round((extract(epoch FROM ends_at - starts_at) / 3600)::numeric, 1);

-- A post day falls inside its pair's period.
-- +goose StatementBegin
CREATE FUNCTION post_days_inside_pair() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.day := (NEW.starts_at AT TIME ZONE 'Asia/Shanghai')::date;
    IF NOT EXISTS (SELECT 1 FROM mentoring_pairs WHERE id = NEW.pair_id AND NEW.day BETWEEN starts_on AND ends_on) THEN
        RAISE EXCEPTION 'post day % is outside the period of pair %', NEW.day, NEW.pair_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'post_days_inside_pair';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER post_days_inside_pair BEFORE INSERT OR UPDATE OF starts_at, pair_id ON post_days
    FOR EACH ROW EXECUTE FUNCTION post_days_inside_pair();

-- Every change of a post day's mark, as for sessions: rows are only added.
CREATE TABLE post_day_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_day_id bigint NOT NULL REFERENCES post_days (id),
    old_status  text CHECK (old_status IN ('present', 'late', 'excused', 'absent')),
    new_status  text NOT NULL CHECK (new_status IN ('present', 'late', 'excused', 'absent')),
    note        text NOT NULL DEFAULT '' CHECK (char_length(note) <= 200),
    reason      text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 200),
    changed_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_day_changes_day_idx ON post_day_changes (post_day_id, changed_at);
-- (So a post day that has a mark, and its pair, cannot be deleted.)
CREATE TRIGGER post_day_changes_append_only BEFORE UPDATE OR DELETE ON post_day_changes
    FOR EACH ROW EXECUTE FUNCTION attendance_changes_append_only();
CREATE TRIGGER post_day_changes_no_truncate BEFORE TRUNCATE ON post_day_changes
    FOR EACH STATEMENT EXECUTE FUNCTION attendance_changes_append_only();

-- The mentee's log of a post day (跟岗日志), countersigned by the mentor.
CREATE TABLE mentoring_logs (
    post_day_id      bigint PRIMARY KEY REFERENCES post_days (id) ON DELETE CASCADE,
    did              text NOT NULL CHECK (char_length(btrim(did)) BETWEEN 1 AND 2000),
    learned          text NOT NULL DEFAULT '' CHECK (char_length(learned) <= 2000),
    questions        text NOT NULL DEFAULT '' CHECK (char_length(questions) <= 1000),
    written_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    countersigned_by bigint REFERENCES users (id) ON DELETE SET NULL,
    countersigned_at timestamptz
);

-- A countersigned log is what the mentor signed: it no longer changes.
-- +goose StatementBegin
CREATE FUNCTION mentoring_logs_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.countersigned_at IS NOT NULL
       AND (NEW.did, NEW.learned, NEW.questions, NEW.countersigned_at) IS DISTINCT FROM
           (OLD.did, OLD.learned, OLD.questions, OLD.countersigned_at) THEN
        RAISE EXCEPTION 'the log of post day % is countersigned', OLD.post_day_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_logs_countersigned';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER mentoring_logs_frozen BEFORE UPDATE ON mentoring_logs
    FOR EACH ROW EXECUTE FUNCTION mentoring_logs_frozen();

-- Comments on a log by the mentor, the supervisor or a coordinator.
CREATE TABLE mentoring_comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_day_id bigint NOT NULL REFERENCES mentoring_logs (post_day_id) ON DELETE CASCADE,
    author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    body        text NOT NULL CHECK (char_length(btrim(body)) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mentoring_comments_day_idx ON mentoring_comments (post_day_id, created_at);

-- The mentor's evaluation at the end: a score of 1–5 per goal, in the
-- goals' order, and an overall comment; the supervisor's confirmation
-- freezes it.
CREATE TABLE mentoring_evaluations (
    pair_id      bigint PRIMARY KEY REFERENCES mentoring_pairs (id) ON DELETE CASCADE,
    scores       smallint[] NOT NULL CHECK (cardinality(scores) BETWEEN 1 AND 8
                                            AND 1 <= ALL (scores) AND 5 >= ALL (scores)),
    comment      text NOT NULL CHECK (char_length(btrim(comment)) BETWEEN 1 AND 2000),
    evaluated_by bigint REFERENCES users (id) ON DELETE SET NULL,
    evaluated_at timestamptz NOT NULL DEFAULT now(),
    confirmed_by bigint REFERENCES users (id) ON DELETE SET NULL,
    confirmed_at timestamptz
);

-- +goose StatementBegin
CREATE FUNCTION mentoring_evaluations_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.confirmed_at IS NOT NULL THEN
        RAISE EXCEPTION 'the evaluation of pair % is confirmed', OLD.pair_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mentoring_evaluations_confirmed';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER mentoring_evaluations_frozen BEFORE UPDATE ON mentoring_evaluations
    FOR EACH ROW EXECUTE FUNCTION mentoring_evaluations_frozen();

-- Mentoring certificates point at their pair.
ALTER TABLE certificates ADD CONSTRAINT certificates_pair_fkey
    FOREIGN KEY (pair_id) REFERENCES mentoring_pairs (id);
CREATE INDEX certificates_pair_idx ON certificates (pair_id) WHERE pair_id IS NOT NULL;

-- +goose Down
DROP INDEX certificates_pair_idx;
ALTER TABLE certificates DROP CONSTRAINT certificates_pair_fkey;
DROP TABLE mentoring_evaluations;
DROP FUNCTION mentoring_evaluations_frozen();
DROP TABLE mentoring_comments;
DROP TABLE mentoring_logs;
DROP FUNCTION mentoring_logs_frozen();
DROP TABLE post_day_changes;
DROP TABLE post_days;
DROP FUNCTION post_day_hours(timestamptz, timestamptz);
DROP FUNCTION post_days_inside_pair();
DROP TABLE mentoring_pairs;
DROP FUNCTION mentoring_pairs_rules();
DROP FUNCTION mentoring_pairs_people();
