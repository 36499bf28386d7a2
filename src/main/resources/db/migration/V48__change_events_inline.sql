-- An event's row values (about 2 KB for a mirror row of 30 properties) were compressed on every insert: PostgreSQL
-- compresses a row over about 2 KB, and that cost a pull's 100 new rows 8 ms of the 20 ms their events and versions
-- took (B10). Rows up to a page's 8 KB now stay inline as written; larger ones are still compressed. History tables
-- are made the same way (ChangeHistory). The events are pruned after notion.retention.change-events (7 days).
ALTER TABLE notion_sync.change_events SET (toast_tuple_target = 8160);
