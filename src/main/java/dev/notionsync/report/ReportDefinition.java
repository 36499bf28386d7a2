package dev.notionsync.report;

import java.time.ZoneId;
import java.util.List;
import java.util.Set;


/**
 * One configured report (notion.reports, notion.report.&lt;id&gt;.*): when it runs, what SQL it runs and where the
 * result goes. {@code chartLabel}/{@code chartValue} are null when the report has no chart.
 */
public record ReportDefinition(String id, String cron, ZoneId timeZone, String sql, String title, Set<Output> outputs,
                               String chartLabel, String chartValue, List<String> summaryColumns) {

    public enum Output { HTML, CSV, NOTION }

    public boolean wants(Output output) {
        return outputs.contains(output);
    }
}
