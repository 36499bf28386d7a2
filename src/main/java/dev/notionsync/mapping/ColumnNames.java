package dev.notionsync.mapping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Safe, unique, deterministic column names from Notion property names.
 *
 * <p>A property gets a base name once; its columns are the base plus each {@link ColumnSpec} suffix. The property id
 * is the true key (the caller keeps id → base in its column catalog and passes it back as {@code existing}), so
 * renaming a property in Notion never renames a column.
 *
 * <p>New base names are lower case [a-z0-9_], start with a letter, and leave room for the longest suffix within
 * PostgreSQL's 63-byte identifier limit. Identifiers are always quoted anyway ({@link #quote}), so SQL keywords are
 * fine as names; sanitising is about readable, portable names, quoting is what makes them safe.
 */
public final class ColumnNames {

    /** PostgreSQL silently truncates longer identifiers (NAMEDATALEN - 1). */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    /**
     * Room kept after a base name for "_" + the longest suffix. The longest today is "_verified_by" (12 bytes); the
     * rest is headroom so a future suffix does not force renaming anything.
     */
    public static final int MAX_SUFFIX_BYTES = 16;

    /** Longest base name: every column of the property then fits in 63 bytes. */
    public static final int MAX_BASE_BYTES = MAX_IDENTIFIER_BYTES - MAX_SUFFIX_BYTES;

    private static final int HASH_CHARS = 6;

    /** Letters that Unicode decomposition does not reduce to ASCII but that have an obvious spelling. */
    private static final Map<Integer, String> SPELLED_OUT = Map.of(
            (int) 'ß', "ss", (int) 'æ', "ae", (int) 'œ', "oe", (int) 'ø', "o", (int) 'đ', "d",
            (int) 'ð', "d", (int) 'ł', "l", (int) 'þ', "th", (int) 'ı', "i");

    /** Every suffix any type may append to a base name. */
    private static final Set<String> SUFFIXES = PropertyTypes.allSuffixes();

    static {
        for (String suffix : SUFFIXES) {
            if (1 + suffix.getBytes(StandardCharsets.UTF_8).length > MAX_SUFFIX_BYTES) {
                throw new ExceptionInInitializerError("column suffix longer than MAX_SUFFIX_BYTES: " + suffix);
            }
        }
    }

    /** A property as far as naming is concerned. */
    public record NamedProperty(String id, String name) {
        public NamedProperty {
            Objects.requireNonNull(id, "id");
        }
    }

    private ColumnNames() {
    }

    /**
     * Assigns a base column name to each property, keyed by property id, in the order given.
     *
     * <ul>
     *   <li>Ids in {@code existing} keep their name unchanged. Every name in {@code existing} stays taken, also for
     *       properties no longer listed, because their columns may still be in the table.</li>
     *   <li>New names never equal a reserved name, and no column of a new property (base, or base + "_" + any
     *       suffix of any type) equals a column another property could have or a reserved name. The type is not
     *       known here, so "due" and "due_end" clash even if "due" turns out not to be a date.</li>
     *   <li>Clashes are settled in property id order: the smallest id gets the plain name, the next "_2", "_3"….
     *       The result does not depend on the order of {@code properties}.</li>
     * </ul>
     *
     * @param existing ids → names assigned earlier (the column catalog)
     * @param reserved system column names of the table, e.g. page_id, url, properties, synced_at
     */
    public static Map<String, String> assign(List<NamedProperty> properties, Map<String, String> existing,
                                             Set<String> reserved) {
        existing = existing == null ? Map.of() : existing;
        Set<String> occupied = new HashSet<>();
        for (String name : reserved == null ? Set.<String>of() : reserved) {
            occupied.add(name.toLowerCase(Locale.ROOT));
        }
        for (String name : existing.values()) {
            occupied.addAll(family(name));
        }
        List<NamedProperty> fresh = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NamedProperty property : properties) {
            if (!existing.containsKey(property.id()) && seen.add(property.id())) {
                fresh.add(property);
            }
        }
        fresh.sort(Comparator.comparing(NamedProperty::id));
        Map<String, String> chosen = new HashMap<>();
        for (NamedProperty property : fresh) {
            String wanted = sanitize(property);
            String name = wanted;
            for (int n = 2; clashes(name, occupied); n++) {
                name = withTag(wanted, "_" + n);
            }
            occupied.addAll(family(name));
            chosen.put(property.id(), name);
        }
        Map<String, String> assigned = new LinkedHashMap<>();
        for (NamedProperty property : properties) {
            String id = property.id();
            assigned.put(id, existing.containsKey(id) ? existing.get(id) : chosen.get(id));
        }
        return assigned;
    }

    /** The column's name: base for the main column, else base + "_" + suffix. */
    public static String columnName(String base, ColumnSpec column) {
        return column.suffix().isEmpty() ? base : base + "_" + column.suffix();
    }

    /**
     * A PostgreSQL quoted identifier: wrapped in double quotes, inner double quotes doubled.
     *
     * @throws IllegalArgumentException for null, empty, NUL characters (PostgreSQL cannot store them) and more than
     *                                  63 UTF-8 bytes (PostgreSQL would silently cut it, which can merge two names)
     */
    public static String quote(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw new IllegalArgumentException("empty SQL identifier");
        }
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("SQL identifier contains NUL");
        }
        if (identifier.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
            throw new IllegalArgumentException("SQL identifier longer than " + MAX_IDENTIFIER_BYTES + " bytes: " + identifier);
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** The name a property would like, before clashes: readable, [a-z0-9_], letter first, at most MAX_BASE_BYTES. */
    static String sanitize(NamedProperty property) {
        String name = identifierPart(property.name() == null ? "" : property.name());
        if (name.isEmpty()) {
            // nothing readable left (empty, blank, emoji or non-Latin only): fall back to the stable property id
            String id = identifierPart(property.id());
            name = "p_" + (id.isEmpty() ? hash(property.id()) : id);
        } else if (Character.isDigit(name.charAt(0))) {
            name = "p_" + name;
        }
        if (name.length() > MAX_BASE_BYTES) {
            // cut, and keep distinct long names distinct with a hash of the whole original name
            String cut = trimUnderscores(name.substring(0, MAX_BASE_BYTES - 1 - HASH_CHARS));
            name = cut + "_" + hash(property.name());
        }
        return name;
    }

    /**
     * Lower-case ASCII letters and digits from any text: accents stripped, simple letters spelled out, other
     * letters (e.g. CJK) dropped, everything else (spaces, punctuation, emoji) a single "_", no "_" at the ends.
     */
    private static String identifierPart(String text) {
        String decomposed = Normalizer.normalize(text, Normalizer.Form.NFKD).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        decomposed.codePoints().forEach(cp -> {
            if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
                out.appendCodePoint(cp);
            } else if (SPELLED_OUT.containsKey(cp)) {
                out.append(SPELLED_OUT.get(cp));
            } else if (Character.getType(cp) == Character.NON_SPACING_MARK
                    || Character.getType(cp) == Character.COMBINING_SPACING_MARK
                    || Character.getType(cp) == Character.ENCLOSING_MARK
                    || Character.isLetterOrDigit(cp)) {
                // accents left over from decomposition, and letters with no simple ASCII spelling: dropped
            } else if (out.length() > 0 && out.charAt(out.length() - 1) != '_') {
                out.append('_');
            }
        });
        return trimUnderscores(out.toString());
    }

    /** All column names a property with this base could own, whatever its type. */
    private static Set<String> family(String base) {
        Set<String> names = new HashSet<>();
        names.add(base);
        for (String suffix : SUFFIXES) {
            names.add(base + "_" + suffix);
        }
        return names;
    }

    private static boolean clashes(String base, Set<String> occupied) {
        for (String name : family(base)) {
            if (occupied.contains(name)) {
                return true;
            }
        }
        return false;
    }

    private static String withTag(String base, String tag) {
        if (base.length() + tag.length() <= MAX_BASE_BYTES) {
            return base + tag;
        }
        return trimUnderscores(base.substring(0, MAX_BASE_BYTES - tag.length())) + tag;
    }

    private static String trimUnderscores(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && text.charAt(start) == '_') {
            start++;
        }
        while (end > start && text.charAt(end - 1) == '_') {
            end--;
        }
        return text.substring(start, end);
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((text == null ? "" : text).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
