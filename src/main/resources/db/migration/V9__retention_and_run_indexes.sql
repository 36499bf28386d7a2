-- What readiness and status read must not get slower as sync_runs grows (a run every few seconds per source):
-- the last successful run of a source (max(finished_at) of its ok pulls) and its latest run (highest id).
-- Retention (store/Retention) uses the same two to keep both of them whatever their age.
CREATE INDEX sync_runs_last_ok ON notion_sync.sync_runs (source, kind, outcome, finished_at);
CREATE INDEX sync_runs_latest ON notion_sync.sync_runs (source, id);
