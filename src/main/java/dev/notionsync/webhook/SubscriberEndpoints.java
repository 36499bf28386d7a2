package dev.notionsync.webhook;

import dev.notionsync.store.EndpointUri;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.JMException;
import javax.management.ObjectName;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.ManagementAgent;
import org.apache.camel.spi.ManagementObjectNameStrategy;
import org.apache.camel.spi.ManagementStrategy;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.util.URISupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints subscribers' events go to, kept out of JMX: their URIs often are credentials (a Slack or Teams
 * webhook's path, a {@code ?sig=} query) that Camel does not mask in an endpoint's MBean, and Jolokia reads every MBean.
 * Camel registers an endpoint when it is made, at start or again after its endpoint cache let it go, so each is taken
 * out when resolved and whenever Camel makes it again.
 */
public final class SubscriberEndpoints extends LifecycleStrategySupport {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriberEndpoints.class);

    private final CamelContext context;
    private final Set<String> keys = ConcurrentHashMap.newKeySet();

    public SubscriberEndpoints(CamelContext context) {
        this.context = context;
    }

    /**
     * The endpoint the URI names, as the delivery route's toD will use it, out of JMX. A URI no component on the
     * classpath takes is refused with a message that never shows its credentials.
     */
    public Endpoint resolve(String uri, String setting) {
        Endpoint endpoint;
        try {
            endpoint = context.getEndpoint(uri);
        } catch (RuntimeException e) {
            EndpointUri shown = EndpointUri.of(uri);
            throw new IllegalArgumentException(setting + " '" + shown.shown() + "' is no endpoint Camel can send to ("
                    + URISupport.sanitizeUri(shown.redact(String.valueOf(e.getMessage())))
                    + "): write https://..., http://... or file:<folder>, or another component's URI on the classpath");
        }
        keys.add(endpoint.getEndpointKey());
        unmanage(endpoint);
        return endpoint;
    }

    @Override
    public void onEndpointAdd(Endpoint endpoint) {
        if (keys.contains(endpoint.getEndpointKey())) {
            unmanage(endpoint);
        }
    }

    private void unmanage(Endpoint endpoint) {
        ManagementStrategy management = context.getManagementStrategy();
        ManagementAgent agent = management == null ? null : management.getManagementAgent();
        ManagementObjectNameStrategy names = management == null ? null : management.getManagementObjectNameStrategy();
        if (agent == null || names == null) {
            return;   // JMX off
        }
        try {
            ObjectName name = names.getObjectNameForEndpoint(endpoint);
            if (name != null && agent.isRegistered(name)) {
                agent.unregister(name);
            }
        } catch (JMException | RuntimeException e) {
            LOG.warn("a subscriber's endpoint could not be taken out of JMX ({}): its MBean may show its URI", e.getClass().getSimpleName());
        }
    }
}
