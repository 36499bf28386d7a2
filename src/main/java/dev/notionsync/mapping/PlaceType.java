package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.notionsync.mapping.ColumnSpec.main;
import static dev.notionsync.mapping.ColumnSpec.side;
import static dev.notionsync.mapping.JsonValues.decimal;
import static dev.notionsync.mapping.JsonValues.isObject;
import static dev.notionsync.mapping.JsonValues.nulls;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** place: label (name, else address), address, coordinates exact as sent; a push sends all four. */
final class PlaceType extends AbstractPropertyType {

    PlaceType() {
        super("place", List.of(main("text"), side("address", "text"), side("lat", "numeric"), side("lon", "numeric")),
                List.of("", "address", "lat", "lon"));
    }

    @Override
    List<Object> readValue(JsonNode place) {
        if (!isObject(place)) {
            return nulls(4);
        }
        String name = text(place.get("name"));
        String address = text(place.get("address"));
        return row(name != null ? name : address, address, decimal(place.get("lat")), decimal(place.get("lon")));
    }

    @Override
    JsonNode writeValue(String propertyName, Map<String, JsonNode> values, Set<String> changed) {
        JsonNode name = value(values, "");
        JsonNode address = value(values, "address");
        JsonNode lat = value(values, "lat");
        JsonNode lon = value(values, "lon");
        if (name.isNull() && address.isNull() && lat.isNull() && lon.isNull()) {
            return NullNode.getInstance();
        }
        ObjectNode place = RequestValues.NODES.objectNode();
        place.set("lat", coordinate(RequestValues.number(lat, propertyName), 90, propertyName));
        place.set("lon", coordinate(RequestValues.number(lon, propertyName), 180, propertyName));
        place.set("name", name);
        place.set("address", address);
        return place;
    }

    private static JsonNode coordinate(JsonNode value, int limit, String propertyName) {
        if (!value.isNull() && value.decimalValue().abs().compareTo(BigDecimal.valueOf(limit)) > 0) {
            throw new UnwritableValueException("property '" + propertyName + "': coordinate " + value.asText()
                    + " is outside -" + limit + " to " + limit);
        }
        return value;
    }
}
