package dev.notionsync.sync;

import java.time.Duration;
import java.util.List;

/**
 * Comments (README "Comments"): the sources whose pages' comments are synced (notion.source.&lt;name&gt;.comments),
 * how often due pages are listed (notion.comments.poll), how often every page is listed at least
 * (notion.comments.rescan), and how often rows inserted in PostgreSQL are posted (notion.comments.post-poll).
 */
public record CommentSettings(List<SourceSettings> sources, Duration poll, Duration rescan, Duration postPoll) {

    public boolean enabled() {
        return !sources.isEmpty();
    }
}
