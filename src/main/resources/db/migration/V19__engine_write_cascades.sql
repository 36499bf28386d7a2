-- Bound tables: a change the engine's own write causes in a bound table is the application's, and is pushed (adversary
-- finding 1). The engine marks its transactions with set_config('notion_sync.origin', 'engine', true), and V15's
-- capture function skipped every change made while that mark was on. But an engine write can change other rows: Apply
-- deleting a row (a page trashed, on-trash = delete) makes PostgreSQL run the foreign keys' ON DELETE CASCADE or SET
-- NULL into rows of another bound table, or of the same table (a foreign key to itself); an ON UPDATE CASCADE follows
-- a changed referenced column; a user's trigger on the table writes another one. Those rows' pages stayed in Notion as
-- they were, linked to rows gone or changed.
--
-- pg_trigger_depth() does not tell them apart: PostgreSQL fires the triggers of the rows a foreign key's action changed
-- at the same depth (1) as those of the statement's own rows (checked on PostgreSQL 15). So each engine write names its
-- row (BoundRows): notion_sync.engine_row holds {"schema", "table", "key"} of the row the next statement writes, its
-- key columns only; for an INSERT no key ({}), as the key may come from a default and no foreign key action inserts.
-- A change is the engine's own when the transaction is the engine's and it is fired by the statement itself (depth 1: a
-- trigger's writes are deeper) on that table, to a row with that key (its key before an UPDATE or DELETE).
CREATE FUNCTION notion_sync.engine_wrote(schema_name text, relation_name text, row_json jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_trigger_depth() = 1
       AND coalesce((SELECT marked.w ->> 'schema' = schema_name AND marked.w ->> 'table' = relation_name
                            AND NOT EXISTS (SELECT 1 FROM jsonb_each(marked.w -> 'key') AS k(col, value)
                                            WHERE (row_json -> k.col) IS DISTINCT FROM k.value)
                     FROM (SELECT nullif(current_setting('notion_sync.engine_row', true), '')::jsonb AS w) AS marked), false)
$$;

-- V17's capture function (columns by attnum), with the origin check at the top replaced (marked below).
CREATE OR REPLACE FUNCTION notion_sync.capture_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_row   jsonb;
    old_row   jsonb;
    new_key   jsonb := '{}';
    old_key   jsonb := '{}';
    changed   jsonb := '{}';
    previous  jsonb := '{}';
    in_key    boolean := true;
    by_attnum boolean := TG_NARGS > 1 AND TG_ARGV[1] = '';
    names     text[];     -- the table's column names now, by attnum (NULL: dropped)
    col       text;       -- the name the change is recorded under
    now_named text;       -- the column's name now
    i         integer;
BEGIN
    -- V19, the only change from V17: of an engine transaction only the row its statement wrote is not recorded (no echo)
    IF current_setting('notion_sync.origin', true) = 'engine'
       AND notion_sync.engine_wrote(TG_TABLE_SCHEMA, TG_TABLE_NAME, CASE WHEN TG_OP = 'INSERT' THEN to_jsonb(NEW) ELSE to_jsonb(OLD) END) THEN
        RETURN NULL;
    END IF;
    -- (end of the V19 change)
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    i := 1;
    IF by_attnum THEN
        -- one read of pg_attribute per row (user columns are numbered 1.., a dropped one keeps its number)
        names := ARRAY(SELECT CASE WHEN a.attisdropped THEN NULL ELSE a.attname::text END FROM pg_attribute a
                        WHERE a.attrelid = TG_RELID AND a.attnum > 0 ORDER BY a.attnum);
        i := 2;
    END IF;
    WHILE i < TG_NARGS LOOP
        col := TG_ARGV[i];
        IF (by_attnum AND col = '') OR (NOT by_attnum AND col = '|') THEN
            in_key := false;
            i := i + 1;
            CONTINUE;
        END IF;
        IF by_attnum THEN
            now_named := names[TG_ARGV[i + 1]::integer];
            i := i + 2;
            IF now_named IS NULL THEN
                CONTINUE;   -- dropped from the table since the trigger was installed
            END IF;
        ELSE
            now_named := col;
            i := i + 1;
        END IF;
        IF in_key THEN
            IF new_row IS NOT NULL THEN
                new_key := new_key || jsonb_build_object(col, new_row -> now_named);
            END IF;
            IF old_row IS NOT NULL THEN
                old_key := old_key || jsonb_build_object(col, old_row -> now_named);
            END IF;
        ELSIF TG_OP = 'INSERT' THEN
            IF new_row ? now_named THEN
                changed := changed || jsonb_build_object(col, new_row -> now_named);
            END IF;
        ELSIF TG_OP = 'UPDATE' THEN
            IF (new_row -> now_named) IS DISTINCT FROM (old_row -> now_named) THEN
                changed := changed || jsonb_build_object(col, new_row -> now_named);
                previous := previous || jsonb_build_object(col, old_row -> now_named);
            END IF;
        ELSIF old_row ? now_named THEN
            previous := previous || jsonb_build_object(col, old_row -> now_named);
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
