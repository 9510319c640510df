package dr.summit.neo4j.stream;

import javax.crypto.Cipher;
import javax.crypto.CipherInputStream;
import javax.crypto.CipherOutputStream;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Sorts a change feed by transaction id with bounded memory, stable within a transaction (its
 * changes keep the plugin's order: deletes before creates, …).
 *
 * <p>The plugin's log is in {@code afterCommit} order, which is out of id order only within the
 * window of concurrently committing transactions. Replacement selection uses exactly that: a heap
 * of at most {@code bound} changes emits its smallest whenever it is full, so a feed whose disorder
 * stays within the bound comes out as one sorted run. A change that arrives after a larger id was
 * already emitted (more disorder than the bound: a huge transaction that committed next to a small
 * one) starts the next run instead of being lost or misplaced, and runs are merged at the end; the
 * fallback is therefore the same code, costing one more run file, not a different path.
 *
 * <p>Runs are spilled to files under a private temporary directory, encrypted (AES-CTR) with a key
 * that exists only in this object: the feed is graph data, and a backup killed with SIGKILL leaves
 * files nobody can read. CTR, not GCM: the JDK's GCM decryption buffers the whole file before
 * returning a byte; integrity is the stream format's (end mark, record structure) and the files
 * never leave this process's run.
 */
public final class FeedSorter implements AutoCloseable {
    /** System property: changes held in memory (default {@value #DEFAULT_BOUND}). */
    public static final String BOUND_PROPERTY = "summit.neo4j.feedBuffer";
    public static final int DEFAULT_BOUND = 20_000;
    /** Runs merged at once; more are merged in consecutive groups first (keeps their order). */
    static final int FAN_IN = 128;

    private record Item(int run, long txId, long seq, GraphChange change) {
    }

    private static final Comparator<Item> ORDER = Comparator.comparingInt(Item::run).thenComparingLong(Item::txId)
            .thenComparingLong(Item::seq);

    private final Path dir;
    private final int bound;
    private final byte[] key = new byte[32];
    private final SecureRandom random = new SecureRandom();
    private final PriorityQueue<Item> heap = new PriorityQueue<>(ORDER);
    private final List<Path> runs = new ArrayList<>();
    private ChangeStreamCodec.Writer current;
    private int currentRun = -1;
    private long lastWritten = Long.MIN_VALUE;
    private long seq;
    private long lastAddedTx = Long.MIN_VALUE;
    private long transactions;
    private boolean finished;
    private boolean closed;

    public FeedSorter(Path parent, int bound) throws IOException {
        if (bound < 1) {
            throw new IllegalArgumentException("feed buffer must hold at least one change, not " + bound);
        }
        Files.createDirectories(parent);
        this.dir = Files.createTempDirectory(parent, "summit-neo4j-feed-");
        this.bound = bound;
        random.nextBytes(key);
    }

    /** A sorter in the JVM's temporary directory with the bound of {@link #BOUND_PROPERTY}. */
    public static FeedSorter inTempDir() throws IOException {
        return new FeedSorter(Path.of(System.getProperty("java.io.tmpdir")), Integer.getInteger(BOUND_PROPERTY, DEFAULT_BOUND));
    }

    /** Adds the next change in feed (log) order. */
    public void add(GraphChange c) throws IOException {
        if (finished) {
            throw new IllegalStateException("feed already sorted");
        }
        // A transaction's changes are contiguous in the log: counting id changes counts transactions.
        if (c.txId() != lastAddedTx) {
            transactions++;
            lastAddedTx = c.txId();
        }
        int run = currentRun >= 0 && c.txId() < lastWritten ? currentRun + 1 : Math.max(currentRun, 0);
        heap.add(new Item(run, c.txId(), seq++, c));
        if (heap.size() > bound) {
            emit(heap.poll());
        }
    }

    private void emit(Item item) throws IOException {
        if (item.run() != currentRun) {
            if (current != null) {
                current.close();
            }
            Path file = dir.resolve("run-" + runs.size());
            runs.add(file);
            current = new ChangeStreamCodec.Writer(encrypting(file));
            currentRun = item.run();
        }
        current.write(item.change());
        lastWritten = item.txId();
    }

    /** Changes added. */
    public long changes() {
        return seq;
    }

    /** Transactions added. */
    public long transactions() {
        return transactions;
    }

    /** Sorted runs written (1 when the disorder stayed within the bound; 0 for an empty feed). */
    public int runs() {
        finish();
        return runs.size();
    }

    private void finish() {
        if (finished) {
            return;
        }
        try {
            while (!heap.isEmpty()) {
                emit(heap.poll());
            }
            if (current != null) {
                current.close();
                current = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        finished = true;
    }

    /** Writes every change to {@code out} in transaction order (may be called more than once). */
    public void writeTo(ChangeStreamCodec.Writer out) throws IOException {
        finish();
        List<Path> level = new ArrayList<>(runs);
        int merged = 0;
        while (level.size() > FAN_IN) {
            List<Path> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += FAN_IN) {
                List<Path> group = level.subList(i, Math.min(level.size(), i + FAN_IN));
                if (group.size() == 1) {
                    next.add(group.get(0));
                    continue;
                }
                Path file = dir.resolve("merged-" + merged++);
                try (ChangeStreamCodec.Writer w = new ChangeStreamCodec.Writer(encrypting(file))) {
                    merge(group, w);
                }
                next.add(file);
            }
            level = next;
        }
        merge(level, out);
    }

    private record Head(int run, GraphChange change) {
    }

    /** Merges runs by (tx id, run index): for one tx id an earlier run holds its earlier changes. */
    private void merge(List<Path> files, ChangeStreamCodec.Writer out) throws IOException {
        List<ChangeStreamCodec.Reader> readers = new ArrayList<>();
        try {
            PriorityQueue<Head> heads = new PriorityQueue<>(Comparator.comparingLong((Head h) -> h.change().txId()).thenComparingInt(Head::run));
            for (int i = 0; i < files.size(); i++) {
                ChangeStreamCodec.Reader r = new ChangeStreamCodec.Reader(decrypting(files.get(i)), "feed spill " + files.get(i));
                readers.add(r);
                GraphChange first = r.next();
                if (first != null) {
                    heads.add(new Head(i, first));
                }
            }
            while (!heads.isEmpty()) {
                Head h = heads.poll();
                out.write(h.change());
                GraphChange next = readers.get(h.run()).next();
                if (next != null) {
                    heads.add(new Head(h.run(), next));
                }
            }
        } finally {
            for (ChangeStreamCodec.Reader r : readers) {
                r.close();
            }
        }
    }

    private OutputStream encrypting(Path file) throws IOException {
        byte[] iv = new byte[16];
        random.nextBytes(iv);
        OutputStream raw = Files.newOutputStream(file);
        raw.write(iv);
        return new CipherOutputStream(raw, cipher(Cipher.ENCRYPT_MODE, iv));
    }

    private InputStream decrypting(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        byte[] iv = raw.readNBytes(16);
        if (iv.length != 16) {
            raw.close();
            throw new IOException("feed spill " + file + " is truncated");
        }
        return new CipherInputStream(raw, cipher(Cipher.DECRYPT_MODE, iv));
    }

    private Cipher cipher(int mode, byte[] iv) {
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(mode, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR is not available in this JVM", e);
        }
    }

    /** Deletes the spill files and forgets the key. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        heap.clear();
        java.util.Arrays.fill(key, (byte) 0);
        if (current != null) {
            try {
                current.close();
            } catch (IOException ignored) {
                // deleted below
            }
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
