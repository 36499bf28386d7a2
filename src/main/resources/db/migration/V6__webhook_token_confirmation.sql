-- A webhook handshake no longer takes effect by itself: it is recorded as pending, and only an operator's
-- confirmation (or the setting notion.webhook.verification-token) puts a token in force. Before this version the
-- newest handshake was in force, whoever sent it; since nobody can tell now which one Notion sent, every stored
-- handshake starts out pending and the operator confirms the right one.
ALTER TABLE notion_sync.webhook_subscriptions
    ADD COLUMN status        text        NOT NULL DEFAULT 'pending',   -- pending | confirmed | superseded
    ADD COLUMN confirmed_at  timestamptz,
    ADD COLUMN received_from text;
