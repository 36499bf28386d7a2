-- A row kept when its page went to Notion's trash (on-trash = unlink) is told apart from one unlinked otherwise (a
-- row deleted under on-delete = ignore): when the page comes back from the trash, the Apply bridge links it to its row
-- again. Set when Apply unlinks for the trash; cleared whenever the link is written again.
ALTER TABLE notion_sync.links ADD COLUMN page_trashed_at timestamptz;
