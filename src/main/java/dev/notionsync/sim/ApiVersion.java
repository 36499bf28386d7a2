package dev.notionsync.sim;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The REST versions the simulator accepts; each renders objects slightly differently. */
enum ApiVersion {
    V2022_06_28("2022-06-28"),
    V2025_09_03("2025-09-03"),
    V2026_03_11("2026-03-11"),
    V2026_12_01("2026-12-01");

    final String header;

    ApiVersion(String header) {
        this.header = header;
    }

    static ApiVersion parse(String header) {
        for (ApiVersion v : values()) {
            if (v.header.equals(header)) return v;
        }
        return null;
    }

    boolean hasDataSources() {
        return this != V2022_06_28;
    }

    /** 2026-03-11 dropped the deprecated "archived" twin of "in_trash". */
    boolean emitsArchived() {
        return compareTo(V2026_03_11) < 0;
    }

    /** From 2026-12-01 a query or search shows only the title of each page unless filter_properties names others. */
    boolean returnsOnlyTitleUnlessFiltered() {
        return compareTo(V2026_12_01) >= 0;
    }

    /** From 2026-12-01 a formula or rollup Notion would not compute (its computation budget) reads "unsupported". */
    boolean reportsUnsupportedValues() {
        return compareTo(V2026_12_01) >= 0;
    }

    static String accepted() {
        return Arrays.stream(values()).map(v -> "\"" + v.header + "\"").collect(Collectors.joining(", "));
    }
}
