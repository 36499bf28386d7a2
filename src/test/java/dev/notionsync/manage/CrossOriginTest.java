package dev.notionsync.manage;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which Host headers count as this machine (operator endpoints without a password), and how credentials are read. */
class CrossOriginTest {

    @Test
    void onlyLoopbackNamesAndAddressLiteralsAreThisMachine() {
        for (String host : new String[] {"localhost", "localhost:9876", "app.localhost:9876", "127.0.0.1", "127.0.0.1:9876",
                "127.1.2.3:80", "[::1]:9876", "::1"}) {
            assertTrue(CrossOrigin.isLoopbackHost(host), host);
        }
        for (String host : new String[] {"127.attacker.example", "127.attacker.example:9876", "127.0.0.1.evil.example",
                "127.0.0.256", "127.0.0", "127.0.0.1.", "evil.example", "localhost.evil.example", "", " "}) {
            assertFalse(CrossOrigin.isLoopbackHost(host), host);
        }
    }

    @Test
    void theBasicSchemeIsCaseInsensitiveAndTheCredentialsAreComparedWhole() {
        ManagementCredentials credentials = new ManagementCredentials("admin", "Tr0ub4dor,horse");
        String encoded = credentials.authorization().substring("Basic ".length());
        assertTrue(credentials.accepts("Basic " + encoded));
        assertTrue(credentials.accepts("basic " + encoded));
        assertTrue(credentials.accepts("BASIC " + encoded));
        assertFalse(credentials.accepts("Bearer " + encoded));
        assertFalse(credentials.accepts("basic " + encoded.substring(1)));
        assertFalse(credentials.accepts(new ManagementCredentials("admin", "Tr0ub4dor").authorization()));
        assertFalse(credentials.accepts(null));
    }
}
