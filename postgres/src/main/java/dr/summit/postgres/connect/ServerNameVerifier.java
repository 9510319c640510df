package dr.summit.postgres.connect;

import org.postgresql.ssl.PGjdbcHostnameVerifier;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * sslmode=verify-full with hostaddr: pgjdbc connects to the address and would check the
 * certificate against it; libpq checks it against the host name. This verifier (pgjdbc's
 * sslhostnameverifier, built with the connection properties) checks the name that goes with the
 * address.
 */
public final class ServerNameVerifier implements HostnameVerifier {
    /** Connection property: "addr=name" pairs separated by newlines. */
    static final String PROPERTY = "summitServerNames";

    private final Map<String, String> names = new HashMap<>();

    public ServerNameVerifier(Properties info) {
        for (String pair : info.getProperty(PROPERTY, "").split("\n")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                names.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
    }

    @Override
    public boolean verify(String hostname, SSLSession session) {
        return PGjdbcHostnameVerifier.INSTANCE.verify(names.getOrDefault(hostname, hostname), session);
    }
}
