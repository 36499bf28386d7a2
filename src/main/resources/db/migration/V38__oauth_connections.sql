-- Public connections authorized through OAuth (README "Several integrations"): each workspace that authorized the
-- public integration is a connection of its own. Its tokens are stored encrypted (AES-GCM with notion.oauth.token-key,
-- the connection's name as associated data, so a ciphertext moved to another row does not decrypt); never in clear.
CREATE TABLE notion_sync.oauth_connections (
    name            text        PRIMARY KEY,
    workspace_id    text        NOT NULL,
    workspace_name  text,
    bot_id          text,
    access_token    bytea       NOT NULL,   -- nonce || ciphertext || tag
    refresh_token   bytea,                  -- null when Notion issued none
    status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    status_detail   text,                   -- why it is revoked, and what to do
    authorized_at   timestamptz NOT NULL DEFAULT now(),
    refreshed_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The state of each authorize URL handed out: the callback takes only a state this deployment made, once, before it
-- expires, and learns from it the connection name the operator asked for. Any engine on the database can answer the
-- callback. Only a hash is stored: the state itself is a bearer secret until used.
CREATE TABLE notion_sync.oauth_states (
    state_hash      text        PRIMARY KEY,
    connection      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
