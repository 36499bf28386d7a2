package dev.notionsync.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What every output shows: the title, when it ran, the summary sentences, the chart and the tables. */
public record ReportContent(String title, String ranAt, List<String> summary, Optional<Chart> chart, List<ReportTable> tables) {

    private static final DateTimeFormatter RAN_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    public static ReportContent of(ReportDefinition report, Instant ranAt, String trigger, List<ReportTable> tables) {
        Optional<Chart> chart = Chart.of(report, tables);
        String when = RAN_AT.format(ranAt.atZone(report.timeZone())) + " " + report.timeZone().getId();
        List<String> summary = new ArrayList<>();
        summary.add("Run at " + when + " (" + trigger + ").");
        for (ReportTable table : tables) {
            StringBuilder line = new StringBuilder(table.title()).append(": ").append(table.rows().size())
                    .append(table.rows().size() == 1 ? " row" : " rows");
            if (table.truncated()) {
                line.append(" (only the first ").append(table.rows().size()).append(" are shown)");
            }
            List<String> totals = new ArrayList<>();
            for (String name : report.summaryColumns()) {
                int column = table.column(name);
                if (column >= 0) {
                    BigDecimal total = table.rows().stream().map(r -> Chart.number(r.get(column))).reduce(BigDecimal.ZERO, BigDecimal::add);
                    totals.add(table.columns().get(column).name() + " " + total.toPlainString());
                }
            }
            if (!totals.isEmpty()) {
                line.append("; in total ").append(String.join(", ", totals));
            }
            summary.add(line.append('.').toString());
        }
        chart.flatMap(Chart::largest).ifPresent(bar -> summary.add("Largest " + chart.get().valueColumn() + ": " + bar.label()
                + " (" + bar.value().toPlainString() + ")" + (chart.get().labels() > chart.get().bars().size()
                ? "; the chart shows the " + chart.get().bars().size() + " largest of " + chart.get().labels() + " " + chart.get().labelColumn() + " values" : "") + "."));
        return new ReportContent(report.title(), when, List.copyOf(summary), chart, List.copyOf(tables));
    }
}
