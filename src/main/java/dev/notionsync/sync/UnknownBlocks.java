package dev.notionsync.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code <unknown url="…#<block id>" alt="…"/>} tags of Notion's enhanced markdown, and splicing a block's own
 * markdown (GET /v1/pages/{block id}/markdown, rendered from column 0) into the place of its tag, indented as deep as
 * the tag stood. Notion writes a tag for a block it did not load (the answer was truncated), one the integration may not
 * see, and one whose type the format has no form for.
 */
public final class UnknownBlocks {

    /**
     * Neither part may run past a {@code <} or a line end: text a user typed that looks like many unclosed tags (2 MB on
     * one line) would otherwise be scanned to its end from each of them, in quadratic time.
     */
    private static final Pattern TAG = Pattern.compile("<unknown url=\"[^\"<\n]*#([0-9a-fA-F-]{32,36})\"[^<>\n]*/>");

    /** One tag: where it is, the block it stands for, and the tabs before it on its line (its depth). */
    public record Tag(int start, int end, String blockId, String indent) {
    }

    private UnknownBlocks() {
    }

    /** The tags of a markdown text, in order. */
    public static List<Tag> tags(String markdown) {
        List<Tag> tags = new ArrayList<>();
        Matcher m = TAG.matcher(markdown);
        while (m.find()) {
            String id = normalize(m.group(1));
            if (id == null) {
                continue;
            }
            // its depth: the tabs before it, when nothing else stands before it on its line (looked at backwards, so a
            // long line of many tags is not read again for each)
            int lineStart = m.start();
            while (lineStart > 0 && markdown.charAt(lineStart - 1) == '\t') {
                lineStart--;
            }
            boolean ownLine = lineStart == 0 || markdown.charAt(lineStart - 1) == '\n';
            tags.add(new Tag(m.start(), m.end(), id, ownLine ? markdown.substring(lineStart, m.start()) : ""));
        }
        return tags;
    }

    /**
     * Replaces the tag of each block in {@code replacements} (its first tag, if it has several) with that block's
     * markdown; every line after the first is indented like the tag. Tags without a replacement stay as they are.
     */
    public static String splice(String markdown, Map<String, String> replacements) {
        if (replacements.isEmpty()) {
            return markdown;
        }
        StringBuilder out = new StringBuilder(markdown.length());
        int at = 0;
        java.util.Set<String> done = new java.util.HashSet<>();
        for (Tag tag : tags(markdown)) {
            String replacement = replacements.get(tag.blockId());
            if (replacement == null || !done.add(tag.blockId())) {
                continue;
            }
            out.append(markdown, at, tag.start());
            out.append(tag.indent().isEmpty() ? replacement : replacement.replace("\n", "\n" + tag.indent()));
            at = tag.end();
        }
        return out.append(markdown, at, markdown.length()).toString();
    }

    /** A block id as the API writes it (lower case, dashed), from either form; null when it is not one. */
    public static String normalize(String id) {
        String hex = id.replace("-", "").toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{32}")) {
            return null;
        }
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}
