-- Bound tables (issue 17): what the Notion -> table bridge (Apply) and record matching found and left alone, for the
-- operator to settle: two pages with one key, two rows with one key, a relation to a page that is no row of a bound
-- table, a new page without a key where the key column has no default, an unmatched row waiting for its page.
-- Level-triggered: each pass records what it still sees (last_seen moves on) and resolves what it no longer sees.
CREATE TABLE notion_sync.bound_problems (
    id          bigserial   PRIMARY KEY,
    source      text        NOT NULL,
    kind        text        NOT NULL,   -- ambiguous_page_key | ambiguous_row_key | unlinked_relation | missing_key | unmatched_row
    subject     text        NOT NULL,   -- what the problem is about, unique per source and kind: a key's JSON, a page id, page id + property id
    page_ids    uuid[]      NOT NULL DEFAULT '{}',
    row_keys    jsonb       NOT NULL DEFAULT '[]',
    detail      text        NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
CREATE UNIQUE INDEX bound_problems_open ON notion_sync.bound_problems (source, kind, subject) WHERE resolved_at IS NULL;
