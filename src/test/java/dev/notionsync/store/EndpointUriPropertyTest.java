package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * A subscriber's URI as listings, logs and dead letters show it: whatever secrets its path, query and user info carry,
 * none is in what is shown, nor in an error text that quotes them.
 */
class EndpointUriPropertyTest {

    @Property(tries = 300)
    void noSecretOfAnHttpUrlIsShownOrLeftInAnError(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 12) String first,
                                                   @ForAll @Size(min = 1, max = 4) List<@AlphaChars @NumericChars @StringLength(min = 4, max = 40) String> path,
                                                   @ForAll @Size(max = 3) List<@StringLength(min = 4, max = 30) String> values,
                                                   @ForAll @AlphaChars @StringLength(min = 4, max = 20) String password) {
        StringBuilder uri = new StringBuilder("https://user:").append(password).append("@hooks.example.com/").append(first);
        path.forEach(segment -> uri.append('/').append(segment));
        for (int i = 0; i < values.size(); i++) {
            uri.append(i == 0 ? '?' : '&').append("p").append(i).append('=').append(URLEncoder.encode(values.get(i), StandardCharsets.UTF_8));
        }
        EndpointUri endpoint = EndpointUri.of(uri.toString());
        String error = "HTTP operation failed invoking " + uri.toString().replace("user:" + password + "@", "") + " with statusCode: 500"
                + " (" + String.join(", ", values) + "; " + String.join("/", path) + "; " + password + ")";
        for (String secret : secretsOf(path, values, password, first)) {
            assertFalse(endpoint.shown().contains(secret), () -> secret + " shown in " + endpoint.shown());
            assertFalse(endpoint.redact(error).contains(secret), () -> secret + " left in " + endpoint.redact(error));
        }
    }

    /** The fragments that must go: a path segment or a value that is a part of the first segment or the host may stay. */
    private static List<String> secretsOf(List<String> path, List<String> values, String password, String first) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.concat(path.stream(), values.stream()), java.util.stream.Stream.of(password))
                .filter(s -> !("https://user:@hooks.example.com/" + first + "?p0=&p1=&p2=").contains(s)).toList();
    }

    @Test
    void showsWhereEventsGoWithoutTheKey() {
        assertEquals("https://hooks.slack.com/services/***", EndpointUri.of("https://hooks.slack.com/services/T000/B000/XXXX").shown());
        assertEquals("https://***@example.com/hook?sig=***&v=***", EndpointUri.of("https://a:b@example.com/hook?sig=abc&v=2").shown());
        assertEquals("file:./data/demo/postgres-events", EndpointUri.of("file:./data/demo/postgres-events").shown());
        assertEquals("file:/tmp/out?fileExist=***", EndpointUri.of("file:/tmp/out?fileExist=Append").shown());
        assertEquals("http://127.0.0.1:8080", EndpointUri.of("http://127.0.0.1:8080").shown());
        assertEquals("invoking https://hooks.slack.com/services/*** failed: ***", EndpointUri.of("https://hooks.slack.com/services/T000/B000/XXXX")
                .redact("invoking https://hooks.slack.com/services/T000/B000/XXXX failed: XXXX"));
    }
}
