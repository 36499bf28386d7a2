package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The simulator's own API under /__sim/ (no auth): inspect the workspace and traffic, edit as a user (properties,
 * page content, comments), add users, set the integration's capabilities and content limits, inject faults, subscribe
 * webhooks, import recorded objects, invalidate cursors.
 */
final class ControlHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ControlHandler.class);
    private final NotionSimulator sim;

    ControlHandler(NotionSimulator sim) {
        this.sim = sim;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = exchange.getRequestURI().getPath().substring("/__sim".length());
        try {
            byte[] raw = exchange.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? Json.object() : parse(raw);
            ObjectNode answer = route(method, path, body);
            HttpReply.send(exchange, 200, answer, null, null, false);
        } catch (ApiException e) {
            HttpReply.send(exchange, e.status, e.toJson(), null, null, false);
        } catch (RuntimeException e) {
            LOG.warn("control API failed on {} {}", method, path, e);
            HttpReply.send(exchange, 500, Json.object().put("object", "error").put("message", String.valueOf(e.getMessage())), null, null, false);
        }
    }

    private static JsonNode parse(byte[] raw) {
        try {
            return Json.parse(raw);
        } catch (IOException e) {
            throw new ApiException(400, "invalid_json", "Error parsing JSON body.");
        }
    }

    private ObjectNode route(String method, String path, JsonNode body) {
        SimModel model = sim.model();
        String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        String top = parts[0];
        switch (method + " " + top) {
            case "GET workspace" -> {
                return workspace();
            }
            case "GET stats" -> {
                return sim.stats().toJson();
            }
            case "DELETE stats" -> {
                sim.stats().reset();
                return ok();
            }
            case "GET faults" -> {
                return sim.faults().toJson();
            }
            case "POST faults" -> {
                sim.faults().configure(body);
                if (body.has("rate")) sim.setRate(body.get("rate").asDouble());
                return sim.faults().toJson();
            }
            case "POST computation-budget" -> {
                model.setComputationBudgetExceeded(body.path("exceeded").asBoolean(false));
                return ok().put("exceeded", model.computationBudgetExceeded());
            }
            case "POST rate" -> {
                sim.setRate(body.path("rate").asDouble(0));
                return ok().put("rate", sim.limiter().rate());
            }
            case "GET connections" -> {
                return sim.connections().toJson();
            }
            case "POST connections" -> {
                List<String> shared = null;
                if (body.path("data_sources").isArray()) {
                    shared = new java.util.ArrayList<>();
                    for (JsonNode id : body.path("data_sources")) shared.add(id.asText());
                }
                String bot = sim.addConnection(Json.str(body, "name"), Json.str(body, "token"), body.path("rate").asDouble(0), shared);
                return ok().put("name", Json.str(body, "name")).put("bot_user_id", bot);
            }
            case "DELETE connections" -> {
                if (parts.length < 2) throw ApiException.validation("Expected /__sim/connections/{name}.");
                sim.revokeConnection(parts[1]);
                return ok().put("name", parts[1]).put("revoked", true);
            }
            case "POST workspace-rate" -> {
                sim.setWorkspaceRate(body.path("rate").asDouble(0));
                return ok().put("workspace_rate", sim.connections().workspaceLimiter().rate());
            }
            case "POST seed" -> {
                String sourceId = body.path("data_source_id").asText(null);
                int pages = body.path("pages").asInt(0);
                if (sourceId == null || pages <= 0) throw ApiException.validation("Expected {\"data_source_id\":…,\"pages\":N} with N > 0.");
                List<String> ids = model.seedPages(sourceId, pages);
                ObjectNode out = ok().put("data_source_id", Ids.normalize(sourceId)).put("created", ids.size());
                out.put("total_pages", model.pageCount(sourceId));
                return out;
            }
            case "POST pages" -> {
                String id = pageId(parts);
                if (parts.length > 2 && parts[2].equals("content")) return content(id, body);
                Boolean inTrash = body.hasNonNull("in_trash") ? body.get("in_trash").asBoolean() : null;
                model.updatePage(id, body.get("properties"), inTrash, null, null, null, Author.person(model.defaultEditor()));
                return model.page(id).orElseThrow();
            }
            case "GET pages" -> {
                String id = pageId(parts);
                return ok().put("page_id", id).put("markdown", model.markdown(id));
            }
            case "POST blocks" -> {
                String id = pageId(parts);
                if (body.has("unshared")) {
                    model.setShared(id, !body.get("unshared").asBoolean());
                    return ok().put("id", id).put("unshared", body.get("unshared").asBoolean());
                }
                return new Renderer(model, ApiVersion.V2026_03_11).block(model.updateBlock(id, body, Author.person(model.defaultEditor())));
            }
            case "GET content-limits", "POST content-limits" -> {
                if (body.has("markdown_block_limit")) model.setMarkdownBlockLimit(body.get("markdown_block_limit").asInt());
                if (body.has("block_cap")) model.setBlockCap(body.get("block_cap").asLong());
                return ok().put("markdown_block_limit", model.markdownBlockLimit()).put("block_cap", model.blockCap());
            }
            case "GET capabilities", "POST capabilities" -> {
                model.capabilities.configure(body);
                return model.capabilities.toJson();
            }
            case "POST users" -> {
                return model.addUser(body);
            }
            case "POST comments" -> {
                if (parts.length > 1 && (body.has("deleted") || body.has("text") || body.has("markdown") || body.has("rich_text"))) {
                    return model.comments.changeAsPerson(parts[1], body);
                }
                if (parts.length > 1) {
                    model.comments.resolve(parts[1], body.path("resolved").asBoolean(true));
                    return ok().put("comment_id", Ids.normalize(parts[1])).put("resolved", body.path("resolved").asBoolean(true));
                }
                return model.comments.addAsPerson(body);
            }
            case "DELETE users" -> {
                model.removeUser(parts[1]);
                return ok();
            }
            case "DELETE pages" -> {
                model.deletePage(pageId(parts));
                return ok();
            }
            case "POST webhooks" -> {
                return sim.webhooks().subscribe(body);
            }
            case "GET webhooks" -> {
                return sim.webhooks().toJson();
            }
            case "DELETE webhooks" -> {
                sim.webhooks().clear();
                return ok();
            }
            case "POST import" -> {
                return importObjects(body);
            }
            case "POST cursors" -> {
                if (parts.length > 1 && parts[1].equals("invalidate")) return ok().put("invalidated", sim.invalidateCursors());
                if (parts.length > 1 && parts[1].equals("ttl")) {
                    sim.setCursorTtl(Duration.ofMillis(body.path("ttl_ms").asLong(body.path("ttl_seconds").asLong(1800) * 1000)));
                    return ok().put("ttl_ms", model.cursors.ttl().toMillis());
                }
            }
            default -> {
            }
        }
        throw new ApiException(404, "object_not_found", "Unknown control endpoint: " + method + " /__sim" + path);
    }

    /** POST /__sim/pages/{id}/content: {"children":[blocks]} appends them, {"markdown":"…"} replaces the content, both as a person. */
    private ObjectNode content(String pageId, JsonNode body) {
        SimModel model = sim.model();
        ObjectNode out = ok().put("page_id", pageId);
        if (body.has("children")) model.seedContent(pageId, body.get("children")).forEach(out.putArray("block_ids")::add);
        else if (body.has("markdown")) model.editContent(pageId, body.get("markdown").asText());
        else throw ApiException.validation("Expected {\"children\":[…]} or {\"markdown\":\"…\"}.");
        return out.put("markdown", model.markdown(pageId));
    }

    private ObjectNode workspace() {
        SeededWorkspace ws = sim.workspace();
        ObjectNode node = Json.object();
        node.put("workspace_name", ws.workspaceName());
        node.put("workspace_id", sim.model().workspaceId());
        node.put("bot_user_id", sim.model().botUserId());
        ArrayNode sources = node.putArray("sources");
        for (SeededSource s : ws.sources()) {
            sources.addObject().put("name", s.name()).put("title", s.title()).put("database_id", s.databaseId()).put("data_source_id", s.dataSourceId());
        }
        return node;
    }

    private ObjectNode importObjects(JsonNode body) {
        SimModel model = sim.model();
        int databases = 0;
        int sources = 0;
        int pages = 0;
        int blocks = 0;
        for (JsonNode db : body.path("databases")) {
            model.importDatabase(db);
            databases++;
        }
        for (JsonNode ds : body.path("data_sources")) {
            model.importDataSource(ds);
            sources++;
        }
        for (JsonNode p : body.path("pages")) {
            model.importPage(p);
            pages++;
        }
        for (JsonNode b : body.path("blocks")) {
            model.importBlock(b);
            blocks++;
        }
        return ok().put("databases", databases).put("data_sources", sources).put("pages", pages).put("blocks", blocks);
    }

    private static String pageId(String[] parts) {
        if (parts.length < 2 || Ids.normalize(parts[1]) == null) throw ApiException.validation("Expected /__sim/pages/{page_id}.");
        return Ids.normalize(parts[1]);
    }

    private static ObjectNode ok() {
        return Json.object().put("ok", true);
    }
}
