-- Creates in Notion are not idempotent: when the answer to POST /v1/pages is lost (timeout, 5xx, cut-off body, a
-- crash before the write-back) the page may exist anyway. Before sending a create the engine records its intent
-- here and marks it sent; before sending it again it looks for the page the lost answer may have made (created by the
-- integration since the first send, with the same title, not taken by another intent) and adopts it.
CREATE TABLE notion_sync.create_intents (
    intent_key    text        PRIMARY KEY,   -- push:<schema>.<table>:<row's local id> | report:<report run id>
    target        text        NOT NULL,      -- the data source id, or the parent page id of a report page
    titles        text[]      NOT NULL DEFAULT '{}',   -- every page title sent for it: what the lookup matches
    first_sent_at timestamptz,               -- NULL until the create was sent once: nothing to look for before
    sends         integer     NOT NULL DEFAULT 0,
    page_id       uuid        UNIQUE,        -- the page made for it, once known: one page never serves two intents
    created_at    timestamptz NOT NULL DEFAULT now()
);
