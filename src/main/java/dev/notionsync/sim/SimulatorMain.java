package dev.notionsync.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The "notion-sync simulate" command: starts a simulator, prints its base URL and seeded ids, and runs until
 * Ctrl-C. Options: --port P (7070) --token T (or NOTION_SIM_TOKEN) [--pages N] [--rate R] [--seed S] [--host H].
 */
public final class SimulatorMain {
    private SimulatorMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        SimulatorConfig config;
        String host = "127.0.0.1";
        try {
            int port = 7070;
            String token = System.getenv("NOTION_SIM_TOKEN");
            int pages = 25;
            long seed = 42;
            double rate = 0;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--port" -> port = number(args, ++i, arg, Integer::parseInt);
                    case "--token" -> token = value(args, ++i, arg);
                    case "--pages" -> pages = number(args, ++i, arg, Integer::parseInt);
                    case "--rate" -> rate = number(args, ++i, arg, Double::parseDouble);
                    case "--seed" -> seed = number(args, ++i, arg, Long::parseLong);
                    case "--host" -> host = value(args, ++i, arg);
                    default -> throw new IllegalArgumentException("unknown option " + arg
                            + " (usage: simulate --port P --token T [--pages N] [--rate R] [--seed S] [--host H])");
                }
            }
            if (token == null || token.isBlank()) throw new IllegalArgumentException("--token is required (or set NOTION_SIM_TOKEN)");
            config = new SimulatorConfig(port, token, pages, seed, rate, Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            err.println("simulate: " + e.getMessage());
            return 2;
        }

        NotionSimulator sim;
        try {
            sim = NotionSimulator.start(config, host);
        } catch (IOException e) {
            err.println("simulate: cannot listen on " + host + ":" + config.port() + ": " + e.getMessage());
            return 1;
        }
        printSummary(sim, out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            out.println("Simulator stopped.");
            stopped.countDown();
        }, "notion-sim-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sim.close();
        }
        return 0;
    }

    static void printSummary(NotionSimulator sim, PrintStream out) {
        out.println("Notion simulator running at " + sim.baseUrl() + "  (API: " + sim.baseUrl() + "/v1, control: " + sim.baseUrl() + "/__sim)");
        out.println("Workspace: " + sim.workspace().workspaceName());
        for (SeededSource s : sim.workspace().sources()) {
            out.printf("  %-9s %-20s database %s  data source %s%n", s.name(), s.title(), s.databaseId(), s.dataSourceId());
        }
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }

    private static <T> T number(String[] args, int i, String option, Function<String, T> parse) {
        String value = value(args, i, option);
        try {
            return parse.apply(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a number, was '" + value + "'");
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }
}
