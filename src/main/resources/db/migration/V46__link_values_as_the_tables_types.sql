-- verify of a bound table reads each link's values (what both sides last agreed on) back as the table's types. A
-- column whose type changed since may refuse an old value (text 'gpt-4o' as an integer): that value is returned
-- wrapped, so it differs from the row's and the row is listed with that column, instead of the error stopping the
-- whole check. The other values of the row are read as usual.
CREATE FUNCTION notion_sync.link_values_as(target anyelement, row_values jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    result jsonb := '{}';
    entry  record;
BEGIN
    BEGIN
        RETURN to_jsonb(jsonb_populate_record(target, row_values));
    EXCEPTION WHEN data_exception THEN
        NULL;   -- one value does not fit its column any more: each is read on its own below
    END;
    FOR entry IN SELECT key, value FROM jsonb_each(row_values) LOOP
        BEGIN
            result := result || jsonb_build_object(entry.key,
                    to_jsonb(jsonb_populate_record(target, jsonb_build_object(entry.key, entry.value))) -> entry.key);
        EXCEPTION WHEN data_exception THEN
            result := result || jsonb_build_object(entry.key, jsonb_build_object('not_of_the_columns_type', entry.value));
        END;
    END LOOP;
    RETURN result;
END $$;
