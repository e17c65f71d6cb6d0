-- Version 3: absences members declared ("I can't make it", by their link
-- or by HR), no free text; undo deletes the row. And the secret the
-- absence links are signed with, made once by whichever process needs it
-- first, shared by every replica (see store/absences.rs).

CREATE TABLE peerwell_absences (
    group_id    text NOT NULL,
    idx         integer NOT NULL CHECK (idx >= 0),
    member_id   text NOT NULL,
    recorded_at timestamptz NOT NULL,
    source      text NOT NULL CHECK (source IN ('link', 'hr')),
    PRIMARY KEY (group_id, idx, member_id)
);

CREATE TABLE peerwell_link_secret (
    id         smallint PRIMARY KEY CHECK (id = 1),
    secret     bytea NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL
);
