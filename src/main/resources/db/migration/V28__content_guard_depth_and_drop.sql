-- Page content push (V25), the guard of the content tables corrected:
-- * markdown written by a user's own trigger (pg_trigger_depth() > 1) is an edit like any other: V25 let every write
--   below the top level through unmarked, so such an edit was never pushed and the next read replaced it;
-- * SET markdown = NULL drops a waiting edit whatever the source does now: after a switch to direction = pull (or to
--   blocks) the edit can never be pushed and the page is not read while it waits, yet V25 refused the drop as read-only.
CREATE OR REPLACE FUNCTION notion_sync.content_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    source_name text;
    pushes      boolean;
    mode        text;
BEGIN
    -- below the top level only what a foreign key's action does passes unmarked: a DELETE (ON DELETE CASCADE) or an
    -- UPDATE leaving markdown alone (ON UPDATE CASCADE of page_id); markdown written by a user's own trigger is an edit
    IF current_setting('notion_sync.origin', true) = 'engine' OR (pg_trigger_depth() > 1 AND (TG_OP = 'DELETE'
            OR (TG_OP = 'UPDATE' AND NEW.markdown IS NOT DISTINCT FROM OLD.markdown))) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
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
