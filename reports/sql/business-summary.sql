-- Weekly business summary of the demo workspace (notion.report.business-summary): the mirrored tables revenue and
-- projects (search_path = the mirror schema). Rows deleted in Notion (deleted_at set) are left out.

-- section: Revenue by service type and week, deals closed in the last 26 weeks
SELECT to_char(date_trunc('week', closed), 'YYYY-MM-DD') AS week,
       coalesce(service_type, '(none)')                 AS service_type,
       count(*)                                         AS deals,
       coalesce(sum(amount), 0)                         AS revenue
FROM revenue
WHERE deleted_at IS NULL
  AND closed >= current_date - 182
GROUP BY 1, 2
ORDER BY 1 DESC, 2;

-- section: Projects by stage
SELECT coalesce(stage, '(none)')  AS stage,
       count(*)                   AS projects,
       coalesce(sum(budget), 0)   AS budget
FROM projects
WHERE deleted_at IS NULL
GROUP BY 1
ORDER BY 2 DESC, 1;
