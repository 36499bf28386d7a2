-- Join tables as two-way relations (issue 17 item 6). A bound join table (its primary key two columns, each a foreign
-- key to another bound table's key; notion.source.<name>.as = relation, the default for such a table) has no Notion
-- database of its own: it is one relation property on the first referenced table's database (two-way: Notion shows
-- the synced property on the second's). Bootstrap records it as kind 'relation'; a kind once recorded sticks.
ALTER TABLE notion_sync.bound_sources ADD COLUMN kind text NOT NULL DEFAULT 'database';   -- database | relation

-- Per page of the first referenced table (by the join table's first key column's value): the second key column's
-- values both sides held when they were last in step, the base of the three-way set merge that keeps an
-- application's insert and a Notion user's removal made at the same time. Also the page's lease and retry state.
CREATE TABLE notion_sync.join_bases (
    source          text        NOT NULL,
    left_value      jsonb       NOT NULL,   -- the first key column's value, to_jsonb shape
    agreed          jsonb,                  -- the second key column's values both sides held (to_jsonb shape); NULL before the first settle
    seen_version    text,                   -- the page's shadow mirror version (content hash) the last settle started from
    owed_at         timestamptz,            -- a settle is owed since (a join row moved to this page from another one's)
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_by      text,
    claimed_at      timestamptz,
    note            text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, left_value)
);
