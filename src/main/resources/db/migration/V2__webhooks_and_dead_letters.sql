-- Webhook handshakes: Notion's verification token, which the operator pastes into the integration's settings.
CREATE TABLE notion_sync.webhook_subscriptions (
    id                 bigserial   PRIMARY KEY,
    verification_token text        NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT now()
);

-- Durable inbox: every verified event is committed here before Notion gets its 200.
CREATE TABLE notion_sync.webhook_inbox (
    event_id        text        PRIMARY KEY,
    event_type      text        NOT NULL,
    entity_id       text,
    entity_type     text,
    data_source_id  text,
    event_time      timestamptz,
    authors         jsonb,
    body            jsonb       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL DEFAULT 'pending',   -- pending | processing | applied | ignored | dead_letter
    claimed_at      timestamptz,
    processed_at    timestamptz,
    note            text
);
CREATE INDEX webhook_inbox_pending ON notion_sync.webhook_inbox (event_time) WHERE status IN ('pending', 'processing');

-- The dead letter channel's sink: what failed after its retries, with enough to understand and replay it.
CREATE TABLE notion_sync.dead_letters (
    id                bigserial   PRIMARY KEY,
    route_id          text,
    endpoint_uri      text        NOT NULL,
    exception_class   text,
    exception_message text,
    attempts          integer     NOT NULL DEFAULT 0,
    body              text,
    headers           jsonb,
    failed_at         timestamptz NOT NULL DEFAULT now(),
    first_attempt_at  timestamptz,
    status            text        NOT NULL DEFAULT 'open',      -- open | resolved
    resolved_at       timestamptz,
    replay_count      integer     NOT NULL DEFAULT 0,
    last_replay_error text
);
CREATE INDEX dead_letters_open ON notion_sync.dead_letters (id) WHERE status = 'open';
