package dev.notionsync.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The demo's application schema ({@value #RESOURCE}: organizations, agents, capabilities, agents_capabilities,
 * workflows, a few rows each), created in a database as an application would have it: the tables bound sources of
 * the demo and the tests bind.
 */
public final class DemoApplication {

    public static final String RESOURCE = "/demo/app-schema.sql";

    private DemoApplication() {
    }

    /** Creates the schema's types and tables, with their rows, in the database's public schema. */
    public static void create(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL search_path TO public");
                st.execute(script());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** A capability the agent does not have yet (the banner's line to try the join table); null when it has them all. */
    public static String capabilityWithout(DataSource dataSource, String agentId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT slug FROM public.capabilities WHERE slug NOT IN (SELECT capability_slug"
                     + " FROM public.agents_capabilities WHERE agent_id::text = ?) ORDER BY slug LIMIT 1")) {
            ps.setString(1, agentId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The script's text. */
    public static String script() {
        try (InputStream in = DemoApplication.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }
}
