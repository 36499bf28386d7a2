package dev.notionsync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/** The engine's log layout (log4j2.properties) masks every kind of secret a message or a stack trace may carry. */
class LogMaskingTest {

    @Test
    void theEnginesLogLayoutMasksTokensCredentialsAndPasswords() throws IOException {
        // an s in a secret: a properties file reads a backslash-s as a plain s, so a pattern written with one backslash stopped masking at the first s
        List<String> secrets = List.of("ntn_4bcDEF123_x", "secret_OldStyleToken9", "nrt_refreshToken42", "abc", "s.def-ghi", "c2ltOnNpbS1zZWNyZXQ=", "hunter2",
                "s3cret");
        String message = "token ntn_4bcDEF123_x, old secret_OldStyleToken9, refresh nrt_refreshToken42, header Bearer abcs.def-ghi,"
                + " client Basic c2ltOnNpbS1zZWNyZXQ=, url jdbc:postgresql://db/x?password=hunter2s3cret&ssl=true";
        String line = layout().toSerializable(Log4jLogEvent.newBuilder().setLevel(Level.WARN).setLoggerName("dev.notionsync.test")
                .setMessage(new SimpleMessage(message)).setThrown(new IllegalStateException("refused: ntn_4bcDEF123_x nrt_refreshToken42 Basic c2ltOnNpbS1zZWNyZXQ= password=hunter2")).build());
        for (String secret : secrets) {
            assertFalse(line.contains(secret), () -> secret + " in the log line: " + line);
        }
        assertTrue(line.contains("ntn_***") && line.contains("Basic ***") && line.contains("password=***&ssl=true"), line);
    }

    private static PatternLayout layout() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = LogMaskingTest.class.getResourceAsStream("/log4j2.properties")) {
            properties.load(in);
        }
        return PatternLayout.newBuilder().withPattern(properties.getProperty("appender.console.layout.pattern"))
                .withAlwaysWriteExceptions(Boolean.parseBoolean(properties.getProperty("appender.console.layout.alwaysWriteExceptions", "true"))).build();
    }
}
