package dev.notionsync.sim;

import java.util.List;
import java.util.NoSuchElementException;

/** What the simulator seeded: the workspace name and its data sources. */
public record SeededWorkspace(String workspaceName, List<SeededSource> sources) {

    public SeededWorkspace {
        sources = List.copyOf(sources);
    }

    /** The source with the given short name: "projects", "revenue" or "agents". */
    public SeededSource source(String name) {
        for (SeededSource s : sources) {
            if (s.name().equals(name)) return s;
        }
        throw new NoSuchElementException("no seeded source named " + name + "; known: " + sources.stream().map(SeededSource::name).toList());
    }
}
