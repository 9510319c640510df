package dr.summit.postgres.connect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves connection settings with libpq's precedence: the connection string (--dsn) first, then
 * the service it or PGSERVICE names, then the PG* environment variables, then the defaults — the
 * socket directory /var/run/postgresql when nothing names a host (as Debian's libpq), the OS user
 * as role, the role as database. A password not given comes from the password file. Pure: all it
 * reads goes through the {@link ConnectionEnvironment} it is given.
 */
public final class ConnectionResolver {
    public static final String DEFAULT_SOCKET_DIRECTORY = "/var/run/postgresql";
    /** Debian's libpq looks for pg_service.conf here when PGSYSCONFDIR is unset. */
    public static final String DEFAULT_SYSCONFDIR = "/etc/postgresql-common";
    public static final int DEFAULT_PORT = 5432;
    public static final String DEFAULT_APPLICATION_NAME = "summit-dr";

    /** The environment variable behind each keyword, in libpq's table. */
    static final Map<String, String> ENVIRONMENT = environmentTable();

    private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    private static final Set<String> SESSION_ATTRS = Set.of("any", "read-write", "read-only", "primary", "standby", "prefer-standby");
    private static final List<String> PASSED_ON = List.of("options", "channel_binding", "require_auth", "gssencmode", "krbsrvname",
            "sslnegotiation", "replication", "keepalives");

    private final ConnectionEnvironment env;

    public ConnectionResolver(ConnectionEnvironment env) {
        this.env = env;
    }

    private static Map<String, String> environmentTable() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("host", "PGHOST");
        m.put("hostaddr", "PGHOSTADDR");
        m.put("port", "PGPORT");
        m.put("dbname", "PGDATABASE");
        m.put("user", "PGUSER");
        m.put("password", "PGPASSWORD");
        m.put("passfile", "PGPASSFILE");
        m.put("options", "PGOPTIONS");
        m.put("application_name", "PGAPPNAME");
        m.put("sslmode", "PGSSLMODE");
        m.put("requiressl", "PGREQUIRESSL");
        m.put("sslcert", "PGSSLCERT");
        m.put("sslkey", "PGSSLKEY");
        m.put("sslrootcert", "PGSSLROOTCERT");
        m.put("sslnegotiation", "PGSSLNEGOTIATION");
        m.put("connect_timeout", "PGCONNECT_TIMEOUT");
        m.put("target_session_attrs", "PGTARGETSESSIONATTRS");
        m.put("load_balance_hosts", "PGLOADBALANCEHOSTS");
        m.put("channel_binding", "PGCHANNELBINDING");
        m.put("require_auth", "PGREQUIREAUTH");
        m.put("gssencmode", "PGGSSENCMODE");
        m.put("krbsrvname", "PGKRBSRVNAME");
        return Map.copyOf(m);
    }

    /** Settings for {@code dsn} (a URI, key=value pairs, or null for none). */
    public ConnectionParams resolve(String dsn) {
        return resolve(dsn, Map.of());
    }

    /**
     * Settings for {@code dsn} with {@code overrides} set over it (e.g. {@code replication=database}
     * for a streaming connection).
     */
    public ConnectionParams resolve(String dsn, Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(ConnInfo.parse(dsn));
        overrides.forEach((k, value) -> {
            ConnInfo.checkKeyword(k, "connection override");
            v.put(k, value);
        });
        String service = v.containsKey("service") ? v.get("service") : env.variable("PGSERVICE");
        if (service != null && !service.isEmpty()) {
            service(service).forEach(v::putIfAbsent);
        }
        for (Map.Entry<String, String> e : ENVIRONMENT.entrySet()) {
            String value = env.variable(e.getValue());
            if (value != null && !v.containsKey(e.getKey())) {
                v.put(e.getKey(), value);
            }
        }
        List<String> warnings = new ArrayList<>();
        List<Endpoint> endpoints = endpoints(v.get("host"), v.get("hostaddr"), v.get("port"));
        String user = nonEmpty(v.get("user")) != null ? v.get("user") : env.osUser();
        String dbname = nonEmpty(v.get("dbname")) != null ? v.get("dbname") : user;

        String password = nonEmpty(v.get("password"));
        String passwordSource = password == null ? null : "the connection settings";
        if (password == null) {
            Path passfile = v.get("passfile") != null && !v.get("passfile").isEmpty() ? Path.of(v.get("passfile"))
                    : env.home().resolve(".pgpass");
            // libpq matches physical replication connections against the database name "replication".
            String passDb = isPhysicalReplication(v.get("replication")) ? "replication" : dbname;
            Optional<String> found = passwordFromFile(passfile, endpoints, passDb, user, warnings);
            if (found.isPresent()) {
                password = found.get();
                passwordSource = passfile.toString();
            }
        }

        boolean tcp = endpoints.stream().anyMatch(e -> !e.socket());
        String sslmode = v.get("sslmode");
        if (sslmode == null) {
            sslmode = "1".equals(v.get("requiressl")) ? "require" : "prefer";
        }
        if (!SSL_MODES.contains(sslmode)) {
            throw new ConnectionSettingsException("invalid sslmode value: \"" + sslmode + "\" (use disable, allow, prefer, require, verify-ca or verify-full)");
        }
        Path tls = env.home().resolve(".postgresql");
        String rootcert = v.get("sslrootcert") != null ? v.get("sslrootcert") : tls.resolve("root.crt").toString();
        boolean verify = sslmode.startsWith("verify-");
        if (rootcert.equals("system")) {
            if (!sslmode.equals("verify-full") && !sslmode.equals("disable")) {
                throw new ConnectionSettingsException("weak sslmode \"" + sslmode + "\" may not be used with sslrootcert=system (use \"verify-full\")");
            }
        } else if (!env.exists(Path.of(rootcert))) {
            if (verify && tcp) {
                throw new ConnectionSettingsException("sslmode=" + sslmode + " verifies the server against a root certificate, and "
                        + rootcert + " does not exist: set sslrootcert or PGSSLROOTCERT (sslrootcert=system for the JVM's trusted roots), "
                        + "or choose a weaker sslmode");
            }
            rootcert = null;
        } else if (sslmode.equals("require")) {
            // libpq: "if a root CA file exists, the behavior of sslmode=require will be the same as that of verify-ca".
            sslmode = "verify-ca";
        }
        String cert = v.get("sslcert") != null ? v.get("sslcert") : tls.resolve("postgresql.crt").toString();
        cert = cert.isEmpty() || !env.exists(Path.of(cert)) ? null : cert;
        String key = null;
        if (cert != null) {
            key = v.get("sslkey") != null && !v.get("sslkey").isEmpty() ? v.get("sslkey") : tls.resolve("postgresql.key").toString();
            if (!env.exists(Path.of(key)) && tcp && !sslmode.equals("disable")) {
                throw new ConnectionSettingsException("certificate present, but not private key file \"" + key + "\" (set sslkey or PGSSLKEY)");
            }
        }

        String attrs = v.getOrDefault("target_session_attrs", "any");
        if (!SESSION_ATTRS.contains(attrs)) {
            throw new ConnectionSettingsException("invalid target_session_attrs value: \"" + attrs
                    + "\" (use any, read-write, read-only, primary, standby or prefer-standby)");
        }
        String balance = v.getOrDefault("load_balance_hosts", "disable");
        if (!balance.equals("disable") && !balance.equals("random")) {
            throw new ConnectionSettingsException("invalid load_balance_hosts value: \"" + balance + "\" (use disable or random)");
        }
        String appName = nonEmpty(v.get("application_name")) != null ? v.get("application_name")
                : nonEmpty(v.get("fallback_application_name")) != null ? v.get("fallback_application_name") : DEFAULT_APPLICATION_NAME;
        Map<String, String> extra = new LinkedHashMap<>();
        for (String k : PASSED_ON) {
            if (nonEmpty(v.get(k)) != null) {
                extra.put(k, v.get(k));
            }
        }
        return new ConnectionParams(List.copyOf(endpoints), dbname, user, password, passwordSource, sslmode, cert, key, rootcert,
                nonEmpty(v.get("sslpassword")), connectTimeout(v.get("connect_timeout")), appName, attrs, balance.equals("random"),
                Map.copyOf(extra), List.copyOf(warnings));
    }

    /** The service's keywords: from PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf. */
    private Map<String, String> service(String name) {
        String userFile = env.variable("PGSERVICEFILE");
        Path first = userFile != null ? Path.of(userFile) : env.home().resolve(".pg_service.conf");
        String sysconf = env.variable("PGSYSCONFDIR");
        Path second = Path.of(sysconf != null ? sysconf : DEFAULT_SYSCONFDIR).resolve("pg_service.conf");
        for (Path file : List.of(first, second)) {
            Optional<ConnectionEnvironment.LocalFile> text = env.read(file);
            if (text.isPresent() && text.get().regular()) {
                Optional<Map<String, String>> found = ServiceFile.lookup(text.get().text(), file.toString(), name);
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        throw new ConnectionSettingsException("definition of service \"" + name + "\" not found (looked in " + first + " and " + second + ")");
    }

    private Optional<String> passwordFromFile(Path file, List<Endpoint> endpoints, String dbname, String user, List<String> warnings) {
        Optional<ConnectionEnvironment.LocalFile> read = env.read(file);
        if (read.isEmpty()) {
            return Optional.empty();
        }
        ConnectionEnvironment.LocalFile f = read.get();
        if (!f.regular()) {
            warnings.add("password file \"" + file + "\" is not a plain file");
            return Optional.empty();
        }
        if (f.groupOrWorldAccess()) {
            warnings.add("password file \"" + file + "\" has group or world access; permissions should be u=rw (0600) or less; ignoring it");
            return Optional.empty();
        }
        PgPass pgpass = PgPass.parse(f.text());
        for (Endpoint e : endpoints) {
            Optional<String> p = pgpass.find(passwordHost(e), Integer.toString(e.port()), dbname, user);
            if (p.isPresent() && !p.get().isEmpty()) {
                return p;
            }
        }
        return Optional.empty();
    }

    /** The host a password file line must name: "localhost" matches the default socket directory too. */
    static String passwordHost(Endpoint e) {
        if (e.host() == null) {
            return e.hostaddr();
        }
        return e.host().equals(DEFAULT_SOCKET_DIRECTORY) ? "localhost" : e.host();
    }

    static List<Endpoint> endpoints(String host, String hostaddr, String port) {
        List<String> hosts = split(host);
        List<String> addrs = split(hostaddr);
        if (host != null && hostaddr != null && hosts.size() != addrs.size()) {
            throw new ConnectionSettingsException("could not match " + hosts.size() + " host names to " + addrs.size() + " hostaddr values");
        }
        int n = Math.max(hosts.size(), addrs.size());
        List<String> ports = split(port);
        if (ports.size() != 1 && ports.size() != n) {
            throw new ConnectionSettingsException("could not match " + ports.size() + " port numbers to " + n + " hosts");
        }
        List<Endpoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String h = nonEmpty(i < hosts.size() ? hosts.get(i) : "");
            String a = nonEmpty(i < addrs.size() ? addrs.get(i) : "");
            String p = nonEmpty(ports.get(ports.size() == 1 ? 0 : i));
            if (a != null && !a.matches("[0-9.]+") && !a.contains(":")) {
                throw new ConnectionSettingsException("hostaddr must be a numeric IP address, got \"" + a + "\"");
            }
            if (h == null && a == null) {
                h = DEFAULT_SOCKET_DIRECTORY;
            }
            out.add(new Endpoint(h, a, p == null ? DEFAULT_PORT : port(p)));
        }
        return out;
    }

    private static int port(String p) {
        try {
            int value = Integer.parseInt(p.strip());
            if (value >= 1 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConnectionSettingsException("invalid port number: \"" + p + "\"");
    }

    private static int connectTimeout(String text) {
        if (nonEmpty(text) == null) {
            return 0;
        }
        try {
            int seconds = Integer.parseInt(text.strip());
            // libpq: no limit at zero or below, at least two seconds otherwise.
            return seconds <= 0 ? 0 : Math.max(2, seconds);
        } catch (NumberFormatException e) {
            throw new ConnectionSettingsException("invalid integer value \"" + text + "\" for connection option \"connect_timeout\"");
        }
    }

    private static boolean isPhysicalReplication(String value) {
        return value != null && Set.of("true", "on", "yes", "1").contains(value);
    }

    private static List<String> split(String value) {
        return value == null ? List.of("") : Arrays.asList(value.split(",", -1));
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
