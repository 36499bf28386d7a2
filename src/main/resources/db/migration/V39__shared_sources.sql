-- Sources discovered as "every data source shared with this connection" (notion.connection.<name>.sources = shared,
-- notion.oauth.sources = shared): the name and table each data source got when it was first found, so a database
-- renamed in Notion keeps its table, and when it was last listed (one no longer shared keeps its table, unsynced).
CREATE TABLE notion_sync.shared_sources (
    connection      text        NOT NULL,
    data_source_id  text        NOT NULL,
    source          text        NOT NULL UNIQUE,
    title           text,
    discovered_at   timestamptz NOT NULL DEFAULT now(),
    last_listed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection, data_source_id)
);
