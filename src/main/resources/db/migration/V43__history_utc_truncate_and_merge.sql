-- History and change events, three findings of the adversary round (HistoryAdversaryTest):
-- 1. to_jsonb renders timestamptz in the session's time zone: a row written by an application session in another zone
--    than the engine's got another row_key, and two current versions. The trigger now renders in UTC, whoever writes.
-- 2. TRUNCATE fires no row trigger: its rows stayed current for ever and no event said they were gone. A statement
--    trigger (notion_sync_history_truncate, installed beside notion_sync_history) now ends them and says so.
-- 3. A row made in PostgreSQL whose page the pull brought in as a second row is merged into it (PageWriter deletes the
--    copy): that delete was recorded as the page's. PageWriter names the page in notion_sync.merging; the copy's delete
--    makes no event, and its versions go (the row's own versions, moved to the page id, are the page's history).

CREATE OR REPLACE FUNCTION notion_sync.record_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flags      text := TG_ARGV[1];
    mirror     boolean := TG_ARGV[2] = 'mirror';
    new_row    jsonb;
    old_row    jsonb;
    new_key    jsonb := '{}';
    old_key    jsonb := '{}';
    changed    text[] := '{}';
    i          integer := 4;
    in_key     boolean := true;
    col        text;
    op         text := lower(TG_OP);
    side       text;
    who        text;
    at         timestamptz := clock_timestamp();
    history    text := TG_ARGV[3];
    page       uuid;
BEGIN
    -- a plain condition on OLD.page_id would fail on a bound table (no such column): PL/pgSQL does not short-circuit
    IF TG_OP = 'DELETE' AND mirror AND to_jsonb(OLD) ->> 'page_id' = current_setting('notion_sync.merging', true) THEN
        -- the pulled copy of a page a row made in PostgreSQL is being merged into (PageWriter): the page is not
        -- deleted, and the row's own versions (moved to the page id next) are its history; the copy's go with it
        IF position('history' IN flags) > 0 THEN
            EXECUTE 'DELETE FROM ' || history || ' WHERE row_key = $1' USING jsonb_build_object('page_id', OLD.page_id);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    WHILE i < TG_NARGS LOOP
        col := TG_ARGV[i];
        i := i + 1;
        IF col = '' THEN
            in_key := false;
        ELSIF in_key THEN
            IF new_row IS NOT NULL THEN
                new_key := new_key || jsonb_build_object(col, new_row -> col);
            END IF;
            IF old_row IS NOT NULL THEN
                old_key := old_key || jsonb_build_object(col, old_row -> col);
            END IF;
        ELSE
            new_row := new_row - col;
            old_row := old_row - col;
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' THEN
        changed := ARRAY(SELECT n.key FROM jsonb_each(new_row) n
                         WHERE n.value IS DISTINCT FROM old_row -> n.key ORDER BY n.key);
        IF cardinality(changed) = 0 THEN
            RETURN NULL;   -- only the engine's bookkeeping changed, or nothing did
        END IF;
        IF mirror AND old_row ->> 'deleted_at' IS NULL AND new_row ->> 'deleted_at' IS NOT NULL THEN
            op := 'delete';   -- a mirror row is kept, marked deleted, when its page is trashed or gone
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        changed := ARRAY(SELECT n.key FROM jsonb_each(new_row) n WHERE jsonb_typeof(n.value) <> 'null' ORDER BY n.key);
    ELSE
        changed := ARRAY(SELECT n.key FROM jsonb_each(old_row) n WHERE jsonb_typeof(n.value) <> 'null' ORDER BY n.key);
    END IF;
    IF mirror THEN
        page := CASE WHEN TG_OP = 'DELETE' THEN OLD.page_id ELSE NEW.page_id END;
    END IF;
    IF current_setting('notion_sync.origin', true) = 'engine' THEN
        side := coalesce(nullif(current_setting('notion_sync.side', true), ''), 'engine');
        who := coalesce(nullif(current_setting('notion_sync.authors', true), '')::jsonb ->> page::text,
                        nullif(current_setting('notion_sync.actor', true), ''));
    ELSE
        side := 'postgres';
        who := current_user;
    END IF;
    IF position('history' IN flags) > 0 THEN
        IF TG_OP = 'UPDATE' AND new_key <> old_key THEN
            -- the row took a new key (a row made in PostgreSQL took its page's id): its versions go with it
            EXECUTE 'UPDATE ' || history || ' SET row_key = $1, page_id = $2 WHERE row_key = $3'
                USING new_key, page, old_key;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            EXECUTE 'UPDATE ' || history || ' SET valid_to = $1 WHERE row_key = $2 AND valid_to IS NULL'
                USING at, CASE WHEN TG_OP = 'UPDATE' THEN new_key ELSE old_key END;
        END IF;
        EXECUTE 'INSERT INTO ' || history || ' (page_id, row_key, valid_from, valid_to, operation, side, changed_by,'
                || ' changed_columns, row_values) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)'
            USING page, CASE WHEN TG_OP = 'DELETE' THEN old_key ELSE new_key END, at,
                  CASE WHEN TG_OP = 'DELETE' THEN at END, op, side, who, changed,
                  CASE WHEN TG_OP = 'DELETE' THEN old_row ELSE new_row END;
    END IF;
    IF position('events' IN flags) > 0 THEN
        INSERT INTO notion_sync.change_events (occurred_at, source, table_schema, table_name, page_id, row_key, operation,
                                               side, changed_by, changed_columns, before, after)
        VALUES (at, TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME, page,
                CASE WHEN TG_OP = 'DELETE' THEN old_key ELSE new_key END, op, side, who, changed, old_row, new_row);
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION notion_sync.record_history() SET timezone = 'UTC';
ALTER FUNCTION notion_sync.record_history() SET intervalstyle = 'iso_8601';

-- Arguments: as record_history's (the source, the flags, 'mirror' or 'bound', the history table, ...).
CREATE FUNCTION notion_sync.record_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flags   text := TG_ARGV[1];
    history text := TG_ARGV[3];
    at      timestamptz := clock_timestamp();
    side    text;
    who     text;
BEGIN
    IF current_setting('notion_sync.origin', true) = 'engine' THEN
        side := coalesce(nullif(current_setting('notion_sync.side', true), ''), 'engine');
        who := nullif(current_setting('notion_sync.actor', true), '');
    ELSE
        side := 'postgres';
        who := current_user;
    END IF;
    IF position('history' IN flags) > 0 THEN
        -- each current version ends, with a delete version holding the row as it was
        EXECUTE 'INSERT INTO ' || history || ' (page_id, row_key, valid_from, valid_to, operation, side, changed_by, changed_columns, row_values)'
                || ' SELECT page_id, row_key, $1, $1, ''delete'', $2, $3, ''{}'', row_values FROM ' || history || ' WHERE valid_to IS NULL'
            USING at, side, who;
        EXECUTE 'UPDATE ' || history || ' SET valid_to = $1 WHERE valid_to IS NULL' USING at;
    END IF;
    IF position('events' IN flags) > 0 THEN
        INSERT INTO notion_sync.change_events (occurred_at, source, table_schema, table_name, page_id, row_key, operation, side,
                                               changed_by, changed_columns, before, after)
        VALUES (at, TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME, NULL, '{}', 'truncate', side, who, '{}', NULL, NULL);
    END IF;
    RETURN NULL;
END
$$;
ALTER FUNCTION notion_sync.record_truncate() SET timezone = 'UTC';
