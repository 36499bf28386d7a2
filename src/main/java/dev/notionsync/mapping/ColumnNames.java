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

    /**
     * A property as far as naming is concerned.
     *
     * @param type its mapping, which says which columns the base name will own; null when not known, and then the
     *             property is taken to own the base with every suffix of every type
     */
    public record NamedProperty(String id, String name, PropertyType type) {
        public NamedProperty {
            Objects.requireNonNull(id, "id");
        }

        public NamedProperty(String id, String name) {
            this(id, name, null);
        }

        private boolean isTitle() {
            return type != null && type.name().equals("title");
        }
    }

    private ColumnNames() {
    }

    /**
     * Assigns a base column name to each property, keyed by property id, in the order given.
     *
     * <ul>
     *   <li>Ids in {@code existing} keep their name unchanged (the column catalog maps them), and their columns stay
     *       taken. Names in {@code reserved} (system columns, columns of removed or retyped properties) are taken.</li>
     *   <li>A property owns its base and base + "_" + each suffix of its type; one whose type is not known owns
     *       every suffix of every type. No column of a new property equals a taken one. A type never changes under
     *       a base (a retyped property is a new catalog entry with a new base), so a base owns no other columns later;
     *       a type that gains a column in a later version must therefore take a suffix no stored table can have as a
     *       column of another property, or map to new catalog entries.</li>
     *   <li>Clashes go to the plainest name: new properties are named in this order: the title first, then shorter
     *       wanted names, then a name already spelled as its identifier, then by name and by id. The first gets the
     *       plain name, the next "_2", "_3"…. So "Deal" (the title) is {@code deal} and "Deal ID" is
     *       {@code deal_id}, and the result does not depend on the order of {@code properties}.</li>
     * </ul>
     *
     * @param existing ids → names assigned earlier (the column catalog)
     * @param reserved column names already in the table that no property listed owns, e.g. page_id, url, synced_at
     */
    public static Map<String, String> assign(List<NamedProperty> properties, Map<String, String> existing,
                                             Set<String> reserved) {
        existing = existing == null ? Map.of() : existing;
        Set<String> occupied = new HashSet<>();
        for (String name : reserved == null ? Set.<String>of() : reserved) {
            occupied.add(name.toLowerCase(Locale.ROOT));
        }
        List<Candidate> fresh = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> existingIds = new HashSet<>();
        for (NamedProperty property : properties) {
            if (existing.containsKey(property.id())) {
                existingIds.add(property.id());
                occupied.addAll(columnsOf(existing.get(property.id()), property.type()));
            } else if (seen.add(property.id())) {
                fresh.add(new Candidate(property, sanitize(property)));
            }
        }
        existing.forEach((id, name) -> {
            if (!existingIds.contains(id)) {
                occupied.addAll(columnsOf(name, null));   // not listed now: its type is not known here
            }
        });
        fresh.sort(PLAINEST_FIRST);
        Map<String, String> chosen = new HashMap<>();
        for (Candidate candidate : fresh) {
            String name = candidate.wanted();
            for (int n = 2; clashes(columnsOf(name, candidate.property().type()), occupied); n++) {
                name = withTag(candidate.wanted(), "_" + n);
            }
            occupied.addAll(columnsOf(name, candidate.property().type()));
            chosen.put(candidate.property().id(), name);
        }
        Map<String, String> assigned = new LinkedHashMap<>();
        for (NamedProperty property : properties) {
            String id = property.id();
            assigned.put(id, existing.containsKey(id) ? existing.get(id) : chosen.get(id));
        }
        return assigned;
    }

    /** Every column a property with this base and type owns (every suffix of every type when the type is not known). */
    public static Set<String> columnsOf(String base, PropertyType type) {
        if (type == null) {
            return family(base);
        }
        Set<String> names = new HashSet<>();
        for (ColumnSpec column : type.columns()) {
            names.add(columnName(base, column));
        }
        names.add(base);   // the base stays taken even for a type without columns, so a later name cannot reuse it
        return names;
    }

    private record Candidate(NamedProperty property, String wanted) {
        boolean spelledAsIdentifier() {
            return wanted.equals(property.name());
        }
    }

    private static final Comparator<Candidate> PLAINEST_FIRST = Comparator
            .comparing((Candidate c) -> !c.property().isTitle())
            .thenComparingInt(c -> c.wanted().length())
            .thenComparing(Candidate::wanted)
            .thenComparing(c -> !c.spelledAsIdentifier())
            .thenComparing(c -> c.property().name() == null ? "" : c.property().name())
            .thenComparing(c -> c.property().id());

    /** The column's name: base for the main column, else base + "_" + suffix. */
    public static String columnName(String base, ColumnSpec column) {
        return column.suffix().isEmpty() ? base : base + "_" + column.suffix();
    }

    /** A SQL string literal: where a statement must carry a name as text (a trigger's arguments, a catalog match). */
    public static String literal(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("SQL text contains NUL");
        }
        return "'" + text.replace("'", "''") + "'";
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

    private static boolean clashes(Set<String> columns, Set<String> occupied) {
        for (String name : columns) {
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
