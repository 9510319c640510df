package dr.summit.neo4j.source;

import dr.summit.neo4j.stream.ChangeStreamCodec;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The online ("fuzzy") export: every node, then every relationship, read while writers go on. What
 * it misses or sees half-done is put right by replaying the changes captured after the horizon
 * taken before it started (DESIGN.md principle 4). The plugin's {@code summit.export} reads the
 * store in process and returns the records already in the stored format, in chunks of about 256 KiB;
 * the agent appends them as they are (no per-entity decoding) and gets the counts and, when asked,
 * the graph digest computed in the same pass.
 */
public final class GraphExport {
    /** {@code digest} null when not asked for. */
    public record Counts(long nodes, long relationships, String digest) {
    }

    // Rows of ~256 KiB, not 1 MiB: with the bench's 3 GiB heap G1's regions are 1 MiB, so every
    // array over 512 KiB is a humongous allocation, and the 1 MiB rows (the server's copy, the
    // driver's) started a concurrent GC cycle every ~0.5 s of the export (JFR, docs/benchmarks.md).
    static final long CHUNK_BYTES = 256 << 10;
    // Pull 16 rows (~4 MiB) at a time, not the driver's default 1000: as much in flight as before.
    private static final long FETCH_ROWS = 16;

    private GraphExport() {
    }

    public static Counts write(Neo4jConnection conn, ChangeStreamCodec.Writer out, boolean digest) {
        try (Session session = conn.session(FETCH_ROWS)) {
            Result result = session.run("CALL summit.export($digest, $chunk, true)", Map.of("digest", digest, "chunk", CHUNK_BYTES));
            long records = 0;
            Record last = null;
            while (result.hasNext()) {
                last = result.next();
                long total = last.get("nodes").asLong() + last.get("relationships").asLong();
                out.writeEncoded(last.get("data").asByteArray(), total - records);
                records = total;
            }
            if (last == null) {
                throw new IllegalStateException("summit.export returned no rows");
            }
            return new Counts(last.get("nodes").asLong(), last.get("relationships").asLong(),
                    last.get("digest").isNull() ? null : last.get("digest").asString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw conn.failure("exporting", e);
        }
    }

    /**
     * The graph digest computed by the plugin in process (the export's pass without the encoding):
     * one row over Bolt instead of every entity, but still a read of the whole store.
     */
    public static String digest(Neo4jConnection conn) {
        return conn.read(session -> session.run("CALL summit.export(true, 0, false)").single().get("digest").asString());
    }

    /** Index and constraint definitions (not the token-lookup indexes every database has). */
    public static List<String> schema(Neo4jConnection conn) {
        return conn.read(session -> {
            List<String> out = new java.util.ArrayList<>();
            session.run("SHOW CONSTRAINTS YIELD createStatement RETURN createStatement ORDER BY createStatement")
                    .forEachRemaining(r -> out.add(r.get(0).asString()));
            session.run("SHOW INDEXES YIELD name, type, owningConstraint, createStatement "
                            + "WHERE type <> 'LOOKUP' AND owningConstraint IS NULL AND NOT name STARTS WITH 'summit_dr_restore' "
                            + "RETURN createStatement ORDER BY createStatement")
                    .forEachRemaining(r -> out.add(r.get(0).asString()));
            return out;
        });
    }
}
