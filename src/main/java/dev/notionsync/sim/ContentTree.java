package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes to the block tree of one page, under the model's write lock: blocks built from request JSON (appends, page
 * children, seeds) and a page's content made to match parsed markdown. A markdown edit keeps the ids of the blocks it
 * leaves as they are, edits a block in place when only its text changed, and creates and trashes the rest, as an
 * editor would. {@link #changed} collects what it touched, for page.content_updated.
 */
final class ContentTree {
    /** Above this many signature comparisons, blocks between the common start and end are matched by position only. */
    private static final long ALIGNMENT_BUDGET = 1_000_000;

    private final SimModel model;
    private final Author author;
    private final Instant now;
    /** Ids of created, edited and trashed blocks, pages and databases, in the order they were touched. */
    final Map<String, String> changed = new LinkedHashMap<>();
    /** Markdown edits: block content in response shape per parsed node, and every id the new markdown refers to. */
    private final Map<MarkdownParser.Node, ObjectNode> normalized = new IdentityHashMap<>();
    private final Set<String> referenced = new HashSet<>();

    ContentTree(SimModel model, Author author) {
        this.model = model;
        this.author = author;
        this.now = model.now();
    }

    // ---------------------------------------------------------------- blocks from request JSON

    /** A request block, validated and in response shape, with its children. */
    private record Requested(String type, ObjectNode content, boolean unshared, List<Requested> children) {
    }

    /**
     * Builds request blocks (children inside each type's object) under a parent, at the end or after {@code afterId}
     * ({@link SimModel#AT_START} for the start). Every block is validated before any is written. A seed may also use types
     * the API does not know (they read as "unsupported") and mark blocks {@code "unshared": true}; API callers check the
     * request's limits first (Blocks.checkRequestTree).
     */
    List<Block> append(String parentId, String parentType, JsonNode children, String afterId, String path, boolean seed) {
        List<String> siblings = model.childList(parentId);
        int at = siblings.size();
        if (SimModel.AT_START.equals(afterId)) {
            at = 0;
        } else if (afterId != null) {
            int index = siblings.indexOf(Ids.normalize(afterId));
            if (index < 0) throw ApiException.validation("Block " + afterId + " is not a child of " + parentId + ".");
            at = index + 1;
        }
        List<Block> built = new ArrayList<>();
        for (Requested r : requested(children, path, seed)) {
            Block b = build(parentId, parentType, r);
            siblings.add(at++, b.id());
            built.add(b);
        }
        return built;
    }

    private List<Requested> requested(JsonNode children, String path, boolean seed) {
        List<Requested> out = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
            JsonNode request = children.get(i);
            String type = Blocks.requestType(request);
            String where = path + "[" + i + "]";
            if (type == null || !request.path(type).isObject()) {
                throw ApiException.bodyValidation(where + "." + (type == null ? "type" : type), "should be defined, instead was `undefined`");
            }
            ObjectNode content = Blocks.normalize(type, (ObjectNode) request.get(type), where + "." + type, model.mentionNames());
            JsonNode nested = content.remove("children");
            List<Requested> grandchildren = nested != null && nested.isArray() ? requested(nested, where + "." + type + ".children", seed) : List.of();
            out.add(new Requested(type, content, seed && request.path("unshared").asBoolean(false), grandchildren));
        }
        return out;
    }

    private Block build(String parentId, String parentType, Requested r) {
        Block b = create(parentId, parentType, r.type(), r.content());
        if (r.unshared()) model.setUnshared(b.id(), true);
        List<String> siblings = model.childList(b.id());
        for (Requested child : r.children()) siblings.add(build(b.id(), "block_id", child).id());
        return b;
    }

    private Block create(String parentId, String parentType, String type, ObjectNode content) {
        Block b = new Block(model.newId(), parentType, parentId, now, now, author.userId(), author.userId(), false, type, content);
        model.putBlock(b);
        model.countCreatedBlock();
        changed.put(b.id(), "block");
        return b;
    }

    // ---------------------------------------------------------------- content from markdown

    /**
     * Makes the page's content the parsed markdown. Everything that can fail is checked before anything is written: the
     * content of every new block, references to blocks outside the page, and child pages or databases the new content
     * would delete (refused unless {@code allowDeleting}, naming them).
     */
    void replace(Page page, List<MarkdownParser.Node> desired, boolean allowDeleting) {
        Set<String> inPage = new HashSet<>();
        List<String> protectedIds = new ArrayList<>();
        descendants(page.id(), inPage, protectedIds);
        prepare(desired, inPage);
        List<String> deleted = protectedIds.stream().filter(id -> !referenced.contains(id)).toList();
        if (!deleted.isEmpty() && !allowDeleting) {
            StringBuilder names = new StringBuilder();
            for (String id : deleted) {
                Page p = model.pageOrNull(id);
                SimDatabase db = model.databaseOrNull(id);
                String title = p != null ? model.title(p) : db != null ? RichText.plain(db.title) : "";
                names.append(names.length() == 0 ? "" : ", ").append(p != null ? "page" : "database").append(" \"").append(title).append("\" (").append(id).append(')');
            }
            throw ApiException.validation("This update would delete " + deleted.size() + " child page(s) or database(s): " + names
                    + ". Set allow_deleting_content to true to delete them.");
        }
        reconcile(page.id(), "page_id", desired);
    }

    /** The visible blocks, pages and databases under a parent (not into child pages), and which of them are pages or databases. */
    private void descendants(String parentId, Set<String> all, List<String> protectedIds) {
        for (String id : model.childIds(parentId)) {
            Block b = model.blockOrNull(id);
            Page p = model.pageOrNull(id);
            SimDatabase db = model.databaseOrNull(id);
            if (b != null ? b.inTrash() : p != null ? p.inTrash() : db == null || db.inTrash) continue;
            all.add(id);
            if (b == null) protectedIds.add(id);
            else descendants(id, all, protectedIds);
        }
    }

    /**
     * Normalizes every new block's content and resolves every reference, so that reconciling cannot fail half-way. A tag
     * naming a page or database outside this page becomes a link_to_page block.
     */
    private void prepare(List<MarkdownParser.Node> nodes, Set<String> inPage) {
        for (MarkdownParser.Node n : nodes) {
            if (n.ref() != null && inPage.contains(n.ref())) {
                referenced.add(n.ref());
            } else if (n.ref() != null) {
                boolean page = model.pageOrNull(n.ref()) != null;
                if (!page && model.databaseOrNull(n.ref()) == null) {
                    throw ApiException.validation("The markdown refers to " + n.ref() + ", which is neither a block of this page nor a page the integration can read.");
                }
                normalized.put(n, Json.object().put("type", page ? "page_id" : "database_id").put(page ? "page_id" : "database_id", n.ref()));
            } else {
                normalized.put(n, Blocks.normalize(n.type(), n.content(), n.type(), model.mentionNames()));
                prepare(n.children(), inPage);
            }
        }
    }

    /** A node that names a block, page or database of this page, which stays as it is. */
    private boolean isReference(MarkdownParser.Node n) {
        return n.ref() != null && !normalized.containsKey(n);
    }

    private String typeOf(MarkdownParser.Node n) {
        return n.ref() != null ? "link_to_page" : n.type();
    }

    private void reconcile(String parentId, String parentType, List<MarkdownParser.Node> desired) {
        List<String> siblings = model.childList(parentId);
        List<String> current = new ArrayList<>();
        List<String> hidden = new ArrayList<>();
        for (String id : siblings) (visible(id) ? current : hidden).add(id);
        List<String> have = current.stream().map(this::signature).toList();
        List<String> want = desired.stream().map(this::signature).toList();
        List<String> result = new ArrayList<>();
        int ci = 0;
        int dj = 0;
        for (int[] pair : align(have, want)) {
            gap(parentId, parentType, current.subList(ci, pair[0]), desired.subList(dj, pair[1]), result);
            if (pair[0] < current.size()) keep(parentId, parentType, current.get(pair[0]), desired.get(pair[1]), result);
            ci = pair[0] + 1;
            dj = pair[1] + 1;
        }
        Set<String> placed = new HashSet<>(result);
        for (String id : current) if (!placed.contains(id) && !visible(id)) hidden.add(id);
        siblings.clear();
        siblings.addAll(result);
        siblings.addAll(hidden);
    }

    private boolean visible(String id) {
        Block b = model.blockOrNull(id);
        if (b != null) return !b.inTrash();
        Page p = model.pageOrNull(id);
        if (p != null) return !p.inTrash();
        SimDatabase db = model.databaseOrNull(id);
        return db != null && !db.inTrash;
    }

    /** What a block looks like in markdown, its children aside; references by id. */
    private String signature(String id) {
        Block b = model.blockOrNull(id);
        if (b == null || referenced.contains(id)) return "ref:" + id;
        return b.type() + '\u0000' + MarkdownRenderer.own(model, b);
    }

    private String signature(MarkdownParser.Node n) {
        if (isReference(n)) return "ref:" + n.ref();
        Block transientBlock = new Block("", "page_id", "", now, now, author.userId(), author.userId(), false, typeOf(n), normalized.get(n));
        return typeOf(n) + '\u0000' + MarkdownRenderer.own(model, transientBlock);
    }

    /** A block that stays: its children are reconciled in turn; a referenced block moves here if it was elsewhere. */
    private void keep(String parentId, String parentType, String id, MarkdownParser.Node node, List<String> result) {
        result.add(id);
        if (!isReference(node)) {
            reconcile(id, "block_id", node.children());
            return;
        }
        Block b = model.blockOrNull(id);
        if (b != null && !b.parentId().equals(parentId)) {
            model.putBlock(new Block(b.id(), parentType, parentId, b.createdTime(), now, b.createdBy(), author.userId(), false, b.type(), b.content()));
            changed.put(id, "block");
        }
    }

    /**
     * Blocks between two matches: a new block of the same type as an old one takes its place (edited in place), other new
     * blocks are created, and old blocks the new content does not name are trashed.
     */
    private void gap(String parentId, String parentType, List<String> old, List<MarkdownParser.Node> wanted, List<String> result) {
        Set<String> reused = new HashSet<>();
        int next = 0;
        for (MarkdownParser.Node n : wanted) {
            if (isReference(n)) {
                keep(parentId, parentType, n.ref(), n, result);
                continue;
            }
            String match = null;
            for (int k = next; k < old.size() && match == null; k++) {
                Block b = model.blockOrNull(old.get(k));
                if (b != null && !referenced.contains(b.id()) && b.type().equals(typeOf(n))) {
                    match = b.id();
                    next = k + 1;
                }
            }
            if (match != null) {
                reused.add(match);
                model.putBlock(model.blockOrNull(match).withContent(normalized.get(n), now, author.userId()));
                changed.put(match, "block");
                result.add(match);
                reconcile(match, "block_id", n.children());
            } else {
                Block created = create(parentId, parentType, typeOf(n), normalized.get(n));
                result.add(created.id());
                List<String> grandchildren = new ArrayList<>();
                gap(created.id(), "block_id", List.of(), n.children(), grandchildren);
                model.childList(created.id()).addAll(grandchildren);
            }
        }
        for (String id : old) {
            if (!reused.contains(id) && !referenced.contains(id)) trash(id);
        }
    }

    private void trash(String id) {
        Block b = model.blockOrNull(id);
        if (b != null) {
            model.putBlock(b.withTrash(true, now, author.userId()));
            changed.put(id, "block");
            return;
        }
        Page p = model.pageOrNull(id);
        if (p != null) {
            model.putPage(p.withTrash(true, now, author.userId()));
            changed.put(id, "page");
            return;
        }
        SimDatabase db = model.databaseOrNull(id);
        if (db != null) {
            db.inTrash = true;
            db.lastEditedTime = now;
            changed.put(id, "database");
        }
    }

    /**
     * Pairs (i, j) of equal signatures, increasing in both: the common start and end, and a longest common subsequence
     * between them while that stays cheap. Ends with the sentinel (a.size(), b.size()).
     */
    static List<int[]> align(List<String> a, List<String> b) {
        List<int[]> pairs = new ArrayList<>();
        int start = 0;
        while (start < a.size() && start < b.size() && a.get(start).equals(b.get(start))) {
            pairs.add(new int[]{start, start});
            start++;
        }
        int endA = a.size();
        int endB = b.size();
        List<int[]> tail = new ArrayList<>();
        while (endA > start && endB > start && a.get(endA - 1).equals(b.get(endB - 1))) tail.add(0, new int[]{--endA, --endB});
        int n = endA - start;
        int m = endB - start;
        if ((long) n * m <= ALIGNMENT_BUDGET && n > 0 && m > 0) {
            int[][] lcs = new int[n + 1][m + 1];
            for (int i = n - 1; i >= 0; i--) {
                for (int j = m - 1; j >= 0; j--) {
                    lcs[i][j] = a.get(start + i).equals(b.get(start + j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
                }
            }
            for (int i = 0, j = 0; i < n && j < m; ) {
                if (a.get(start + i).equals(b.get(start + j))) pairs.add(new int[]{start + i++, start + j++});
                else if (lcs[i + 1][j] >= lcs[i][j + 1]) i++;
                else j++;
            }
        }
        pairs.addAll(tail);
        pairs.add(new int[]{a.size(), b.size()});
        return pairs;
    }
}
