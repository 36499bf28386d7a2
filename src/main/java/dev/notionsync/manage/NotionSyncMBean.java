package dev.notionsync.manage;

/** JMX face of notion-sync (domain dev.notionsync), also reachable through Jolokia and Hawtio. */
public interface NotionSyncMBean {

    long getOpenDeadLetters() throws Exception;

    long getInboxBacklog() throws Exception;

    /** Re-reads every source's schema at its next run (new, renamed, removed or retyped properties). */
    String refreshSchemas();

    /** Open dead letters as JSON. */
    String listDeadLetters() throws Exception;

    /** Replays one dead letter; returns "resolved" or "still failing: ...". */
    String replayDeadLetter(long id) throws Exception;

    /** Replays every open dead letter; returns how many are resolved now. */
    String replayAllDeadLetters() throws Exception;
}
