package dr.summit.postgres.connect;

import java.nio.file.Path;

/**
 * One server to try: a socket directory or a host name (with, optionally, the address to connect
 * to instead of looking the name up, libpq's hostaddr), and a port.
 */
public record Endpoint(String host, String hostaddr, int port) {
    /** A host that starts with a slash is a socket directory, as in libpq. */
    public boolean socket() {
        return hostaddr == null && host != null && host.startsWith("/");
    }

    /** The socket file: DIR/.s.PGSQL.PORT. */
    public Path socketFile() {
        return Path.of(host).resolve(".s.PGSQL." + port);
    }

    /** What the server is connected through, in operators' words. */
    public String describe() {
        if (socket()) {
            return "socket " + socketFile();
        }
        String name = host == null ? hostaddr : hostaddr == null ? host : host + " (" + hostaddr + ")";
        return "host " + name + " port " + port;
    }
}
