package dev.notionsync.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/** A self-contained HTML page: no scripts, no external files, the chart as inline SVG, so it opens anywhere. */
public final class HtmlReport {

    private static final int CHART_WIDTH = 900;
    private static final int LABEL_WIDTH = 220;
    private static final int VALUE_WIDTH = 120;
    private static final int BAR_HEIGHT = 22;
    private static final int BAR_GAP = 8;

    private HtmlReport() {
    }

    public static String render(ReportContent content) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(content.title())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:32px;color:#1f2328;background:#fff}\n")
                .append("h1{margin:0 0 4px;font-size:28px}h2{font-size:20px;margin:28px 0 8px}.ran{color:#59636e;margin:0 0 20px}\n")
                .append("p.summary{margin:4px 0;font-size:15px}\n")
                .append("table{border-collapse:collapse;font-size:14px;margin-top:4px}th,td{border:1px solid #d1d9e0;padding:5px 10px;text-align:left}\n")
                .append("th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("</style>\n</head>\n<body>\n");
        html.append("<h1>").append(escape(content.title())).append("</h1>\n");
        html.append("<p class=\"ran\">").append(escape(content.ranAt())).append("</p>\n");
        html.append("<h2>Summary</h2>\n");
        for (String line : content.summary()) {
            html.append("<p class=\"summary\">").append(escape(line)).append("</p>\n");
        }
        content.chart().ifPresent(chart -> html.append("<h2>").append(escape(chart.valueColumn())).append(" by ")
                .append(escape(chart.labelColumn())).append("</h2>\n").append(svg(chart)));
        for (ReportTable table : content.tables()) {
            html.append("<h2>").append(escape(table.title())).append("</h2>\n<table>\n<thead><tr>");
            for (ReportTable.Column column : table.columns()) {
                html.append("<th>").append(escape(column.name())).append("</th>");
            }
            html.append("</tr></thead>\n<tbody>\n");
            for (List<String> row : table.rows()) {
                html.append("<tr>");
                for (int i = 0; i < row.size(); i++) {
                    html.append(table.columns().get(i).numeric() ? "<td class=\"num\">" : "<td>").append(escape(row.get(i))).append("</td>");
                }
                html.append("</tr>\n");
            }
            html.append("</tbody>\n</table>\n");
        }
        return html.append("</body>\n</html>\n").toString();
    }

    /** Horizontal bars, one per label, scaled to the largest absolute value; negative values are drawn in red. */
    static String svg(Chart chart) {
        int height = chart.bars().size() * (BAR_HEIGHT + BAR_GAP) + BAR_GAP;
        int barSpace = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        BigDecimal max = chart.bars().stream().map(b -> b.value().abs()).max(BigDecimal::compareTo).orElse(BigDecimal.ZERO);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(CHART_WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(CHART_WIDTH).append(' ').append(height).append("\" role=\"img\" aria-label=\"")
                .append(escape(chart.valueColumn() + " by " + chart.labelColumn())).append("\" font-family=\"system-ui,'DejaVu Sans',sans-serif\" font-size=\"13\">\n");
        int y = BAR_GAP;
        for (Chart.Bar bar : chart.bars()) {
            int width = max.signum() == 0 ? 0 : bar.value().abs().multiply(BigDecimal.valueOf(barSpace))
                    .divide(max, MathContext.DECIMAL64).intValue();
            int textY = y + BAR_HEIGHT / 2 + 5;
            svg.append("<text x=\"").append(LABEL_WIDTH - 8).append("\" y=\"").append(textY).append("\" text-anchor=\"end\" fill=\"#1f2328\">")
                    .append(escape(shorten(bar.label(), 30))).append("</text>");
            svg.append("<rect x=\"").append(LABEL_WIDTH).append("\" y=\"").append(y).append("\" width=\"").append(Math.max(width, 1))
                    .append("\" height=\"").append(BAR_HEIGHT).append("\" rx=\"3\" fill=\"").append(bar.value().signum() < 0 ? "#cf222e" : "#4f6bed").append("\"/>");
            svg.append("<text x=\"").append(LABEL_WIDTH + width + 6).append("\" y=\"").append(textY).append("\" fill=\"#59636e\">")
                    .append(escape(bar.value().toPlainString())).append("</text>\n");
            y += BAR_HEIGHT + BAR_GAP;
        }
        return svg.append("</svg>\n").toString();
    }

    /**
     * Vertical columns over time, one per bar in order, scaled to the largest value, the largest written at the top of
     * the axis; every {@code labelEvery}th bar's label (and the last one's) under the axis. Each column names its bar
     * and value in a tooltip. For a small chart beside other figures (the dashboard's pages per minute).
     */
    public static String columns(Chart chart, int width, int height, int labelEvery) {
        int left = 44;
        int bottom = 18;
        int top = 8;
        int plotHeight = height - top - bottom;
        int n = Math.max(1, chart.bars().size());
        double step = (double) (width - left - 4) / n;
        BigDecimal max = chart.bars().stream().map(b -> b.value().abs()).max(BigDecimal::compareTo).orElse(BigDecimal.ZERO);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" role=\"img\" aria-label=\"")
                .append(escape(chart.valueColumn() + " by " + chart.labelColumn())).append("\" font-family=\"system-ui,'DejaVu Sans',sans-serif\" font-size=\"11\">");
        svg.append("<line x1=\"").append(left).append("\" y1=\"").append(top + plotHeight).append("\" x2=\"").append(width - 4)
                .append("\" y2=\"").append(top + plotHeight).append("\" stroke=\"#d1d9e0\"/>");
        svg.append("<line x1=\"").append(left).append("\" y1=\"").append(top).append("\" x2=\"").append(width - 4)
                .append("\" y2=\"").append(top).append("\" stroke=\"#eef1f4\"/>");
        svg.append("<text x=\"").append(left - 6).append("\" y=\"").append(top + 4).append("\" text-anchor=\"end\" fill=\"#59636e\">")
                .append(escape(max.stripTrailingZeros().toPlainString())).append("</text>");
        svg.append("<text x=\"").append(left - 6).append("\" y=\"").append(top + plotHeight + 4).append("\" text-anchor=\"end\" fill=\"#59636e\">0</text>");
        for (int i = 0; i < chart.bars().size(); i++) {
            Chart.Bar bar = chart.bars().get(i);
            int barHeight = max.signum() == 0 ? 0 : bar.value().abs().multiply(BigDecimal.valueOf(plotHeight)).divide(max, MathContext.DECIMAL64).intValue();
            double x = left + i * step + 1;
            if (bar.value().signum() != 0) {
                svg.append("<rect x=\"").append(round(x)).append("\" y=\"").append(top + plotHeight - Math.max(barHeight, 1)).append("\" width=\"")
                        .append(round(Math.max(step - 2, 1))).append("\" height=\"").append(Math.max(barHeight, 1)).append("\" rx=\"1\" fill=\"")
                        .append(bar.value().signum() < 0 ? "#cf222e" : "#4f6bed").append("\"><title>").append(escape(bar.label() + ": " + bar.value().toPlainString()))
                        .append("</title></rect>");
            }
            if (i % Math.max(1, labelEvery) == 0 || i == chart.bars().size() - 1) {
                svg.append("<text x=\"").append(round(x + step / 2)).append("\" y=\"").append(height - 4)
                        .append("\" text-anchor=\"middle\" fill=\"#59636e\">").append(escape(bar.label())).append("</text>");
            }
        }
        return svg.append("</svg>").toString();
    }

    private static String round(double value) {
        return String.valueOf(Math.round(value * 10) / 10.0);
    }

    private static String shorten(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    /** HTML (and XML) text and attribute values: the five characters that could end either, as entities. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
