-- The school itself: its one row of settings, its communities and venues.

-- +goose Up
CREATE TABLE school_settings (
    -- Exactly one row: the primary key can only be true.
    id                boolean PRIMARY KEY DEFAULT true CHECK (id),
    school_name       text NOT NULL DEFAULT '社区党校 · 社区实训基地'
                      CHECK (char_length(btrim(school_name)) BETWEEN 1 AND 60),
    registration_open boolean NOT NULL DEFAULT true,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO school_settings DEFAULT VALUES;

CREATE TABLE communities (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (char_length(btrim(name)) BETWEEN 1 AND 60),
    district   text NOT NULL DEFAULT '' CHECK (char_length(district) <= 60),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A venue belongs to a community, or to the school itself (community_id NULL).
CREATE TABLE venues (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 60),
    community_id bigint REFERENCES communities (id),
    address      text NOT NULL DEFAULT '' CHECK (char_length(address) <= 200),
    seats        integer CHECK (seats > 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX venues_community_name_key ON venues (coalesce(community_id, 0), name);

-- +goose Down
DROP TABLE venues;
DROP TABLE communities;
DROP TABLE school_settings;
