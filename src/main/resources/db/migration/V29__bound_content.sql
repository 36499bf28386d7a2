-- Page content of bound tables (README "Page content of bound tables"): notion.source.<name>.content-column keeps each
-- page's body in a column of the application's table. The content worker and the content push work on the shadow
-- mirror's <table>_content as for mirror sources; the Apply pass copies Notion's content into the column and the
-- bound push hands the column's edits to the content push.

-- What both sides last agreed on, per link: the hash (sha-256 hex) of Notion's content the column reflects, and of the
-- column's value then. NULL: never in step yet (the first pass decides, README).
ALTER TABLE notion_sync.links ADD COLUMN content_hash text, ADD COLUMN content_row_hash text;

-- schema.table.column of a bound source's content column (NULL for mirror sources): the guard below names it.
ALTER TABLE notion_sync.content_sources ADD COLUMN bound_column text;

-- The guard of V28, with one rule more: a bound source's <table>_content is the engine's (a person sets requested_at
-- only; the content is edited in the column).
CREATE OR REPLACE FUNCTION notion_sync.content_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    source_name text;
    pushes      boolean;
    mode        text;
    bound_to     text;
BEGIN
    -- below the top level only what a foreign key's action does passes unmarked: a DELETE (ON DELETE CASCADE) or an
    -- UPDATE leaving markdown alone (ON UPDATE CASCADE of page_id); markdown written by a user's own trigger is an edit
    IF current_setting('notion_sync.origin', true) = 'engine' OR (pg_trigger_depth() > 1 AND (TG_OP = 'DELETE'
            OR (TG_OP = 'UPDATE' AND NEW.markdown IS NOT DISTINCT FROM OLD.markdown))) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- a bound source's content lives in the column of its table (content_sources.bound_column): this table is the
    -- engine's copy, kept for the content worker and the push; a person asks for a read here, and edits the column
    SELECT s.bound_column INTO bound_to
      FROM notion_sync.source_tables t JOIN notion_sync.content_sources s ON s.source = t.source
     WHERE t.table_schema = TG_TABLE_SCHEMA AND t.table_name || '_content' = TG_TABLE_NAME AND s.bound_column IS NOT NULL
     LIMIT 1;
    IF bound_to IS NOT NULL AND NOT (TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'requested_at') = (to_jsonb(OLD) - 'requested_at')) THEN
        RAISE EXCEPTION 'notion-sync: %.% is the engine''s copy of the page content of a bound table: edit column % instead (an UPDATE of it is pushed to Notion); here only requested_at may be set (the page is read again)',
            TG_TABLE_SCHEMA, TG_TABLE_NAME, bound_to USING ERRCODE = '55000';
    END IF;
    IF TG_OP = 'INSERT' THEN
        RAISE EXCEPTION 'notion-sync: rows of %.% are made by the engine, one per page of the mirror table: to write a page''s body, UPDATE its row''s markdown (to empty it, set markdown = '''')',
            TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '55000';   -- not 0A000, which connection pools take for a broken connection
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'notion-sync: rows of %.% are deleted by the engine with their page''s mirror row: to empty a page''s body, set markdown = ''''; to remove the page, delete its mirror row (or trash it in Notion)',
            TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '55000';
    END IF;
    IF (to_jsonb(NEW) - 'markdown' - 'requested_at') IS DISTINCT FROM (to_jsonb(OLD) - 'markdown' - 'requested_at') THEN
        RAISE EXCEPTION 'notion-sync: in %.% only markdown can be changed (and requested_at, to have the page read again); the other columns are the engine''s',
            TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '55000';
    END IF;
    IF NEW.markdown IS NOT DISTINCT FROM OLD.markdown THEN
        RETURN NEW;
    END IF;
    -- drops the local edit that waits (or was refused), whatever the source does now: one that stopped pushing (direction,
    -- content mode) can never push it, and the page is not read while it waits
    IF NEW.markdown IS NULL AND OLD.push_pending_since IS NOT NULL THEN
        -- the row is read from Notion again
        NEW.markdown := OLD.markdown;
        NEW.push_pending_since := NULL;
        NEW.push_edited_at := NULL;
        NEW.push_attempts := 0;
        NEW.push_next_at := NULL;
        NEW.push_sent_at := NULL;
        NEW.push_error := NULL;
        NEW.push_refused_at := NULL;
        NEW.push_version := OLD.push_version + 1;
        NEW.requested_at := clock_timestamp();
        RETURN NEW;
    END IF;
    SELECT s.source, s.pushes, s.mode INTO source_name, pushes, mode
      FROM notion_sync.source_tables t JOIN notion_sync.content_sources s ON s.source = t.source
     WHERE t.table_schema = TG_TABLE_SCHEMA AND t.table_name || '_content' = TG_TABLE_NAME
     LIMIT 1;
    IF mode = 'blocks' OR OLD.content_mode = 'blocks' THEN
        RAISE EXCEPTION 'notion-sync: %.% holds content read in blocks mode and is read-only; edits of markdown are pushed only for notion.source.%.content = markdown',
            TG_TABLE_SCHEMA, TG_TABLE_NAME, coalesce(source_name, '<name>') USING ERRCODE = '55000';
    END IF;
    IF NOT coalesce(pushes, false) THEN
        RAISE EXCEPTION 'notion-sync: the page content in %.% is read-only: source % only pulls. To push edits of markdown to Notion, set notion.source.%.direction = both and restart',
            TG_TABLE_SCHEMA, TG_TABLE_NAME, coalesce(source_name, '<name>'), coalesce(source_name, '<name>') USING ERRCODE = '55000';
    END IF;
    IF NEW.markdown IS NULL THEN
        RAISE EXCEPTION 'notion-sync: markdown cannot be NULL: to empty the page''s body set markdown = ''''' USING ERRCODE = '23502';
    END IF;
    IF OLD.fetched_at IS NULL OR OLD.content_hash IS NULL THEN
        RAISE EXCEPTION 'notion-sync: the content of page % has not been read from Notion yet (fetched_at is NULL%): edit it once it is read, so that no edit made in Notion is overwritten unseen',
            OLD.page_id, CASE WHEN OLD.unreadable_reason IS NOT NULL THEN '; Notion would not give it: ' || OLD.unreadable_reason ELSE '' END USING ERRCODE = '55000';
    END IF;
    IF OLD.truncated THEN
        RAISE EXCEPTION 'notion-sync: the content of page % is incomplete (truncated; missing_block_ids names the blocks Notion would not give): pushing it would delete those blocks, so it is read-only until it is read whole',
            OLD.page_id USING ERRCODE = '55000';
    END IF;
    NEW.push_pending_since := coalesce(OLD.push_pending_since, clock_timestamp());
    NEW.push_edited_at := clock_timestamp();
    NEW.push_version := OLD.push_version + 1;
    -- a new edit is a new change: tried at once, with its own attempts (a refused one is tried again)
    NEW.push_attempts := 0;
    NEW.push_next_at := NULL;
    NEW.push_error := NULL;
    NEW.push_refused_at := NULL;
    RETURN NEW;
END
$$;
