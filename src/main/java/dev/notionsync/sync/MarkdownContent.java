package dev.notionsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionApiException;
import dev.notionsync.notion.NotionRequest;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a page's whole content as markdown (GET /v1/pages/{id}/markdown). Notion renders about 20,000 blocks of a page
 * and answers {@code truncated} with the ids of what it left out in {@code unknown_block_ids} (at most 100); each is read
 * back the same way (its subtree) and spliced into its place, recursively, so nothing is cut. When the list was full,
 * the tags after its last id are read too (they were left out of a full list). What still cannot be read (a block the
 * integration may not see) is named in {@link Result#missing()}. Blocks whose type the format has no form for stay as
 * Notion's {@code <unknown …/>} tags: that is how Notion renders them, not a cut.
 */
public final class MarkdownContent {

    /** unknown_block_ids holds at most this many ids (maxItems in Notion's OpenAPI). */
    static final int LISTED_MAX = 100;

    /** The content; {@code missing} non-empty means it is incomplete. */
    public record Result(String markdown, List<String> missing) {
        public boolean truncated() {
            return !missing.isEmpty();
        }
    }

    private final NotionApi notion;

    public MarkdownContent(NotionApi notion) {
        this.notion = notion;
    }

    /**
     * @throws NotionApiException the page itself could not be read (its status says why), or a part of it failed for a
     *                            reason that may pass (then nothing is stored and the page stays due)
     */
    public Result read(String pageId) {
        JsonNode answer = get(pageId);
        Set<String> visited = new HashSet<>();
        visited.add(UnknownBlocks.normalize(pageId) == null ? pageId : UnknownBlocks.normalize(pageId));
        Set<String> missing = new LinkedHashSet<>();
        String markdown = complete(answer, visited, missing);
        return new Result(markdown, List.copyOf(missing));
    }

    private JsonNode get(String id) {
        return notion.call(NotionRequest.get("/v1/pages/" + id + "/markdown"));
    }

    private String complete(JsonNode answer, Set<String> visited, Set<String> missing) {
        String markdown = answer.path("markdown").asText("");
        boolean truncated = answer.path("truncated").asBoolean(false);
        Set<String> listed = new LinkedHashSet<>();
        answer.path("unknown_block_ids").forEach(id -> {
            String normalized = UnknownBlocks.normalize(id.asText());
            if (normalized != null) {
                listed.add(normalized);
            }
        });
        if (listed.isEmpty() && !truncated) {
            return markdown;
        }
        List<UnknownBlocks.Tag> tags = UnknownBlocks.tags(markdown);
        int lastListed = -1;
        for (int i = 0; i < tags.size(); i++) {
            if (listed.contains(tags.get(i).blockId())) {
                lastListed = i;
            }
        }
        boolean listFull = listed.size() >= LISTED_MAX || (truncated && listed.isEmpty());
        Map<String, String> replacements = new LinkedHashMap<>();
        Set<String> placed = new HashSet<>();
        for (int i = 0; i < tags.size(); i++) {
            String id = tags.get(i).blockId();
            boolean wasListed = listed.contains(id);
            // an unlisted tag after a full list's last id was left out of the list; earlier ones are unsupported types
            if (!wasListed && !(listFull && i > lastListed)) {
                continue;
            }
            placed.add(id);
            if (!visited.add(id)) {
                continue;
            }
            try {
                replacements.put(id, complete(get(id), visited, missing));
            } catch (NotionApiException e) {
                if (e.isTransient() || e.status() == 401) {
                    throw e;   // may pass: the page stays due and is read again whole
                }
                if (wasListed || listFull) {
                    missing.add(id);   // not shared with the integration, or gone since: the content cannot be completed
                }
            }
        }
        for (String id : listed) {
            if (!placed.contains(id)) {
                missing.add(id);   // listed, but no tag says where it goes
            }
        }
        return UnknownBlocks.splice(markdown, replacements);
    }
}
