package dev.notionsync.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An error answered as Notion's {"object":"error","status","code","message",…}. */
final class ApiException extends RuntimeException {
    final int status;
    final String code;
    final ObjectNode additionalData;
    final Integer retryAfterSeconds;

    ApiException(int status, String code, String message) {
        this(status, code, message, null, null);
    }

    ApiException(int status, String code, String message, ObjectNode additionalData, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.additionalData = additionalData;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException validation(String message) {
        return new ApiException(400, "validation_error", message);
    }

    static ApiException bodyValidation(String path, String problem) {
        return validation("body failed validation: body." + path + " " + problem + ".");
    }

    static ApiException invalidUrl() {
        return new ApiException(400, "invalid_request_url", "Invalid request URL.");
    }

    ObjectNode toJson() {
        ObjectNode body = Json.object();
        body.put("object", "error");
        body.put("status", status);
        body.put("code", code);
        body.put("message", getMessage());
        if (additionalData != null) body.set("additional_data", additionalData);
        return body;
    }
}
