-- A pull's write leaves out a page whose row's DELETE was pushed after the pull's read was asked (a stale answer
-- written after the push trashed the page): looked up by page for every row a pull writes.
CREATE INDEX outbox_delete_page ON notion_sync.outbox (page_id, processed_at) WHERE operation = 'DELETE';
