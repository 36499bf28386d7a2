-- One Notion budget per connection for every instance on this database (README "The Notion door").
-- The token bucket itself: bucket4j's PostgreSQL proxy manager (SELECT ... FOR UPDATE on the row) keeps its state here,
-- one row per connection ("default" for the single NOTION_TOKEN); bucket4j reads and writes state, nothing else.
CREATE TABLE notion_sync.notion_budget_buckets (
    id     text  PRIMARY KEY,   -- the connection's name, never its token
    state  bytea                -- bucket4j's serialized bucket (configuration and tokens)
);

-- What a 429 changed, for every instance to follow: the rate was lowered to reduced_to at reduced_at (it climbs back
-- one request per second every notion.api.rate-recovery-step), and no call leaves before paused_until (Retry-After).
CREATE TABLE notion_sync.notion_budgets (
    connection    text        PRIMARY KEY,
    reduced_to    integer,
    reduced_at    timestamptz,
    paused_until  timestamptz
);
