package dev.notionsync.mapping;

import dev.notionsync.mapping.ColumnNames.NamedProperty;

import java.util.List;
import java.util.Set;

/** Property names chosen to break naive identifier handling, with the ids Notion would give them. */
final class HostileNames {

    static final Set<String> RESERVED = Set.of("page_id", "url", "created_time", "last_edited_time", "in_trash",
            "properties", "synced_at");

    static final String LONG_ASCII = "Quarterly revenue forecast adjusted for seasonality and currency effects in EMEA";
    static final String LONG_MULTIBYTE = "Größenverhältnisänderungsübersichtsdarstellungsüberprüfungsergebnisäöü";
    static final String LONG_CJK = "日本語の非常に長いプロパティ名前日本語の非常に長いプロパティ名前日本語の非常に長い";

    static final List<NamedProperty> PROPERTIES = List.of(
            new NamedProperty("a%22b", "a\"b"),
            new NamedProperty("its1", "it's"),
            new NamedProperty("sqli", "x; DROP TABLE t; --"),
            new NamedProperty("kw01", "select"),
            new NamedProperty("kw02", "from"),
            new NamedProperty("kw03", "order"),
            new NamedProperty("uni1", "Größe"),
            new NamedProperty("uni2", "Ünïcödé"),
            new NamedProperty("%3FB%3AW", "日本語"),
            new NamedProperty("emo1", "🚀 Launch"),
            new NamedProperty("emo2", "🔥"),
            new NamedProperty("emp1", ""),
            new NamedProperty("emp2", "   "),
            new NamedProperty("lng1", LONG_ASCII),
            new NamedProperty("lng2", LONG_ASCII + " (copy)"),
            new NamedProperty("lng3", LONG_MULTIBYTE),
            new NamedProperty("lng4", LONG_CJK),
            new NamedProperty("due1", "Due Date"),
            new NamedProperty("due2", "due_date"),
            new NamedProperty("ab01", "A-B"),
            new NamedProperty("ab02", "A B"),
            new NamedProperty("res1", "url"),
            new NamedProperty("res2", "page_id"),
            new NamedProperty("res3", "Page"),
            new NamedProperty("dig1", "2024 revenue"),
            new NamedProperty("nul1", "nul\0byte"),
            new NamedProperty("title", "Name"),
            new NamedProperty("fam1", "Due"),
            new NamedProperty("fam2", "Due end"));

    private HostileNames() {
    }
}
