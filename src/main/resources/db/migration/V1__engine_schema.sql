-- The engine's own bookkeeping. Mirrored Notion data lives in another schema (notion.db.schema).

-- How far each data source has been read: the newest last_edited_time committed with its rows.
CREATE TABLE notion_sync.watermarks (
    source           text        NOT NULL,
    data_source_id   uuid        NOT NULL,
    last_edited_time timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, data_source_id)
);

-- Which column holds which Notion property. The property id is the key, so a rename in Notion keeps its column.
CREATE TABLE notion_sync.column_catalog (
    table_schema   text        NOT NULL,
    table_name     text        NOT NULL,
    property_id    text        NOT NULL,
    property_name  text        NOT NULL,
    property_type  text        NOT NULL,
    column_base    text        NOT NULL,
    removed_at     timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_schema, table_name, property_id, property_type)
);

-- One row per pull run of one source.
CREATE TABLE notion_sync.sync_runs (
    id               bigserial   PRIMARY KEY,
    source           text        NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    pages_read       integer     NOT NULL DEFAULT 0,
    pages_inserted   integer     NOT NULL DEFAULT 0,
    pages_updated    integer     NOT NULL DEFAULT 0,
    pages_unchanged  integer     NOT NULL DEFAULT 0,
    api_calls        integer     NOT NULL DEFAULT 0,
    watermark_before timestamptz,
    watermark_after  timestamptz,
    outcome          text        NOT NULL DEFAULT 'running',
    error            text
);
CREATE INDEX sync_runs_source_started ON notion_sync.sync_runs (source, started_at DESC);
