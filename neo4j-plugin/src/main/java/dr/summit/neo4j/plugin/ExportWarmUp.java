package dr.summit.neo4j.plugin;

import org.neo4j.values.storable.Values;

import java.time.LocalDate;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the export's encoder and digest ({@link EntityEncoder}, {@link ExportEncoder},
 * {@link GraphHash}, {@link ByteSink}) over a small synthetic graph held in memory, once per server
 * JVM, on a background thread started with the plugin, so that the JIT has compiled them before
 * the first full backup.
 *
 * <p>Why: the first full backup of a fresh server was the first run of this code, and on 2 cores
 * its export threads shared the CPU with the JIT compiling it (the JVM's compiler statistics had
 * the JIT busy during the whole first full; docs/benchmarks.md, "Neo4j first full").
 * A server that has run for a while has this code compiled anyway (its incremental backups run the
 * digest every minute); this makes the first full look like the later ones. It costs well under a
 * second of one core's time once, at start, on a daemon thread of minimum priority: the server's
 * start never waits for it, and a backup that comes before it ends simply runs it cold, as before.
 *
 * <p>No trace: nothing here touches a database, a transaction or the capture log; the entities
 * exist only as arrays in this thread and are dropped at the end. {@code -Dsummit.dr.export.warmUp=false}
 * leaves it out (the A/B measurements, or an operator who wants none).
 */
public final class ExportWarmUp {
    static final String PROPERTY = "summit.dr.export.warmUp";
    /** Nodes of the synthetic graph, and twice as many relationships: enough calls of every hot method for C2. */
    static final int NODES = 40_000;
    private static final int ROW_BYTES = 256 * 1024;
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final CountDownLatch DONE = new CountDownLatch(1);
    private static volatile Throwable failure;
    private static volatile long millis = -1;

    private ExportWarmUp() {
    }

    /** Starts the warm-up unless it was started before in this JVM (or is switched off); returns at once. */
    static void startOnce() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true")) || !STARTED.compareAndSet(false, true)) {
            return;
        }
        start(() -> {
            try {
                long t = System.nanoTime();
                run(NODES);
                millis = (System.nanoTime() - t) / 1_000_000;
            } catch (Throwable e) {
                // a warm-up that fails costs nothing but its purpose: the export then runs cold
                failure = e;
            } finally {
                DONE.countDown();
            }
        });
    }

    /** {@code work} on a daemon thread of minimum priority, not waited for; whatever it throws stays in it. */
    static Thread start(Runnable work) {
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable e) {
                // never the server's problem
            }
        }, "summit-dr-export-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /**
     * For tests and diagnostics: waits up to {@code timeout} for the warm-up started in this JVM to
     * end; true if it ended (false also when it never started: switched off, or no plugin).
     */
    public static boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return DONE.await(timeout, unit);
    }

    /** What the warm-up threw, or null. */
    public static Throwable failure() {
        return failure;
    }

    /** How long the warm-up took, or -1 before it ended. */
    public static long millis() {
        return millis;
    }

    /**
     * The synthetic graph ({@code nodes} nodes, 2 × {@code nodes} relationships) through the three
     * modes of the export (records and digest: a full; the digest alone: an incremental; records
     * alone: {@code --no-digest}), the full's mode most. Returns the bytes of the rows made (and
     * the digests' hash codes), so nothing of it is dead code to the JIT.
     */
    static long run(int nodes) {
        EntityEncoder full = new EntityEncoder(null, true, new GraphHash(), new GraphHash.LongLongMap(), ROW_BYTES);
        GraphHash digestSum = new GraphHash();
        EntityEncoder digestOnly = new EntityEncoder(null, false, digestSum, new GraphHash.LongLongMap(), ROW_BYTES);
        EntityEncoder recordsOnly = new EntityEncoder(null, true, null, null, ROW_BYTES);
        long bytes = 0;
        String[] one = {"Warm"};
        String[] two = {"Warm", "Up"};
        for (int i = 0; i < nodes; i++) {
            String[] labels = i % 10 == 0 ? two.clone() : one;
            full.node(i, labels, keys(i), values(i));
            if (i % 4 == 0) {
                digestOnly.node(i, labels, keys(i), values(i));
            }
            if (i % 8 == 0) {
                recordsOnly.node(i, labels, keys(i), values(i));
            }
            bytes += flush(full) + flush(recordsOnly);
        }
        for (int i = 0; i < 2 * nodes; i++) {
            long start = i % nodes;
            long end = (i * 7L + 1) % nodes;
            String type = i % 2 == 0 ? "WARM_A" : "WARM_B";
            String[] keys = i % 2 == 0 ? new String[] {"since"} : new String[0];
            Object[] values = i % 2 == 0 ? new Object[] {Values.longValue(i % 50).asObjectCopy()} : new Object[0];
            full.relationship(i, start, end, type, keys, values);
            if (i % 4 == 0 && start % 4 == 0 && end % 4 == 0) {
                digestOnly.relationship(i, start, end, type, keys.clone(), values.clone());
            }
            if (i % 8 == 0) {
                recordsOnly.relationship(i, start, end, type, keys.clone(), values.clone());
            }
            bytes += flush(full) + flush(recordsOnly);
        }
        bytes += full.takeRow().data().length + recordsOnly.takeRow().data().length + digestOnly.takeRow().nodes();
        return bytes + digestSum.toString().hashCode();
    }

    private static int flush(EntityEncoder enc) {
        return enc.rowSize() >= ROW_BYTES ? enc.takeRow().data().length : 0;
    }

    private static final String[] KEYS = {"id", "name", "score", "born", "tags", "active", "counts"};

    /** 1 to 7 properties of the common types, in no particular order (the encoder sorts them). */
    private static String[] keys(int i) {
        int n = 1 + i % KEYS.length;
        String[] k = new String[n];
        for (int j = 0; j < n; j++) {
            k[j] = KEYS[(j + i) % KEYS.length];
        }
        return k;
    }

    /** The values for {@link #keys}, as the property cursor gives them ({@code Value.asObjectCopy()}). */
    private static Object[] values(int i) {
        int n = 1 + i % KEYS.length;
        Object[] v = new Object[n];
        for (int j = 0; j < n; j++) {
            v[j] = switch ((j + i) % KEYS.length) {
                case 0 -> Values.longValue(i).asObjectCopy();
                case 1 -> Values.stringValue("warm " + i).asObjectCopy();
                case 2 -> Values.doubleValue(i / 7.0).asObjectCopy();
                case 3 -> Values.of(LocalDate.ofEpochDay(i % 20_000)).asObjectCopy();
                case 4 -> Values.stringArray("a", "b").asObjectCopy();
                case 5 -> Values.booleanValue(i % 2 == 0).asObjectCopy();
                default -> Values.longArray(new long[] {i, i + 1L}).asObjectCopy();
            };
        }
        return v;
    }
}
