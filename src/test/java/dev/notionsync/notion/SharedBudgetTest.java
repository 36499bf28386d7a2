package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.TestEngine;
import dev.notionsync.TestPostgres;
import dev.notionsync.config.NotionDoorConfiguration;
import dev.notionsync.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The door's budget shared through PostgreSQL, as two engines on one database see it: each with its own pool, its own
 * NotionRateBudget and SharedBudget, the same bucket and the same 429 row.
 */
class SharedBudgetTest {

    private final List<Database> databases = new ArrayList<>();

    @AfterEach
    void close() {
        databases.forEach(Database::close);
    }

    private String database() {
        return TestPostgres.shared().newEngineDatabase(UUID.randomUUID().toString().substring(0, 8));
    }

    /** An engine's budget on this database: its own pool, as a second process would have. */
    private NotionRateBudget engine(String url, int rate) {
        return engine(url, rate, Duration.ofSeconds(1));
    }

    private NotionRateBudget engine(String url, int rate, Duration recoveryStep) {
        Database database = Database.open(url, "", "", 4, null, false);
        databases.add(database);
        return new NotionRateBudget(rate, recoveryStep, Clock.systemUTC(), NotionDoorConfiguration.sharedBudget(database.dataSource(), "default", rate));
    }

    @Test
    void twoInstancesPullingHardTogetherStayWithinOneBudget() throws Exception {
        String url = database();
        NotionRateBudget first = engine(url, 10);
        NotionRateBudget second = engine(url, 10);
        List<Long> sent = Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(6);
        long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        for (int i = 0; i < 6; i++) {
            NotionRateBudget budget = i % 2 == 0 ? first : second;
            callers.submit(() -> {
                while (System.nanoTime() < end) {
                    budget.take();
                    sent.add(System.nanoTime());
                }
                return null;
            });
        }
        callers.shutdown();
        assertTrue(callers.awaitTermination(20, TimeUnit.SECONDS));
        int most = mostInAnySecond(sent);
        assertTrue(most <= 10 + SharedBudget.BURST, "at most the rate plus the burst in any second, both instances together: " + most);
        // each alone would take 10 a second: together they share the 10 (a caller's last request may come after the 4 s)
        double seconds = (Collections.max(sent) - Collections.min(sent)) / 1e9;
        assertTrue(seconds >= 3.5 && sent.size() >= 30 && sent.size() <= 10 * seconds + SharedBudget.BURST + 1,
                sent.size() + " requests in " + seconds + " s");
    }

    @Test
    void aRateLimitMetByOneInstanceSlowsAndPausesTheOther() throws Exception {
        String url = database();
        NotionRateBudget first = engine(url, 8, Duration.ofSeconds(3));
        NotionRateBudget second = engine(url, 8, Duration.ofSeconds(3));
        assertEquals(8, second.permitsPerSecond());
        first.onRateLimited();
        first.pauseFor(Duration.ofSeconds(2));
        TestEngine.await("the other instance halves its rate", Duration.ofSeconds(3), () -> second.permitsPerSecond() == 4);
        assertTrue(second.pauseLeft().toMillis() > 500, "the other instance waits out the Retry-After: " + second.pauseLeft());
        assertEquals(0, second.rateLimitedCount(), "only the instance that met the 429 counts it");

        long before = System.nanoTime();
        second.take();
        assertTrue(System.nanoTime() - before > Duration.ofMillis(500).toNanos(), "its next call waited for the pause");

        // the shared bucket itself runs at the lowered rate: 4 a second for both together
        List<Long> sent = Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(4);
        long end = System.nanoTime() + Duration.ofMillis(900).toNanos();
        for (int i = 0; i < 4; i++) {
            NotionRateBudget budget = i % 2 == 0 ? first : second;
            callers.submit(() -> {
                while (System.nanoTime() < end) {
                    budget.take();
                    sent.add(System.nanoTime());
                }
                return null;
            });
        }
        callers.shutdown();
        assertTrue(callers.awaitTermination(20, TimeUnit.SECONDS));
        assertTrue(mostInAnySecond(sent) <= 4 + SharedBudget.BURST, "lowered to 4 a second for both together: " + mostInAnySecond(sent));

        TestEngine.await("both climb back to the configured rate, one request a second every 3 s", Duration.ofSeconds(20),
                () -> first.permitsPerSecond() == 8 && second.permitsPerSecond() == 8);
    }

    @Test
    void withTheDatabaseOutOfReachCallsGoOnUnderTheLocalThrottleAndTheSharedBudgetComesBack() throws Exception {
        String url = database();
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(url);
        int port = dataSource.getPortNumbers()[0];
        dataSource.setPortNumbers(new int[] {TestEngine.freePort()});   // nothing listens there
        SharedBudget shared = NotionDoorConfiguration.sharedBudget(dataSource, "default", 5);
        NotionRateBudget budget = new NotionRateBudget(5, Duration.ofSeconds(1), Clock.systemUTC(), shared);

        long before = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            budget.take();
        }
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(5).toNanos(), "no call hangs on the dead database");
        assertFalse(shared.available(), "the door says it runs on its own throttle");
        budget.onRateLimited();   // a 429 still lowers this instance's rate, even unshared
        assertEquals(2, budget.permitsPerSecond());

        dataSource.setPortNumbers(new int[] {port});
        TestEngine.await("the shared budget is used again", Duration.ofSeconds(25), () -> {
            try {
                budget.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return shared.available();
        });
    }

    /** The most timestamps (System.nanoTime) within any sliding one-second window. */
    static int mostInAnySecond(List<Long> times) {
        List<Long> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        int best = 0;
        for (int from = 0, to = 0; to < sorted.size(); to++) {
            while (sorted.get(to) - sorted.get(from) >= 1_000_000_000L) {
                from++;
            }
            best = Math.max(best, to - from + 1);
        }
        return best;
    }
}
