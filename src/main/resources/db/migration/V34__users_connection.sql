-- Several connections (README "Several integrations"): each connection's integration lists the users of its own
-- workspace. A user row remembers the connection that listed it last, and a complete listing of a connection marks
-- removed only the users that connection listed before: the users of another workspace stay. Existing rows were
-- listed by the single NOTION_TOKEN, the connection named "default".
ALTER TABLE notion_sync.users ADD COLUMN connection text NOT NULL DEFAULT 'default';
