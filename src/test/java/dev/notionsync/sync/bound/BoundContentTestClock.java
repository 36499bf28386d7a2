package dev.notionsync.sync.bound;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/** {@link BoundContentTest.StepClock} for tests of other packages: the simulator's clock, a minute on before each edit. */
public final class BoundContentTestClock extends Clock {

    private final BoundContentTest.StepClock clock = new BoundContentTest.StepClock();

    public void step() {
        clock.step();
    }

    @Override
    public ZoneId getZone() {
        return clock.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return clock.instant();
    }
}
