package dr.summit.postgres.stream;

import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.sql.Connection;

/**
 * Whether bytes from the server wait on a replication connection (buffered by pgjdbc or in the
 * socket), answered without reading. pgjdbc's own check ({@code readPending}) tries a read with a
 * 1 ms timeout whenever nothing is buffered, which took 5–8 ms on a UNIX socket here and was most
 * of a synchronous commit's wait (docs/benchmarks.md, "Streaming"). pgjdbc has no public way to
 * ask, so the buffered input is reached by reflection on the pinned version; when that fails the
 * answer is always "maybe" and the receiver falls back to {@code readPending}.
 */
final class PendingBytes {
    private final InputStream input;

    private PendingBytes(InputStream input) {
        this.input = input;
    }

    static PendingBytes of(Connection conn) {
        try {
            Object executor = conn.unwrap(BaseConnection.class).getQueryExecutor();
            Field stream = QueryExecutorBase.class.getDeclaredField("pgStream");
            stream.setAccessible(true);
            Field input = PGStream.class.getDeclaredField("pgInput");
            input.setAccessible(true);
            return new PendingBytes((InputStream) input.get(stream.get(executor)));
        } catch (ReflectiveOperationException | RuntimeException | java.sql.SQLException e) {
            return new PendingBytes(null);
        }
    }

    /** False only when certainly nothing waits: then a read would have to wait for the server. */
    boolean any() throws IOException {
        return input == null || input.available() > 0;
    }

    /** Whether {@link #any} can say "nothing" (reflection worked). */
    boolean exact() {
        return input != null;
    }
}
