package dev.notionsync.sim;

/** The REST versions the simulator accepts; each renders objects slightly differently. */
enum ApiVersion {
    V2022_06_28("2022-06-28"),
    V2025_09_03("2025-09-03"),
    V2026_03_11("2026-03-11");

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

    /** Only 2026-03-11 dropped the deprecated "archived" twin of "in_trash". */
    boolean emitsArchived() {
        return this != V2026_03_11;
    }
}
