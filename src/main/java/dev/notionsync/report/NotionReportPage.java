package dev.notionsync.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Notion page of a report run, cut into requests Notion accepts: a heading, the summary paragraphs, then per
 * table a heading and a table block. Each append carries at most 100 children, 1000 block elements and about 450 KB
 * (Notion's request limits); a table is created with its header and first rows, the remaining rows are appended to
 * the table block itself, 100 at a time.
 */
public final class NotionReportPage {

    static final int MAX_CHILDREN = 100;
    static final int MAX_ELEMENTS = 1000;
    static final int MAX_BYTES = 450_000;
    static final int MAX_TEXT = 2000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One append: to the page, or to the table block with index {@code table} (in page order). */
    public record Step(int table, ArrayNode children) {
        public boolean toPage() {
            return table < 0;
        }
    }

    private NotionReportPage() {
    }

    /** POST /v1/pages: an empty page titled like the report run, under the configured parent page. */
    public static String createRequest(String parentPageId, String title) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("parent").put("type", "page_id").put("page_id", parentPageId);
        body.putObject("properties").putObject("title").set("title", richText(title));
        return body.toString();
    }

    public static String appendRequest(ArrayNode children) {
        ObjectNode body = JSON.createObjectNode();
        body.set("children", children);
        return body.toString();
    }

    /** The appends in order; the table blocks' ids come from the answers to the page appends that create them. */
    public static List<Step> plan(ReportContent content) {
        List<ObjectNode> blocks = new ArrayList<>();
        List<List<ObjectNode>> laterRows = new ArrayList<>();
        blocks.add(text("heading_1", content.title()));
        for (String line : content.summary()) {
            blocks.add(text("paragraph", line));
        }
        for (ReportTable table : content.tables()) {
            blocks.add(text("heading_2", table.title()));
            List<ObjectNode> rows = new ArrayList<>();
            rows.add(row(table.columns().stream().map(ReportTable.Column::name).toList()));
            table.rows().forEach(r -> rows.add(row(r)));
            ObjectNode block = JSON.createObjectNode().put("object", "block").put("type", "table");
            ObjectNode body = block.putObject("table").put("table_width", Math.max(1, table.columns().size()))
                    .put("has_column_header", true).put("has_row_header", false);
            ArrayNode first = body.putArray("children");
            int bytes = 0;
            int taken = 0;
            // the first rows travel with the table (Notion creates a table only with rows), the rest follow in appends
            while (taken < rows.size() && taken < MAX_CHILDREN && bytes + size(rows.get(taken)) < MAX_BYTES / 2) {
                bytes += size(rows.get(taken));
                first.add(rows.get(taken++));
            }
            blocks.add(block);
            laterRows.add(rows.subList(taken, rows.size()));
        }
        List<Step> steps = new ArrayList<>();
        List<Step> tableSteps = new ArrayList<>();
        ArrayNode current = JSON.createArrayNode();
        int elements = 0;
        int bytes = 0;
        int tableIndex = 0;
        for (ObjectNode block : blocks) {
            int blockElements = 1 + block.path("table").path("children").size();
            int blockBytes = size(block);
            if (current.size() > 0 && (current.size() + 1 > MAX_CHILDREN || elements + blockElements > MAX_ELEMENTS || bytes + blockBytes > MAX_BYTES)) {
                steps.add(new Step(-1, current));
                steps.addAll(tableSteps);
                tableSteps.clear();
                current = JSON.createArrayNode();
                elements = 0;
                bytes = 0;
            }
            current.add(block);
            elements += blockElements;
            bytes += blockBytes;
            if (block.path("type").asText().equals("table")) {
                tableSteps.addAll(rowSteps(tableIndex, laterRows.get(tableIndex)));
                tableIndex++;
            }
        }
        if (current.size() > 0) {
            steps.add(new Step(-1, current));
            steps.addAll(tableSteps);
        }
        return steps;
    }

    private static List<Step> rowSteps(int table, List<ObjectNode> rows) {
        List<Step> steps = new ArrayList<>();
        ArrayNode current = JSON.createArrayNode();
        int bytes = 0;
        for (ObjectNode row : rows) {
            if (current.size() > 0 && (current.size() == MAX_CHILDREN || bytes + size(row) > MAX_BYTES)) {
                steps.add(new Step(table, current));
                current = JSON.createArrayNode();
                bytes = 0;
            }
            current.add(row);
            bytes += size(row);
        }
        if (current.size() > 0) {
            steps.add(new Step(table, current));
        }
        return steps;
    }

    /** The table blocks an append created, in order, from Notion's answer. */
    public static List<JsonNode> tableBlocks(JsonNode appendAnswer) {
        List<JsonNode> tables = new ArrayList<>();
        for (JsonNode block : appendAnswer.path("results")) {
            if (block.path("type").asText().equals("table")) {
                tables.add(block);
            }
        }
        return tables;
    }

    /** How many rows the {@code index}-th table block of a page append was created with. */
    public static int firstRows(ArrayNode pageAppend, int index) {
        int seen = 0;
        for (JsonNode block : pageAppend) {
            if (block.path("type").asText().equals("table") && seen++ == index) {
                return block.path("table").path("children").size();
            }
        }
        throw new IllegalArgumentException("the append has no table " + index);
    }

    private static ObjectNode text(String type, String content) {
        ObjectNode block = JSON.createObjectNode().put("object", "block").put("type", type);
        block.putObject(type).set("rich_text", richText(content));
        return block;
    }

    private static ObjectNode row(List<String> cells) {
        ObjectNode block = JSON.createObjectNode().put("object", "block").put("type", "table_row");
        ArrayNode out = block.putObject("table_row").putArray("cells");
        cells.forEach(cell -> out.add(richText(cell)));
        return block;
    }

    /** Notion takes at most 2000 characters per text object; an empty cell is an empty array. */
    static ArrayNode richText(String content) {
        ArrayNode array = JSON.createArrayNode();
        if (content.isEmpty()) {
            return array;
        }
        String text = content.length() <= MAX_TEXT ? content : content.substring(0, MAX_TEXT - 1) + "…";
        array.addObject().put("type", "text").putObject("text").put("content", text);
        return array;
    }

    private static int size(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
