-- A row's key can be as long as the application's table accepts (a text key of a few KB: a URL, a document path), but
-- a btree index entry holds at most ~2.7 KB. The capture trigger writes row_changes inside the application's own
-- INSERT, so a btree on the raw key there made the application's write fail because of the engine. Every index on a
-- raw row key becomes a form that holds any key: uniqueness on md5 of the key's canonical text (jsonb prints
-- canonically), lookups by equality through hash indexes (which store only the hash), so the queries stay as they are.

-- row_changes: looked up by (source, row_key) and (source, old_row_key) among pending changes
DROP INDEX notion_sync.row_changes_row;
DROP INDEX notion_sync.row_changes_old_row;
CREATE INDEX row_changes_row ON notion_sync.row_changes USING hash (row_key) WHERE status = 'pending';
CREATE INDEX row_changes_old_row ON notion_sync.row_changes USING hash (old_row_key) WHERE status = 'pending' AND old_row_key IS NOT NULL;

-- links: one link per row key and source (ON CONFLICT (source, md5(row_key::text)))
ALTER TABLE notion_sync.links DROP CONSTRAINT links_pkey;
CREATE UNIQUE INDEX links_row ON notion_sync.links (source, md5(row_key::text));
CREATE INDEX links_row_key ON notion_sync.links USING hash (row_key);

-- create_intents: bind intents' keys hold the row key (ON CONFLICT (md5(intent_key)))
ALTER TABLE notion_sync.create_intents DROP CONSTRAINT create_intents_pkey;
CREATE UNIQUE INDEX create_intents_key ON notion_sync.create_intents (md5(intent_key));
CREATE INDEX create_intents_key_lookup ON notion_sync.create_intents USING hash (intent_key);

-- bound_problems: a subject can be a row key's JSON
DROP INDEX notion_sync.bound_problems_open;
CREATE UNIQUE INDEX bound_problems_open ON notion_sync.bound_problems (source, kind, md5(subject)) WHERE resolved_at IS NULL;

-- join_bases: left_value is a key column's value of the join table
ALTER TABLE notion_sync.join_bases DROP CONSTRAINT join_bases_pkey;
CREATE UNIQUE INDEX join_bases_left ON notion_sync.join_bases (source, md5(left_value::text));
CREATE INDEX join_bases_left_value ON notion_sync.join_bases USING hash (left_value);
