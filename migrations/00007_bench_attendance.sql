-- Indexes that `make bench` showed were missing for attendance at city
-- scale (bench/NOTES.md).

-- +goose Up

-- The attendance to-do list shows the latest ended sessions without a
-- mark, a page at a time (ORDER BY ends_at DESC, id DESC). Without an
-- index on ends_at PostgreSQL read every ended session (half of them),
-- checked each for marks and sorted the lot; with it, it reads the
-- sessions backwards from now and stops after the page.
CREATE INDEX course_sessions_ends_at_idx ON course_sessions (ends_at, id);

-- +goose Down
DROP INDEX course_sessions_ends_at_idx;
