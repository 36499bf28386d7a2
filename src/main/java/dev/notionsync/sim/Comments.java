package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Comments on pages and blocks, grouped in discussions: GET /v1/comments?block_id= lists the open (unresolved) comments
 * whose parent is exactly that page or block, oldest first; POST /v1/comments starts a discussion on a page or block or
 * answers one; PATCH /v1/comments/{id} edits one, DELETE /v1/comments/{id} deletes one. Each sends comment.created,
 * comment.updated or comment.deleted. State is guarded by the model's lock.
 */
final class Comments {
    static final int MAX_ATTACHMENTS = 3;

    /** One comment; {@code parentType} is "page_id" or "block_id", {@code pageId} the page it is on either way. */
    record Comment(String id, String discussionId, String parentType, String parentId, String pageId, Instant createdTime,
                   Instant lastEditedTime, String createdBy, ArrayNode richText, ObjectNode displayName, ArrayNode attachments) {

        Comment edited(ArrayNode text, Instant at) {
            return new Comment(id, discussionId, parentType, parentId, pageId, createdTime, at, createdBy, text, displayName, attachments);
        }

        ObjectNode toJson() {
            ObjectNode node = Json.object().put("object", "comment").put("id", id);
            node.putObject("parent").put("type", parentType).put(parentType, parentId);
            node.put("discussion_id", discussionId);
            node.put("created_time", Times.minuteZ(createdTime));
            node.put("last_edited_time", Times.minuteZ(lastEditedTime));
            node.set("created_by", User.reference(createdBy));
            node.set("rich_text", richText.deepCopy());
            node.set("display_name", displayName.deepCopy());
            if (!attachments.isEmpty()) node.set("attachments", attachments.deepCopy());
            return node;
        }
    }

    private final SimModel model;
    private final Map<String, Comment> byId = new LinkedHashMap<>();
    private final Set<String> resolvedDiscussions = new HashSet<>();

    Comments(SimModel model) {
        this.model = model;
    }

    /** GET /v1/comments?block_id=&start_cursor=&page_size=; the cursor is the next comment's id. */
    ObjectNode list(Map<String, String> query) {
        model.capabilities.requireReadComments();
        String raw = query.get("block_id");
        if (raw == null) throw ApiException.validation("query failed validation: query.block_id should be defined, instead was `undefined`.");
        if (!Ids.isValid(raw)) throw ApiException.validation("query failed validation: query.block_id should be a valid uuid, instead was `\"" + raw + "\"`.");
        String blockId = Ids.normalize(raw);
        return model.read(() -> {
            if (model.pageOrNull(blockId) == null && model.blockOrNull(blockId) == null || model.isUnshared(blockId)) throw model.notFound("block", blockId);
            List<Comment> open = byId.values().stream().filter(c -> c.parentId().equals(blockId) && !resolvedDiscussions.contains(c.discussionId())).toList();
            return Endpoints.listPage("comment", open, Comment::id, Comment::toJson, query);
        });
    }

    /** GET /v1/comments/{id}. */
    ObjectNode get(String id) {
        model.capabilities.requireReadComments();
        return model.read(() -> {
            Comment c = byId.get(id);
            if (c == null) throw model.notFound("comment", id);
            return c.toJson();
        });
    }

    /** POST /v1/comments as the integration: only {object,id} comes back when it may insert comments but not read them. */
    ObjectNode create(JsonNode body) {
        model.capabilities.requireInsertComments();
        JsonNode attachments = body.get("attachments");
        if (attachments != null && attachments.isArray() && attachments.size() > MAX_ATTACHMENTS) {
            throw ApiException.bodyValidation("attachments.length", "should be ≤ `" + MAX_ATTACHMENTS + "`, instead was `" + attachments.size() + "`");
        }
        if (attachments != null && attachments.size() > 0) {
            String upload = attachments.get(0).path("file_upload_id").asText();
            throw ApiException.validation("Could not find file upload with ID: " + upload + ". Attachments must be uploaded with the File Upload API first.");
        }
        ObjectNode displayName = displayName(body.get("display_name"));
        Comment c = add(body, Author.bot(model.botUserId()), displayName, Json.array());
        if (!model.capabilities.readComments()) return Json.object().put("object", "comment").put("id", c.id());
        return model.read(c::toJson);
    }

    private ObjectNode displayName(JsonNode requested) {
        String type = requested == null ? "integration" : requested.path("type").asText("integration");
        ObjectNode node = Json.object().put("type", type);
        switch (type) {
            case "integration" -> node.put("resolved_name", model.botUser().name());
            case "custom" -> {
                String name = requested.path("custom").path("name").asText(null);
                if (name == null) throw ApiException.bodyValidation("display_name.custom.name", "should be defined, instead was `undefined`");
                node.put("resolved_name", name);
            }
            case "user" -> node.putNull("resolved_name");
            default -> throw ApiException.bodyValidation("display_name.type", "should be `\"integration\"`, `\"user\"` or `\"custom\"`, instead was `\"" + type + "\"`");
        }
        return node;
    }

    /**
     * Adds a comment from a request body ({parent:{page_id|block_id}} or {discussion_id}, with rich_text or markdown),
     * by the given author, and sends comment.created.
     */
    Comment add(JsonNode body, Author author, ObjectNode displayName, ArrayNode attachments) {
        JsonNode richText = body.get("rich_text");
        JsonNode markdown = body.get("markdown");
        if (Json.present(richText) == Json.present(markdown)) {
            throw Json.present(richText) ? ApiException.validation("body failed validation: rich_text and markdown cannot both be provided.")
                    : ApiException.bodyValidation("rich_text", "should be defined, instead was `undefined`");
        }
        JsonNode parent = body.get("parent");
        String discussion = Json.str(body, "discussion_id");
        if (Json.present(parent) == (discussion != null)) {
            throw discussion != null ? ApiException.validation("body failed validation: parent and discussion_id cannot both be provided.")
                    : ApiException.bodyValidation("parent", "should be defined, instead was `undefined`");
        }
        ArrayNode text = RichText.normalize(Json.present(markdown) ? InlineMarkdown.parse(markdown.asText()) : richText, "rich_text", model.mentionNames());
        return model.write(() -> {
            Comment first = discussion == null ? null : firstOf(Ids.normalize(discussion));
            if (discussion != null && first == null) throw model.notFound("discussion", discussion);
            String parentType;
            String parentId;
            String pageId;
            if (first != null) {
                parentType = first.parentType();
                parentId = first.parentId();
                pageId = first.pageId();
            } else if (parent.hasNonNull("page_id")) {
                Page page = model.pageOrNull(parent.get("page_id").asText());
                if (page == null || model.isUnshared(page.id())) throw model.notFound("page", parent.get("page_id").asText());
                parentType = "page_id";
                parentId = page.id();
                pageId = page.id();
            } else if (parent.hasNonNull("block_id")) {
                Block block = model.blockOrNull(parent.get("block_id").asText());
                if (block == null || model.isUnshared(block.id())) throw model.notFound("block", parent.get("block_id").asText());
                Page owner = model.owningPage(block);
                parentType = "block_id";
                parentId = block.id();
                pageId = owner == null ? null : owner.id();
            } else {
                throw ApiException.bodyValidation("parent.page_id", "should be defined, instead was `undefined`");
            }
            Comment c = new Comment(model.newId(), first != null ? first.discussionId() : model.newId(), parentType, parentId, pageId,
                    model.clock().instant(), model.clock().instant(), author.userId(), text, displayName, attachments);
            byId.put(c.id(), c);
            model.emitComment("comment.created", c, author);
            return c;
        });
    }

    private Comment firstOf(String discussionId) {
        for (Comment c : byId.values()) if (c.discussionId().equals(discussionId)) return c;
        return null;
    }

    /** PATCH /v1/comments/{id} as the integration: new rich_text or markdown; sends comment.updated. */
    ObjectNode update(String id, JsonNode body) {
        model.capabilities.requireInsertComments();
        return edit(id, body, Author.bot(model.botUserId()));
    }

    /** DELETE /v1/comments/{id} as the integration: the comment is gone (GET answers 404); sends comment.deleted. */
    ObjectNode delete(String id) {
        model.capabilities.requireInsertComments();
        return remove(id, Author.bot(model.botUserId()));
    }

    private ObjectNode edit(String id, JsonNode body, Author author) {
        JsonNode richText = body.get("rich_text");
        JsonNode markdown = body.get("markdown");
        if (Json.present(richText) == Json.present(markdown)) {
            throw Json.present(richText) ? ApiException.validation("body failed validation: rich_text and markdown cannot both be provided.")
                    : ApiException.bodyValidation("rich_text", "should be defined, instead was `undefined`");
        }
        ArrayNode text = RichText.normalize(Json.present(markdown) ? InlineMarkdown.parse(markdown.asText()) : richText, "rich_text", model.mentionNames());
        return model.write(() -> {
            Comment c = byId.get(Ids.normalize(id));
            if (c == null) throw model.notFound("comment", id);
            Comment edited = c.edited(text, model.clock().instant());
            byId.put(edited.id(), edited);
            model.emitComment("comment.updated", edited, author);
            return edited.toJson();
        });
    }

    private ObjectNode remove(String id, Author author) {
        return model.write(() -> {
            Comment c = byId.remove(Ids.normalize(id));
            if (c == null) throw model.notFound("comment", id);
            model.emitComment("comment.deleted", c, author);
            return c.toJson();
        });
    }

    /** A person edits ({"text"|"markdown"|"rich_text"}) or deletes ({"deleted":true}) a comment, through the control API. */
    ObjectNode changeAsPerson(String id, JsonNode body) {
        String userId = body.hasNonNull("user_id") ? Ids.normalize(body.get("user_id").asText()) : model.defaultEditor();
        if (body.path("deleted").asBoolean(false)) return remove(id, Author.person(userId));
        ObjectNode request = Json.object();
        if (body.hasNonNull("text")) request.set("rich_text", RichText.of(body.get("text").asText()));
        if (body.has("markdown")) request.set("markdown", body.get("markdown"));
        if (body.has("rich_text")) request.set("rich_text", body.get("rich_text"));
        return edit(id, request, Author.person(userId));
    }

    /** Resolves the discussion a comment belongs to: its comments are no longer listed. */
    void resolve(String commentId, boolean resolved) {
        model.write(() -> {
            Comment c = byId.get(Ids.normalize(commentId));
            if (c == null) throw model.notFound("comment", commentId);
            if (resolved) resolvedDiscussions.add(c.discussionId());
            else resolvedDiscussions.remove(c.discussionId());
            return null;
        });
    }

    /** A person's comment added through the control API: {"page_id"|"block_id"|"discussion_id", "text"|"markdown"|"rich_text", "user_id"?, "attachments"?}. */
    ObjectNode addAsPerson(JsonNode body) {
        String userId = body.hasNonNull("user_id") ? Ids.normalize(body.get("user_id").asText()) : model.defaultEditor();
        User user = model.read(() -> model.users().get(userId));
        if (user == null) throw model.notFound("user", body.path("user_id").asText());
        ObjectNode request = Json.object();
        if (body.hasNonNull("discussion_id")) request.put("discussion_id", body.get("discussion_id").asText());
        else if (body.hasNonNull("block_id")) request.putObject("parent").put("block_id", body.get("block_id").asText());
        else request.putObject("parent").put("page_id", body.path("page_id").asText());
        if (body.hasNonNull("text")) request.set("rich_text", RichText.of(body.get("text").asText()));
        if (body.has("markdown")) request.set("markdown", body.get("markdown"));
        if (body.has("rich_text")) request.set("rich_text", body.get("rich_text"));
        ArrayNode attachments = Json.array();
        for (JsonNode a : body.path("attachments")) {
            ObjectNode file = attachments.addObject().put("category", a.path("category").asText("image")).putObject("file");
            file.put("url", a.path("url").asText()).put("expiry_time", Times.minuteZ(model.clock().instant().plusSeconds(3600)));
        }
        Comment c = add(request, Author.person(user.id()), Json.object().put("type", "user").put("resolved_name", user.name()), attachments);
        return model.read(c::toJson);
    }
}
