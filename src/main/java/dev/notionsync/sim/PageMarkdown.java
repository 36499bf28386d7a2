package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * GET and PATCH /v1/pages/{id}/markdown. A read renders the page (or, for an id from unknown_block_ids, that block's
 * subtree). An update runs one of the four commands on the page's markdown as text (matching is case-sensitive),
 * parses the result and applies it to the page's blocks, keeping those it leaves alone; it refuses to delete child
 * pages and databases unless allow_deleting_content, and answers with the page's whole markdown after the update.
 */
final class PageMarkdown {
    private static final Set<String> COMMANDS = Set.of("insert_content", "replace_content_range", "update_content", "replace_content");
    private static final String ELLIPSIS = "...";

    private final SimModel model;

    PageMarkdown(SimModel model) {
        this.model = model;
    }

    ObjectNode read(String id) {
        model.capabilities.requireReadContent();
        return model.read(() -> {
            if (model.isUnshared(id)) throw model.notFound("block", id);
            Page page = model.pageOrNull(id);
            if (page != null) return MarkdownRenderer.page(model, page.id(), model.markdownLimit()).toJson();
            Block block = model.blockOrNull(id);
            if (block != null && !block.inTrash()) {
                Page owner = model.owningPage(block);
                return MarkdownRenderer.subtree(model, owner == null ? block.id() : owner.id(), block, model.markdownLimit()).toJson();
            }
            if (model.databaseOrNull(id) != null) throw notAPage(id, "a database");
            throw model.notFound("page", id);
        });
    }

    ObjectNode update(String id, JsonNode body) {
        model.capabilities.requireUpdateContent();
        String type = body.path("type").asText(null);
        if (type == null || !COMMANDS.contains(type)) {
            throw ApiException.bodyValidation("type", "should be `\"insert_content\"`, `\"replace_content_range\"`, `\"update_content\"` or `\"replace_content\"`, instead was `"
                    + (body.has("type") ? Json.text(body.get("type")) : "undefined") + "`");
        }
        JsonNode command = body.get(type);
        if (command == null || !command.isObject()) throw ApiException.bodyValidation(type, "should be an object, instead was `" + (command == null ? "undefined" : Json.text(command)) + "`");
        int newBlocks = payloadBlocks(type, command);
        if (newBlocks > Blocks.MAX_ELEMENTS) {
            throw ApiException.validation("body failed validation: the markdown in the request makes " + newBlocks + " blocks, more than the maximum of "
                    + Blocks.MAX_ELEMENTS + " block elements per request.");
        }
        Author bot = Author.bot(model.botUserId());
        return model.write(() -> {
            Page page = target(id);
            String current = MarkdownRenderer.page(model, page.id(), model.markdownLimit()).markdown();
            String next = apply(type, command, current);
            if (newBlocks > 0) model.requireBlockCapacity();
            ContentTree tree = new ContentTree(model, bot);
            tree.replace(page, MarkdownParser.parse(next), !type.equals("insert_content") && command.path("allow_deleting_content").asBoolean(false));
            model.contentChanged(page, tree, bot);
            return MarkdownRenderer.page(model, page.id(), model.markdownLimit()).toJson();
        });
    }

    private Page target(String id) {
        Page page = model.isUnshared(id) ? null : model.pageOrNull(id);
        if (page != null) {
            if (page.inTrash()) throw ApiException.validation("Can't edit block that is archived. You must unarchive the block before editing.");
            return page;
        }
        if (model.databaseOrNull(id) != null) throw notAPage(id, "a database");
        if (model.blockOrNull(id) != null && !model.isUnshared(id)) throw notAPage(id, "a block");
        throw model.notFound("page", id);
    }

    private static ApiException notAPage(String id, String what) {
        return ApiException.validation("The provided ID " + id + " is " + what + ", not a page. Markdown content is read and written per page.");
    }

    // ---------------------------------------------------------------- the four commands, on text

    private static String apply(String type, JsonNode command, String markdown) {
        return switch (type) {
            case "replace_content" -> text(command, type, "new_str");
            case "update_content" -> updateContent(command, markdown);
            case "insert_content" -> insertContent(command, markdown);
            default -> replaceRange(markdown, select(markdown, text(command, type, "content_range")), text(command, type, "content"));
        };
    }

    private static String updateContent(JsonNode command, String markdown) {
        JsonNode updates = command.get("content_updates");
        if (updates == null || !updates.isArray()) throw ApiException.bodyValidation("update_content.content_updates", "should be an array, instead was `undefined`");
        String result = markdown;
        for (int i = 0; i < updates.size(); i++) {
            String oldStr = text(updates.get(i), "update_content.content_updates[" + i + "]", "old_str");
            String newStr = text(updates.get(i), "update_content.content_updates[" + i + "]", "new_str");
            int matches = count(result, oldStr);
            if (oldStr.isEmpty() || matches == 0) throw ApiException.validation("Could not find old_str \"" + oldStr + "\" in the page's content.");
            if (matches > 1 && !updates.get(i).path("replace_all_matches").asBoolean(false)) {
                throw ApiException.validation("old_str \"" + oldStr + "\" matches " + matches
                        + " locations in the page's content. Make it longer to match one, or set replace_all_matches to true.");
            }
            result = result.replace(oldStr, newStr);
        }
        return result;
    }

    private static String insertContent(JsonNode command, String markdown) {
        String content = text(command, "insert_content", "content");
        boolean after = command.hasNonNull("after");
        if (after && command.hasNonNull("position")) {
            throw ApiException.validation("body failed validation: insert_content.after and insert_content.position cannot be used together.");
        }
        if (after) {
            int[] range = select(markdown, command.get("after").asText());
            List<String> lines = lines(markdown);
            List<MarkdownParser.Node> anchor = chain(MarkdownParser.parse(markdown), lineOf(markdown, Math.max(range[0], range[1] - 1)));
            MarkdownParser.Node node = anchor.isEmpty() ? null : anchor.get(anchor.size() - 1);
            for (int k = anchor.size() - 1; k > 0 && node.type() != null && node.type().equals("table_row"); k--) node = anchor.get(k - 1);
            int at = node == null ? lines.size() : node.last();
            lines.addAll(at, indented(content, node == null ? 0 : node.depth()));
            return String.join("\n", lines);
        }
        boolean start = "start".equals(command.path("position").path("type").asText("end"));
        if (markdown.isBlank()) return content;
        return start ? content + "\n\n" + markdown : markdown + "\n\n" + content;
    }

    /**
     * Replaces the blocks a selection covers: from the block holding its start to the block holding its end, taken at the
     * level where they are siblings (a whole block when both lie in it), with the content indented to that level.
     */
    private static String replaceRange(String markdown, int[] range, String content) {
        List<MarkdownParser.Node> tree = MarkdownParser.parse(markdown);
        List<MarkdownParser.Node> from = chain(tree, lineOf(markdown, range[0]));
        List<MarkdownParser.Node> to = chain(tree, lineOf(markdown, Math.max(range[0], range[1] - 1)));
        int k = 0;
        while (k < from.size() && k < to.size() && from.get(k) == to.get(k)) k++;
        List<String> lines = lines(markdown);
        int first;
        int last;
        int depth;
        if (k < from.size() && k < to.size()) {
            first = from.get(k).first();
            last = to.get(k).last();
            depth = from.get(k).depth();
        } else if (k > 0) {
            MarkdownParser.Node common = from.get(k - 1);
            first = common.first();
            last = common.last();
            depth = common.depth();
        } else {
            first = lineOf(markdown, range[0]);
            last = lineOf(markdown, Math.max(range[0], range[1] - 1)) + 1;
            depth = 0;
        }
        List<String> out = new ArrayList<>(lines.subList(0, first));
        out.addAll(indented(content, depth));
        out.addAll(lines.subList(last, lines.size()));
        return String.join("\n", out);
    }

    /** An ellipsis selection, "start text...end text": from the first start text to the first end text after it. */
    private static int[] select(String markdown, String selection) {
        int dots = selection.indexOf(ELLIPSIS);
        String head = dots < 0 ? selection : selection.substring(0, dots);
        String tail = dots < 0 ? "" : selection.substring(dots + ELLIPSIS.length());
        int start = head.isEmpty() ? -1 : markdown.indexOf(head);
        int end = start < 0 ? -1 : tail.isEmpty() ? start + head.length() : markdown.indexOf(tail, start + head.length());
        if (start < 0 || end < 0) throw ApiException.validation("Could not find the selection \"" + selection + "\" in the page's content.");
        return new int[]{start, tail.isEmpty() ? end : end + tail.length()};
    }

    /** The nodes holding a line, outermost first. */
    private static List<MarkdownParser.Node> chain(List<MarkdownParser.Node> nodes, int line) {
        List<MarkdownParser.Node> out = new ArrayList<>();
        List<MarkdownParser.Node> level = nodes;
        boolean found = true;
        while (found) {
            found = false;
            for (MarkdownParser.Node n : level) {
                if (n.first() <= line && line < n.last()) {
                    out.add(n);
                    level = n.children();
                    found = true;
                    break;
                }
            }
        }
        return out;
    }

    private static List<String> lines(String markdown) {
        return new ArrayList<>(Arrays.asList(markdown.split("\n", -1)));
    }

    private static List<String> indented(String content, int depth) {
        List<String> out = new ArrayList<>();
        for (String line : content.split("\n", -1)) out.add(line.isBlank() ? line : "\t".repeat(depth) + line);
        return out;
    }

    private static int lineOf(String markdown, int offset) {
        int line = 0;
        for (int i = 0; i < offset && i < markdown.length(); i++) if (markdown.charAt(i) == '\n') line++;
        return line;
    }

    private static int count(String text, String part) {
        if (part.isEmpty()) return 0;
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) n++;
        return n;
    }

    private static String text(JsonNode node, String path, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw ApiException.bodyValidation(path + "." + field, "should be a string, instead was `" + (value == null ? "undefined" : Json.text(value)) + "`");
        }
        return value.asText();
    }

    /** Blocks the markdown of a request makes: Notion's 1000 block elements per request, counted on what the markdown expands to. */
    private static int payloadBlocks(String type, JsonNode command) {
        List<String> parts = new ArrayList<>();
        switch (type) {
            case "replace_content" -> parts.add(command.path("new_str").asText(""));
            case "update_content" -> command.path("content_updates").forEach(u -> parts.add(u.path("new_str").asText("")));
            default -> parts.add(command.path("content").asText(""));
        }
        int n = 0;
        for (String part : parts) n += count(MarkdownParser.parse(part));
        return n;
    }

    private static int count(List<MarkdownParser.Node> nodes) {
        int n = 0;
        for (MarkdownParser.Node node : nodes) n += node.ref() == null ? 1 + count(node.children()) : 0;
        return n;
    }
}
