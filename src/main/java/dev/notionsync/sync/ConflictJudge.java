package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.observe.NotionMetrics;
import dev.notionsync.store.Conflicts;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value changed on both sides since the push's base: the source's conflict policy decides who wins, and every such
 * decision is recorded (notion_sync.conflicts, a warning, the conflicts metric). One place for the update and the
 * delete paths.
 */
public final class ConflictJudge {

    private static final Logger LOG = LoggerFactory.getLogger(ConflictJudge.class);

    private final Conflicts conflicts;
    private final NotionMetrics metrics;

    public ConflictJudge(Conflicts conflicts, NotionMetrics metrics) {
        this.conflicts = conflicts;
        this.metrics = metrics;
    }

    /**
     * Decides and records one conflict; true when PostgreSQL's value (or its delete) is to be sent. A replay is an old
     * change: Notion's newer value stays unless the operator forces the replay (then no conflict is judged at all).
     *
     * @param propertyId the property's id, or "" for a deleted row
     */
    boolean postgresWins(SourceSettings source, PageChange change, String propertyId, String propertyName, JsonNode postgresValue,
                         JsonNode notionValue, Instant notionEdited, boolean replay) throws Exception {
        return postgresWins(source, change.pageId(), change.changedAt(), propertyId, propertyName, postgresValue, notionValue, notionEdited,
                replay);
    }

    /**
     * As above, for a change of page {@code pageId} made in PostgreSQL at {@code changedAt} (the push of a bound
     * table, whose changes are rows of its table, not pages of a mirror).
     */
    public boolean postgresWins(SourceSettings source, String pageId, Instant changedAt, String propertyId, String propertyName,
                                JsonNode postgresValue, JsonNode notionValue, Instant notionEdited, boolean replay) throws Exception {
        boolean postgresWins = !replay && switch (source.conflict()) {
            case NOTION_WINS -> false;
            case POSTGRES_WINS -> true;
            case NEWEST_WINS -> madeAfterNotionEdit(changedAt, notionEdited);
        };
        String policy = source.conflict().setting() + (replay ? " (replay)" : "");
        conflicts.record(new Conflicts.Conflict(source.name(), pageId, propertyId, propertyName, postgresValue, notionValue,
                policy, postgresWins ? "postgres" : "notion", changedAt, notionEdited));
        LOG.warn("push {}: conflict on page {} property '{}': changed in PostgreSQL and in Notion; {} wins ({})",
                source.name(), pageId, propertyName, postgresWins ? "PostgreSQL" : "Notion", policy);
        metrics.pushed(source.name(), "conflicts");
        return postgresWins;
    }

    /**
     * newest-wins: whether the PostgreSQL change is certainly later than the edit in Notion. Notion rounds
     * last_edited_time down to the minute, so within that minute the order cannot be known; the edit is taken to be
     * made at the minute's end, and a person's edit is never overwritten on a guess.
     */
    static boolean madeAfterNotionEdit(Instant changedAt, Instant notionEdited) {
        Instant notionEditedAtLatest = notionEdited.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        return !changedAt.isBefore(notionEditedAtLatest);
    }
}
