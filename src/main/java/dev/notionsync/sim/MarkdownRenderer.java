package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A page's content as Notion's enhanced markdown (GET /v1/pages/{id}/markdown): children indented one tab deeper than
 * their parent, child pages and databases as {@code <page>} and {@code <database>} references (their content is not
 * inlined), and {@code <unknown url="…#block" alt="type"/>} for what the format has no form for.
 *
 * <p>Like Notion, which loads about 20,000 records of a page, only {@code limit} blocks are rendered: every block after
 * that, and every block not shared with the integration, becomes an unknown tag, the answer says {@code truncated},
 * and {@code unknown_block_ids} lists the first 100 of them; each can be read back as a page id for its subtree.
 * Blocks of the types the format leaves out (bookmark, embed, …) are unknown tags too, without truncation.
 * Callers hold the model's read lock.
 */
final class MarkdownRenderer {
    /** Notion's default record limit. */
    static final int DEFAULT_LIMIT = 20_000;
    /** unknown_block_ids has maxItems 100 in Notion's OpenAPI. */
    static final int MAX_UNKNOWN_IDS = 100;
    private static final Set<String> LIST_ITEMS = Set.of("bulleted_list_item", "numbered_list_item", "to_do");

    /** What GET /v1/pages/{id}/markdown answers. */
    record Result(String id, String markdown, boolean truncated, List<String> unknownBlockIds) {
        ObjectNode toJson() {
            ObjectNode node = Json.object().put("object", "page_markdown").put("id", id).put("markdown", markdown).put("truncated", truncated);
            unknownBlockIds.forEach(node.putArray("unknown_block_ids")::add);
            return node;
        }
    }

    private final SimModel model;
    private final int limit;
    private final String urlPageId;
    /** Renders a block without its children: the part of it that markdown edits compare. */
    private final boolean shallow;
    private final StringBuilder out = new StringBuilder();
    private int loaded;
    private boolean truncated;
    private final List<String> unknownIds = new ArrayList<>();

    private MarkdownRenderer(SimModel model, int limit, String urlPageId, boolean shallow) {
        this.model = model;
        this.limit = limit;
        this.urlPageId = urlPageId;
        this.shallow = shallow;
    }

    /** The content of a page. */
    static Result page(SimModel model, String pageId, int limit) {
        MarkdownRenderer r = new MarkdownRenderer(model, limit, pageId, false);
        r.children(pageId, 0);
        return r.result(pageId);
    }

    /** The subtree rooted at a block: the block itself and its descendants (a truncated answer's unknown id read back). */
    static Result subtree(SimModel model, String pageId, Block block, int limit) {
        MarkdownRenderer r = new MarkdownRenderer(model, limit, pageId, false);
        r.node(block.id(), 0, 1);
        return r.result(block.id());
    }

    /** A block's own markdown, its children left out; {@code block} need not be in the model yet. */
    static String own(SimModel model, Block block) {
        MarkdownRenderer r = new MarkdownRenderer(model, Integer.MAX_VALUE, "", true);
        r.block(block, 0, 1);
        return r.out.toString();
    }

    private Result result(String id) {
        return new Result(id, out.toString(), truncated, List.copyOf(unknownIds.subList(0, Math.min(MAX_UNKNOWN_IDS, unknownIds.size()))));
    }

    // ---------------------------------------------------------------- structure

    /** The visible children of a parent, one tab deeper each level; a blank line between top-level blocks except list items. */
    private void children(String parentId, int depth) {
        if (shallow) return;
        String previousType = null;
        int number = 0;
        for (String id : model.childIds(parentId)) {
            String type = visibleType(id);
            if (type == null) continue;
            number = type.equals("numbered_list_item") ? number + 1 : 0;
            boolean sameList = LIST_ITEMS.contains(type) && type.equals(previousType);
            if (depth > 0 || previousType != null) out.append(depth > 0 || sameList ? "\n" : "\n\n");
            node(id, depth, number);
            previousType = type;
        }
    }

    /** The type a child is listed with, or null when it is trashed (and so not part of the content). */
    private String visibleType(String id) {
        Block b = model.blockOrNull(id);
        if (b != null) return b.inTrash() ? null : b.type();
        Page p = model.pageOrNull(id);
        if (p != null) return p.inTrash() ? null : "child_page";
        SimDatabase db = model.databaseOrNull(id);
        return db == null || db.inTrash ? null : "child_database";
    }

    private void node(String id, int depth, int number) {
        String type = visibleType(id);
        if (model.isUnshared(id) || loaded >= limit) {
            unknown(depth, id, type, true);
            return;
        }
        loaded++;
        String indent = "\t".repeat(depth);
        Page page = model.pageOrNull(id);
        SimDatabase db = page == null ? model.databaseOrNull(id) : null;
        if (page != null) {
            out.append(indent).append("<page url=\"").append(Renderer.pageUrl(null, id)).append("\">").append(InlineMarkdown.escape(model.title(page))).append("</page>");
        } else if (db != null) {
            out.append(indent).append("<database url=\"").append(Renderer.pageUrl(null, id)).append("\" inline=\"").append(db.isInline).append("\">")
                    .append(InlineMarkdown.escape(RichText.plain(db.title))).append("</database>");
        } else {
            block(model.blockOrNull(id), depth, number);
        }
    }

    private void unknown(int depth, String id, String type, boolean truncates) {
        out.append("\t".repeat(depth)).append("<unknown url=\"").append(Renderer.pageUrl(null, urlPageId)).append('#').append(Ids.compact(id))
                .append("\" alt=\"").append(type).append("\"/>");
        if (!truncates) return;
        truncated = true;
        unknownIds.add(id);
    }

    // ---------------------------------------------------------------- one block

    private void block(Block b, int depth, int number) {
        String t = "\t".repeat(depth);
        ObjectNode c = b.content();
        String text = InlineMarkdown.render(c.get("rich_text"));
        String color = c.path("color").asText("default");
        switch (b.type()) {
            case "paragraph" -> out.append(t).append(text.isEmpty() ? "<empty-block/>" : text + colorAttribute(color));
            case "heading_1", "heading_2", "heading_3", "heading_4" -> {
                String attributes = (c.path("is_toggleable").asBoolean() ? "toggle=\"true\"" : "") + (color.equals("default") ? "" : " color=\"" + color + "\"");
                out.append(t).append("#".repeat(b.type().charAt(8) - '0')).append(' ').append(text)
                        .append(attributes.isBlank() ? "" : " {" + attributes.trim() + "}");
            }
            case "bulleted_list_item" -> out.append(t).append("- ").append(text).append(colorAttribute(color));
            case "numbered_list_item" -> out.append(t).append(number).append(". ").append(text).append(colorAttribute(color));
            case "to_do" -> out.append(t).append(c.path("checked").asBoolean() ? "- [x] " : "- [ ] ").append(text).append(colorAttribute(color));
            case "quote" -> out.append(t).append("> ").append(text).append(colorAttribute(color));
            case "toggle" -> {
                out.append(t).append("<details").append(tagColor(color)).append(">\n").append(t).append("<summary>").append(text).append("</summary>");
                children(b.id(), depth + 1);
                out.append('\n').append(t).append("</details>");
                return;
            }
            case "callout" -> {
                String icon = c.path("icon").path("emoji").asText("");
                out.append(t).append("<callout").append(icon.isEmpty() ? "" : " icon=\"" + icon + "\"").append(tagColor(color)).append(">\n")
                        .append(t).append('\t').append(text);
                children(b.id(), depth + 1);
                out.append('\n').append(t).append("</callout>");
                return;
            }
            case "code" -> {
                out.append(t).append("```").append(c.path("language").asText("plain text"));
                for (String line : RichText.plain(c.get("rich_text")).split("\n", -1)) out.append('\n').append(t).append(line);
                out.append('\n').append(t).append("```");
            }
            case "equation" -> out.append(t).append("$$\n").append(t).append(c.path("expression").asText()).append('\n').append(t).append("$$");
            case "divider" -> out.append(t).append("---");
            case "table_of_contents" -> out.append(t).append("<table_of_contents").append(tagColor(color)).append("/>");
            case "table" -> {
                out.append(t).append("<table header-row=\"").append(c.path("has_column_header").asBoolean()).append("\" header-column=\"")
                        .append(c.path("has_row_header").asBoolean()).append("\">");
                children(b.id(), depth + 1);
                out.append('\n').append(t).append("</table>");
                return;
            }
            case "table_row" -> {
                out.append(t).append("<tr>");
                for (JsonNode cell : c.path("cells")) out.append('\n').append(t).append("\t<td>").append(InlineMarkdown.render(cell)).append("</td>");
                out.append('\n').append(t).append("</tr>");
            }
            case "column_list", "column" -> {
                String tag = b.type().equals("column") ? "column" : "columns";
                out.append(t).append('<').append(tag).append('>');
                children(b.id(), depth + 1);
                out.append('\n').append(t).append("</").append(tag).append('>');
                return;
            }
            case "synced_block" -> {
                String source = c.path("synced_from").path("block_id").asText(null);
                String url = Renderer.pageUrl(null, urlPageId) + "#" + Ids.compact(source == null ? b.id() : source);
                String tag = source == null ? "synced_block" : "synced_block_reference";
                out.append(t).append('<').append(tag).append(" url=\"").append(url).append("\">");
                children(b.id(), depth + 1);
                out.append('\n').append(t).append("</").append(tag).append('>');
                return;
            }
            case "link_to_page" -> {
                String target = c.path(c.path("type").asText("page_id")).asText();
                Page p = model.pageOrNull(target);
                out.append(t).append("<page url=\"").append(Renderer.pageUrl(null, target)).append("\">")
                        .append(InlineMarkdown.escape(p == null ? "Untitled" : model.title(p))).append("</page>");
            }
            case "image", "video", "audio", "file", "pdf" -> {
                String url = c.path(c.path("type").asText("external")).path("url").asText("");
                String caption = InlineMarkdown.render(c.get("caption"));
                if (b.type().equals("image")) out.append(t).append("![").append(caption).append("](").append(url).append(')');
                else out.append(t).append('<').append(b.type()).append(" src=\"").append(url).append("\">").append(caption).append("</").append(b.type()).append('>');
            }
            case "child_page", "child_database" -> {
                String tag = b.type().equals("child_page") ? "page" : "database";
                out.append(t).append('<').append(tag).append(" url=\"").append(Renderer.pageUrl(null, b.id())).append("\">")
                        .append(InlineMarkdown.escape(c.path("title").asText(""))).append("</").append(tag).append('>');
            }
            default -> {
                // the types the markdown guide lists as unknown (bookmark, embed, link_preview, breadcrumb, template), those the
                // block API calls unsupported, and those the simulator does not render (meeting notes, transcription, tab)
                unknown(depth, b.id(), b.type(), false);
                return;
            }
        }
        children(b.id(), depth + 1);
    }

    private static String colorAttribute(String color) {
        return color.equals("default") ? "" : " {color=\"" + color + "\"}";
    }

    private static String tagColor(String color) {
        return color.equals("default") ? "" : " color=\"" + color + "\"";
    }
}
