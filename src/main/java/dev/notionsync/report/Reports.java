package dev.notionsync.report;

import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/** Runs a report now, through its route (direct:report-&lt;id&gt;), for the command line and JMX. */
public final class Reports {

    private final List<String> ids;
    private final CamelContext context;
    private ProducerTemplate producer;

    public Reports(List<String> ids, CamelContext context) {
        this.ids = ids;
        this.context = context;
    }

    public List<String> ids() {
        return ids;
    }

    /** Returns where the outputs went; throws with the reason when the run failed (it is then a dead letter too). */
    public String run(String id) {
        if (!ids.contains(id)) {
            throw new IllegalArgumentException("no report named '" + id + "'; reports: " + (ids.isEmpty() ? "(none configured)" : String.join(", ", ids)));
        }
        Exchange result = producer().send("direct:report-" + id, exchange -> exchange.getMessage().setBody(ReportRunner.manualBody()));
        Throwable failure = result.getException() != null ? result.getException() : result.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure != null) {
            throw new IllegalStateException("report " + id + " failed: " + failure.getMessage(), failure);
        }
        return result.getMessage().getBody(String.class);
    }

    private synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = context.createProducerTemplate();
        }
        return producer;
    }
}
