package dev.notionsync.config;

import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.CamelContextHelper;

/**
 * The configuration of one area of the engine: {@link #configure} binds the area's beans (the routes refer to them by
 * name) before Camel loads the routes; {@link #started} runs once every route has started and the ports listen.
 */
public interface AreaConfiguration extends CamelConfiguration {

    default void started(CamelContext context) throws Exception {
    }

    default void stopped() {
    }

    /** A gauge's reading of a count the store keeps; a failed read shows as no value (NaN). */
    static Supplier<Number> reading(Callable<? extends Number> read) {
        return () -> {
            try {
                return read.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** A bean another area bound, by the name the routes use. */
    static <T> T bean(CamelContext context, String name, Class<T> type) {
        return CamelContextHelper.mandatoryLookup(context, name, type);
    }
}
