-- Comments (README "Comments"): a table <table>_comments per source with notion.source.<name>.comments = true, made by
-- the engine in the mirror schema beside the source's table (store/CommentTables). This migration holds what is
-- shared: which pages had their comments listed when, and the guard every comments table's trigger runs.

-- Listing a page's comments (GET /v1/comments?block_id=<page>) is the only way to find comments without webhooks, and
-- a new comment is not known to move the page's last_edited_time: each page is listed again at least every
-- notion.comments.rescan, and sooner when its last_edited_time moved since it was last listed.
CREATE TABLE notion_sync.comment_pages (
    source          text        NOT NULL,
    page_id         uuid        NOT NULL,
    checked_at      timestamptz NOT NULL,   -- last complete listing, or last refusal
    page_edited_at  timestamptz,            -- the page's last_edited_time (its mirror row's) at that listing
    -- Notion refused to list the page's comments (404: gone or not shared; 403: capability): not asked again
    -- before notion.comments.rescan, unless the page changes
    refused_status  integer,
    refused_message text,
    PRIMARY KEY (source, page_id)
);

-- The trigger of every comments table. The engine's own writes (set_config('notion_sync.origin', 'engine', true),
-- as for the mirror tables) pass as they are. A row inserted by anyone else is a comment to post: it needs its text
-- and its page (or a discussion this table holds), everything Notion sets is cleared, and it waits as 'pending'.
-- Rows are not edited from PostgreSQL: an edit would not reach Notion and the next listing would undo it.
CREATE FUNCTION notion_sync.comment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('notion_sync.origin', true) = 'engine' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'notion-sync: %.% is not edited from PostgreSQL: edit or delete the comment in Notion; to post a comment, INSERT a row (page_id, plain_text)',
            TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '55000';   -- not 0A000, which connection pools take for a broken connection
    END IF;
    IF NEW.comment_id IS NOT NULL THEN
        RAISE EXCEPTION 'notion-sync: comment_id is set when the comment is posted; insert page_id and plain_text (and discussion_id to reply)'
            USING ERRCODE = '23514';
    END IF;
    IF NEW.plain_text IS NULL OR btrim(NEW.plain_text) = '' THEN
        RAISE EXCEPTION 'notion-sync: plain_text, the comment''s text, is required' USING ERRCODE = '23502';
    END IF;
    IF NEW.page_id IS NULL AND NEW.discussion_id IS NOT NULL THEN
        EXECUTE format('SELECT page_id FROM %I.%I WHERE discussion_id = $1 AND page_id IS NOT NULL LIMIT 1', TG_TABLE_SCHEMA, TG_TABLE_NAME)
            INTO NEW.page_id USING NEW.discussion_id;
    END IF;
    IF NEW.page_id IS NULL THEN
        RAISE EXCEPTION 'notion-sync: page_id, the page to comment on, is required (or the discussion_id of a discussion this table holds)'
            USING ERRCODE = '23502';
    END IF;
    NEW.post_status := 'pending';
    NEW.post_error := NULL;
    NEW.post_attempts := 0;
    NEW.post_sent_at := NULL;
    NEW.post_next_at := NULL;
    NEW.author_id := NULL;
    NEW.display_name := NULL;
    NEW.created_time := NULL;
    NEW.last_edited_time := NULL;
    NEW.raw := NULL;
    NEW.synced_at := NULL;
    NEW.deleted_at := NULL;
    NEW.deleted_reason := NULL;
    RETURN NEW;
END
$$;
