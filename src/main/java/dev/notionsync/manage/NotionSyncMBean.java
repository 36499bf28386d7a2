package dev.notionsync.manage;

/** JMX face of notion-sync (domain dev.notionsync), also reachable through Jolokia and Hawtio. */
public interface NotionSyncMBean {

    long getOpenDeadLetters() throws Exception;

    long getInboxBacklog() throws Exception;

    /** Per source: last pull run (outcome, times, pages, error), oldest watermark and its lag, paused or not; as JSON. */
    String sourceStatus() throws Exception;

    /** Pulls the source now, in addition to its schedule (a paused source too: it stays paused); returns when the run is done. */
    String syncNow(String source) throws Exception;

    /**
     * Reads every page of the source (empty: of every pulled source) from Notion and compares each typed value with its row: consistent, differing
     * (with the columns), missing in PostgreSQL, extra in PostgreSQL, as JSON; with repair, what differs is written
     * again from Notion (a row whose change waits for the push is left alone).
     */
    String verify(String source, boolean repair) throws Exception;

    /** Forgets the source's watermarks and pulls everything again (unchanged rows are not rewritten). */
    String fullResync(String source) throws Exception;

    /**
     * Stops the source's polls, sweeps and webhook-driven pulls on every instance of the database until resumeSource
     * (on any instance); the pause outlasts restarts. A pull under way finishes.
     */
    String pauseSource(String source) throws Exception;

    /** Resumes a paused source on every instance. */
    String resumeSource(String source) throws Exception;

    /** Replays every open dead letter (same as replayAllDeadLetters). */
    String replayDeadLetters() throws Exception;

    /** Runs the report now, besides its schedule; returns where its outputs went, or fails with the reason. */
    String runReport(String id);

    /** Re-reads every source's schema at its next run (new, renamed, removed or retyped properties). */
    String refreshSchemas();

    /**
     * The latest operator actions (at most limit, newest first) as JSON: when, who (the management user, or jmx), from
     * where, the action and what it was on, ok or failed, and the outcome.
     */
    String auditLog(int limit) throws Exception;

    /**
     * Recent sync events, newest first, as JSON: pulls and sweeps that changed something or failed, conflicts, dead
     * letters and their resolution, operator actions. type (one of EventsLog.TYPES) and source empty: all.
     */
    String events(String type, String source, int limit) throws Exception;

    /**
     * The change event subscriptions with their delivery state (cursor, events waiting, attempts, last error, counts),
     * as JSON; never a secret, URIs with their credentials masked.
     */
    String listSubscriptions() throws Exception;

    /**
     * Adds a change event subscription: uri any Camel endpoint URI; sources, operations (insert, update, delete) and
     * properties comma-separated lists, empty for all; when a value condition ('status becomes Development', 'status =
     * Done') or empty; secret the HMAC key of HTTP deliveries or empty. It gets the events from now on.
     */
    String addSubscription(String name, String uri, String sources, String operations, String properties, String when, String secret)
            throws Exception;

    /** Removes a change event subscription; its events are no longer kept for it. */
    String removeSubscription(String name) throws Exception;

    /** Open dead letters as JSON. */
    String listDeadLetters() throws Exception;

    /** Replays one dead letter; returns "resolved" or "still failing: ...". */
    String replayDeadLetter(long id) throws Exception;

    /** Replays every open dead letter; returns how many are resolved now. */
    String replayAllDeadLetters() throws Exception;

    /** Webhook handshakes recorded and waiting for an operator's confirmation (none takes effect by itself). */
    long getPendingWebhookHandshakes() throws Exception;

    /** The webhook token in force (where from, its fingerprint) and the pending handshakes, as JSON; never a token. */
    String webhookToken() throws Exception;

    /** Puts the token of recorded handshake #id in force (after Notion accepted it in the integration's Webhooks tab). */
    String confirmWebhookToken(long id) throws Exception;

    /** Replays one dead letter, overwriting values changed in Notion since the change was made (no conflict re-check). */
    String replayDeadLetterForced(long id) throws Exception;

    /**
     * Bootstraps a bound source (notion-sync bootstrap): creates its Notion database under the parent page (id or
     * URL; empty to resume under the page given before) and a page per row, in the background; progress goes to the
     * log. Returns at once.
     */
    String bootstrap(String source, String parent);
}
