package dev.notionsync.config;

import dev.notionsync.notion.NotionApi;
import dev.notionsync.report.ReportDefinition;
import dev.notionsync.report.ReportStatements;
import dev.notionsync.report.ReportRunner;
import dev.notionsync.report.Reports;
import dev.notionsync.store.CreateIntents;
import dev.notionsync.store.ReportQueries;
import dev.notionsync.store.ReportRuns;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports run on demand (routes/reports.camel.yaml): the report runner, {@link Reports} for the command line and JMX,
 * and direct:report-&lt;id&gt; for each report, whose failures go to {@code errorHandling}: the dead letter channel
 * in a running instance, back to the person who typed `report run`.
 */
public final class ReportConfiguration implements AreaConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ReportConfiguration.class);

    private final ReportSettings settings;
    private final String schema;
    private final DataSource dataSource;
    private final String instanceId;
    private final String errorHandling;

    public ReportConfiguration(ReportSettings settings, String schema, DataSource dataSource, String instanceId, String errorHandling) {
        this.settings = settings;
        this.schema = schema;
        this.dataSource = dataSource;
        this.instanceId = instanceId;
        this.errorHandling = errorHandling;
    }

    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("reportRunner", new ReportRunner(
                settings.definitions().stream().collect(Collectors.toMap(ReportDefinition::id, Function.identity())),
                new ReportStatements(new ReportQueries(dataSource, schema, settings.maxRows(), settings.statementTimeout())),
                new ReportRuns(dataSource), AreaConfiguration.bean(context, "notionApi", NotionApi.class).on(settings.connection()), settings.folder(),
                settings.keep(), settings.notionParentPage(), instanceId, Clock.systemUTC(), new CreateIntents(dataSource)));
        context.getRegistry().bind("reports", new Reports(settings.ids(), context));
        TemplatedRoutes routes = new TemplatedRoutes();
        for (ReportDefinition report : settings.definitions()) {
            if (report.wants(ReportDefinition.Output.NOTION) && settings.notionParentPage().isBlank()) {
                LOG.warn("report {}: the Notion output is skipped until notion.reports.notion-parent-page names the page to put reports under", report.id());
            }
            routes.add("report-" + report.id(), "notion-report", Map.of("report", report.id(), "errorHandling", errorHandling));
        }
        context.getRegistry().bind("reportRoutes", routes);
    }
}
