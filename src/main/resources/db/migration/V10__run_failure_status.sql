-- Why a failed run failed, as readiness needs it: the HTTP status of Notion's answer when retrying cannot help
-- (400, 401, 403, 404: a wrong id, a database no longer shared, a bad token). NULL for runs that did not fail so,
-- including failures that the next poll may not see again (429, 5xx, timeouts, PostgreSQL).
ALTER TABLE notion_sync.sync_runs ADD COLUMN permanent_error_status integer;
