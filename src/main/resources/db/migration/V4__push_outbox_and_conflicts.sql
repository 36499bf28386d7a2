-- Push (PostgreSQL -> Notion). Triggers on mirror tables of push and both sources record changes made by anyone but
-- the engine here; the push route claims them (FOR UPDATE SKIP LOCKED), coalesces them per page and sends them.
CREATE TABLE notion_sync.outbox (
    id               bigserial   PRIMARY KEY,
    table_schema     text        NOT NULL,
    table_name       text        NOT NULL,
    page_id          uuid        NOT NULL,
    operation        text        NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    changed          jsonb       NOT NULL DEFAULT '{}',   -- column -> new value, writable columns that changed
    previous         jsonb       NOT NULL DEFAULT '{}',   -- column -> old value, the same columns
    ignored          text[]      NOT NULL DEFAULT '{}',   -- changed columns of read-only properties: logged, never sent
    base_edited_time timestamptz,                         -- the row's last_edited_time before the change
    base_properties  jsonb,                               -- the row's Notion properties before the change
    changed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    status           text        NOT NULL DEFAULT 'pending',   -- pending | pushed | ignored | dead_letter
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    claimed_by       text,
    claimed_at       timestamptz,
    processed_at     timestamptz,
    note             text
);
CREATE INDEX outbox_pending ON notion_sync.outbox (table_schema, table_name, id) WHERE status = 'pending';
CREATE INDEX outbox_page ON notion_sync.outbox (page_id) WHERE status = 'pending';

-- Both sides changed the same property since the last sync: what each side had, and which one won.
CREATE TABLE notion_sync.conflicts (
    id              bigserial   PRIMARY KEY,
    source          text        NOT NULL,
    page_id         uuid        NOT NULL,
    property_id     text        NOT NULL,
    property_name   text        NOT NULL,
    postgres_value  jsonb,
    notion_value    jsonb,
    policy          text        NOT NULL,
    winner          text        NOT NULL,   -- notion | postgres
    postgres_changed_at timestamptz,
    notion_edited_at    timestamptz,
    detected_at     timestamptz NOT NULL DEFAULT now()
);

-- The change capture trigger function. Arguments: the writable columns, then '|', then the columns of read-only
-- properties. The engine marks its own transactions with set_config('notion_sync.origin', 'engine', true), so
-- what the pull writes never comes back as a change.
CREATE FUNCTION notion_sync.capture_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_row  jsonb;
    old_row  jsonb;
    changed  jsonb := '{}';
    previous jsonb := '{}';
    ignored  text[] := '{}';
    writable boolean := true;
    col      text;
BEGIN
    IF current_setting('notion_sync.origin', true) = 'engine' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    FOREACH col IN ARRAY TG_ARGV LOOP
        IF col = '|' THEN
            writable := false;
        ELSIF TG_OP = 'INSERT' THEN
            IF writable AND jsonb_typeof(new_row -> col) IS DISTINCT FROM 'null' AND new_row ? col THEN
                changed := changed || jsonb_build_object(col, new_row -> col);
            ELSIF NOT writable AND jsonb_typeof(new_row -> col) IS DISTINCT FROM 'null' AND new_row ? col THEN
                ignored := ignored || col;
            END IF;
        ELSIF TG_OP = 'UPDATE' AND (new_row -> col) IS DISTINCT FROM (old_row -> col) THEN
            IF writable THEN
                changed := changed || jsonb_build_object(col, new_row -> col);
                previous := previous || jsonb_build_object(col, old_row -> col);
            ELSE
                ignored := ignored || col;
            END IF;
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND changed = '{}' AND cardinality(ignored) = 0 THEN
        RETURN NULL;   -- only system columns changed, or nothing did
    END IF;
    INSERT INTO notion_sync.outbox (table_schema, table_name, page_id, operation, changed, previous, ignored,
                                    base_edited_time, base_properties)
    VALUES (TG_TABLE_SCHEMA, TG_TABLE_NAME,
            CASE WHEN TG_OP = 'DELETE' THEN OLD.page_id ELSE NEW.page_id END,
            TG_OP, changed, previous, ignored,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.last_edited_time END,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.properties END);
    RETURN NULL;
END
$$;
