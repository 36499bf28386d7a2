package dev.notionsync.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notionsync.notion.NotionApi;
import dev.notionsync.notion.NotionRateLimitedException;
import dev.notionsync.notion.NotionRequest;
import dev.notionsync.notion.NotionUnavailableException;
import dev.notionsync.observe.DeadLetterChannel;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.ReportRuns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of routes/reports.camel.yaml: begin a run, query, write the files, build the Notion page through the
 * door, finish. A failing step marks the run failed and throws, so the route's dead letter channel retries that
 * step and finally keeps the message for replay; the schedule itself is not affected.
 */
public final class ReportRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ReportRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter FILE_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss");
    private static final Pattern NOT_SLUG = Pattern.compile("[^a-z0-9]+");

    private final Map<String, ReportDefinition> reports;
    private final ReportStatements query;
    private final ReportRuns runs;
    private final NotionApi notion;
    private final Path folder;
    private final int keepFiles;
    private final String notionParentPage;
    private final String instance;
    private final Clock clock;
    private final CreateIntents intents;

    public ReportRunner(Map<String, ReportDefinition> reports, ReportStatements query, ReportRuns runs, NotionApi notion, Path folder,
                        int keepFiles, String notionParentPage, String instance, Clock clock, CreateIntents intents) {
        this.reports = reports;
        this.query = query;
        this.runs = runs;
        this.notion = notion;
        this.folder = folder;
        this.keepFiles = keepFiles;
        this.notionParentPage = notionParentPage;
        this.instance = instance;
        this.clock = clock;
        this.intents = intents;
    }

    /**
     * The Quartz route's first step: the message becomes a small JSON body with the scheduled fire time, and Quartz's
     * headers (scheduler, trigger and job objects) are dropped, so a dead letter stores something readable and replayable.
     * It takes the raw Exchange because it replaces the whole message, headers included.
     */
    public void fired(Exchange exchange) {
        Date scheduled = exchange.getMessage().getHeader("scheduledFireTime", Date.class);
        ObjectNode body = JSON.createObjectNode().put("trigger", "schedule");
        if (scheduled != null) {
            body.put("scheduled_at", scheduled.toInstant().toString());
        }
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setBody(body.toString());
    }

    /** Body of a manual run (CLI, JMX). */
    public static String manualBody() {
        return JSON.createObjectNode().put("trigger", "manual").toString();
    }

    /**
     * Records the run and keeps it in exchange property {@value ReportRun#PROPERTY}. It takes the raw Exchange as it
     * reads the trigger from the body and the replay header, and must leave the body as it is: the dead letter
     * channel stores the original message for a replay.
     */
    public void begin(Exchange exchange, String reportId) throws Exception {
        ReportDefinition report = reports.get(reportId);
        if (report == null) {
            throw new IllegalArgumentException("no report named '" + reportId + "'");
        }
        String trigger = "manual";
        Instant scheduledAt = null;
        String body = exchange.getMessage().getBody(String.class);
        if (body != null && body.startsWith("{")) {
            JsonNode json = JSON.readTree(body);
            trigger = json.path("trigger").asText("manual");
            scheduledAt = json.hasNonNull("scheduled_at") ? Instant.parse(json.get("scheduled_at").asText()) : null;
        }
        if (exchange.getMessage().getHeader(DeadLetterChannel.REPLAY_OF) != null) {
            trigger = "replay";
        }
        long id = runs.start(reportId, trigger, scheduledAt, instance);
        exchange.setProperty(ReportRun.PROPERTY, new ReportRun(report, trigger, scheduledAt, clock.instant(), id));
    }

    public void query(@ExchangeProperty(ReportRun.PROPERTY) ReportRun run) throws Exception {
        step(run, () -> {
            run.tables = query.run(run.report);
            run.content = ReportContent.of(run.report, run.startedAt, run.trigger, run.tables);
        });
    }

    public void writeFiles(@ExchangeProperty(ReportRun.PROPERTY) ReportRun run) throws Exception {
        step(run, () -> {
            if (!run.report.wants(ReportDefinition.Output.HTML) && !run.report.wants(ReportDefinition.Output.CSV)) {
                return;
            }
            Files.createDirectories(folder);
            String base = run.report.id() + "-" + FILE_STAMP.format(run.startedAt.atZone(run.report.timeZone()));
            if (run.report.wants(ReportDefinition.Output.HTML)) {
                run.htmlFile = write(folder.resolve(base + ".html"), HtmlReport.render(run.content));
            }
            if (run.report.wants(ReportDefinition.Output.CSV)) {
                run.csvFiles.clear();
                for (ReportTable table : run.tables) {
                    String name = run.tables.size() == 1 ? base + ".csv" : base + "-" + slug(table.title()) + ".csv";
                    run.csvFiles.add(write(folder.resolve(name), CsvReport.render(table)));
                }
            }
        });
        removeOldFiles(run.report.id());
    }

    /** notion.reports.keep: the files of older runs go; failing to delete them never fails the report. */
    private void removeOldFiles(String reportId) {
        try {
            List<Path> deleted = ReportFiles.keepNewest(folder, reportId, keepFiles);
            if (!deleted.isEmpty()) {
                LOG.debug("report {}: {} files of older runs removed (notion.reports.keep = {})", reportId, deleted.size(), keepFiles);
            }
        } catch (IOException e) {
            LOG.warn("report {}: cannot remove the files of older runs from {}: {}", reportId, folder, e.getMessage());
        }
    }

    /**
     * Creates the page (once per run), then sends the remaining appends; a redelivery continues where it failed. Neither
     * is sent twice: after an answer lost to a 5xx, a timeout or a cut-off body, Notion is asked whether it landed.
     */
    public void publishToNotion(@ExchangeProperty(ReportRun.PROPERTY) ReportRun run) throws Exception {
        if (!run.report.wants(ReportDefinition.Output.NOTION) || notionParentPage.isBlank()) {
            return;
        }
        step(run, () -> {
            if (run.notionSteps == null) {
                run.notionSteps = NotionReportPage.plan(run.content);
            }
            if (run.notionPageId == null) {
                run.notionPageId = createPage(run);
            }
            while (run.notionStepsDone < run.notionSteps.size()) {
                NotionReportPage.Step next = run.notionSteps.get(run.notionStepsDone);
                String target = next.toPage() ? run.notionPageId : run.tableBlockIds.get(next.table());
                int before = run.blockCounts.getOrDefault(next.table(), 0);
                JsonNode answer = run.appendInDoubt ? appendedAlready(target, before, next.children().size()) : null;
                if (answer == null) {
                    run.appendInDoubt = false;
                    answer = sendOnce(() -> notion.call(NotionRequest.patch("/v1/blocks/" + target + "/children",
                            NotionReportPage.appendRequest(next.children()))), () -> run.appendInDoubt = true);
                }
                run.blockCounts.put(next.table(), before + next.children().size());
                if (next.toPage()) {
                    List<JsonNode> tables = NotionReportPage.tableBlocks(answer);
                    int firstTable = run.tableBlockIds.size();
                    for (int i = 0; i < tables.size(); i++) {
                        run.tableBlockIds.put(firstTable + i, tables.get(i).path("id").asText());
                        run.blockCounts.put(firstTable + i, NotionReportPage.firstRows(next.children(), i));
                    }
                }
                run.appendInDoubt = false;
                run.notionStepsDone++;
            }
        });
    }

    /**
     * The run's page under the parent page, made once: a create whose answer was lost is looked for among the parent's
     * child pages (same title, created since the first send, not another run's) before it is sent again.
     */
    private String createPage(ReportRun run) throws Exception {
        String key = "report:" + run.id;
        String title = run.report.title() + " " + run.content.ranAt();
        CreateIntents.Intent intent = intents.begin(key, notionParentPage);
        if (intent.pageId() != null) {
            return intent.pageId();
        }
        if (intent.sentBefore()) {
            String found = childPageMadeBefore(intent, title);
            if (found != null) {
                LOG.info("report {}: an earlier attempt made page {}; continuing it instead of creating another", run.report.id(), found);
                return found;
            }
        }
        intents.sending(key, title);
        JsonNode page = notion.call(NotionRequest.post("/v1/pages", NotionReportPage.createRequest(notionParentPage, title)));
        intents.made(key, page.path("id").asText());
        return page.path("id").asText();
    }

    private String childPageMadeBefore(CreateIntents.Intent intent, String title) throws Exception {
        Instant since = intent.firstSentAt().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);
        List<JsonNode> candidates = new ArrayList<>();
        for (JsonNode block : children(notionParentPage)) {
            if (block.path("type").asText().equals("child_page") && title.equals(block.path("child_page").path("title").asText())
                    && !Instant.parse(block.path("created_time").asText()).isBefore(since)) {
                candidates.add(block);
            }
        }
        Set<String> taken = intents.takenByOthers(intent.key(), candidates.stream().map(b -> b.path("id").asText()).toList());
        for (JsonNode block : candidates) {
            String id = block.path("id").asText();
            if (!taken.contains(id) && intents.made(intent.key(), id)) {
                return id;
            }
        }
        return null;
    }

    /**
     * After an append whose answer was lost: the blocks it added, when Notion shows them (the target holds
     * {@code before + count} children), as an append's answer; null when it did not land and must be sent again.
     */
    private JsonNode appendedAlready(String target, int before, int count) throws Exception {
        List<JsonNode> children = children(target);
        if (children.size() == before) {
            return null;
        }
        if (children.size() != before + count) {
            throw new IllegalStateException("report page block " + target + " holds " + children.size() + " blocks, expected "
                    + before + " or " + (before + count) + "; the page was edited while the report was written");
        }
        LOG.info("report: the append to {} whose answer was lost had landed; not sending it again", target);
        ObjectNode answer = JSON.createObjectNode();
        children.subList(before, children.size()).forEach(answer.putArray("results")::add);
        return answer;
    }

    private List<JsonNode> children(String blockId) {
        List<JsonNode> children = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode answer = notion.call(NotionRequest.get("/v1/blocks/" + blockId + "/children",
                    "page_size=100" + (cursor == null ? "" : "&start_cursor=" + cursor)));
            answer.path("results").forEach(children::add);
            cursor = answer.path("has_more").asBoolean(false) ? answer.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        return children;
    }

    /** Sends a request that must not be applied twice; a failure that may have been applied calls {@code inDoubt}. */
    private static JsonNode sendOnce(Supplier<JsonNode> send, Runnable inDoubt) {
        try {
            return send.get();
        } catch (NotionRateLimitedException e) {
            throw e;   // Notion did nothing
        } catch (NotionUnavailableException e) {
            inDoubt.run();
            throw e;
        }
    }

    public String finish(@ExchangeProperty(ReportRun.PROPERTY) ReportRun run) throws Exception {
        runs.finish(run.id, run.rows(), run.htmlFile == null ? null : run.htmlFile.toString(),
                run.csvFiles.stream().map(Path::toString).toList(), run.notionPageId);
        String skipped = run.report.wants(ReportDefinition.Output.NOTION) && notionParentPage.isBlank()
                ? "; notion skipped (notion.reports.notion-parent-page is not set)" : "";
        LOG.info("{} ({}){}", run.describe(), run.trigger, skipped);
        return run.describe() + skipped;
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(ReportRun run, Step step) throws Exception {
        try {
            step.run();
        } catch (Exception e) {
            runs.fail(run.id, e.getMessage());
            throw e;
        }
    }


    /** Written beside the target and moved into place, so nobody ever opens half a report. */
    private static Path write(Path file, String text) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        return Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String slug(String title) {
        String slug = NOT_SLUG.matcher(title.toLowerCase(Locale.ROOT)).replaceAll("-").replaceAll("^-|-$", "");
        return slug.isEmpty() ? "part" : slug.length() > 60 ? slug.substring(0, 60) : slug;
    }

    public Set<String> reportIds() {
        return reports.keySet();
    }
}
