-- The workspace's people (GET /v1/users), refreshed by routes/notion-users.camel.yaml. In notion_sync, not in the
-- mirror schema: it is one table for the whole workspace, not a data source's mirror, and Flyway owns its shape.
-- Ids are text, as in the mirror tables' people `_ids` and created_by columns, so joins need no cast.
CREATE TABLE notion_sync.users (
    id                text PRIMARY KEY,
    type              text NOT NULL CHECK (type IN ('person', 'bot')),
    name              text,
    -- only with the capability "Read user information including email addresses"
    email             text,
    avatar_url        text,
    -- a bot's owner: 'workspace' or 'user' (then bot_owner_user_id); NULL for persons and for other bots (bot:{})
    bot_owner_type    text,
    bot_owner_user_id text,
    fetched_at        timestamptz NOT NULL,
    -- set when a complete listing no longer has the user; cleared when the user is listed again
    removed_at        timestamptz
);
