package dev.notionsync.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.camel.spi.RouteTemplateParameterSource;

/**
 * Routes Camel makes from the YAML route templates as it starts, one per configured source or report: the list
 * comes from notion.sources and notion.reports, so it cannot be written down in the YAML (templatedRoute) or in
 * camel.route-template[n].* properties without repeating those lists. Camel looks up every bean of this type.
 */
public final class TemplatedRoutes implements RouteTemplateParameterSource {

    private final Map<String, Map<String, Object>> routes = new LinkedHashMap<>();

    public TemplatedRoutes add(String routeId, String templateId, Map<String, String> parameters) {
        Map<String, Object> values = new LinkedHashMap<>(parameters);
        values.put(TEMPLATE_ID, templateId);
        routes.put(routeId, values);
        return this;
    }

    @Override
    public Map<String, Object> parameters(String routeId) {
        return new LinkedHashMap<>(routes.get(routeId));
    }

    @Override
    public Set<String> routeIds() {
        return routes.keySet();
    }
}
