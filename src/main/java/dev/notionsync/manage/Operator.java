package dev.notionsync.manage;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;

/**
 * Who asks for an operator action and from where, for the audit log: the management user and the client's address
 * when the request came through the management port (its guard knows them), else JMX on this machine.
 */
public record Operator(String who, String from) {

    static final Operator JMX = new Operator("jmx", "this machine (JMX)");
    private static final ThreadLocal<Operator> CURRENT = new ThreadLocal<>();

    /**
     * The operator of the action this thread runs: set by {@link #run}, or by {@link #enter} for the request the
     * current Vert.x context serves (Jolokia calls the MBean on a worker thread of the request's own context).
     */
    static Operator current() {
        Operator operator = CURRENT.get();
        if (operator == null) {
            Context context = Vertx.currentContext();
            operator = context == null ? null : context.getLocal(Operator.class.getName());
        }
        return operator == null ? JMX : operator;
    }

    /**
     * This request's operator, for the handlers that run after the guard on other threads: Vert.x gives each request
     * a context of its own (a duplicate of the server's), which its blocking handlers run on too.
     */
    void enter() {
        Context context = Vertx.currentContext();
        if (context != null) {
            context.putLocal(Operator.class.getName(), this);
        }
    }

    /** Runs the action as this operator (the management port's handlers, around what they call). */
    <T> T run(Callable<T> action) throws Exception {
        Operator before = CURRENT.get();
        CURRENT.set(this);
        try {
            return action.call();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }
}
