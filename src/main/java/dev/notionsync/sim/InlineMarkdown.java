package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rich text as Notion's enhanced markdown, both ways: bold, italic, strikethrough, inline code, underline and colour
 * spans, links, inline equations, line breaks ({@code <br>}) and mentions, with backslash escapes for
 * {@code \ * ~ ` $ [ ] < > { } | ^}. What {@link #render} writes, {@link #parse} reads back into the same rich text.
 */
final class InlineMarkdown {
    private static final String ESCAPED = "\\*~`$[]<>{}|^";
    private static final Pattern ATTRIBUTE = Pattern.compile("([A-Za-z_-]+)=\"([^\"]*)\"");
    private static final Pattern MENTION = Pattern.compile("<mention-(user|page|database|date)((?:\\s+[A-Za-z_-]+=\"[^\"]*\")*)\\s*(/>|>(.*?)</mention-\\1>)");

    /** The formatting in force while parsing. */
    private record Style(boolean bold, boolean italic, boolean strikethrough, boolean underline, String color, String link) {
        static final Style PLAIN = new Style(false, false, false, false, "default", null);

        ObjectNode annotations(boolean code) {
            return Json.object().put("bold", bold).put("italic", italic).put("strikethrough", strikethrough).put("underline", underline)
                    .put("code", code).put("color", color);
        }
    }

    private InlineMarkdown() {
    }

    // ---------------------------------------------------------------- rich text -> markdown

    static String render(JsonNode richText) {
        StringBuilder out = new StringBuilder();
        if (richText != null) for (JsonNode item : richText) out.append(item(item));
        return out.toString();
    }

    private static String item(JsonNode item) {
        JsonNode a = item.path("annotations");
        String href = null;
        String body = switch (item.path("type").asText("text")) {
            case "equation" -> "$" + item.path("equation").path("expression").asText() + "$";
            case "mention" -> mention(item);
            default -> {
                String content = item.path("text").path("content").asText(item.path("plain_text").asText(""));
                href = Json.str(item.path("text").path("link"), "url");
                yield a.path("code").asBoolean() ? "`" + content.replace("\n", "<br>") + "`" : escape(content);
            }
        };
        if (a.path("italic").asBoolean()) body = "*" + body + "*";
        if (a.path("bold").asBoolean()) body = "**" + body + "**";
        if (a.path("strikethrough").asBoolean()) body = "~~" + body + "~~";
        if (a.path("underline").asBoolean()) body = "<span underline=\"true\">" + body + "</span>";
        String color = a.path("color").asText("default");
        if (!color.equals("default")) body = "<span color=\"" + color + "\">" + body + "</span>";
        return href == null ? body : "[" + body + "](" + href + ")";
    }

    private static String mention(JsonNode item) {
        JsonNode m = item.path("mention");
        String kind = m.path("type").asText();
        String name = escape(item.path("plain_text").asText(""));
        return switch (kind) {
            case "user" -> "<mention-user url=\"user://" + m.path("user").path("id").asText() + "\">" + name.replaceFirst("^@", "") + "</mention-user>";
            case "page", "database" -> "<mention-" + kind + " url=\"" + Renderer.pageUrl(null, m.path(kind).path("id").asText()) + "\">" + name + "</mention-" + kind + ">";
            case "date" -> "<mention-date start=\"" + m.path("date").path("start").asText() + "\""
                    + (Json.present(m.path("date").get("end")) ? " end=\"" + m.path("date").get("end").asText() + "\"" : "") + "/>";
            default -> name;
        };
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') out.append("<br>");
            else if (ESCAPED.indexOf(c) >= 0) out.append('\\').append(c);
            else out.append(c);
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- markdown -> rich text

    /** Rich text items in request shape; text longer than Notion's 2000 characters per item is split. */
    static ArrayNode parse(String markdown) {
        ArrayNode out = Json.array();
        parse(markdown, Style.PLAIN, out);
        return out;
    }

    private static void parse(String s, Style start, ArrayNode out) {
        Style style = start;
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            Style next = null;
            int skip = 0;
            if (c == '\\' && i + 1 < s.length()) {
                text.append(s.charAt(i + 1));
                i += 2;
                continue;
            } else if (s.startsWith("<br>", i)) {
                text.append('\n');
                i += 4;
                continue;
            } else if (s.startsWith("**", i)) {
                next = new Style(!style.bold, style.italic, style.strikethrough, style.underline, style.color, style.link);
                skip = 2;
            } else if (c == '*') {
                next = new Style(style.bold, !style.italic, style.strikethrough, style.underline, style.color, style.link);
                skip = 1;
            } else if (s.startsWith("~~", i)) {
                next = new Style(style.bold, style.italic, !style.strikethrough, style.underline, style.color, style.link);
                skip = 2;
            }
            if (next != null) {
                flush(text, style, out);
                style = next;
                i += skip;
                continue;
            }
            int end = special(s, i, style, text, out);
            if (end > i) {
                i = end;
                continue;
            }
            text.append(c);
            i++;
        }
        flush(text, style, out);
    }

    /** Code, equations, links, spans and mentions starting at i: appends them and returns where they end, or i when there is none. */
    private static int special(String s, int i, Style style, StringBuilder text, ArrayNode out) {
        char c = s.charAt(i);
        if (c == '`' || c == '$') {
            int close = s.indexOf(c, i + 1);
            if (close < 0) return i;
            flush(text, style, out);
            String inner = s.substring(i + 1, close);
            if (c == '`') add(out, textItem(inner.replace("<br>", "\n"), style, true));
            else add(out, Json.object().put("type", "equation").<ObjectNode>set("equation", Json.object().put("expression", inner)).set("annotations", style.annotations(false)));
            return close + 1;
        }
        if (c == '[') {
            int close = closing(s, i, '[', ']');
            if (close < 0 || !s.startsWith("(", close + 1)) return i;
            int urlEnd = s.indexOf(')', close + 2);
            if (urlEnd < 0) return i;
            flush(text, style, out);
            parse(s.substring(i + 1, close), new Style(style.bold, style.italic, style.strikethrough, style.underline, style.color,
                    s.substring(close + 2, urlEnd)), out);
            return urlEnd + 1;
        }
        if (s.startsWith("<span", i)) {
            int open = s.indexOf('>', i);
            int close = spanEnd(s, open + 1);
            if (open < 0 || close < 0) return i;
            Map<String, String> attributes = attributes(s.substring(i + 5, open));
            flush(text, style, out);
            parse(s.substring(open + 1, close), new Style(style.bold, style.italic, style.strikethrough,
                    style.underline || "true".equals(attributes.get("underline")), attributes.getOrDefault("color", style.color), style.link), out);
            return close + "</span>".length();
        }
        if (s.startsWith("<mention-", i)) {
            Matcher m = MENTION.matcher(s);
            if (!m.find(i) || m.start() != i) return i;
            flush(text, style, out);
            add(out, mentionItem(m.group(1), attributes(m.group(2)), style));
            return m.end();
        }
        return i;
    }

    private static ObjectNode mentionItem(String kind, Map<String, String> attributes, Style style) {
        ObjectNode mention = Json.object().put("type", kind);
        String url = attributes.getOrDefault("url", "").replaceAll("^\\{\\{|}}$", "");
        switch (kind) {
            case "user" -> mention.putObject("user").put("id", url.replaceFirst("^user://", ""));
            case "date" -> {
                ObjectNode date = mention.putObject("date").put("start", attributes.get("start"));
                if (attributes.containsKey("end")) date.put("end", attributes.get("end"));
            }
            default -> mention.putObject(kind).put("id", url.substring(url.lastIndexOf('/') + 1).replaceAll(".*-", ""));
        }
        return Json.object().put("type", "mention").<ObjectNode>set("mention", mention).set("annotations", style.annotations(false));
    }

    static Map<String, String> attributes(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = ATTRIBUTE.matcher(text);
        while (m.find()) out.put(m.group(1), m.group(2));
        return out;
    }

    /** The index of the bracket closing the one at {@code from}, skipping escapes and nested pairs; -1 when none. */
    private static int closing(String s, int from, char open, char close) {
        int depth = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == open) depth++;
            else if (c == close && --depth == 0) return i;
        }
        return -1;
    }

    private static int spanEnd(String s, int from) {
        int depth = 1;
        for (int i = from; i < s.length(); i++) {
            if (s.startsWith("<span", i)) depth++;
            else if (s.startsWith("</span>", i) && --depth == 0) return i;
        }
        return -1;
    }

    private static void flush(StringBuilder text, Style style, ArrayNode out) {
        if (text.length() == 0) return;
        String content = text.toString();
        text.setLength(0);
        for (int at = 0; at < content.length(); at += RichText.MAX_CONTENT) {
            add(out, textItem(content.substring(at, Math.min(content.length(), at + RichText.MAX_CONTENT)), style, false));
        }
    }

    private static ObjectNode textItem(String content, Style style, boolean code) {
        ObjectNode text = Json.object().put("content", content);
        if (style.link != null) text.putObject("link").put("url", style.link);
        return Json.object().put("type", "text").<ObjectNode>set("text", text).set("annotations", style.annotations(code));
    }

    /** Appends an item, joining it to the previous one when both are text with the same formatting and room to spare. */
    private static void add(ArrayNode out, ObjectNode item) {
        JsonNode last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && item.path("type").asText().equals("text") && last.path("type").asText().equals("text")
                && last.get("annotations").equals(item.get("annotations")) && last.path("text").path("link").equals(item.path("text").path("link"))) {
            String joined = last.path("text").path("content").asText() + item.path("text").path("content").asText();
            if (joined.length() <= RichText.MAX_CONTENT) {
                ((ObjectNode) last.get("text")).put("content", joined);
                return;
            }
        }
        out.add(item);
    }
}
