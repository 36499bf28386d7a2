package dev.notionsync.sim;

/**
 * Thrown out of an HTTP handler on purpose: the JDK server then closes the socket, so the client sees a dropped
 * connection or a body cut short, like a network failure.
 */
final class SimulatedNetworkFailure extends RuntimeException {
    SimulatedNetworkFailure(String what) {
        super(what, null, false, false);
    }
}
