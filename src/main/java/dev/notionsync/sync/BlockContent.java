package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.mapping.NulText;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.store.PageContents.BlockRow;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a page's blocks (GET /v1/blocks/{id}/children, 100 a request, every page of the list) down to
 * notion.content.blocks-depth levels. A block at the last level that has children keeps them unread: it is flagged
 * (children_truncated) and named in {@link Result#missing()}, never dropped silently. Child pages and databases are
 * pages of their own: their blocks are not read into this page.
 */
public final class BlockContent {

    /** Block types whose children are another page's content. */
    private static final Set<String> OWN_PAGES = Set.of("child_page", "child_database");

    /** The blocks in document order (parents before their children); {@code missing}: blocks whose children were not read. */
    public record Result(List<BlockRow> blocks, List<String> missing) {
        public boolean truncated() {
            return !missing.isEmpty();
        }
    }

    private final NotionApi notion;
    private final int maxDepth;

    public BlockContent(NotionApi notion, int maxDepth) {
        this.notion = notion;
        this.maxDepth = maxDepth;
    }

    /** @throws NotionApiException the page's blocks could not be listed, or a part failed for a reason that may pass */
    public Result read(String pageId) {
        List<BlockRow> rows = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        walk(pageId, 1, rows, missing);
        return new Result(rows, missing);
    }

    private void walk(String parentId, int depth, List<BlockRow> rows, List<String> missing) {
        String cursor = null;
        int position = 0;
        do {
            JsonNode page = notion.call(NotionRequest.get("/v1/blocks/" + parentId + "/children", "page_size=100"
                    + (cursor == null ? "" : "&start_cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))));
            for (JsonNode listed : page.path("results")) {
                JsonNode block = NulText.clean(listed).node();
                String id = block.path("id").asText();
                String type = block.path("type").asText();
                boolean hasChildren = block.path("has_children").asBoolean(false);
                boolean descend = hasChildren && !OWN_PAGES.contains(type);
                boolean cut = descend && depth >= maxDepth;
                rows.add(new BlockRow(id, parentId, position++, depth, type, plainText(block, type), block.toString(), hasChildren, cut));
                if (cut) {
                    missing.add(id);
                } else if (descend) {
                    int at = rows.size() - 1;
                    try {
                        walk(id, depth + 1, rows, missing);
                    } catch (NotionApiException e) {
                        if (e.isTransient() || e.status() == 401 || at < 0) {
                            throw e;
                        }
                        // children Notion will not list (no longer shared, gone since): flagged, the rest of the page is kept
                        BlockRow b = rows.get(at);
                        rows.set(at, new BlockRow(b.blockId(), b.parentId(), b.position(), b.depth(), b.type(), b.plainText(), b.raw(),
                                b.hasChildren(), true));
                        missing.add(id);
                    }
                }
            }
            cursor = page.path("has_more").asBoolean(false) ? page.path("next_cursor").asText(null) : null;
        } while (cursor != null);
    }

    /** The block's text without formatting: its rich text, a table row's cells (tab between), a child page's title. */
    static String plainText(JsonNode block, String type) {
        JsonNode content = block.path(type);
        if (content.has("rich_text")) {
            return plain(content.get("rich_text"));
        }
        if (content.has("cells")) {
            List<String> cells = new ArrayList<>();
            content.get("cells").forEach(cell -> cells.add(plain(cell)));
            return String.join("\t", cells);
        }
        if (content.has("title") && content.get("title").isTextual()) {
            return content.get("title").asText();
        }
        if (content.has("expression")) {
            return content.get("expression").asText();
        }
        return null;
    }

    private static String plain(JsonNode richText) {
        StringBuilder text = new StringBuilder();
        richText.forEach(part -> text.append(part.path("plain_text").asText("")));
        return text.toString();
    }
}
