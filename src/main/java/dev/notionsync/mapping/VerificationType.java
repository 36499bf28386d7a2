package dev.notionsync.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

import static dev.notionsync.mapping.ColumnSpec.main;
import static dev.notionsync.mapping.ColumnSpec.side;
import static dev.notionsync.mapping.JsonValues.isObject;
import static dev.notionsync.mapping.JsonValues.nulls;
import static dev.notionsync.mapping.JsonValues.row;
import static dev.notionsync.mapping.JsonValues.text;

/** verification (read-only): state (verified, unverified, expired), the verifier's user id, the date as for date. */
final class VerificationType extends AbstractPropertyType {

    VerificationType() {
        super("verification", List.of(main("text"), side("verified_by", "text"), side("date", "date"),
                side("date_at", "timestamptz"), side("date_iso", "text")));
    }

    @Override
    List<Object> readValue(JsonNode verification) {
        if (!isObject(verification)) {
            return nulls(5);
        }
        JsonNode by = verification.get("verified_by");
        NotionDate date = NotionDate.parse(verification.get("date"));
        return row(text(verification.get("state")), isObject(by) ? text(by.get("id")) : null,
                date == null ? null : date.startDate(), date == null ? null : date.startAt(),
                date == null ? null : date.iso());
    }
}
