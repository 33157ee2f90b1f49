-- Certificates: gap-free serials per prefix and year, the register with
-- its verification codes, the school's certificate settings, the audit
-- log, and the throttle of public verification.

-- +goose Up

-- Whether 请假 (excused) counts as attending for a course's certificate.
ALTER TABLE courses ADD COLUMN excused_counts boolean NOT NULL DEFAULT false;

ALTER TABLE school_settings
    ADD COLUMN cert_prefix text NOT NULL DEFAULT 'CCHY' CHECK (cert_prefix ~ '^[A-Z]{2,8}$'),
    -- The certificate's body, with placeholders {name} {course} {from}
    -- {to} {hours} {school}.
    ADD COLUMN cert_wording text NOT NULL
        DEFAULT '{name}同志于{from}至{to}参加{course}学习，完成规定课程，共计{hours}学时，经考核合格，准予结业。特发此证。'
        CHECK (char_length(cert_wording) BETWEEN 1 AND 400),
    ADD COLUMN cert_seal bytea CHECK (octet_length(cert_seal) <= 1048576),
    ADD COLUMN cert_offset_x numeric(4,1) NOT NULL DEFAULT 0 CHECK (cert_offset_x BETWEEN -20 AND 20),
    ADD COLUMN cert_offset_y numeric(4,1) NOT NULL DEFAULT 0 CHECK (cert_offset_y BETWEEN -20 AND 20);

-- The last number given out per prefix and year. Numbers are taken by
-- updating this row inside the issuing transaction, so they are
-- sequential and leave no gaps: a transaction that fails gives its number
-- back by rolling back.
CREATE TABLE certificate_serials (
    prefix text NOT NULL,
    year   integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    last   integer NOT NULL CHECK (last >= 0),
    PRIMARY KEY (prefix, year)
);

CREATE TABLE certificates (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix        text NOT NULL,
    year          integer NOT NULL,
    number        integer NOT NULL CHECK (number > 0),
    serial        text NOT NULL UNIQUE, -- prefix-year-number, e.g. CCHY-2026-000123
    -- The secret the QR code carries: 128 random bits, base32 (26 letters).
    code          text NOT NULL UNIQUE CHECK (code ~ '^[a-z2-7]{26}$'),
    kind          text NOT NULL CHECK (kind IN ('course', 'mentoring')),
    trainee_id    bigint NOT NULL REFERENCES users (id),
    course_id     bigint REFERENCES courses (id),
    pair_id       bigint, -- a mentoring pair, when mentoring arrives
    -- What the certificate says, as printed: a later change of name or
    -- course does not change an issued certificate (re-issuing does).
    trainee_name  text NOT NULL CHECK (char_length(trainee_name) BETWEEN 1 AND 50),
    course_title  text NOT NULL,
    starts_on     date NOT NULL,
    ends_on       date NOT NULL,
    credit_hours  numeric(5,1) NOT NULL,
    issued_on     date NOT NULL,
    issued_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    issued_at     timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked', 'superseded')),
    revoked_at    timestamptz,
    revoked_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    revoke_reason text NOT NULL DEFAULT '' CHECK (char_length(revoke_reason) <= 200),
    superseded_by bigint REFERENCES certificates (id),
    verifications integer NOT NULL DEFAULT 0,
    UNIQUE (prefix, year, number),
    CHECK (kind <> 'course' OR course_id IS NOT NULL),
    CHECK (kind <> 'mentoring' OR pair_id IS NOT NULL),
    CHECK (status <> 'revoked' OR revoked_at IS NOT NULL),
    CHECK (status <> 'superseded' OR superseded_by IS NOT NULL)
);
-- One valid certificate per trainee per course (and per pair): issuing
-- twice, or from two browsers at once, cannot make a second.
CREATE UNIQUE INDEX certificates_one_per_course ON certificates (trainee_id, course_id)
    WHERE kind = 'course' AND status = 'valid';
CREATE UNIQUE INDEX certificates_one_per_pair ON certificates (trainee_id, pair_id)
    WHERE kind = 'mentoring' AND status = 'valid';
CREATE INDEX certificates_course_idx ON certificates (course_id, status);
CREATE INDEX certificates_trainee_idx ON certificates (trainee_id, issued_at);

-- Public verifications that failed, per client address, to stop the
-- enumeration of serials.
CREATE TABLE verify_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_ip inet NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verify_failures_ip_idx ON verify_failures (client_ip, failed_at);
CREATE INDEX verify_failures_failed_at_idx ON verify_failures (failed_at);

-- The audit log: who did what to whom, when. Rows are only added.
CREATE TABLE audit_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    action    text NOT NULL CHECK (action ~ '^[a-z_.]{3,60}$'),
    object    text NOT NULL DEFAULT '' CHECK (char_length(object) <= 200),
    details   jsonb NOT NULL DEFAULT '{}',
    client_ip inet
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_action_idx ON audit_log (action, at);
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE verify_failures;
DROP TABLE certificates;
DROP TABLE certificate_serials;
ALTER TABLE school_settings DROP COLUMN cert_prefix, DROP COLUMN cert_wording, DROP COLUMN cert_seal,
    DROP COLUMN cert_offset_x, DROP COLUMN cert_offset_y;
ALTER TABLE courses DROP COLUMN excused_counts;
