package dev.notionsync.manage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notionsync.report.Chart;
import dev.notionsync.report.HtmlReport;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The dashboard as one self-contained HTML page: inline style, inline SVG charts and one small inline script that
 * fetches the page again every {@value #REFRESH_SECONDS} s and swaps in its figures. No file, font or script from
 * anywhere else, so it works without internet access; its {@link #CONTENT_SECURITY_POLICY} allows nothing else to
 * load or run. Every text from Notion, the database or an operator is escaped.
 */
final class DashboardPage {

    static final int REFRESH_SECONDS = 10;

    private static final String STYLE = """
            *{box-sizing:border-box}
            body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:#1f2328;background:#f6f8fa;font-size:14px}
            header{background:#1f2328;color:#fff;padding:14px 28px;display:flex;align-items:baseline;gap:18px}
            header h1{margin:0;font-size:20px;font-weight:600}header .meta{color:#c9d1d9;font-size:13px}
            #refresh-state{margin-left:auto;color:#8fd18f;font-size:13px}#refresh-state.stale{color:#ffb4a9}
            main{padding:18px 28px 32px}
            h2{font-size:16px;margin:22px 0 10px;color:#393f46}
            .totals{display:grid;grid-template-columns:repeat(5,1fr);gap:12px}
            .card{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:12px 16px}
            .total .value{font-size:28px;font-weight:600;font-variant-numeric:tabular-nums}.total .label{color:#59636e;font-size:13px}
            .total.bad{border-color:#cf222e}.total.bad .value{color:#cf222e}
            .sources{display:grid;grid-template-columns:1fr 1fr;gap:12px}
            .source h3{margin:0 0 2px;font-size:16px;display:flex;gap:8px;align-items:center;overflow-wrap:anywhere}
            .source .sub{color:#59636e;font-size:12px;margin-bottom:8px}
            .badge{font-size:11px;font-weight:600;padding:2px 8px;border-radius:10px;background:#eef1f4;color:#393f46;white-space:nowrap}
            .badge.ok{background:#dafbe1;color:#116329}.badge.failed{background:#ffebe9;color:#a40e26}
            .badge.running{background:#ddf4ff;color:#0a3069}.badge.paused{background:#fff8c5;color:#6f4e00}
            dl{display:grid;grid-template-columns:repeat(4,1fr);gap:6px 12px;margin:0 0 8px}
            dt{color:#59636e;font-size:12px}dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
            dd.bad{color:#cf222e}
            .error{background:#ffebe9;border:1px solid #ffcecb;border-radius:6px;padding:6px 10px;margin:6px 0;font-size:12px;color:#82071e;overflow-wrap:anywhere}
            .chart-title{color:#59636e;font-size:12px;margin:6px 0 2px}
            table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}table.fixed{table-layout:fixed}
            table.connections{margin-bottom:20px}col.when{width:116px}col.type{width:124px}col.who{width:132px}col.src{width:150px}col.action{width:26%}
            th,td{border-bottom:1px solid #eef1f4;padding:5px 8px;text-align:left;vertical-align:top}
            th{background:#f6f8fa;color:#59636e;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
            td.detail{overflow-wrap:anywhere}td.when{white-space:nowrap;color:#59636e;font-variant-numeric:tabular-nums}
            .tables{display:grid;grid-template-columns:1fr 1fr;gap:12px}
            .tables .card{padding:0;overflow:hidden}.tables h2{margin:12px 12px 8px}
            .empty{color:#59636e;padding:8px 12px}
            """;

    private static final String SCRIPT = "(function(){var state=document.getElementById('refresh-state');var refreshes=0;"
            + "function refresh(){fetch(location.origin+location.pathname,{credentials:'same-origin',cache:'no-store'})"
            + ".then(function(r){if(!r.ok){throw new Error('HTTP '+r.status);}return r.text();})"
            + ".then(function(html){var next=new DOMParser().parseFromString(html,'text/html').getElementById('dashboard');"
            + "if(!next){throw new Error('no figures in the answer');}"
            + "document.getElementById('dashboard').replaceWith(document.adoptNode(next));refreshes++;"
            + "state.className='';state.textContent='live: refreshes every " + REFRESH_SECONDS + " s';"
            + "document.body.setAttribute('data-refreshes',String(refreshes));})"
            + ".catch(function(e){state.className='stale';state.textContent='refresh failed ('+e.message+'): the figures shown are older';});}"
            + "setInterval(refresh," + REFRESH_SECONDS * 1000 + ");})();";

    /** Only this page's own style and script, and requests back to this origin (the refresh). */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src '" + sha256(SCRIPT) + "'; style-src '" + sha256(STYLE)
            + "'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SHORT_TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private DashboardPage() {
    }

    static String render(JsonNode figures) {
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>notion-sync dashboard</title>\n<style>")
                .append(STYLE).append("</style>\n</head>\n<body data-refreshes=\"0\">\n<header><h1>notion-sync</h1><span class=\"meta\">operator dashboard</span>")
                .append("<span id=\"refresh-state\">refreshes every ").append(REFRESH_SECONDS).append(" s</span></header>\n");
        html.append("<main id=\"dashboard\">\n<p class=\"sub\">Figures of ").append(time(figures.path("generated_at")))
                .append(" UTC, from the database every instance shares; calls per minute are this instance's.</p>\n");
        totals(html, figures.path("totals"));
        html.append("<h2>Sources</h2>\n<div class=\"sources\">\n");
        for (JsonNode source : figures.path("sources")) {
            source(html, source);
        }
        if (figures.path("sources").isEmpty()) {
            html.append("<div class=\"card empty\">No pulled source is configured (notion.sources).</div>\n");
        }
        html.append("</div>\n");
        connections(html, figures.path("connections"));
        html.append("<div class=\"tables\">\n");
        events(html, figures.path("events"));
        audit(html, figures.path("audit"));
        html.append("</div>\n</main>\n<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void totals(StringBuilder html, JsonNode totals) {
        html.append("<div class=\"totals\">\n");
        total(html, totals, "open_dead_letters", "open dead letters");
        total(html, totals, "push_backlog", "push backlog (changes to send)");
        total(html, totals, "inbox_backlog", "webhook inbox backlog");
        total(html, totals, "conflicts_24h", "conflicts in 24 h");
        total(html, totals, "failed_runs_24h", "failed runs in 24 h");
        html.append("</div>\n");
    }

    private static void total(StringBuilder html, JsonNode totals, String figure, String label) {
        long value = totals.path(figure).asLong();
        boolean bad = value > 0 && !figure.equals("push_backlog") && !figure.equals("inbox_backlog");
        html.append("<div class=\"card total").append(bad ? " bad" : "").append("\"><div class=\"value\" data-figure=\"").append(figure).append("\">")
                .append(value).append("</div><div class=\"label\">").append(label).append("</div></div>\n");
    }

    private static void source(StringBuilder html, JsonNode s) {
        JsonNode run = s.path("last_run");
        String outcome = run.path("outcome").isNull() || run.path("outcome").isMissingNode() ? "never ran" : run.path("outcome").asText();
        html.append("<section class=\"card source\" data-source=\"").append(escape(s.path("source").asText())).append("\">\n<h3>")
                .append(escape(s.path("source").asText())).append(" <span class=\"badge ").append(escape(outcome)).append("\" data-figure=\"last_outcome\">")
                .append(escape(outcome)).append("</span>");
        if (s.path("paused").asBoolean()) {
            html.append(" <span class=\"badge paused\">paused</span>");
        }
        html.append("</h3>\n<div class=\"sub\">connection ").append(escape(s.path("connection").asText())).append(" · last run ")
                .append(run.path("finished_at").isTextual() ? "ended " + time(run.path("finished_at")) + " UTC"
                        : run.path("started_at").isTextual() ? "started " + time(run.path("started_at")) + " UTC" : "none")
                .append(": <span data-figure=\"last_run_pages\">").append(run.path("pages_read").asLong()).append(" read, ")
                .append(run.path("pages_inserted").asLong()).append(" inserted, ").append(run.path("pages_updated").asLong()).append(" updated</span></div>\n<dl>");
        figure(html, "freshness", "freshness_seconds", age(s.path("freshness_seconds")), s.path("freshness_seconds").isNull());
        figure(html, "written in 24 h", "pages_written_24h", s.path("pages_written_24h").asText(), false);
        figure(html, "failed runs 24 h", "failed_runs_24h", s.path("failed_runs_24h").asText(), s.path("failed_runs_24h").asLong() > 0);
        figure(html, "conflicts 24 h", "conflicts_24h", s.path("conflicts_24h").asText(), false);
        figure(html, "push backlog", "push_backlog", s.path("push_backlog").asText(), false);
        figure(html, "inbox backlog", "inbox_backlog", s.path("inbox_backlog").asText(), false);
        figure(html, "429s in 24 h", "rate_limited_24h", s.path("rate_limited_24h").asText(), s.path("rate_limited_24h").asLong() > 0);
        figure(html, "read by last run", "last_pages_read", run.path("pages_read").asText(), false);
        html.append("</dl>\n");
        if (s.path("last_error").isTextual()) {
            html.append("<div class=\"error\" data-figure=\"last_error\">last error ").append(time(s.path("last_error_at"))).append(" UTC: ")
                    .append(escape(shorten(s.path("last_error").asText(), 400))).append("</div>\n");
        }
        html.append("<div class=\"chart-title\">pages written per minute, each hour of the last 24 hours (hourly average)</div>\n");
        html.append(HtmlReport.columns(pagesChart(s.path("pages_per_minute_by_hour")), 560, 110, 6)).append("\n</section>\n");
    }

    /** The hours as bars labelled by how long ago they were: -24h … now. */
    private static Chart pagesChart(JsonNode perMinute) {
        List<Chart.Bar> bars = new ArrayList<>();
        int hours = perMinute.size();
        for (int i = 0; i < hours; i++) {
            int ago = hours - i;
            bars.add(new Chart.Bar(ago == 1 ? "now" : "-" + ago + "h", perMinute.get(i).decimalValue()));
        }
        return new Chart("hour", "pages per minute", bars, bars.size());
    }

    private static void figure(StringBuilder html, String label, String figure, String value, boolean bad) {
        html.append("<div><dt>").append(label).append("</dt><dd").append(bad ? " class=\"bad\"" : "").append(" data-figure=\"").append(figure)
                .append("\">").append(escape(value)).append("</dd></div>");
    }

    private static void connections(StringBuilder html, JsonNode connections) {
        html.append("<h2>Notion connections: the rate budget's use</h2>\n<table class=\"card connections\">\n<thead><tr><th>connection</th>")
                .append("<th>calls in the last minute / budget</th><th>use</th><th>rate now / configured</th><th>429s since start</th>")
                .append("<th>paused for</th><th>circuit breaker</th><th>sources</th></tr></thead>\n<tbody>\n");
        for (JsonNode c : connections) {
            long percent = c.path("budget_used_percent").asLong();
            html.append("<tr data-connection=\"").append(escape(c.path("connection").asText())).append("\"><td>").append(escape(c.path("connection").asText()))
                    .append("</td><td class=\"num\" data-figure=\"calls_last_minute\">").append(c.path("calls_last_minute").asLong()).append(" / ")
                    .append(c.path("budget_per_minute").asLong()).append("</td><td>").append(useBar(percent, c.path("calls_last_minute").asLong() > 0)).append("</td><td class=\"num\">")
                    .append(c.path("rate_now").asInt()).append(" / ").append(c.path("rate_configured").asInt()).append(" per s</td><td class=\"num\">")
                    .append(c.path("rate_limited_since_start").asLong()).append("</td><td class=\"num\">")
                    .append(c.path("paused_seconds").asLong() > 0 ? c.path("paused_seconds").asLong() + " s" : "-").append("</td><td>")
                    .append(escape(c.path("circuit_breaker").asText())).append("</td><td class=\"num\">").append(c.path("sources").asLong()).append("</td></tr>\n");
        }
        if (connections.isEmpty()) {
            html.append("<tr><td colspan=\"8\" class=\"empty\">no Notion connection on this instance</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n");
    }

    /** A bar of the budget's use, red from 90 %. */
    private static String useBar(long percent, boolean used) {
        long width = Math.min(100, Math.max(0, percent));
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"150\" height=\"14\" viewBox=\"0 0 150 14\" role=\"img\" aria-label=\"" + percent
                + " percent of the budget\" font-family=\"system-ui,'DejaVu Sans',sans-serif\" font-size=\"11\"><rect x=\"0\" y=\"2\" width=\"100\" height=\"10\" rx=\"3\" fill=\"#eef1f4\"/>"
                + "<rect x=\"0\" y=\"2\" width=\"" + width + "\" height=\"10\" rx=\"3\" fill=\"" + (percent >= 90 ? "#cf222e" : "#4f6bed") + "\"/>"
                + "<text x=\"106\" y=\"11\" fill=\"#59636e\">" + (percent == 0 && used ? "&lt;1" : String.valueOf(percent)) + " %</text></svg>";
    }

    private static void events(StringBuilder html, JsonNode events) {
        html.append("<div class=\"card\"><h2>Recent events</h2>\n<table id=\"events\" class=\"fixed\">\n<colgroup><col class=\"when\"><col class=\"type\"><col class=\"src\"><col></colgroup>\n<thead><tr><th>when (UTC)</th><th>event</th><th>source</th><th>what</th></tr></thead>\n<tbody>\n");
        for (JsonNode e : events) {
            html.append("<tr><td class=\"when\">").append(shortTime(e.path("at"))).append("</td><td>").append(escape(e.path("type").asText()))
                    .append("</td><td class=\"detail\">").append(escape(e.path("source").asText(""))).append("</td><td class=\"detail\">")
                    .append(escape(shorten(e.path("detail").asText(""), 300))).append("</td></tr>\n");
        }
        if (events.isEmpty()) {
            html.append("<tr><td colspan=\"4\" class=\"empty\">nothing happened yet</td></tr>\n");
        }
        html.append("</tbody>\n</table></div>\n");
    }

    private static void audit(StringBuilder html, JsonNode audit) {
        html.append("<div class=\"card\"><h2>Operator actions</h2>\n<table id=\"audit\" class=\"fixed\">\n<colgroup><col class=\"when\"><col class=\"who\"><col class=\"action\"><col></colgroup>\n<thead><tr><th>when (UTC)</th><th>who, from where</th><th>action</th><th>outcome</th></tr></thead>\n<tbody>\n");
        for (JsonNode a : audit) {
            String target = a.path("target").asText("");
            html.append("<tr><td class=\"when\">").append(shortTime(a.path("at"))).append("</td><td class=\"detail\">").append(escape(a.path("actor").asText("")))
                    .append(", ").append(escape(a.path("origin").asText(""))).append("</td><td class=\"detail\">").append(escape(a.path("action").asText("")))
                    .append(target.isEmpty() ? "" : " " + escape(target)).append("</td><td class=\"detail\">").append(escape(a.path("outcome").asText("")))
                    .append(a.path("detail").isTextual() ? ": " + escape(shorten(a.path("detail").asText(), 300)) : "").append("</td></tr>\n");
        }
        if (audit.isEmpty()) {
            html.append("<tr><td colspan=\"4\" class=\"empty\">no operator action yet</td></tr>\n");
        }
        html.append("</tbody>\n</table></div>\n");
    }

    /** "42 s ago", "5 min ago", "3 h ago", "never". */
    private static String age(JsonNode seconds) {
        if (!seconds.isNumber()) {
            return "never pulled";
        }
        long s = seconds.asLong();
        return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s < 172_800 ? s / 3600 + " h ago" : s / 86_400 + " days ago";
    }

    private static String time(JsonNode iso) {
        return time(iso, TIME);
    }

    /** Month, day and time: the tables' rows are of the last days. */
    private static String shortTime(JsonNode iso) {
        return time(iso, SHORT_TIME);
    }

    private static String time(JsonNode iso, DateTimeFormatter format) {
        if (!iso.isTextual()) {
            return "";
        }
        try {
            return format.format(Instant.parse(iso.asText()));
        } catch (RuntimeException e) {
            return escape(iso.asText());
        }
    }

    private static String shorten(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static String escape(String text) {
        return text == null ? "" : HtmlReport.escape(text);
    }

    /** A CSP source expression for an inline element's exact text. */
    private static String sha256(String text) {
        try {
            return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
