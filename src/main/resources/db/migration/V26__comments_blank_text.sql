-- Comments (README "Comments"): a comment's text that is only white space (newlines, tabs, no-break or ideographic
-- spaces, not only the plain spaces btrim removes) is no comment: the guard of every comments table refuses it at the
-- INSERT, as it refuses an empty one, instead of posting a blank comment to Notion. Otherwise as V24.
CREATE OR REPLACE FUNCTION notion_sync.comment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF NEW.plain_text IS NULL OR NEW.plain_text ~ '^[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*$' THEN
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
