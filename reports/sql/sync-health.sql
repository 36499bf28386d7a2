-- Sync health per source over the last 24 hours (notion.report.sync-health). Runs with search_path = the mirror
-- schema, notion_sync. Dead letters of the pull carry route_id 'pull-<source>'; those of other flows (webhooks,
-- reports) are counted on their own row.

-- section: Sources, last 24 hours
WITH sources AS (
    SELECT source FROM notion_sync.watermarks
    UNION
    SELECT source FROM notion_sync.sync_runs WHERE started_at > now() - interval '24 hours'
), runs AS (
    SELECT source,
           sum(pages_read)                                  AS pages_read,
           sum(pages_inserted)                              AS pages_inserted,
           sum(pages_updated)                               AS pages_updated,
           sum(pages_deleted)                               AS pages_deleted,
           count(*) FILTER (WHERE outcome = 'failed')       AS errors,
           sum(rate_limited)                                AS rate_limited_429,
           max(finished_at) FILTER (WHERE outcome = 'ok')   AS last_ok_run
    FROM notion_sync.sync_runs
    WHERE started_at > now() - interval '24 hours'
    GROUP BY source
), lag AS (
    SELECT source, round(extract(epoch FROM now() - min(last_edited_time)))::bigint AS watermark_lag_s
    FROM notion_sync.watermarks
    GROUP BY source
), letters AS (
    SELECT route_id, count(*) AS open
    FROM notion_sync.dead_letters
    WHERE status = 'open'
    GROUP BY route_id
)
SELECT s.source,
       coalesce(r.pages_read, 0)       AS pages_read,
       coalesce(r.pages_inserted, 0)   AS pages_inserted,
       coalesce(r.pages_updated, 0)    AS pages_updated,
       coalesce(r.pages_deleted, 0)    AS pages_deleted,
       coalesce(r.errors, 0)           AS errors,
       coalesce(d.open, 0)             AS dead_letters_open,
       coalesce(r.rate_limited_429, 0) AS rate_limited_429,
       l.watermark_lag_s,
       r.last_ok_run
FROM sources s
LEFT JOIN runs r ON r.source = s.source
LEFT JOIN lag l ON l.source = s.source
LEFT JOIN letters d ON d.route_id = 'pull-' || s.source
UNION ALL
SELECT '(other flows)', 0, 0, 0, 0, 0, sum(open), 0, NULL, NULL
FROM letters
WHERE route_id IS NULL OR route_id NOT LIKE 'pull-%'
HAVING sum(open) > 0
ORDER BY 1
