package dr.summit.neo4j.stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's bounded sort of a change feed: same stream as an in-memory stable sort, whatever the disorder. */
class FeedSorterTest {
    @TempDir
    Path dir;

    /** A feed as the plugin's log gives it: transactions whole, in commit-finish order within a window. */
    static List<GraphChange> feed(Random rnd, int transactions, int window, int maxChanges, int padding) {
        List<Long> ids = new ArrayList<>();
        for (long t = 1; t <= transactions; t++) {
            ids.add(t * 2);   // gaps: token and schema transactions are never in the feed
        }
        // Each transaction moves back by up to `window` places: concurrent afterCommit calls.
        for (int i = 0; i < ids.size(); i++) {
            int j = Math.max(0, i - rnd.nextInt(window + 1));
            ids.add(j, ids.remove(i));
        }
        List<GraphChange> out = new ArrayList<>();
        String pad = "x".repeat(padding);
        for (long tx : ids) {
            int n = 1 + rnd.nextInt(maxChanges);
            for (int k = 0; k < n; k++) {
                out.add(new GraphChange(GraphChange.Op.values()[k % GraphChange.Op.values().length], tx, tx * 1000, k, -1, -1,
                        List.of("L" + k), Map.of("k", (long) k, "pad", pad), List.of()));
            }
        }
        return out;
    }

    private static List<GraphChange> sorted(FeedSorter s) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ChangeStreamCodec.Writer w = new ChangeStreamCodec.Writer(b)) {
            s.writeTo(w);
        }
        List<GraphChange> out = new ArrayList<>();
        try (ChangeStreamCodec.Reader r = new ChangeStreamCodec.Reader(new ByteArrayInputStream(b.toByteArray()), "sorted")) {
            for (GraphChange c = r.next(); c != null; c = r.next()) {
                out.add(c);
            }
        }
        return out;
    }

    private static List<GraphChange> stableSort(List<GraphChange> feed) {
        List<GraphChange> expected = new ArrayList<>(feed);
        expected.sort(Comparator.comparingLong(GraphChange::txId));   // List.sort is stable
        return expected;
    }

    @Test
    void disorderWithinTheBoundIsOneRunEqualToTheInMemorySort() throws Exception {
        List<GraphChange> feed = feed(new Random(1), 3000, 8, 5, 0);
        try (FeedSorter s = new FeedSorter(dir, 200)) {
            for (GraphChange c : feed) {
                s.add(c);
            }
            assertThat(s.changes()).isEqualTo(feed.size()).isGreaterThan(200 * 10);
            assertThat(s.transactions()).isEqualTo(3000);
            assertThat(s.runs()).isEqualTo(1);
            assertThat(sorted(s)).isEqualTo(stableSort(feed));
        }
    }

    @Test
    void disorderBeyondTheBoundFallsBackToMergedRunsWithTheSameResult() throws Exception {
        // Big transactions next to small ones, and a window far wider than the buffer.
        List<GraphChange> feed = feed(new Random(2), 2000, 300, 40, 0);
        try (FeedSorter s = new FeedSorter(dir, 16)) {
            for (GraphChange c : feed) {
                s.add(c);
            }
            assertThat(s.runs()).isGreaterThan(FeedSorter.FAN_IN);   // merged in two levels
            assertThat(sorted(s)).isEqualTo(stableSort(feed));
            assertThat(sorted(s)).as("writeTo can run twice (BackupFiles may retry nothing, but tests read it)").hasSize(feed.size());
        }
        try (var left = Files.list(dir)) {
            assertThat(left.toList()).as("spill files deleted on close").isEmpty();
        }
    }

    @Test
    void spillFilesHoldNoReadableGraphData() throws Exception {
        try (FeedSorter s = new FeedSorter(dir, 4)) {
            for (int i = 10; i > 0; i--) {
                s.add(new GraphChange(GraphChange.Op.CREATE_NODE, i, 0, i, -1, -1, List.of("Secret"), Map.of("name", "plaintext-name"), List.of()));
            }
            s.runs();
            try (var files = Files.walk(dir)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    String raw = new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertThat(raw).doesNotContain("plaintext-name").doesNotContain("Secret").doesNotContain("SUMMIT-DR");
                }
            }
        }
    }

    /**
     * The memory claim: a feed of ~150 MB sorted in a JVM with a 48 MB heap (the old agent held
     * the whole feed as a list of maps, several times its encoded size).
     */
    @Test
    void aFeedLargerThanTheHeapIsSortedInASmallHeap() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                "-D" + FeedSorter.BOUND_PROPERTY + "=4000", "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
                Child.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("sorted 150000 changes");
    }

    /** Generates the feed on the fly (never held), sorts it, checks the order while it streams out. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Random rnd = new Random(3);
            int n = 150_000;
            try (FeedSorter s = FeedSorter.inTempDir()) {
                long tx = 0;
                String pad = "p".repeat(1000);
                for (int i = 0; i < n; i++) {
                    // commit-finish order: a transaction is late by up to 50 places
                    long id = (i / 3) * 2L + (rnd.nextInt(20) == 0 ? -rnd.nextInt(50) * 2L : 0);
                    tx = Math.max(1, id);
                    s.add(new GraphChange(GraphChange.Op.CREATE_NODE, tx, 0, i, -1, -1, List.of("N"), Map.of("pad", pad + i), List.of()));
                }
                PipedInputStream in = new PipedInputStream(1 << 16);
                PipedOutputStream pipe = new PipedOutputStream(in);
                AtomicReference<String> result = new AtomicReference<>("no result");
                Thread reader = new Thread(() -> {
                    try (ChangeStreamCodec.Reader r = new ChangeStreamCodec.Reader(in, "sorted")) {
                        long last = Long.MIN_VALUE;
                        long count = 0;
                        for (GraphChange c = r.next(); c != null; c = r.next()) {
                            if (c.txId() < last) {
                                result.set("out of order at " + count);
                                return;
                            }
                            last = c.txId();
                            count++;
                        }
                        result.set("sorted " + count + " changes");
                    } catch (Exception e) {
                        result.set(e.toString());
                    }
                });
                reader.start();
                try (ChangeStreamCodec.Writer w = new ChangeStreamCodec.Writer(pipe)) {
                    s.writeTo(w);
                }
                reader.join();
                System.out.println(result.get() + "; runs " + s.runs() + "; max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
            }
        }
    }
}
