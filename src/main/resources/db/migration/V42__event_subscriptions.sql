-- Change event subscriptions (issue 20 item 2): who gets notion_sync.change_events (V41), and how far each has got.
-- One row per subscription, declared in the settings (origin 'settings', upserted at each start) or added at runtime
-- through JMX or the management port (origin 'runtime'). The delivery of a subscription is one cursor: every event
-- with event_id <= passed_through was delivered, dead-lettered or left out by the filter. A failing event keeps the
-- cursor where it is; attempts and next_attempt_at say when it is tried again. Only one engine delivers a
-- subscription at a time (a session advisory lock, see store/Subscriptions).
CREATE TABLE notion_sync.subscriptions (
    name            text        PRIMARY KEY,
    origin          text        NOT NULL,                   -- settings | runtime
    uri             text        NOT NULL,                   -- a Camel endpoint URI (may hold credentials: listed sanitized)
    sources         text[]      NOT NULL DEFAULT '{}',      -- empty: every source
    operations      text[]      NOT NULL DEFAULT '{}',      -- empty: insert, update and delete
    properties      text[]      NOT NULL DEFAULT '{}',      -- empty: any change; else a change of one of these columns
    value_condition text,                                   -- e.g. 'status becomes Development', 'status = Done'
    secret          text,                                   -- HMAC key of a runtime subscription (a declared one's stays in the settings)
    max_attempts    integer     NOT NULL,
    backoff_ms      bigint      NOT NULL,
    backoff_max_ms  bigint      NOT NULL,
    enabled         boolean     NOT NULL DEFAULT true,
    passed_through  bigint      NOT NULL,                   -- the cursor: the last event_id this subscription is done with
    attempts        integer     NOT NULL DEFAULT 0,         -- failed attempts at the event after the cursor
    next_attempt_at timestamptz,
    last_error      text,
    delivered       bigint      NOT NULL DEFAULT 0,
    dead_lettered   bigint      NOT NULL DEFAULT 0,
    last_delivered_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
