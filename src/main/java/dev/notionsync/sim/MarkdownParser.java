package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Enhanced markdown back into blocks: the forms {@link MarkdownRenderer} writes (tab-indented children, Notion's tags,
 * block attributes such as {@code {color="red"}}), plus the callout spelling {@code ::: callout {…}} another copy of
 * Notion's guide shows. {@code <page>}, {@code <database>} and {@code <unknown>} tags become references to the
 * existing blocks they name, so content that cannot be written as markdown survives an edit.
 */
final class MarkdownParser {
    private static final Pattern HEADING = Pattern.compile("(#{1,6}) (.*)");
    private static final Pattern NUMBERED = Pattern.compile("\\d+\\. (.*)");
    private static final Pattern TRAILING_ATTRIBUTES = Pattern.compile("\\s*\\{((?:\\s*[A-Za-z_-]+=\"[^\"]*\")+)\\s*}\\s*$");
    private static final Pattern TAG_TEXT = Pattern.compile("<([a-z_]+)((?:\\s+[A-Za-z_-]+=\"[^\"]*\")*)\\s*>(.*)</\\1>");
    private static final Pattern MEDIA_IMAGE = Pattern.compile("!\\[(.*)]\\((.*)\\)");

    /**
     * One block of the markdown: new content in request shape ({@code content} under {@code type}), or {@code ref}, the
     * id of an existing block, page or database that stays as it is. {@code first} and {@code last} are the lines it
     * spans (last exclusive), {@code depth} its indentation.
     */
    record Node(String type, ObjectNode content, String ref, List<Node> children, int first, int last, int depth) {
    }

    /** A line with its indentation (tabs, or four spaces each) counted and removed; {@code raw} keeps it for code. */
    private record Line(int indent, String text, String raw) {
        boolean blank() {
            return text.isBlank();
        }

        /** The raw line with at most {@code depth} levels of indentation removed. */
        String dedented(int depth) {
            int at = 0;
            for (int level = 0; level < depth && at < raw.length(); level++) {
                if (raw.charAt(at) == '\t') at++;
                else if (raw.startsWith("    ", at)) at += 4;
                else break;
            }
            return raw.substring(at);
        }
    }

    private final List<Line> lines = new ArrayList<>();

    private MarkdownParser(String markdown) {
        for (String raw : markdown.replace("\r\n", "\n").split("\n", -1)) {
            int indent = 0;
            int at = 0;
            while (at < raw.length()) {
                if (raw.charAt(at) == '\t') at++;
                else if (raw.startsWith("    ", at)) at += 4;
                else break;
                indent++;
            }
            lines.add(new Line(indent, raw.substring(at), raw));
        }
    }

    static List<Node> parse(String markdown) {
        MarkdownParser p = new MarkdownParser(markdown);
        return p.blocks(0, p.lines.size(), 0);
    }

    private List<Node> blocks(int from, int to, int depth) {
        List<Node> out = new ArrayList<>();
        int i = from;
        while (i < to) {
            if (lines.get(i).blank()) {
                i++;
                continue;
            }
            Node node = block(i, to, depth);
            out.add(node);
            i = node.last();
        }
        return out;
    }

    /** The lines after {@code i} that belong to it: the more deeply indented ones (blank lines inside them included). */
    private int indentedEnd(int i, int to, int depth) {
        int end = i + 1;
        for (int j = i + 1; j < to; j++) {
            Line l = lines.get(j);
            if (l.blank()) continue;
            if (l.indent() <= depth) break;
            end = j + 1;
        }
        return end;
    }

    /** The index of the line closing a tag opened at {@code i}: the first line at the same depth that is the closing text. */
    private int closingLine(int i, int to, int depth, String closing) {
        for (int j = i + 1; j < to; j++) {
            Line l = lines.get(j);
            if (l.indent() <= depth && l.text().trim().equals(closing)) return j;
        }
        return to - 1;
    }

    private Node block(int i, int to, int depth) {
        String s = lines.get(i).text().stripTrailing();
        if (s.startsWith("```")) return code(i, to, depth, s.substring(3).trim());
        if (s.equals("$$")) {
            int end = closingLine(i, to, depth, "$$");
            return leaf("equation", Json.object().put("expression", joined(i + 1, end, depth)), i, end + 1, depth);
        }
        if (s.startsWith("<details")) return toggle(i, to, depth, InlineMarkdown.attributes(s));
        if (s.startsWith("<callout") || s.startsWith("::: callout")) return callout(i, to, depth, s);
        if (s.startsWith("<table ") || s.equals("<table>")) return table(i, to, depth, InlineMarkdown.attributes(s));
        if (s.equals("<columns>") || s.equals("<column>")) {
            String tag = s.substring(1, s.length() - 1);
            int end = closingLine(i, to, depth, "</" + tag + ">");
            return new Node(tag.equals("columns") ? "column_list" : "column", Json.object(), null, blocks(i + 1, end, depth + 1), i, end + 1, depth);
        }
        if (s.startsWith("<synced_block")) return synced(i, to, depth, s);
        if (s.startsWith("<page ") || s.startsWith("<database ") || s.startsWith("<unknown ")) {
            return new Node(null, null, referencedId(InlineMarkdown.attributes(s).getOrDefault("url", "")), List.of(), i, indentedEnd(i, to, depth), depth);
        }
        if (s.equals("<empty-block/>")) return withChildren("paragraph", Json.object().set("rich_text", Json.array()), i, to, depth);
        if (s.startsWith("<table_of_contents")) {
            return leaf("table_of_contents", Json.object().put("color", InlineMarkdown.attributes(s).getOrDefault("color", "default")), i, i + 1, depth);
        }
        if (s.equals("---")) return leaf("divider", Json.object(), i, i + 1, depth);
        Matcher media = TAG_TEXT.matcher(s);
        if (media.matches() && List.of("video", "audio", "file", "pdf").contains(media.group(1))) {
            return leaf(media.group(1), media(InlineMarkdown.attributes(media.group(2)).getOrDefault("src", ""), media.group(3)), i, i + 1, depth);
        }
        Matcher image = MEDIA_IMAGE.matcher(s);
        if (image.matches()) return leaf("image", media(image.group(2), image.group(1)), i, i + 1, depth);
        return textBlock(i, to, depth, s);
    }

    /** Headings, list items, to-dos, quotes and paragraphs: one line of rich text, its attributes, its indented children. */
    private Node textBlock(int i, int to, int depth, String line) {
        Map<String, String> attributes = Map.of();
        Matcher trailing = TRAILING_ATTRIBUTES.matcher(line);
        if (trailing.find() && !escaped(line, trailing.start(1) - 1)) {
            attributes = InlineMarkdown.attributes(trailing.group(1));
            line = line.substring(0, trailing.start());
        }
        String type;
        String text;
        ObjectNode content = Json.object();
        Matcher heading = HEADING.matcher(line);
        Matcher numbered = NUMBERED.matcher(line);
        if (heading.matches()) {
            type = "heading_" + Math.min(4, heading.group(1).length());
            text = heading.group(2);
            content.put("is_toggleable", "true".equals(attributes.get("toggle")));
        } else if (line.startsWith("- [ ] ") || line.startsWith("- [x] ") || line.equals("- [ ]") || line.equals("- [x]")) {
            type = "to_do";
            text = line.length() > 6 ? line.substring(6) : "";
            content.put("checked", line.startsWith("- [x]"));
        } else if (line.startsWith("- ") || line.startsWith("* ") || line.startsWith("+ ")) {
            type = "bulleted_list_item";
            text = line.substring(2);
        } else if (numbered.matches()) {
            type = "numbered_list_item";
            text = numbered.group(1);
        } else if (line.startsWith(">")) {
            type = "quote";
            text = line.substring(1).stripLeading();
        } else {
            type = "paragraph";
            text = line;
        }
        content.set("rich_text", InlineMarkdown.parse(text));
        content.put("color", attributes.getOrDefault("color", "default"));
        return withChildren(type, content, i, to, depth);
    }

    private static boolean escaped(String line, int at) {
        int backslashes = 0;
        for (int k = at - 1; k >= 0 && line.charAt(k) == '\\'; k--) backslashes++;
        return backslashes % 2 == 1;
    }

    private Node code(int i, int to, int depth, String language) {
        int end = i + 1;
        while (end < to && !(lines.get(end).indent() <= depth && lines.get(end).text().trim().equals("```"))) end++;
        ObjectNode content = Json.object();
        content.set("rich_text", plain(joined(i + 1, end, depth)));
        content.put("language", language.isEmpty() ? "plain text" : language);
        return leaf("code", content, i, Math.min(to, end + 1), depth);
    }

    private Node toggle(int i, int to, int depth, Map<String, String> attributes) {
        int end = closingLine(i, to, depth, "</details>");
        int summary = i + 1;
        while (summary < end && lines.get(summary).blank()) summary++;
        String title = summary < end ? lines.get(summary).text().trim().replaceFirst("^<summary>", "").replaceFirst("</summary>$", "") : "";
        ObjectNode content = Json.object();
        content.set("rich_text", InlineMarkdown.parse(title));
        content.put("color", attributes.getOrDefault("color", "default"));
        return new Node("toggle", content, null, blocks(Math.min(summary + 1, end), end, depth + 1), i, end + 1, depth);
    }

    /** {@code <callout icon color>} or {@code ::: callout {icon color}}: its first inner line is its text, the rest its children. */
    private Node callout(int i, int to, int depth, String opening) {
        Map<String, String> attributes = InlineMarkdown.attributes(opening);
        int end = closingLine(i, to, depth, opening.startsWith(":::") ? ":::" : "</callout>");
        int first = i + 1;
        while (first < end && lines.get(first).blank()) first++;
        ObjectNode content = Json.object();
        content.set("rich_text", InlineMarkdown.parse(first < end ? lines.get(first).text().trim() : ""));
        String icon = attributes.get("icon");
        content.set("icon", icon == null ? Json.F.nullNode() : Json.object().put("type", "emoji").put("emoji", icon));
        content.put("color", attributes.getOrDefault("color", "default"));
        return new Node("callout", content, null, blocks(Math.min(first + 1, end), end, depth + 1), i, end + 1, depth);
    }

    private Node table(int i, int to, int depth, Map<String, String> attributes) {
        int end = closingLine(i, to, depth, "</table>");
        List<Node> rows = new ArrayList<>();
        int width = 1;
        for (int j = i + 1; j < end; j++) {
            String s = lines.get(j).text().trim();
            if (s.startsWith("<unknown ")) {
                rows.add(new Node(null, null, referencedId(InlineMarkdown.attributes(s).getOrDefault("url", "")), List.of(), j, j + 1, depth + 1));
            } else if (s.startsWith("<tr")) {
                int rowEnd = j + 1;
                ArrayNode cells = Json.array();
                for (; rowEnd < end && !lines.get(rowEnd).text().trim().equals("</tr>"); rowEnd++) {
                    Matcher cell = TAG_TEXT.matcher(lines.get(rowEnd).text().trim());
                    if (cell.matches() && cell.group(1).equals("td")) cells.add(InlineMarkdown.parse(cell.group(3)));
                }
                width = Math.max(width, cells.size());
                rows.add(leaf("table_row", Json.object().set("cells", cells), j, rowEnd + 1, depth + 1));
                j = rowEnd;
            }
        }
        ObjectNode content = Json.object().put("table_width", width).put("has_column_header", "true".equals(attributes.get("header-row")))
                .put("has_row_header", "true".equals(attributes.get("header-column")));
        return new Node("table", content, null, rows, i, end + 1, depth);
    }

    private Node synced(int i, int to, int depth, String opening) {
        boolean reference = opening.startsWith("<synced_block_reference");
        int end = closingLine(i, to, depth, reference ? "</synced_block_reference>" : "</synced_block>");
        ObjectNode content = Json.object();
        if (reference) content.putObject("synced_from").put("type", "block_id").put("block_id", referencedId(InlineMarkdown.attributes(opening).getOrDefault("url", "")));
        else content.putNull("synced_from");
        return new Node("synced_block", content, null, reference ? List.of() : blocks(i + 1, end, depth + 1), i, end + 1, depth);
    }

    private Node withChildren(String type, ObjectNode content, int i, int to, int depth) {
        int end = indentedEnd(i, to, depth);
        return new Node(type, content, null, blocks(i + 1, end, depth + 1), i, end, depth);
    }

    private static Node leaf(String type, ObjectNode content, int first, int last, int depth) {
        return new Node(type, content, null, List.of(), first, last, depth);
    }

    private static ObjectNode media(String url, String caption) {
        ObjectNode content = Json.object();
        content.set("caption", InlineMarkdown.parse(caption));
        content.putObject("external").put("url", url);
        return content;
    }

    /** The lines between two indices with the block's indentation removed, as one string. */
    private String joined(int from, int to, int depth) {
        StringBuilder sb = new StringBuilder();
        for (int j = from; j < to; j++) {
            if (j > from) sb.append('\n');
            sb.append(lines.get(j).dedented(depth));
        }
        return sb.toString();
    }

    /** Code content: literal text, split at Notion's 2000 characters per item. */
    private static ArrayNode plain(String text) {
        ArrayNode items = Json.array();
        for (int at = 0; at < text.length(); at += RichText.MAX_CONTENT) {
            String part = text.substring(at, Math.min(text.length(), at + RichText.MAX_CONTENT));
            items.addObject().put("type", "text").putObject("text").put("content", part);
        }
        return items;
    }

    /** The block id a tag's url names: the fragment after '#', else the last 32 hex digits of the path. */
    static String referencedId(String url) {
        String u = url.replaceAll("^\\{\\{|}}$", "");
        String tail = u.contains("#") ? u.substring(u.indexOf('#') + 1) : u.substring(u.lastIndexOf('/') + 1);
        String hex = tail.replace("-", "");
        return Ids.normalize(hex.length() > 32 ? hex.substring(hex.length() - 32) : hex);
    }
}
