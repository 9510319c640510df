package dr.summit.postgres.connect;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

/**
 * target_session_attrs for a physical replication connection. pgjdbc cannot check the server type
 * on a replication connection (the walsender takes only replication commands, and its check is an
 * ordinary query), so a host list such as "host=a,b target_session_attrs=read-write" — an HA pair
 * the receiver should follow through a promotion — would never connect. Here each host is tried
 * in turn, as libpq does: connect, ask the walsender with SHOW (a replication command since
 * PostgreSQL 10), keep the first that fits, close the others.
 */
final class ReplicationTarget {
    private final PgConnector connector;

    ReplicationTarget(PgConnector connector) {
        this.connector = connector;
    }

    Connection open(Properties extra) {
        ConnectionParams params = connector.params();
        String attrs = params.targetSessionAttrs();
        List<Endpoint> order = new ArrayList<>(params.endpoints());
        if (params.loadBalanceHosts()) {
            Collections.shuffle(order);
        }
        List<String> refused = new ArrayList<>();
        Endpoint fallback = null;   // prefer-standby: a primary when no standby answers
        for (Endpoint endpoint : order) {
            Connection conn;
            try {
                conn = connector.onlyAt(endpoint).open(extra);
            } catch (ConnectionFailedException e) {
                refused.add(e.getMessage());
                continue;
            }
            boolean fits;
            try {
                fits = fits(conn, attrs);
            } catch (SQLException e) {
                closeQuietly(conn);
                refused.add(endpoint.describe() + ": cannot tell whether it is a standby: " + e.getMessage());
                continue;
            }
            if (fits) {
                return conn;
            }
            closeQuietly(conn);
            if (attrs.equals("prefer-standby") && fallback == null) {
                fallback = endpoint;
            }
            refused.add(endpoint.describe() + " is not " + wanted(attrs));
        }
        if (fallback != null) {
            return connector.onlyAt(fallback).open(extra);
        }
        throw new ConnectionFailedException("no server on " + params.describe() + " is " + wanted(attrs)
                + " (target_session_attrs=" + attrs + "): " + String.join("; ", refused), null);
    }

    /** Whether the walsender's server is what {@code attrs} asks for. */
    private static boolean fits(Connection conn, String attrs) throws SQLException {
        return switch (attrs) {
            case "read-write" -> !on(conn, "transaction_read_only");
            case "read-only" -> on(conn, "transaction_read_only");
            case "primary" -> !on(conn, "in_hot_standby");
            case "standby", "prefer-standby" -> on(conn, "in_hot_standby");
            default -> true;
        };
    }

    private static String wanted(String attrs) {
        return switch (attrs) {
            case "read-write" -> "read-write";
            case "read-only" -> "read-only";
            case "primary" -> "a primary";
            default -> "a standby";
        };
    }

    private static boolean on(Connection conn, String setting) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            return rs.next() && "on".equals(rs.getString(1));
        }
    }

    private static void closeQuietly(Connection conn) {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // a connection we did not want
        }
    }
}
