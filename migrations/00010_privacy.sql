-- Personal data: a trainee's request to erase their account, which a
-- coordinator confirms or declines. Erasing keeps the training record
-- (attendance, hours, issued certificates, as the privacy notice says)
-- under an account that no longer names anyone.

-- +goose Up
CREATE TABLE deletion_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    reason       text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 200),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'cancelled', 'erased', 'declined')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at   timestamptz,
    answer       text NOT NULL DEFAULT '' CHECK (char_length(answer) <= 200),
    CHECK (status <> 'declined' OR btrim(answer) <> '')
);
-- One open request per account: asking twice changes nothing.
CREATE UNIQUE INDEX deletion_requests_one_pending ON deletion_requests (user_id) WHERE status = 'pending';
CREATE INDEX deletion_requests_status_idx ON deletion_requests (status, requested_at);

-- +goose Down
DROP TABLE deletion_requests;
