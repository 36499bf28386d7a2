package dev.notionsync.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Generates plausible business pages for any schema. Values that repeat (options, users, annotations)
 * are shared between pages, which keeps 100,000 seeded pages small; stored values are never mutated.
 */
final class ValueGenerator {
    static final List<String> COMPANIES = List.of("Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Foods",
            "Hooli", "Vandelay Imports", "Soylent Labs", "Tyrell Energy", "Cyberdyne Retail", "Wonka Media", "Oceanic Air", "Gringotts Bank");
    static final List<String> WORK = List.of("Website relaunch", "Data platform migration", "Mobile app MVP", "CRM integration",
            "Customer portal", "Analytics dashboard", "Checkout redesign", "Support chatbot", "Billing automation", "Security audit",
            "Onboarding revamp", "Search upgrade", "API modernisation", "Warehouse forecasting");
    static final List<String> NOTES = List.of("Waiting for client sign-off.", "Kickoff went well; scope agreed.", "Needs a second reviewer.",
            "Blocked on access to the staging environment.", "Budget approved by finance.", "Renewal likely next quarter.",
            "Escalated to the account director.", "Pilot results look promising.");
    static final List<String> AGENT_ROLES = List.of("Triage", "Research", "Billing", "Onboarding", "Forecasting", "QA", "Sales", "Support", "Scheduling", "Compliance");
    static final List<String[]> PLACES = List.of(
            new String[]{"52.52", "13.405", "Berlin office", "Berlin, Germany"},
            new String[]{"51.5072", "-0.1276", "London office", "London, United Kingdom"},
            new String[]{"40.7128", "-74.006", "New York office", "New York, NY, USA"},
            new String[]{"48.8566", "2.3522", null, "Paris, France"},
            new String[]{"35.6762", "139.6503", "Tokyo hub", "Tokyo, Japan"});
    static final List<String> ZONES = List.of("Europe/Berlin", "America/New_York", "Europe/London", "Asia/Tokyo");
    private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");

    private final SimModel model;
    private final Random random;
    private final ObjectNode sharedAnnotations = RichText.annotations(null);
    private final Map<String, JsonNode> shared = new HashMap<>();
    private final Map<String, List<String>> targetIds = new HashMap<>();

    ValueGenerator(SimModel model, Random random) {
        this.model = model;
        this.random = random;
    }

    /** Creates {@code count} pages in the source (caller holds the write lock); returns their ids. */
    List<String> generate(SimDataSource source, int count) {
        Instant now = model.now();
        List<String> ids = new ArrayList<>(count);
        List<User> people = model.people();
        Map<String, Map<String, List<String>>> backLinks = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            Instant created = now.minus(Duration.ofMinutes(random.nextInt(120 * 24 * 60) + 60L));
            Instant edited = created.plus(Duration.ofMinutes((long) (random.nextDouble() * Duration.between(created, now).toMinutes())));
            String author = people.isEmpty() ? model.botUser().id() : people.get(random.nextInt(people.size())).id();
            String editor = people.isEmpty() ? author : people.get(random.nextInt(people.size())).id();
            Map<String, JsonNode> values = new LinkedHashMap<>();
            source.lastUniqueId++;
            for (PropertySchema p : source.properties.values()) {
                JsonNode v = value(source, p, source.lastUniqueId, created, people);
                if (v != null) values.put(p.id(), v);
            }
            Page page = new Page(model.newId(), source.id, null, Times.minute(created), Times.minute(edited), author, editor,
                    Json.F.nullNode(), icon(), false, false, false, values);
            model.putPage(page);
            collectLinks(source, page, backLinks);
            ids.add(page.id());
        }
        applyLinks(backLinks);
        return ids;
    }

    private JsonNode icon() {
        if (random.nextInt(4) != 0) return Json.F.nullNode();
        String[] emoji = {"🚀", "📈", "🤖", "💼", "🧪"};
        int i = random.nextInt(emoji.length);
        return shared("icon:" + i, () -> Json.object().put("type", "emoji").put("emoji", emoji[i]));
    }

    /**
     * Keeps seeded dual relations two-sided without bumping the other page's edit time. Links are collected per
     * target page and applied once at the end, so seeding many pages that point at few targets stays linear.
     */
    private void collectLinks(SimDataSource source, Page page, Map<String, Map<String, List<String>>> backLinks) {
        for (PropertySchema p : source.properties.values()) {
            if (!p.type().equals("relation") || !p.config().has("dual_property")) continue;
            SimDataSource target = model.dataSourceOrNull(p.config().path("data_source_id").asText());
            PropertySchema synced = target == null ? null : target.propertyById(p.config().path("dual_property").path("synced_property_id").asText());
            JsonNode related = page.value(p.id());
            if (synced == null || related == null) continue;
            for (JsonNode r : related) {
                backLinks.computeIfAbsent(r.path("id").asText(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(target.id + "/" + synced.id(), k -> new ArrayList<>()).add(page.id());
            }
        }
    }

    private void applyLinks(Map<String, Map<String, List<String>>> backLinks) {
        for (Map.Entry<String, Map<String, List<String>>> target : backLinks.entrySet()) {
            Page other = model.pageOrNull(target.getKey());
            if (other == null) continue;
            Map<String, JsonNode> values = new LinkedHashMap<>(other.values());
            for (Map.Entry<String, List<String>> links : target.getValue().entrySet()) {
                String propertyId = links.getKey().substring(links.getKey().indexOf('/') + 1);
                ArrayNode array = other.value(propertyId) instanceof ArrayNode a ? a.deepCopy() : Json.array();
                for (String id : links.getValue()) array.addObject().put("id", id);
                values.put(propertyId, array);
            }
            model.putPage(other.withValues(values, other.lastEditedTime(), other.lastEditedBy()));
        }
    }

    private JsonNode value(SimDataSource source, PropertySchema p, int number, Instant created, List<User> people) {
        String name = p.name().toLowerCase(Locale.ROOT);
        return switch (p.type()) {
            case "title" -> richText(title(source, number));
            case "rich_text" -> random.nextInt(5) == 0 ? null : richText(pick(NOTES));
            case "number" -> number(name, p.config().path("format").asText("number"));
            case "select" -> random.nextInt(8) == 0 ? null : option(p, random.nextInt(Math.max(1, p.config().path("options").size())));
            case "status" -> option(p, random.nextInt(Math.max(1, p.config().path("options").size())));
            case "multi_select" -> multiSelect(p);
            case "date" -> date(name, created);
            case "people" -> peopleValue(people);
            case "files" -> random.nextInt(3) == 0 ? null : files(name, number);
            case "checkbox" -> Json.F.booleanNode(random.nextBoolean());
            case "url" -> random.nextInt(6) == 0 ? null : Json.F.textNode("https://" + slug(pick(COMPANIES)) + ".example.com/" + (name.contains("invoice") ? "invoices/" : "p/") + number);
            case "email" -> random.nextInt(6) == 0 ? null : Json.F.textNode(pick(List.of("ops", "billing", "cto", "pm", "finance")) + "@" + slug(pick(COMPANIES)) + ".example.com");
            case "phone_number" -> random.nextInt(6) == 0 ? null : Json.F.textNode(String.format("+1 555 %03d %04d", random.nextInt(1000), random.nextInt(10000)));
            case "relation" -> relation(p);
            case "unique_id" -> Json.object().put("prefix", p.config().path("prefix").asText(null)).put("number", number);
            case "place" -> random.nextInt(5) == 0 ? null : place(random.nextInt(PLACES.size()));
            case "verification" -> verification(people, created);
            default -> null; // computed: formula, rollup, created/edited time and by, button
        };
    }

    private String title(SimDataSource source, int n) {
        String kind = source.name().toLowerCase(Locale.ROOT);
        if (kind.contains("revenue")) return pick(COMPANIES) + " – " + pick(List.of("annual licence", "implementation", "support renewal", "training package", "expansion")) + " #" + n;
        if (kind.contains("agent")) return pick(AGENT_ROLES) + " agent v" + (1 + random.nextInt(4)) + "." + random.nextInt(10);
        if (kind.contains("project")) return pick(WORK) + " for " + pick(COMPANIES);
        return pick(WORK) + " " + n;
    }

    ArrayNode richText(String content) {
        ArrayNode array = Json.array();
        ObjectNode item = array.addObject();
        item.put("type", "text");
        ObjectNode text = item.putObject("text");
        text.put("content", content);
        text.putNull("link");
        item.set("annotations", sharedAnnotations);
        item.put("plain_text", content);
        item.putNull("href");
        return array;
    }

    private JsonNode number(String name, String format) {
        if (random.nextInt(10) == 0) return Json.F.nullNode();
        if (format.equals("percent")) return Json.F.numberNode(Math.round(random.nextDouble() * 100) / 100.0);
        if (name.contains("cost")) return Json.F.numberNode(Math.round(random.nextDouble() * 500) / 100.0);
        if (name.contains("amount") || name.contains("budget") || format.equals("dollar") || format.equals("euro")) {
            return Json.F.numberNode((1 + random.nextInt(2500)) * 100L);
        }
        if (name.contains("runs")) return Json.F.numberNode(random.nextInt(50_000));
        return Json.F.numberNode(1 + random.nextInt(100));
    }

    private JsonNode option(PropertySchema p, int index) {
        JsonNode options = p.config().path("options");
        if (options.size() == 0) return null;
        JsonNode o = options.get(index % options.size());
        return shared(p.id() + ":" + o.path("id").asText(), () -> Json.object().put("id", o.path("id").asText()).put("name", o.path("name").asText()).put("color", o.path("color").asText()));
    }

    private JsonNode multiSelect(PropertySchema p) {
        ArrayNode out = Json.array();
        int size = p.config().path("options").size();
        int n = size == 0 ? 0 : random.nextInt(Math.min(3, size) + 1);
        List<Integer> chosen = new ArrayList<>();
        while (chosen.size() < n) {
            int i = random.nextInt(size);
            if (!chosen.contains(i)) chosen.add(i);
        }
        for (int i : chosen) out.add(option(p, i));
        return out;
    }

    /** Date-only values, datetimes with an offset, ranges, and some with a time_zone. */
    private JsonNode date(String name, Instant created) {
        LocalDate today = LocalDate.ofInstant(model.clock().instant(), ZoneOffset.UTC);
        ObjectNode date = Json.object();
        if (name.contains("closed")) {
            if (random.nextInt(6) == 0) return Json.F.nullNode();
            date.put("start", today.minusDays(random.nextInt(84)).toString());
            date.putNull("end");
            date.putNull("time_zone");
        } else if (name.contains("timeline") || name.contains("period")) {
            LocalDate start = LocalDate.ofInstant(created, ZoneOffset.UTC).plusDays(random.nextInt(14));
            date.put("start", start.toString());
            date.put("end", start.plusDays(14 + random.nextInt(120)).toString());
            date.putNull("time_zone");
        } else {
            if (random.nextInt(7) == 0) return Json.F.nullNode();
            Instant at = created.plus(Duration.ofHours(24L + random.nextInt(24 * 30))).truncatedTo(ChronoUnit.HOURS);
            boolean withZone = random.nextInt(3) == 0;
            String zone = withZone ? pick(ZONES) : "UTC";
            date.put("start", DATETIME.format(at.atZone(ZoneId.of(zone)).toOffsetDateTime()));
            date.putNull("end");
            if (withZone) date.put("time_zone", zone);
            else date.putNull("time_zone");
        }
        return date;
    }

    private JsonNode peopleValue(List<User> people) {
        ArrayNode out = Json.array();
        if (people.isEmpty()) return out;
        int n = random.nextInt(3);
        List<User> chosen = new ArrayList<>();
        while (chosen.size() < Math.min(n, people.size())) {
            User u = people.get(random.nextInt(people.size()));
            if (!chosen.contains(u)) chosen.add(u);
        }
        for (User u : chosen) out.add(shared("user:" + u.id(), u::toJson));
        return out;
    }

    private JsonNode files(String name, int n) {
        ArrayNode out = Json.array();
        String file = (name.contains("invoice") ? "invoice-" : name.contains("runbook") ? "runbook-" : "brief-") + n + ".pdf";
        ObjectNode f = out.addObject();
        f.put("name", file);
        f.put("type", "external");
        f.putObject("external").put("url", "https://files.example.com/" + file);
        return out;
    }

    private JsonNode relation(PropertySchema p) {
        SimDataSource target = model.dataSourceOrNull(p.config().path("data_source_id").asText());
        ArrayNode out = Json.array();
        if (target == null || target.pages.isEmpty()) return out;
        List<String> ids = targetIds.computeIfAbsent(target.id, k -> new ArrayList<>(target.byCreated.stream().map(Page::id).toList()));
        int n = random.nextInt(3);
        for (int i = 0; i < n; i++) {
            String id = ids.get(random.nextInt(ids.size()));
            boolean dup = false;
            for (JsonNode r : out) dup |= r.path("id").asText().equals(id);
            if (!dup) out.addObject().put("id", id);
        }
        return out;
    }

    JsonNode place(int index) {
        String[] p = PLACES.get(index);
        return shared("place:" + index, () -> {
            ObjectNode node = Json.object();
            node.put("lat", Double.parseDouble(p[0]));
            node.put("lon", Double.parseDouble(p[1]));
            node.put("name", p[2]);
            node.put("address", p[3]);
            node.put("aws_place_id", null == p[2] ? null : "AQAAA" + index);
            node.put("google_place_id", "ChIJ" + index + "pl4ce");
            return node;
        });
    }

    private JsonNode verification(List<User> people, Instant created) {
        int state = random.nextInt(3);
        ObjectNode v = Json.object();
        if (state == 0 || people.isEmpty()) {
            v.put("state", "unverified");
            v.putNull("verified_by");
            v.putNull("date");
            return v;
        }
        v.put("state", state == 1 ? "verified" : "expired");
        v.set("verified_by", people.get(random.nextInt(people.size())).toJson());
        ObjectNode date = v.putObject("date");
        LocalDate start = LocalDate.ofInstant(created, ZoneOffset.UTC);
        date.put("start", start.toString());
        date.put("end", start.plusDays(state == 1 ? 90 : 30).toString());
        date.putNull("time_zone");
        return v;
    }

    private JsonNode shared(String key, Supplier<JsonNode> make) {
        return shared.computeIfAbsent(key, k -> make.get());
    }

    private String pick(List<String> items) {
        return items.get(random.nextInt(items.size()));
    }

    static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
    }
}
