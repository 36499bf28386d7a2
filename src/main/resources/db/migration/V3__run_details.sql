-- More of what a run did: property item calls (values over 25 items), 429s seen, pages soft-deleted (sweeps).
ALTER TABLE notion_sync.sync_runs
    ADD COLUMN kind                text    NOT NULL DEFAULT 'pull',   -- pull | sweep
    ADD COLUMN property_item_calls integer NOT NULL DEFAULT 0,
    ADD COLUMN rate_limited        integer NOT NULL DEFAULT 0,
    ADD COLUMN pages_deleted       integer NOT NULL DEFAULT 0;
