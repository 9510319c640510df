package dr.summit.postgres.basebackup;

import dr.summit.postgres.wal.WalBlockScanner;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which chunks of which files the WAL-derived incremental takes from the parent: only unchanged
 * chunks of logged relations' main forks whose size did not change, and nothing of a relation or
 * database that smgr or dbase records touched, nor anything once the map itself is distrusted.
 */
class WalDeltaTest {
    private static final long CHUNKS_PER_SEGMENT = 4096;
    @TempDir Path pgdata;
    @TempDir Path tablespace;

    private static Node parent(long size) {
        return new Node(NodeType.FILE, "f".getBytes(), 0600, 0, 0, null, null, 0, 0, 0, 0, 0, 0, 1, size, 0, null, null, 0, List.of(), null);
    }

    private Path file(String relative, long size) throws Exception {
        Path f = pgdata.resolve(relative);
        Files.createDirectories(f.getParent());
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.allocate(1), size - 1);
        }
        return f;
    }

    private static ByteBuffer main(int... ints) {
        ByteBuffer b = ByteBuffer.allocate(ints.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : ints) {
            b.putInt(i);
        }
        return b.flip();
    }

    @Test
    void takesTheChunksNoBlockReferenceTouched() throws Exception {
        WalChangeMap map = new WalChangeMap(32);
        map.block(1, 1663, 5, 16384, 0, 33);                       // chunk 1 of segment 0
        map.block(2, 1663, 5, 16384, 0, 131072 + 64);              // chunk 2 of segment 1
        map.block(3, 1663, 5, 16384, 2, 0);                        // the visibility map: not the main fork
        WalDelta delta = new WalDelta(map, pgdata, Map.of(), CHUNKS_PER_SEGMENT);
        long size = 4 * 256 * 1024;
        IntPredicate first = delta.unchangedChunks(file("base/5/16384", size), size, parent(size));
        assertThat(first).isNotNull();
        assertThat(List.of(first.test(0), first.test(1), first.test(2), first.test(3))).containsExactly(true, false, true, true);
        IntPredicate second = delta.unchangedChunks(file("base/5/16384.1", size), size, parent(size));
        assertThat(List.of(second.test(0), second.test(1), second.test(2))).containsExactly(true, true, false);
        assertThat(delta.filesUsingMap()).isEqualTo(2);
        assertThat(delta.fallbacks()).isZero();
    }

    @Test
    void readsWholeWhatTheMapCannotVouchFor() throws Exception {
        WalChangeMap map = new WalChangeMap(32);
        map.record(1, WalBlockScanner.RM_SMGR_ID, 0x20, main(7, 1663, 5, 20000, 7));   // truncate 20000
        map.record(2, WalBlockScanner.RM_SMGR_ID, 0x10, main(1663, 5, 20001, 0));     // create 20001
        map.record(3, WalBlockScanner.RM_DBASE_ID, 0x00, main(6, 1663));              // database 6
        WalDelta delta = new WalDelta(map, pgdata, Map.of(), CHUNKS_PER_SEGMENT);
        long size = 256 * 1024;
        assertThat(delta.unchangedChunks(file("base/5/20000", size), size, parent(size))).isNull();
        assertThat(delta.unchangedChunks(file("base/5/20001", size), size, parent(size))).isNull();
        assertThat(delta.unchangedChunks(file("base/6/30000", size), size, parent(size))).isNull();
        assertThat(delta.unchangedChunks(file("base/5/30001", 2 * size), 2 * size, parent(size))).as("grew").isNull();
        file("base/5/30002_init", 8192);
        assertThat(delta.unchangedChunks(file("base/5/30002", size), size, parent(size))).as("unlogged").isNull();
        assertThat(delta.unchangedChunks(file("base/5/30003_fsm", size), size, parent(size))).as("free space map").isNull();
        assertThat(delta.unchangedChunks(file("base/5/30004", size), size, parent(size))).as("untouched").isNotNull();
        assertThat(delta.fallbacks()).isEqualTo(5);
        assertThat(delta.reported()).anyMatch(r -> r.startsWith("base/5/20000: created or truncated"))
                .anyMatch(r -> r.startsWith("base/6/30000: its database"))
                .anyMatch(r -> r.startsWith("base/5/30001: size changed"))
                .anyMatch(r -> r.startsWith("base/5/30002: unlogged"));
    }

    @Test
    void aDistrustedMapVouchesForNothing() throws Exception {
        WalChangeMap map = new WalChangeMap(32);
        map.record(9, WalBlockScanner.RM_XLOG_ID, 0x60, main());
        assertThat(map.distrust()).contains("settings");
        WalChangeMap broken = new WalChangeMap(32);
        broken.broken(10, "WAL segment 3 is not available");
        assertThat(broken.distrust()).contains("not available");
        long size = 256 * 1024;
        assertThat(new WalDelta(map, pgdata, Map.of(), CHUNKS_PER_SEGMENT).unchangedChunks(file("base/5/1", size), size, parent(size))).isNull();
    }

    @Test
    void mapsTablespaceAndGlobalFilesToTheirRelations() throws Exception {
        Path space = tablespace;
        WalChangeMap map = new WalChangeMap(32);
        map.block(1, 16500, 5, 40000, 0, 0);
        map.block(1, 1664, 0, 1260, 0, 32);
        WalDelta delta = new WalDelta(map, pgdata, Map.of(16500, space), CHUNKS_PER_SEGMENT);
        long size = 2 * 256 * 1024;
        Path inSpace = space.resolve("PG_15_202209061/5/40000");
        Files.createDirectories(inSpace.getParent());
        Files.write(inSpace, new byte[(int) size]);
        IntPredicate t = delta.unchangedChunks(inSpace, size, parent(size));
        assertThat(List.of(t.test(0), t.test(1))).containsExactly(false, true);
        IntPredicate g = delta.unchangedChunks(file("global/1260", size), size, parent(size));
        assertThat(List.of(g.test(0), g.test(1))).containsExactly(true, false);
    }
}
