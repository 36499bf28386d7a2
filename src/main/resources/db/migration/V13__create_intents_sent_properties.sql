-- What a create carried. When an earlier send turns out to have made the page (its answer was lost, or the engine
-- stopped before the outbox entry was closed), the page may have been edited in Notion since: the INSERT's values are
-- then checked against these, as an update against its base (the conflict policy decides, a conflict is recorded),
-- instead of being written over the page.
ALTER TABLE notion_sync.create_intents
    ADD COLUMN sent_properties jsonb;   -- the last send's properties by property id, as sent; NULL for report pages
