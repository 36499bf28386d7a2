-- The Apply bridge asks, for a page naming the key of no row, whether the push gave up on that row's DELETE
-- (RowChanges.deleteGivenUp): looked up by row among the dead-lettered changes.
CREATE INDEX row_changes_dead_letter_row ON notion_sync.row_changes (source, row_key) WHERE status = 'dead_letter';
