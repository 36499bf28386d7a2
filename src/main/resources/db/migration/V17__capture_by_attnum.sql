-- Schema drift of bound tables (issue 17 item 7): the capture trigger finds its columns by attnum when it fires.
-- Until V16 its arguments were column names, so after ALTER TABLE ... RENAME COLUMN an UPDATE of that column was not
-- recorded until the engine re-installed the trigger (a key column's value was recorded as null).
--
-- Arguments now: the source's name, '' (this form; no column can be named ''), then for each key column the name
-- the links use for it and its attnum, '', then for each mapped column the name its pair was recorded under
-- (notion_sync.bound_columns.column_name) and its attnum. Each change is recorded under those names, whatever the
-- column is called when the trigger fires: a rename needs no new trigger, and changes recorded before and after it
-- read alike. A column dropped since is skipped. Triggers of the V15 form (names only, '|' between key and mapped
-- columns) still work as before until the engine installs them again.
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
    IF current_setting('notion_sync.origin', true) = 'engine' THEN
        RETURN NULL;
    END IF;
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
