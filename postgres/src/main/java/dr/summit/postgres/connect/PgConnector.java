package dr.summit.postgres.connect;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Opens pgjdbc connections for resolved {@link ConnectionParams}: UNIX sockets through junixsocket
 * (so peer authentication sees the OS user), TLS as libpq's sslmode says, the password from the
 * settings or the password file (pgjdbc's own .pgpass lookup is kept out), and failures as one
 * line naming the socket or host, port, user and database and the server's own message.
 */
public final class PgConnector {
    private static final Map<String, String> PGJDBC_TARGET = Map.of("any", "any", "read-write", "primary", "primary", "primary",
            "read-only", "secondary", "standby", "secondary", "prefer-standby", "preferSecondary");
    private static final Map<String, String> PGJDBC_NAMES = Map.of("options", "options", "channel_binding", "channelBinding",
            "require_auth", "requireAuth", "gssencmode", "gssEncMode", "krbsrvname", "kerberosServerName",
            "sslnegotiation", "sslNegotiation", "replication", "replication");

    /**
     * pgjdbc reports through java.util.logging (a SEVERE line on stderr for a certificate that does
     * not match, say); the failure reaches the operator as our one line instead. Held here so that
     * the setting is not collected with the logger.
     */
    private static final java.util.logging.Logger PGJDBC_LOG = java.util.logging.Logger.getLogger("org.postgresql");

    static {
        PGJDBC_LOG.setLevel(java.util.logging.Level.OFF);
    }

    private final ConnectionParams params;

    public PgConnector(ConnectionParams params) {
        this.params = params;
    }

    /** Resolves {@code dsn} (URI, key=value pairs or null) against this machine and {@code env}. */
    public static PgConnector forDsn(String dsn, Function<String, String> env) {
        return new PgConnector(new ConnectionResolver(ConnectionEnvironment.system(env)).resolve(dsn));
    }

    /** The same with {@code overrides} set over the connection string (a replication connection's, say). */
    public static PgConnector forDsn(String dsn, Map<String, String> overrides, Function<String, String> env) {
        return new PgConnector(new ConnectionResolver(ConnectionEnvironment.system(env)).resolve(dsn, overrides));
    }

    public ConnectionParams params() {
        return params;
    }

    /** What libpq would have warned about while resolving (e.g. a password file ignored). */
    public List<String> warnings() {
        return params.warnings();
    }

    /** The JDBC URL: hosts and ports only (socket directories travel in {@link #properties}). */
    public String url() {
        List<Endpoint> endpoints = params.endpoints();
        boolean sockets = endpoints.get(0).socket();
        if (endpoints.stream().anyMatch(e -> e.socket() != sockets)) {
            throw new ConnectionSettingsException("host lists mixing socket directories and TCP hosts are not supported: "
                    + String.join(", ", endpoints.stream().map(Endpoint::describe).toList()));
        }
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            String host = e.socket() ? UnixSocketFactory.hostFor(i) : e.hostaddr() != null ? e.hostaddr() : e.host();
            hosts.add((host.contains(":") ? "[" + host + "]" : host) + ":" + e.port());
        }
        return "jdbc:postgresql://" + String.join(",", hosts) + "/" + URLEncoder.encode(params.dbname(), StandardCharsets.UTF_8);
    }

    /** pgjdbc's connection properties for these settings (they include the password: never print them). */
    public Properties properties() {
        Properties p = new Properties();
        p.setProperty("user", params.user());
        if (params.password() != null) {
            p.setProperty("password", params.password());
        } else {
            // pgjdbc would read ~/.pgpass itself, without libpq's permission check.
            p.setProperty("authenticationPluginClassName", NoPassword.class.getName());
        }
        p.setProperty("ApplicationName", params.applicationName());
        List<Endpoint> endpoints = params.endpoints();
        if (endpoints.get(0).socket()) {
            p.setProperty("socketFactory", UnixSocketFactory.class.getName());
            p.setProperty("socketFactoryArg", String.join(UnixSocketFactory.SEPARATOR, endpoints.stream().map(Endpoint::host).toList()));
            // libpq never uses TLS on a UNIX socket, whatever sslmode says.
            p.setProperty("sslmode", "disable");
        } else {
            p.setProperty("sslmode", params.sslmode());
            p.setProperty("sslcert", params.sslcert() == null ? "" : params.sslcert());
            p.setProperty("sslkey", params.sslkey() == null ? "" : params.sslkey());
            if ("system".equals(params.sslrootcert())) {
                p.setProperty("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
            } else if (params.sslrootcert() != null) {
                p.setProperty("sslrootcert", params.sslrootcert());
            }
            if (params.sslpassword() != null) {
                p.setProperty("sslpassword", params.sslpassword());
            }
            StringBuilder names = new StringBuilder();
            for (Endpoint e : endpoints) {
                if (e.hostaddr() != null && e.host() != null) {
                    names.append(e.hostaddr()).append('=').append(e.host()).append('\n');
                }
            }
            if (names.length() > 0) {
                p.setProperty("sslhostnameverifier", ServerNameVerifier.class.getName());
                p.setProperty(ServerNameVerifier.PROPERTY, names.toString());
            }
        }
        if (params.connectTimeoutSeconds() > 0) {
            p.setProperty("connectTimeout", Integer.toString(params.connectTimeoutSeconds()));
        }
        p.setProperty("targetServerType", PGJDBC_TARGET.get(params.targetSessionAttrs()));
        if (params.loadBalanceHosts()) {
            p.setProperty("loadBalanceHosts", "true");
        }
        params.extra().forEach((k, v) -> {
            if (k.equals("keepalives")) {
                p.setProperty("tcpKeepAlive", Boolean.toString(!v.equals("0")));
            } else {
                p.setProperty(PGJDBC_NAMES.get(k), v);
            }
        });
        return p;
    }

    /** A new connection. */
    public Connection open() {
        return open(new Properties());
    }

    /** A new connection with {@code extra} pgjdbc properties on top (a replication connection's, say). */
    public Connection open(Properties extra) {
        if (params.extra().containsKey("replication") && !params.targetSessionAttrs().equals("any")) {
            return new ReplicationTarget(this).open(extra);
        }
        return openAsIs(extra);
    }

    /** The same settings with only {@code endpoint} and no target_session_attrs check. */
    PgConnector onlyAt(Endpoint endpoint) {
        ConnectionParams p = params;
        return new PgConnector(new ConnectionParams(List.of(endpoint), p.dbname(), p.user(), p.password(), p.passwordSource(),
                p.sslmode(), p.sslcert(), p.sslkey(), p.sslrootcert(), p.sslpassword(), p.connectTimeoutSeconds(), p.applicationName(),
                "any", false, p.extra(), p.warnings()));
    }

    private Connection openAsIs(Properties extra) {
        String url = url();
        Properties p = properties();
        p.putAll(extra);
        checkClientKey();
        try {
            return DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw new ConnectionFailedException(scrub("cannot connect to PostgreSQL on " + params.describe() + ": " + reason(e)), e);
        }
    }

    /** pgjdbc reads PKCS#8 keys (PEM or DER) and PKCS#12 only; libpq's usual PKCS#1/SEC1 PEM keys would fail obscurely. */
    private void checkClientKey() {
        if (params.sslkey() == null || params.sslmode().equals("disable") || params.endpoints().get(0).socket()) {
            return;
        }
        Path key = Path.of(params.sslkey());
        try {
            if (!Files.isReadable(key)) {
                return; // pgjdbc's own message names the file
            }
            byte[] head = Files.readAllBytes(key);
            String text = new String(head, 0, Math.min(head.length, 200), StandardCharsets.US_ASCII);
            for (String kind : List.of("RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY")) {
                if (text.contains("-----BEGIN " + kind)) {
                    throw new ConnectionSettingsException("client key " + key + " is a PEM \"" + kind + "\", which pgjdbc cannot read: "
                            + "convert it with \"openssl pkcs8 -topk8 -outform DER -in " + key + " -out " + key + ".pk8\""
                            + " (add -nocrypt for no passphrase) and set sslkey to the .pk8 file");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read client key " + key + ": " + e.getMessage(), e);
        }
    }

    /** The server's own words where it sent any, else what went wrong on the way, in one line. */
    private String reason(SQLException e) {
        if (e instanceof PSQLException psql) {
            ServerErrorMessage server = psql.getServerErrorMessage();
            if (server != null && server.getMessage() != null) {
                return server.getMessage();
            }
        }
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("The server requested") && message.contains("no password was provided")) {
            return "the server asks for a password and none was found (password in --dsn, PGPASSWORD, or a matching line in "
                    + "the password file, default ~/.pgpass, mode 0600)";
        }
        if (message.startsWith("The hostname ") && message.contains("could not be verified")) {
            List<Endpoint> endpoints = params.endpoints();
            Endpoint only = endpoints.get(0);
            return endpoints.size() == 1 ? "the server's certificate does not match host name " + (only.host() != null ? only.host() : only.hostaddr())
                    + " (sslmode=verify-full)" : "the server's certificate does not match its host name (sslmode=verify-full)";
        }
        if (message.contains("The server does not support SSL")) {
            return "the server does not accept TLS connections (sslmode=" + params.sslmode() + ")";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause = String.valueOf(root.getMessage());
        if (root instanceof javax.net.ssl.SSLException || cause.contains("PKIX") || cause.contains("certification path")) {
            return "TLS handshake failed: " + (cause.contains("PKIX") || cause.contains("certification path")
                    ? "the server's certificate is not signed by " + ("system".equals(params.sslrootcert()) ? "a CA the JVM trusts"
                    : "the root certificate " + params.sslrootcert()) : cause);
        }
        if (cause.contains("No such file or directory")) {
            return "no such socket (is the server running, and is this directory in its unix_socket_directories?)";
        }
        if (cause.contains("Connection refused")) {
            return "connection refused";
        }
        if (cause.contains("Permission denied")) {
            return "permission denied (the socket or its directory is not accessible to OS user "
                    + System.getProperty("user.name") + ")";
        }
        if (root instanceof java.net.SocketTimeoutException) {
            return "timed out";
        }
        if (root instanceof java.net.UnknownHostException) {
            return "unknown host " + cause;
        }
        return root == e ? message : cause;
    }

    /** A password never leaves in a message, even if a library echoed it. */
    private String scrub(String message) {
        String password = params.password();
        return password == null || password.isEmpty() ? message : message.replace(password, "********");
    }

    /** Gives pgjdbc no password, so that it asks nothing else (its own .pgpass lookup skips libpq's checks). */
    public static final class NoPassword implements org.postgresql.plugin.AuthenticationPlugin {
        @Override
        public char[] getPassword(org.postgresql.plugin.AuthenticationRequestType type) {
            return null;
        }
    }
}
