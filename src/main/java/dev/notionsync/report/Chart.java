package dev.notionsync.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bar chart of a report: the value column summed per label, over the first table that has both columns.
 * Labels keep the query's order; beyond {@value #MAX_BARS} labels only the largest are drawn.
 */
public record Chart(String labelColumn, String valueColumn, List<Bar> bars, int labels) {

    static final int MAX_BARS = 30;

    public record Bar(String label, BigDecimal value) {
    }

    public static Optional<Chart> of(ReportDefinition report, List<ReportTable> tables) {
        if (report.chartLabel() == null) {
            return Optional.empty();
        }
        for (ReportTable table : tables) {
            int label = table.column(report.chartLabel());
            int value = table.column(report.chartValue());
            if (label < 0 || value < 0) {
                continue;
            }
            Map<String, BigDecimal> sums = new LinkedHashMap<>();
            for (List<String> row : table.rows()) {
                sums.merge(row.get(label).isEmpty() ? "(none)" : row.get(label), number(row.get(value)), BigDecimal::add);
            }
            List<Bar> bars = new ArrayList<>();
            sums.forEach((l, v) -> bars.add(new Bar(l, v)));
            if (bars.size() > MAX_BARS) {
                List<Bar> largest = bars.stream().sorted(Comparator.comparing((Bar b) -> b.value().abs()).reversed()).limit(MAX_BARS).toList();
                bars.retainAll(largest);
            }
            return Optional.of(new Chart(table.columns().get(label).name(), table.columns().get(value).name(), bars, sums.size()));
        }
        return Optional.empty();
    }

    static BigDecimal number(String text) {
        try {
            return text.isBlank() ? BigDecimal.ZERO : new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return BigDecimal.ZERO;
        }
    }

    public BigDecimal total() {
        return bars.stream().map(Bar::value).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    public Optional<Bar> largest() {
        return bars.stream().max(Comparator.comparing(Bar::value));
    }
}
