-- Bound sources (notion.source.<name>.mode = bind): an application's own table kept in step with a Notion database.
-- The user's table is never altered; what the engine knows about it lives here.

-- One row per bound source: the table it binds, and the Notion database bootstrap made for it (or the one it was
-- bound to by notion.source.<name>.id, then bootstrap_state is NULL).
CREATE TABLE notion_sync.bound_sources (
    source               text        PRIMARY KEY,
    table_schema         text        NOT NULL,
    table_name           text        NOT NULL,
    parent_page_id       uuid,
    database_id          uuid,
    data_source_id       uuid,
    bootstrap_state      text,       -- creating | filling | done | NULL (bound to an existing database)
    bootstrap_started_at timestamptz,
    bootstrapped_at      timestamptz,
    matched_at           timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Which column of the user's table is which property of the database. A column renamed in PostgreSQL keeps its
-- attnum; a property renamed in Notion keeps its id.
CREATE TABLE notion_sync.bound_columns (
    source        text     NOT NULL,
    attnum        smallint NOT NULL,
    column_name   text     NOT NULL,
    property_id   text,
    property_name text     NOT NULL,
    property_type text     NOT NULL,
    role          text     NOT NULL DEFAULT 'value',   -- value | title | key
    PRIMARY KEY (source, attnum)
);

-- The link between a row (by its primary key) and its page, with what both sides held when they were last in step.
CREATE TABLE notion_sync.links (
    source           text        NOT NULL,
    row_key          jsonb       NOT NULL,   -- {"column": value} of the primary key, jsonb so it is canonical
    page_id          uuid,
    state            text        NOT NULL DEFAULT 'linked',   -- linked | unlinked
    page_edited_time timestamptz,
    page_values      jsonb,                  -- mapped properties by property id, as last synced (the conflict base)
    row_values       jsonb,                  -- mapped columns by column name (to_jsonb shape), as last synced
    linked_at        timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, row_key),
    UNIQUE (source, page_id)
);
