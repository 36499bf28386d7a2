-- Push of bound tables (PostgreSQL -> Notion, mode = bind). The user's table gets one trigger, notion_sync_capture, the
-- only object the engine adds to it; it records every INSERT, UPDATE and DELETE made by anyone but the engine here,
-- keyed by the source and the row's key. The bind push route claims them per row key (FOR UPDATE SKIP LOCKED) and
-- sends them; the Apply bridge leaves a row with pending changes alone (the push resolves it by the conflict policy).
CREATE TABLE notion_sync.row_changes (
    id              bigserial   PRIMARY KEY,
    source          text        NOT NULL,
    table_schema    text        NOT NULL,
    table_name      text        NOT NULL,
    row_key         jsonb       NOT NULL,                 -- {"column": value} of the key, to_jsonb shape (as links.row_key)
    old_row_key     jsonb,                                -- an UPDATE of a key column: the key the row had
    operation       text        NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    changed         jsonb       NOT NULL DEFAULT '{}',    -- column -> new value: every mapped column of an INSERT, the changed ones of an UPDATE
    previous        jsonb       NOT NULL DEFAULT '{}',    -- column -> old value: the changed columns of an UPDATE, every mapped column of a DELETE
    changed_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    status          text        NOT NULL DEFAULT 'pending',   -- pending | pushed | ignored | dead_letter
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    claimed_by      text,
    claimed_at      timestamptz,
    processed_at    timestamptz,
    note            text
);
CREATE INDEX row_changes_pending ON notion_sync.row_changes (source, id) WHERE status = 'pending';
CREATE INDEX row_changes_row ON notion_sync.row_changes (source, row_key) WHERE status = 'pending';
CREATE INDEX row_changes_old_row ON notion_sync.row_changes (source, old_row_key) WHERE status = 'pending' AND old_row_key IS NOT NULL;
CREATE INDEX row_changes_done ON notion_sync.row_changes (processed_at) WHERE status <> 'pending';

-- The capture trigger function of bound tables. Arguments: the source's name, its key columns, '|', its mapped
-- columns (excluded columns are not listed: their changes are never recorded). The engine marks its own transactions
-- with set_config('notion_sync.origin', 'engine', true), so what the Apply bridge writes never comes back as a change.
CREATE FUNCTION notion_sync.capture_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_row  jsonb;
    old_row  jsonb;
    new_key  jsonb := '{}';
    old_key  jsonb := '{}';
    changed  jsonb := '{}';
    previous jsonb := '{}';
    in_key   boolean := true;
    col      text;
    i        integer;
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
    FOR i IN 1 .. TG_NARGS - 1 LOOP
        col := TG_ARGV[i];
        IF col = '|' THEN
            in_key := false;
        ELSIF in_key THEN
            IF new_row IS NOT NULL THEN
                new_key := new_key || jsonb_build_object(col, new_row -> col);
            END IF;
            IF old_row IS NOT NULL THEN
                old_key := old_key || jsonb_build_object(col, old_row -> col);
            END IF;
        ELSIF TG_OP = 'INSERT' THEN
            IF new_row ? col THEN
                changed := changed || jsonb_build_object(col, new_row -> col);
            END IF;
        ELSIF TG_OP = 'UPDATE' THEN
            IF (new_row -> col) IS DISTINCT FROM (old_row -> col) THEN
                changed := changed || jsonb_build_object(col, new_row -> col);
                previous := previous || jsonb_build_object(col, old_row -> col);
            END IF;
        ELSIF old_row ? col THEN
            previous := previous || jsonb_build_object(col, old_row -> col);
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND changed = '{}' AND new_key = old_key THEN
        RETURN NULL;   -- only unmapped (excluded) columns changed, or nothing did
    END IF;
    INSERT INTO notion_sync.row_changes (source, table_schema, table_name, row_key, old_row_key, operation, changed, previous)
    VALUES (TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME,
            CASE WHEN TG_OP = 'DELETE' THEN old_key ELSE new_key END,
            CASE WHEN TG_OP = 'UPDATE' AND new_key <> old_key THEN old_key END,
            TG_OP, changed, previous);
    RETURN NULL;
END
$$;
