-- Version 2: the plan publication followers serve. One row, replaced by
-- every plan commit in the commit's own transaction; `generation` goes up
-- by one each time, so a follower polling it sees each new plan once.
-- `lease_generation` is the lease the committing leader held (0 for a
-- sole writer). `body` holds times, member ids and format-generated text
-- only (the same values as `peerwell_sessions`), never calendar text.

CREATE TABLE peerwell_publication (
    id               smallint PRIMARY KEY CHECK (id = 1),
    generation       bigint NOT NULL CHECK (generation > 0),
    lease_generation bigint NOT NULL CHECK (lease_generation >= 0),
    published_at     timestamptz NOT NULL,
    body             text NOT NULL
);
