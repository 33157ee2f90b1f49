-- Indexes that `make bench` showed were missing at city scale
-- (bench/NOTES.md).

-- +goose Up

-- The trainee registry lists trainees in pinyin order, a page at a time,
-- searched or not: with this index PostgreSQL reads the page in order and
-- stops, instead of reading and sorting every matching trainee. The
-- collation must be the one the registry sorts by.
CREATE INDEX users_trainee_name_idx ON users (name COLLATE "zh-Hans-x-icu", id) WHERE role = 'trainee';

-- +goose Down
DROP INDEX users_trainee_name_idx;
