package dev.notionsync.notion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.notionsync.NotionSync;
import dev.notionsync.TestEngine;
import dev.notionsync.sim.NotionSimulator;
import dev.notionsync.sim.SimulatorConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The door's background lane (content, comments, users) against the simulator over HTTP: it yields to property sync. */
class DoorLanesTest {

    @TempDir
    Path tempDir;

    @Test
    void backgroundCallsWaitWhileForegroundCallsWaitForTheBudgetAndUseOnlyTheirShareWhenAlone() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            values.put("notion.api.rate", "4");
            values.put("notion.api.background-share", "50%");
            values.put("notion.api.background-max-wait", "30s");   // longer than the burst: the background gives way all along
            values.put("notion.users.refresh", "off");
            String database = simulator.workspace().source("projects").databaseId();
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                NotionApi foreground = new NotionDoorClient(sync.context().createProducerTemplate());
                NotionApi background = new NotionDoorClient(sync.context().createProducerTemplate(), NotionDoorClient.BACKGROUND_DOOR);
                List<Long> foregroundDone = Collections.synchronizedList(new ArrayList<>());
                List<Long> backgroundDone = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService threads = Executors.newFixedThreadPool(14);
                try {
                    // alone, the background lane gets half of 4 requests a second: 6 calls take at least 2 seconds
                    long start = System.nanoTime();
                    for (int i = 0; i < 6; i++) {
                        background.call(NotionRequest.get("/v1/users"));
                    }
                    long aloneMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertTrue(aloneMillis >= 2000, "6 background calls at 2/s took " + aloneMillis + " ms");

                    Future<?> backgroundLoop = threads.submit(() -> {
                        while (!stop.get()) {
                            background.call(NotionRequest.get("/v1/users"));
                            backgroundDone.add(System.nanoTime());
                        }
                        return null;
                    });
                    Thread.sleep(1500);   // the background lane is busy when property sync starts
                    // property sync as the pull and the push make it: a few threads, each one call after the other
                    List<Future<?>> burst = new ArrayList<>();
                    for (int thread = 0; thread < 3; thread++) {
                        burst.add(threads.submit(() -> {
                            for (int i = 0; i < 5; i++) {
                                foregroundDone.add(timed(() -> foreground.call(NotionRequest.get("/v1/databases/" + database))));
                            }
                            return null;
                        }));
                    }
                    for (Future<?> call : burst) {
                        call.get(60, TimeUnit.SECONDS);
                    }
                    Thread.sleep(1500);
                    stop.set(true);
                    backgroundLoop.get(30, TimeUnit.SECONDS);
                } finally {
                    threads.shutdownNow();
                }
                long first = Collections.min(foregroundDone);
                long last = Collections.max(foregroundDone);
                long during = backgroundDone.stream().filter(t -> t > first && t < last).count();
                // 15 foreground calls at 4/s take about 4 s; a background call already past the lane's check may finish
                // among them, and no other: without the lanes the background would take about a third of the slots
                assertTrue(during <= 1, "background calls answered while property sync waited: " + during);
                assertTrue(backgroundDone.stream().anyMatch(t -> t > last), "the background lane resumed after the burst");
                assertEquals(0, sync.connections().get("default").lanes().foregroundWaiting());
            }
        }
    }

    @Test
    void underAForegroundThatNeverRestsTheBackgroundStillMovesAfterItsLongestWait() throws Exception {
        try (NotionSimulator simulator = NotionSimulator.start(SimulatorConfig.defaults(TestEngine.TOKEN).withPages(2))) {
            Map<String, String> values = TestEngine.settingsFor(simulator, tempDir, "1h", "projects");
            values.put("notion.api.rate", "4");
            values.put("notion.api.background-max-wait", "500ms");
            values.put("notion.users.refresh", "off");
            String database = simulator.workspace().source("projects").databaseId();
            try (NotionSync sync = NotionSync.create(TestEngine.settings(values))) {
                sync.start();
                NotionApi foreground = new NotionDoorClient(sync.context().createProducerTemplate());
                NotionApi background = new NotionDoorClient(sync.context().createProducerTemplate(), NotionDoorClient.BACKGROUND_DOOR);
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService threads = Executors.newFixedThreadPool(5);
                try {
                    // four threads, each one call after the other: a foreground call always waits for the budget
                    for (int thread = 0; thread < 4; thread++) {
                        threads.submit(() -> {
                            while (!stop.get()) {
                                foreground.call(NotionRequest.get("/v1/databases/" + database));
                            }
                            return null;
                        });
                    }
                    Thread.sleep(1000);
                    Future<?> four = threads.submit(() -> {
                        for (int i = 0; i < 4; i++) {
                            background.call(NotionRequest.get("/v1/users"));
                        }
                        return null;
                    });
                    four.get(15, TimeUnit.SECONDS);   // a background that waited for a rest of the foreground would never end
                } finally {
                    stop.set(true);
                    threads.shutdown();
                    threads.awaitTermination(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static long timed(Runnable call) {
        call.run();
        return System.nanoTime();
    }
}
