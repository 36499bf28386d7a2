package dev.notionsync;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The real parts of an integration test: the tests' PostgreSQL ({@link TestPostgres}, one server per test JVM), the
 * Notion simulator and the engine, given to a test method or a {@code @BeforeAll} method as an {@link Integration}
 * parameter (or the server as a {@link TestPostgres} parameter). What a test starts through it is closed when that
 * method's scope ends: after the test for a test method, after the class for {@code @BeforeAll}; engines before the
 * simulators they call.
 *
 * <pre>
 * &#64;ExtendWith(IntegrationExtension.class)
 * class SomeTest {
 *     &#64;Test
 *     void something(Integration it) throws Exception {
 *         NotionSimulator simulator = it.simulator(5);
 *         Map&lt;String, String&gt; settings = it.settings(simulator, "1s", "projects");
 *         NotionSync sync = it.start(settings);
 *         ...
 * </pre>
 */
public final class IntegrationExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(IntegrationExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Integration.class || type == TestPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == TestPostgres.class) {
            return TestPostgres.shared();
        }
        // keyed by the scope, so a test method gets its own, not the one of its class's @BeforeAll
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(context.getUniqueId(), key -> new Integration(), Integration.class);
    }
}
