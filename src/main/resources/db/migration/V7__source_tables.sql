-- Which mirror table holds which data source. A database's data sources can be reordered in Notion; the table of each
-- is kept here by data source id, under the table name its source is configured with (notion.source.<name>.table),
-- so reordering never sends one data source into another's table. Filled on each source's first run after this
-- version from the tables that already exist (store/SourceTables), so an existing installation keeps its assignment.
CREATE TABLE notion_sync.source_tables (
    table_schema   text        NOT NULL,
    base_table     text        NOT NULL,
    data_source_id uuid        NOT NULL,
    table_name     text        NOT NULL,
    source         text        NOT NULL,
    assigned_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_schema, base_table, data_source_id)
);
