package dev.notionsync.notion;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and how long the door waits before trying a failed Notion call again. 429 and 529 wait Retry-After (capped);
 * 5xx, 409 conflict_error, timeouts and dropped connections back off exponentially with full jitter; everything else
 * (400, 401, 403, 404) fails at once. Creates and appends are not sent again after a failure that may have
 * been applied ({@link #mayResend}). A query that timed out at the gateway (504) retries with half the page size.
 * Used by the door's onException (routes/notion-api.camel.yaml): {@link #shouldRetry} is its retryWhile, and
 * {@link #beforeRetry} its onExceptionOccurred, which sets Camel's CamelRedeliveryDelay header.
 */
public final class NotionRetryPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(NotionRetryPolicy.class);
    private static final Pattern PAGE_SIZE = Pattern.compile("\"page_size\"\\s*:\\s*(\\d+)");

    private final int maxRetries;
    private final Duration retryAfterCap;
    private final Duration backoffBase;
    private final Duration backoffMax;
    private final Budgets budgets;

    /** The budgets a 429 lowers and pauses: the call's connection's, and for Notion's per-workspace limit its workspace's. */
    public interface Budgets {
        /** The budget of a connection. */
        NotionRateBudget of(String connection);

        /** The budgets of the other connections to the same Notion workspace. */
        List<NotionRateBudget> sameWorkspace(String connection);

        /** One budget for every call (a door of one connection). */
        static Budgets single(NotionRateBudget budget) {
            return new Budgets() {
                @Override
                public NotionRateBudget of(String connection) {
                    return budget;
                }

                @Override
                public List<NotionRateBudget> sameWorkspace(String connection) {
                    return List.of();
                }
            };
        }
    }

    public NotionRetryPolicy(int maxRetries, Duration retryAfterCap, Duration backoffBase, Duration backoffMax, Budgets budgets) {
        this.maxRetries = maxRetries;
        this.retryAfterCap = retryAfterCap;
        this.backoffBase = backoffBase;
        this.backoffMax = backoffMax;
        this.budgets = budgets;
    }

    /** The code of the failure NotionHttp answers a 401 with once the connection's token was refreshed. */
    static final String TOKEN_REFRESHED = "token_refreshed";

    /** Failed attempts of the current call, kept in an exchange property: each attempt replaces the message headers. */
    static final String FAILURES = "notionFailures";

    // retryWhile and onExceptionOccurred hand Camel's Exchange: the policy reads the failure and sets the redelivery delay on it
    public boolean shouldRetry(Exchange exchange) {
        Throwable failure = failure(exchange);
        return isRetryable(failure) && mayResend(exchange.getProperty(NotionRequest.PROPERTY, NotionRequest.class), failure)
                && exchange.getProperty(FAILURES, 0, Integer.class) <= maxRetries;
    }

    /**
     * A create or an append is sent again only when Notion said it did nothing: 429 and 529 (as Notion's SDK does), a
     * refused token the connection has refreshed since (401), or no connection was made. After a 5xx, a timeout or a cut-off answer Notion may have made the page: the caller
     * must look for it before sending again (PageCreator, ReportRunner), so the door hands the failure back.
     */
    static boolean mayResend(NotionRequest request, Throwable failure) {
        if (request == null || request.resendable()) {
            return true;
        }
        return failure instanceof NotionRateLimitedException || isTokenRefreshed(failure)
                || cause(failure, ConnectException.class) || cause(failure, UnknownHostException.class);
    }

    /** Notion refused the token (401: it did nothing) and the connection has a new one: any call may go again. */
    private static boolean isTokenRefreshed(Throwable failure) {
        return failure instanceof NotionUnavailableException refused && refused.status() == 401 && TOKEN_REFRESHED.equals(refused.code());
    }

    /** Camel may hand an I/O failure over wrapped (a cut-off body arrives inside a RuntimeCamelException). */
    private static boolean cause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Runs first on every failed attempt: counts it and sets the delay before the next one. */
    public void beforeRetry(Exchange exchange) {
        Throwable failure = failure(exchange);
        int failures = exchange.getProperty(FAILURES, 0, Integer.class) + 1;
        exchange.setProperty(FAILURES, failures);
        int attempt = failures - 1;
        long delayMillis;
        if (failure instanceof NotionRateLimitedException limited) {
            NotionRequest request = exchange.getProperty(NotionRequest.PROPERTY, NotionRequest.class);
            String connection = request == null ? NotionConnections.DEFAULT : request.connectionName();
            long seconds = limited.retryAfterSeconds() == null ? 1 : Math.max(0, limited.retryAfterSeconds());
            delayMillis = Math.min(Duration.ofSeconds(seconds).toMillis(), retryAfterCap.toMillis());
            boolean workspace = NotionRateLimitedException.WORKSPACE_LIMIT.equals(limited.reason());
            List<NotionRateBudget> limitedBudgets = new java.util.ArrayList<>(List.of(budgets.of(connection)));
            if (workspace) {
                // the workspace's limit is shared by all its connections: each of ours to it slows down and waits too
                limitedBudgets.addAll(budgets.sameWorkspace(connection));
            }
            limitedBudgets.get(0).onRateLimited();
            limitedBudgets.subList(1, limitedBudgets.size()).forEach(NotionRateBudget::lowerRate);
            limitedBudgets.forEach(budget -> budget.pauseFor(Duration.ofMillis(delayMillis)));
            if (workspace || seconds > 60) {
                LOG.warn("Notion rate limit ({}) on connection {}: {} wait {} s (Retry-After {} s, notion.api.retry-after-cap {} s)",
                        limited.reason() == null ? "no reason given" : limited.reason(), connection,
                        limitedBudgets.size() == 1 ? "its calls" : "the calls of its " + limitedBudgets.size() + " connections to this workspace",
                        delayMillis / 1000, seconds, retryAfterCap.toSeconds());
            }
        } else {
            long ceiling = Math.min(backoffMax.toMillis(), backoffBase.toMillis() << Math.min(attempt, 20));
            delayMillis = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
        }
        if (failure instanceof NotionApiException notion && notion.status() == 504) {
            shrinkQueryPage(exchange);
        }
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, delayMillis);
        if (isRetryable(failure) && failures <= maxRetries) {
            LOG.debug("Notion call failed ({}), retry {} of {} in {} ms", failure.getMessage(), attempt + 1, maxRetries, delayMillis);
        }
    }

    static boolean isRetryable(Throwable failure) {
        if (failure instanceof NotionApiException notion) {
            return notion.isTransient();
        }
        return cause(failure, IOException.class);
    }

    private static Throwable failure(Exchange exchange) {
        Throwable failure = exchange.getException();
        if (failure == null) {
            failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        }
        return failure;
    }

    private static void shrinkQueryPage(Exchange exchange) {
        NotionRequest request = exchange.getProperty(NotionRequest.PROPERTY, NotionRequest.class);
        if (request == null || request.body() == null || !request.path().endsWith("/query")) {
            return;
        }
        Matcher m = PAGE_SIZE.matcher(request.body());
        int size = m.find() ? Integer.parseInt(m.group(1)) : 100;
        int smaller = Math.max(10, size / 2);
        String body = m.find(0) ? m.replaceFirst("\"page_size\":" + smaller) : request.body();
        exchange.setProperty(NotionRequest.PROPERTY, request.withBody(body));
    }
}
