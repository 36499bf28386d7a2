package dev.notionsync.sim;

/** One seeded data source: its short name ("projects", "revenue", "agents"), title and ids. */
public record SeededSource(String name, String title, String databaseId, String dataSourceId) {
}
