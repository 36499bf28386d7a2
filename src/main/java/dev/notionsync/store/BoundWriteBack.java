package dev.notionsync.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The push of a bound table writes back what Notion answered IN ONE TRANSACTION, tagged as the engine's: the row's
 * link (page id, the page's mapped values and time, the row's values), the shadow mirror row of the page (as a pull
 * would write it), the row's columns where Notion's value won a conflict, and the row changes it settles. So the
 * Apply bridge, comparing the shadow mirror with the links, never sees the push's own write as an edit in Notion (no
 * echo), and a crash leaves either all of it or none (the change is then pushed again, finding its page).
 */
public final class BoundWriteBack {

    private final DataSource dataSource;

    public BoundWriteBack(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * One write-back.
     *
     * @param source        the bound source
     * @param dropKey       a link to remove first (the key a row moved from, or the key of a row whose page was
     *                      trashed); null for none
     * @param link          the row's link as it is now; null for none (a trashed page)
     * @param shadow        the source's shadow mirror table; null when no page was read
     * @param shadowRow     the page as its shadow mirror row; null when no page was read
     * @param forgetIntents create intents whose work is done and whose key may name another create
     * @param table         the user's table, for {@code rowValues}
     * @param rowKey        the row's key, for {@code rowValues}
     * @param rowValues     columns the row takes from Notion (a conflict Notion won); empty for none
     * @param changeIds     the row changes this write settles
     * @param status        their status: pushed, ignored or dead_letter
     * @param note          their note, or null
     */
    public record WriteBack(String source, JsonNode dropKey, Links.Link link, MirrorTable shadow, PageWriter.Row shadowRow,
                            List<String> forgetIntents, BoundRows.Table table, JsonNode rowKey, ObjectNode rowValues,
                            List<Long> changeIds, String status, String note) {
    }

    /**
     * A change of a bound content column, handed to the content push in the write-back's transaction
     * ({@link BoundContents#handOff}): the row's changes are settled only with it.
     */
    public record ContentHandOff(BoundContents.Column column, String pageId, String unknownBase) {
    }

    public void write(WriteBack write) throws SQLException {
        write(write, null);
    }

    /** One write-back, and the hand-off of the row's content column to the content push (null: none). */
    public void write(WriteBack write, ContentHandOff content) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement tag = c.prepareStatement(PageWriter.ENGINE_TAG_SQL)) {
                    tag.execute();
                }
                String[] agreedContent = null;
                if (write.dropKey() != null) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM notion_sync.links WHERE source = ? AND row_key = ?::jsonb"
                            + " RETURNING page_id::text, content_hash, content_row_hash")) {
                        ps.setString(1, write.source());
                        ps.setString(2, write.dropKey().toString());
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                agreedContent = new String[] {rs.getString(1), rs.getString(2), rs.getString(3)};
                            }
                        }
                    }
                }
                if (write.link() != null) {
                    Links.put(c, write.link());
                    if (agreedContent != null && agreedContent[0] != null && agreedContent[0].equals(write.link().pageId())) {
                        // the row moved to a new key with its page: what both sides agreed on of the page's content moves along
                        BoundContents.agreed(c, write.source(), write.link().rowKey(), agreedContent[1], agreedContent[2]);
                    }
                }
                if (write.shadowRow() != null) {
                    PageWriter.writePushed(c, write.shadow(), write.shadowRow());
                }
                for (String key : write.forgetIntents()) {
                    CreateIntents.forget(c, key);
                }
                if (write.rowValues() != null && !write.rowValues().isEmpty()) {
                    BoundRows.update(c, write.table(), write.rowKey(), write.rowValues());
                }
                if (content != null) {
                    BoundContents.handOff(c, content.column(), write.rowKey(), content.pageId(), content.unknownBase());
                }
                RowChanges.finish(c, write.changeIds(), write.status(), write.note());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
