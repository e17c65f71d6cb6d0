-- peerwell state, schema version 1 on PostgreSQL: the tables the SQLite
-- backend holds (schema version 4 there), each prefixed `peerwell_`, plus the
-- schema version and the writers' lease. Times are `timestamptz` with whole
-- seconds; the text columns hold exactly what the SQLite backend stores.

CREATE TABLE peerwell_schema (
    version    integer PRIMARY KEY CHECK (version > 0),
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The lease several `peerwell serve` processes contend for: one row, its
-- generation raised at every takeover; times from the database's clock.
CREATE TABLE peerwell_lease (
    id         smallint PRIMARY KEY CHECK (id = 1),
    generation bigint NOT NULL CHECK (generation >= 0),
    holder     text NOT NULL,
    renewed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
INSERT INTO peerwell_lease (id, generation, holder, renewed_at, expires_at)
VALUES (1, 0, '', now(), now());

CREATE TABLE peerwell_series (
    group_id   text PRIMARY KEY,
    weekday    smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_time text NOT NULL,
    zone       text NOT NULL,
    changed_at timestamptz NOT NULL
);

CREATE TABLE peerwell_sessions (
    group_id   text NOT NULL,
    idx        bigint NOT NULL CHECK (idx >= 0 AND idx <= 4294967295),
    date       text NOT NULL,
    start_at   timestamptz NOT NULL,
    end_at     timestamptz NOT NULL,
    moved_from timestamptz,
    attendees  text NOT NULL,
    absentees  text NOT NULL,
    roles      text NOT NULL,
    plan       text NOT NULL,
    hash       text NOT NULL,
    sequence   bigint NOT NULL CHECK (sequence >= 0 AND sequence <= 4294967295),
    status     text NOT NULL CHECK (status IN ('active', 'cancelled')),
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, idx)
);
CREATE INDEX peerwell_sessions_by_start ON peerwell_sessions (start_at);

-- Feed tokens: at most one active token per feed; rows are never deleted.
CREATE TABLE peerwell_tokens (
    token      text PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('group', 'member')),
    id         text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE UNIQUE INDEX peerwell_tokens_active ON peerwell_tokens (kind, id)
    WHERE revoked_at IS NULL;

-- The reminder outbox. `claimed_generation` is the lease generation of the
-- process that last claimed the row (0 for a sole writer).
CREATE TABLE peerwell_outbox (
    key                text PRIMARY KEY,
    message_id         text NOT NULL UNIQUE,
    group_id           text NOT NULL,
    idx                bigint,
    kind               text NOT NULL,
    recipient          text NOT NULL,
    address            text NOT NULL,
    fingerprint        text NOT NULL,
    due                timestamptz NOT NULL,
    send_at            timestamptz NOT NULL,
    expires_at         timestamptz,
    created_at         timestamptz NOT NULL,
    state              text NOT NULL CHECK (state IN
                         ('queued', 'sending', 'sent', 'failed', 'expired', 'withdrawn')),
    attempts           bigint NOT NULL CHECK (attempts >= 0),
    next_attempt_at    timestamptz NOT NULL,
    last_error         text,
    sent_at            timestamptz,
    claimed_generation bigint NOT NULL DEFAULT 0,
    message            bytea NOT NULL
);
CREATE INDEX peerwell_outbox_ready ON peerwell_outbox (state, next_attempt_at, key);
CREATE INDEX peerwell_outbox_expiry ON peerwell_outbox (state, expires_at);

CREATE TABLE peerwell_mail_alerts (
    group_id text PRIMARY KEY,
    kind     text NOT NULL,
    since    timestamptz NOT NULL
);

-- Change notices a commit gave rise to that are not queued yet.
CREATE TABLE peerwell_notices_pending (
    group_id   text NOT NULL,
    idx        bigint NOT NULL CHECK (idx >= 0),
    kind       text NOT NULL CHECK (kind IN ('moved', 'cancelled')),
    from_start timestamptz NOT NULL,
    from_end   timestamptz NOT NULL,
    at_start   timestamptz NOT NULL,
    at_end     timestamptz NOT NULL,
    noted_at   timestamptz NOT NULL,
    PRIMARY KEY (group_id, idx)
);
