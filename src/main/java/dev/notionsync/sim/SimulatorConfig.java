package dev.notionsync.sim;

import java.time.Clock;

/**
 * How a simulator is started.
 *
 * @param port           TCP port on 127.0.0.1; 0 picks a free one
 * @param token          the integration token clients must send as "Authorization: Bearer …"
 * @param pagesPerSource pages seeded into each of the three sample data sources
 * @param seed           makes ids, content and fault injection repeatable
 * @param rate           request budget in requests per second; 0 or less means unlimited
 * @param clock          the simulator's notion of "now" (page timestamps, relative date filters, cursor expiry)
 */
public record SimulatorConfig(int port, String token, int pagesPerSource, long seed, double rate, Clock clock) {

    public SimulatorConfig {
        if (token == null || token.isBlank()) throw new IllegalArgumentException("token is required");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, was " + port);
        if (pagesPerSource < 0) throw new IllegalArgumentException("pagesPerSource must be >= 0, was " + pagesPerSource);
        if (clock == null) clock = Clock.systemUTC();
    }

    public static SimulatorConfig defaults(String token) {
        return new SimulatorConfig(0, token, 25, 42L, 0, Clock.systemUTC());
    }

    public SimulatorConfig withPort(int newPort) {
        return new SimulatorConfig(newPort, token, pagesPerSource, seed, rate, clock);
    }

    public SimulatorConfig withToken(String newToken) {
        return new SimulatorConfig(port, newToken, pagesPerSource, seed, rate, clock);
    }

    public SimulatorConfig withPages(int newPagesPerSource) {
        return new SimulatorConfig(port, token, newPagesPerSource, seed, rate, clock);
    }

    public SimulatorConfig withPagesPerSource(int newPagesPerSource) {
        return withPages(newPagesPerSource);
    }

    public SimulatorConfig withSeed(long newSeed) {
        return new SimulatorConfig(port, token, pagesPerSource, newSeed, rate, clock);
    }

    public SimulatorConfig withRate(double newRate) {
        return new SimulatorConfig(port, token, pagesPerSource, seed, newRate, clock);
    }

    public SimulatorConfig withClock(Clock newClock) {
        return new SimulatorConfig(port, token, pagesPerSource, seed, rate, newClock);
    }
}
