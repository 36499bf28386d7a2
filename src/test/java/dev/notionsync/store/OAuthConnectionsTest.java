package dev.notionsync.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.notionsync.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The stored OAuth connections on real PostgreSQL. */
class OAuthConnectionsTest {

    @Test
    void aBurstOfRefreshesOfOneConnectionHoldsOnePooledConnectionNotThePool() throws Exception {
        try (Database database = Database.open(TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8)), "", "", 3,
                null, false)) {
            OAuthConnections store = new OAuthConnections(database.dataSource());
            store.authorize("acme", new OAuthConnections.Tokens("ws-1", "Acme", "bot-1", bytes("access"), bytes("refresh")));
            HikariPoolMXBean pool = ((HikariDataSource) database.dataSource()).getHikariPoolMXBean();
            CountDownLatch inRefresh = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> refreshes = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    refreshes.add(threads.submit(() -> store.refresh("acme", current -> {
                        inRefresh.countDown();
                        release.await(10, TimeUnit.SECONDS);   // the Notion call of the refresh, with the row locked
                        return null;
                    })));
                }
                inRefresh.await(10, TimeUnit.SECONDS);
                Thread.sleep(500);   // the other five reach their wait
                int active = pool.getActiveConnections();
                int waiting = pool.getThreadsAwaitingConnection();
                release.countDown();
                for (Future<?> refresh : refreshes) {
                    refresh.get(20, TimeUnit.SECONDS);
                }
                assertEquals(1, active, "pooled connections held while one refresh calls Notion");
                assertEquals(0, waiting, "threads waiting for the pool meanwhile");
            } finally {
                release.countDown();
                threads.shutdownNow();
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
