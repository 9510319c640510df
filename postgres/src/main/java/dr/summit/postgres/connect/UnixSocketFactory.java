package dr.summit.postgres.connect;

import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketFactory;

import java.io.File;
import java.net.SocketException;
import java.util.List;

/**
 * pgjdbc's socketFactory for UNIX-domain sockets (junixsocket). pgjdbc hands each host of its URL
 * to the socket; {@link PgConnector} names the socket directories 127.0.0.1, 127.0.0.2, … (IP
 * literals, so nothing is looked up), and this factory maps the Nth back to the Nth directory of
 * its argument and connects to DIR/.s.PGSQL.PORT, as libpq does.
 */
public final class UnixSocketFactory extends AFUNIXSocketFactory {
    /** Separates directories in socketFactoryArg: a newline never appears in a socket directory that works. */
    static final String SEPARATOR = "\n";

    private final List<String> directories;

    /** pgjdbc calls this with socketFactoryArg. */
    public UnixSocketFactory(String directories) {
        this.directories = List.of(directories.split(SEPARATOR, -1));
    }

    /** The host name pgjdbc is given for the {@code index}th socket directory. */
    static String hostFor(int index) {
        return "127.0.0." + (index + 1);
    }

    @Override
    public AFUNIXSocketAddress addressFromHost(String host, int port) throws SocketException {
        int index = 0;
        if (host != null && host.startsWith("127.0.0.")) {
            try {
                index = Integer.parseInt(host.substring("127.0.0.".length())) - 1;
            } catch (NumberFormatException e) {
                index = 0;
            }
        }
        String dir = directories.get(Math.max(0, Math.min(index, directories.size() - 1)));
        return AFUNIXSocketAddress.of(new File(dir, ".s.PGSQL." + port));
    }

    @Override
    public boolean isHostnameSupported(String host) {
        return true;
    }
}
