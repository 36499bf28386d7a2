-- Every operator action (pause, resume, sync now, full resync, replays, verify and repair, bootstrap, reports,
-- schema refresh, webhook token confirmation) with who (the management user, or JMX on this machine), from where,
-- what on, and how it ended. Written by the instance that ran the action; read by JMX auditLog and GET /observe/audit.
CREATE TABLE notion_sync.operator_audit (
    id        bigserial   PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL,
    origin    text        NOT NULL,
    action    text        NOT NULL,
    target    text,
    outcome   text        NOT NULL,   -- ok | failed
    detail    text,
    instance  text
);
CREATE INDEX operator_audit_at ON notion_sync.operator_audit (at DESC);
