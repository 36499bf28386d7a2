package dev.notionsync.sync;

import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.MirrorTable;
import dev.notionsync.store.PageWriter;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * Writes the rows of one query result page with the watermark they let the pull commit, in one transaction. A page
 * the pull cannot write (a value PostgreSQL refuses, a page that cannot be mapped) becomes a dead letter whose replay
 * applies that page alone (direct:page-apply); the rest of the result page is written.
 */
public final class ResultPageWriter {

    private final PageWriter writer;
    private final DeadLetterChannel deadLetters;

    public ResultPageWriter(PageWriter writer, DeadLetterChannel deadLetters) {
        this.writer = writer;
        this.deadLetters = deadLetters;
    }

    /** Writes the rows and the watermark; if PostgreSQL rejects a value, writes row by row and dead-letters the rejected rows. */
    public PageWriter.Outcome write(String source, MirrorTable table, List<PageWriter.Row> rows, Instant watermark) throws Exception {
        try {
            return writer.write(table, rows, source, watermark);
        } catch (SQLException e) {
            if (!isDataError(e)) {
                throw e;
            }
        }
        int inserted = 0;
        int updated = 0;
        int unchanged = 0;
        for (PageWriter.Row row : rows) {
            try {
                PageWriter.Outcome one = writer.write(table, List.of(row), source, null);
                inserted += one.inserted();
                updated += one.updated();
                unchanged += one.unchanged();
            } catch (SQLException e) {
                if (!isDataError(e)) {
                    throw e;
                }
                deadLetter(source, table, row.pageId(), e);
            }
        }
        writer.write(table, List.of(), source, watermark);
        return new PageWriter.Outcome(inserted, updated, unchanged);
    }

    /** Records a page the pull could not write; its replay fetches and applies the page on its own. */
    public void deadLetter(String source, MirrorTable table, String pageId, Exception failure) throws Exception {
        deadLetters.record("pull-" + source, "direct:page-apply", failure, PageWork.pullFailure(pageId, table.dataSourceId()).json());
    }

    /** PostgreSQL refused the data itself (SQLSTATE class 22 or 23), as opposed to being unreachable. */
    private static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }
}
