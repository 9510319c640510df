package dr.summit.postgres.connect;

import java.util.List;

/**
 * Resolved connection settings: every value libpq would use, after the connection string, the
 * service file, the PG* variables, the password file and the defaults. The password is never
 * part of {@link #toString}.
 *
 * @param passwordSource where the password came from, for messages ("PGPASSWORD", a file name), or null
 * @param sslmode        libpq's sslmode, already raised to verify-ca for require with a root certificate, as libpq does
 * @param sslcert        client certificate file, or null for none
 * @param sslkey         client key file, or null for none
 * @param sslrootcert    root certificate file, "system" for the JVM's trusted roots, or null where none exists
 * @param connectTimeoutSeconds 0 for no limit
 * @param targetSessionAttrs    libpq's target_session_attrs (any, read-write, read-only, primary, standby, prefer-standby)
 * @param extra          other libpq keywords passed on (options, channel_binding, …)
 * @param warnings       what libpq would warn about (a password file with loose permissions)
 */
public record ConnectionParams(List<Endpoint> endpoints, String dbname, String user, String password, String passwordSource,
                               String sslmode, String sslcert, String sslkey, String sslrootcert, String sslpassword,
                               int connectTimeoutSeconds, String applicationName, String targetSessionAttrs,
                               boolean loadBalanceHosts, java.util.Map<String, String> extra, List<String> warnings) {
    /** "socket /run/postgresql/.s.PGSQL.5432 as user postgres, database postgres", for messages. */
    public String describe() {
        String where = endpoints.stream().map(Endpoint::describe).collect(java.util.stream.Collectors.joining(", "));
        return where + " as user " + user + ", database " + dbname;
    }

    @Override
    public String toString() {
        return "ConnectionParams[" + describe() + ", sslmode " + sslmode + (password == null ? "" : ", password from " + passwordSource) + "]";
    }
}
