-- A pull writes its pages 100 rows to a statement; the row trigger notion_sync.record_history (V41, V43) cost each
-- inserted row a PL/pgSQL call of its own, and more than doubled the database's time of an initial sync (B10). Inserts
-- are recorded per statement now, from the statement's transition table, in two set-based INSERTs; updates and
-- deletes (a pull's changed pages, a user's edits) stay with the row trigger, which pairs each row's old and new
-- values. Same arguments, same rendering (UTC), same rows as record_history wrote for an INSERT.
CREATE FUNCTION notion_sync.record_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flags   text := TG_ARGV[1];
    mirror  boolean := TG_ARGV[2] = 'mirror';
    history text := TG_ARGV[3];
    keys    text[] := '{}';
    dropped text[] := '{}';
    i       integer := 4;
    in_key  boolean := true;
    side    text;
    actor   text;
    authors jsonb;
    at      timestamptz := clock_timestamp();
    kept    text;
    versions text;
    to_history constant text := ' INSERT INTO %s (page_id, row_key, valid_from, valid_to, operation, side, changed_by,'
        || ' changed_columns, row_values) SELECT page, row_key, $4, NULL, ''insert'', $5, coalesce($6 ->> page::text, $7), changed, v'
        || ' FROM versions';
    to_events constant text := ' INSERT INTO notion_sync.change_events (occurred_at, source, table_schema, table_name, page_id,'
        || ' row_key, operation, side, changed_by, changed_columns, before, after) SELECT $4, $8, $9, $10, page, row_key, ''insert'','
        || ' $5, coalesce($6 ->> page::text, $7), changed, NULL, v FROM versions';
BEGIN
    WHILE i < TG_NARGS LOOP
        IF TG_ARGV[i] = '' THEN
            in_key := false;
        ELSIF in_key THEN
            keys := keys || TG_ARGV[i];
        ELSE
            dropped := dropped || TG_ARGV[i];
        END IF;
        i := i + 1;
    END LOOP;
    -- the columns a version holds, named in the select list: the left-out ones (a mirror's raw properties, a bound
    -- table's excluded columns) are never read, rather than rendered and then removed
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO kept FROM pg_attribute
     WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped AND NOT (attname = ANY (dropped));
    -- each inserted row once: its page, key, non-null columns and values (OFFSET 0: v is not computed again per use)
    versions := 'WITH versions AS MATERIALIZED (SELECT CASE WHEN $1 THEN (v ->> ''page_id'')::uuid END AS page,'
        || ' (SELECT jsonb_object_agg(k, v -> k) FROM unnest($2::text[]) k) AS row_key,'
        || ' ARRAY(SELECT k FROM jsonb_object_keys(jsonb_strip_nulls(v)) k ORDER BY k) AS changed, v'
        -- t.*, not t: a column of the table may be named t, and would be taken for the row
        || ' FROM (SELECT to_jsonb(t.*) AS v FROM (SELECT ' || kept || ' FROM inserted) t OFFSET 0) rows)';
    IF current_setting('notion_sync.origin', true) = 'engine' THEN
        side := coalesce(nullif(current_setting('notion_sync.side', true), ''), 'engine');
        authors := nullif(current_setting('notion_sync.authors', true), '')::jsonb;
        actor := nullif(current_setting('notion_sync.actor', true), '');
    ELSE
        side := 'postgres';
        actor := current_user;
    END IF;
    IF position('history' IN flags) > 0 AND position('events' IN flags) > 0 THEN
        EXECUTE versions || ', h AS (' || format(to_history, history) || ')' || to_events
            USING mirror, keys, dropped, at, side, authors, actor, TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME;
    ELSIF position('history' IN flags) > 0 THEN
        EXECUTE versions || format(to_history, history)
            USING mirror, keys, dropped, at, side, authors, actor;
    ELSIF position('events' IN flags) > 0 THEN
        EXECUTE versions || to_events
            USING mirror, keys, dropped, at, side, authors, actor, TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION notion_sync.record_inserts() SET timezone = 'UTC';
ALTER FUNCTION notion_sync.record_inserts() SET intervalstyle = 'iso_8601';
