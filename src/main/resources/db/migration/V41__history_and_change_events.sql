-- History and change events (issue 20 items 1 and 2). One trigger, notion_sync_history, on each mirror or bound table
-- whose source keeps history (notion.source.<name>.history) or has change events (a subscription that may want them):
-- in the same transaction as the row, it closes the row's current version and writes the new one into
-- <table>_history, and/or appends one event to notion_sync.change_events.
--
-- Who made a change: the engine tags its transactions (notion_sync.origin = 'engine', see PageWriter) and says which
-- side it writes for (notion_sync.side: 'notion' for a Notion edit it applies, else 'engine': a push's write-back, a
-- repair) and who (notion_sync.authors, a JSON object page id -> Notion user id, or notion_sync.actor for one row).
-- A write without the tag is an edit in PostgreSQL, by current_user.

CREATE TABLE notion_sync.change_events (
    event_id        bigserial   PRIMARY KEY,                        -- the delivery order
    event_uuid      uuid        NOT NULL DEFAULT gen_random_uuid() UNIQUE,   -- for subscribers' deduplication
    occurred_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    source          text        NOT NULL,
    table_schema    text        NOT NULL,
    table_name      text        NOT NULL,
    page_id         uuid,                                           -- mirror tables: the page
    row_key         jsonb       NOT NULL,                           -- the row's key columns and values
    operation       text        NOT NULL,                           -- insert | update | delete
    side            text        NOT NULL,                           -- notion | postgres | engine
    changed_by      text,
    changed_columns text[]      NOT NULL,
    before          jsonb,                                          -- the row before (null for an insert)
    after           jsonb                                           -- the row after (null for a delete)
);
CREATE INDEX change_events_source_idx ON notion_sync.change_events (source, event_id);
CREATE INDEX change_events_occurred_idx ON notion_sync.change_events (occurred_at);

-- Arguments: the source; 'history' and/or 'events' as flags; 'mirror' or 'bound'; the history table (schema-qualified,
-- quoted); the key columns; ''; the columns left out of versions and diffs (the engine's bookkeeping). No column can be
-- named ''.
CREATE FUNCTION notion_sync.record_history() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- Who edited each page of a bound source last (its last_edited_by), written by the pull beside the shadow mirror, so
-- the history and change events of the bound table's row say who made the edit the Apply pass brings into it.
CREATE TABLE notion_sync.page_editors (
    page_id          uuid        PRIMARY KEY,
    user_id          text        NOT NULL,
    last_edited_time timestamptz NOT NULL
);
