package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Rich text: request items in, Notion's full response items out. */
final class RichText {
    static final int MAX_CONTENT = 2000;
    static final int MAX_ITEMS = 100;

    /** Resolves the display text of a mention, e.g. a page's title or "@Name" for a user. */
    interface MentionNames {
        String name(String kind, String id);
    }

    private RichText() {
    }

    static ObjectNode text(String content) {
        ObjectNode item = Json.object();
        item.put("type", "text");
        ObjectNode text = item.putObject("text");
        text.put("content", content);
        text.putNull("link");
        item.set("annotations", annotations(null));
        item.put("plain_text", content);
        item.putNull("href");
        return item;
    }

    static ArrayNode of(String content) {
        ArrayNode array = Json.array();
        if (content != null && !content.isEmpty()) array.add(text(content));
        return array;
    }

    static ObjectNode annotations(JsonNode requested) {
        ObjectNode a = Json.object();
        for (String flag : new String[]{"bold", "italic", "strikethrough", "underline", "code"}) {
            a.put(flag, requested != null && requested.path(flag).asBoolean(false));
        }
        a.put("color", requested != null && requested.hasNonNull("color") ? requested.get("color").asText() : "default");
        return a;
    }

    /** Validates and converts request rich text (at body path {@code path}) into response items. */
    static ArrayNode normalize(JsonNode items, String path, MentionNames names) {
        if (items == null || items.isNull()) return Json.array();
        if (!items.isArray()) throw ApiException.bodyValidation(path, "should be an array, instead was `" + Json.text(items) + "`");
        if (items.size() > MAX_ITEMS) {
            throw ApiException.bodyValidation(path + ".length", "should be ≤ `" + MAX_ITEMS + "`, instead was `" + items.size() + "`");
        }
        ArrayNode out = Json.array();
        for (int i = 0; i < items.size(); i++) {
            out.add(item(items.get(i), path + "[" + i + "]", names));
        }
        return out;
    }

    private static ObjectNode item(JsonNode in, String path, MentionNames names) {
        String type = in.has("type") ? in.get("type").asText() : in.has("mention") ? "mention" : in.has("equation") ? "equation" : "text";
        ObjectNode out = Json.object();
        out.put("type", type);
        String plain;
        String href = null;
        switch (type) {
            case "text" -> {
                JsonNode text = in.path("text");
                if (!text.path("content").isTextual()) {
                    throw ApiException.bodyValidation(path + ".text.content", "should be defined, instead was `undefined`");
                }
                String content = text.get("content").asText();
                if (content.length() > MAX_CONTENT) {
                    throw ApiException.bodyValidation(path + ".text.content.length",
                            "should be ≤ `" + MAX_CONTENT + "`, instead was `" + content.length() + "`");
                }
                ObjectNode t = out.putObject("text");
                t.put("content", content);
                JsonNode link = text.get("link");
                if (Json.present(link) && link.hasNonNull("url")) {
                    ObjectNode l = t.putObject("link");
                    l.put("url", link.get("url").asText());
                    href = link.get("url").asText();
                } else {
                    t.putNull("link");
                }
                plain = content;
            }
            case "mention" -> {
                JsonNode mention = in.path("mention");
                String kind = mention.path("type").asText(mention.has("page") ? "page" : mention.has("user") ? "user" : "date");
                ObjectNode m = out.putObject("mention");
                m.put("type", kind);
                switch (kind) {
                    case "page", "database" -> {
                        String id = Ids.normalize(mention.path(kind).path("id").asText());
                        m.putObject(kind).put("id", id);
                        plain = names.name(kind, id);
                        href = "https://www.notion.so/" + (id == null ? "" : Ids.compact(id));
                    }
                    case "user" -> {
                        String id = Ids.normalize(mention.path("user").path("id").asText());
                        m.set("user", User.reference(id));
                        plain = "@" + names.name("user", id);
                    }
                    case "date" -> {
                        ObjectNode date = m.putObject("date");
                        date.put("start", mention.path("date").path("start").asText());
                        date.set("end", Json.orNull(mention.path("date").get("end")));
                        date.set("time_zone", Json.orNull(mention.path("date").get("time_zone")));
                        plain = mention.path("date").path("start").asText();
                    }
                    default -> {
                        m.set(kind, mention.path(kind).deepCopy());
                        plain = in.path("plain_text").asText("");
                    }
                }
            }
            case "equation" -> {
                String expression = in.path("equation").path("expression").asText();
                out.putObject("equation").put("expression", expression);
                plain = expression;
            }
            default -> throw ApiException.bodyValidation(path + ".type", "should be `text`, `mention` or `equation`, instead was `\"" + type + "\"`");
        }
        out.set("annotations", annotations(in.get("annotations")));
        out.put("plain_text", plain);
        out.put("href", href);
        return out;
    }

    static String plain(JsonNode items) {
        if (items == null || !items.isArray()) return "";
        StringBuilder sb = new StringBuilder();
        for (JsonNode item : items) sb.append(item.path("plain_text").asText(""));
        return sb.toString();
    }

    /** Page objects show at most 25 page or person mentions; the property item endpoint has the rest. */
    static ArrayNode truncateMentions(ArrayNode items, int max) {
        int mentions = 0;
        ArrayNode out = Json.array();
        for (JsonNode item : items) {
            if ("mention".equals(item.path("type").asText())) {
                String kind = item.path("mention").path("type").asText();
                if (kind.equals("page") || kind.equals("user") || kind.equals("database")) {
                    if (++mentions > max) continue;
                }
            }
            out.add(item);
        }
        return out;
    }
}
