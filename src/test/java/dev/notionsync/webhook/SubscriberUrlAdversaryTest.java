package dev.notionsync.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notionsync.Integration;
import dev.notionsync.IntegrationExtension;
import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Adversary probes of subscriber URL secrets: where a subscriber's URL (a Slack-like path, a signed query, an encoded
 * secret) still shows after its deliveries failed and its dead letter was replayed.
 */
@ExtendWith(IntegrationExtension.class)
class SubscriberUrlAdversaryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "secret_session13_events_password";
    private static final String TEST_SOURCE = "testsource";

    /**
     * Finding 2: the replay of an event's dead letter sends it again through the event-replay route, and a subscriber
     * still failing makes Camel's HTTP error ("HTTP operation failed invoking http://.../services/T0.../B0...?sig=...")
     * the replay's failure as it is: stored as the dead letter's last replay error, shown by /observe/dead-letters and
     * the replay's answer, and logged. Also looks at every other place a URL could show once deliveries failed.
     */
    @Test
    void aReplayedEventDeadLetterThatFailsAgainShowsNoUrlSecret(Integration it) throws Exception {
        NotionSimulator simulator = it.simulator(1);
        String[] secrets = {"T0PATHSECRET1", "B0PATHSECRET2", "XPATHSECRET3", "sigsecret4", "ENCSECRET5", "plussecret6"};
        StringWriter log = new StringWriter();
        WriterAppender appender = WriterAppender.newBuilder().setName("s13-url-secrets").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%m %throwable%n").build()).build();
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        Level was = logging.getRootLogger().getLevel();
        Configurator.setRootLevel(Level.INFO);
        try (Receiver receiver = new Receiver()) {
            receiver.status.set(500);
            Map<String, String> settings = it.settings(simulator, "1s", "projects");
            settings.put("notion.subscriptions.poll", "200ms");
            settings.put("notion.management.user", "ops-eve");
            settings.put("notion.management.password", PASSWORD);
            settings.put("camel.main.jmx-enabled", "true");
            settings.put("notion.subscriptions", "slack");
            settings.put("notion.subscription.slack.uri", receiver.url()
                    + "/services/T0PATHSECRET1/B0PATHSECRET2/XPATHSECRET3%2FENCSECRET5?sig=sigsecret4&code=x+plussecret6");
            settings.put("notion.subscription.slack.sources", TEST_SOURCE);
            settings.put("notion.subscription.slack.max-attempts", "2");
            settings.put("notion.subscription.slack.backoff", "100ms");
            settings.put("notion.subscription.slack.backoff-max", "200ms");
            NotionSync sync = it.start(settings);
            TestEngine.await("the subscription in the table", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.subscriptions") == 1);
            ChangeEventsOutTest.event(sync, UUID.randomUUID().toString(), "insert", null, "{\"status\":\"x\"}");
            TestEngine.await("the event dead-lettered", Duration.ofSeconds(30), () -> TestEngine.count(sync,
                    "SELECT count(*) FROM notion_sync.dead_letters WHERE route_id LIKE 'subscription-%'") == 1);
            String management = "http://127.0.0.1:" + settings.get("camel.management.port");
            long id = TestEngine.count(sync, "SELECT max(id) FROM notion_sync.dead_letters WHERE route_id LIKE 'subscription-%'");
            Map<String, String> seen = new LinkedHashMap<>();
            HttpResponse<String> replay = send("POST", management + "/observe/dead-letters/replay?id=" + id, null);
            seen.put("the replay's answer", replay.statusCode() + " " + replay.body());
            assertEquals(1, TestEngine.count(sync, "SELECT replay_count FROM notion_sync.dead_letters WHERE id = " + id), "the replay failed again");
            seen.put("the subscriptions listing", send("GET", management + "/observe/subscriptions", null).body());
            seen.put("the dead letters", send("GET", management + "/observe/dead-letters", null).body());
            seen.put("the dead letters table", TestEngine.queryString(sync, "SELECT string_agg(d::text, ' ') FROM notion_sync.dead_letters d"));
            seen.put("the audit log", send("GET", management + "/observe/audit?limit=100", null).body());
            seen.put("the events log", send("GET", management + "/observe/events?limit=100", null).body());
            seen.put("the metrics", send("GET", management + "/observe/metrics", null).body());
            seen.put("the dashboard", send("GET", management + "/observe/dashboard.json", null).body());
            for (String mbeans : new String[] {"org.apache.camel:*", "dev.notionsync:*"}) {
                seen.put("Jolokia read " + mbeans, send("GET", management + "/observe/jolokia/read/" + mbeans.replace("*", "%2A")
                        + "?ignoreErrors=true", null).body());
                seen.put("Jolokia search " + mbeans, send("GET", management + "/observe/jolokia/search/" + mbeans.replace("*", "%2A"), null).body());
            }
            seen.put("Jolokia list", send("GET", management + "/observe/jolokia/list", null).body());
            seen.put("the platform MBean server", platformMBeans());
            seen.put("the log", log.toString());
            ChangeEventsAdversaryTest.assertNoneShown(seen, secrets);
        } finally {
            Configurator.setRootLevel(was);
            logging.getConfiguration().getRootLogger().removeAppender("s13-url-secrets");
            appender.stop();
        }
    }

    /** Every readable attribute of every MBean of the JVM, as text. */
    private static String platformMBeans() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        StringBuilder all = new StringBuilder();
        for (ObjectName name : server.queryNames(null, null)) {
            all.append(name).append('\n');
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                if (!attribute.isReadable() || name.toString().startsWith("java.lang:type=Runtime")) {
                    continue;
                }
                try {
                    all.append(attribute.getName()).append('=').append(server.getAttribute(name, attribute.getName())).append('\n');
                } catch (Exception | Error unreadable) {
                    // an attribute that cannot be read now shows nothing
                }
            }
        }
        return all.toString();
    }

    private static HttpResponse<String> send(String method, String url, String body) throws Exception {
        return ChangeEventsAdversaryTest.send(method, url, body, PASSWORD);
    }
}
