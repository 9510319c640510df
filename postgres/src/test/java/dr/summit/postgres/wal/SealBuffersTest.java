package dr.summit.postgres.wal;

import dr.summit.repository.Repository;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent's pooled seal buffers: one push per buffer, given back on every path, reused, trimmed when idle. */
class SealBuffersTest {
    @TempDir
    Path dir;

    @Test
    void aBufferIsNeverLentToTwoPushesAtOnceAndIsReused() throws Exception {
        SealBuffers pool = new SealBuffers(2, 1024);
        Set<java.nio.ByteBuffer> held = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        Set<java.nio.ByteBuffer> seen = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        try (SealBuffers.Lease lease = pool.take()) {
                            java.nio.ByteBuffer b = lease.buffer();
                            seen.add(b);
                            if (!held.add(b)) {
                                overlaps.incrementAndGet();
                            }
                            most.accumulateAndGet(held.size(), Math::max);
                            Thread.onSpinWait();
                            held.remove(b);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(overlaps).hasValue(0);
        assertThat(most.get()).isBetween(1, 2);
        assertThat(seen).hasSizeBetween(1, 2);   // 1,800 pushes, at most two buffers ever allocated
        assertThat(pool.lent()).isZero();
        assertThat(pool.pooled()).isEqualTo(seen.size());
    }

    @Test
    void aThirdPushWaitsForABufferAndClosingTwiceGivesItBackOnce() throws Exception {
        SealBuffers pool = new SealBuffers(2, 1024);
        SealBuffers.Lease a = pool.take();
        SealBuffers.Lease b = pool.take();
        CountDownLatch third = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (SealBuffers.Lease c = pool.take()) {
                third.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        assertThat(third.await(300, TimeUnit.MILLISECONDS)).isFalse();
        a.close();
        a.close();   // a second close must not free a second slot
        assertThat(third.await(10, TimeUnit.SECONDS)).isTrue();
        t.join();
        assertThatThrownBy(a::buffer).isInstanceOf(IllegalStateException.class);
        assertThat(pool.lent()).isEqualTo(1);
        SealBuffers.Lease d = pool.take();
        assertThat(d.buffer()).isNotSameAs(b.buffer());
        b.close();
        d.close();
        assertThat(pool.lent()).isZero();
    }

    @Test
    void trimDropsTheBuffersNotLent() throws Exception {
        SealBuffers pool = new SealBuffers(2, 1024);
        SealBuffers.Lease a = pool.take();
        pool.take().close();
        assertThat(pool.pooled()).isEqualTo(1);
        pool.trim();
        assertThat(pool.pooled()).isZero();
        a.close();   // lent during the trim: kept (the burst goes on)
        assertThat(pool.pooled()).isEqualTo(1);
    }

    private Repository init() {
        return Repository.init(new LocalDirectoryStore(dir.resolve("repo")), "pool".toCharArray(),
                Repository.InitOptions.DEFAULT.withKdf(new Argon2Params(64, 1, 1)));
    }

    /** A segment with a long page header naming system 42; compressible or random after it. */
    private Path segment(String name, int size, long seed, boolean compressible) throws IOException {
        byte[] bytes = new byte[size];
        Random random = new Random(seed);
        if (compressible) {
            for (int i = 64; i < size; i++) {
                bytes[i] = (byte) ('a' + random.nextInt(4));
            }
        } else {
            random.nextBytes(bytes);
        }
        bytes[0] = (byte) 0xD1;
        bytes[1] = (byte) 0xD1;
        bytes[2] = 0x02;
        bytes[3] = 0;
        for (int i = 0; i < 8; i++) {
            bytes[24 + i] = (byte) (i == 0 ? 42 : 0);
        }
        Path file = Files.createDirectories(dir.resolve("pg_wal")).resolve(name);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void pushesSealedInPooledBuffersComeBackIdenticalAndGiveTheirBuffersAndMemoryBack() throws Exception {
        try (Repository repo = init()) {
            PooledArchive pooled = PooledArchive.over(repo);
            WalArchive archive = pooled.archive();
            SealBuffers pool = pooled.pool();
            PushMemory memory = pooled.memory();
            List<Path> files = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                // Compressible and random segments through one buffer: nothing of one stays in the next.
                files.add(segment(String.format("0000000100000000000000%02X", i + 1), 256 * 1024 - i * 1000, i, i % 2 == 0));
            }
            for (Path f : files) {
                assertThat(archive.push(f)).isEqualTo(WalArchive.Pushed.STORED);
                assertThat(pool.lent()).isZero();
                assertThat(memory.availableBytes()).isEqualTo(4 << 20);
            }
            assertThat(pool.pooled()).isEqualTo(1);
            for (Path f : files) {
                assertThat(archive.read(f.getFileName().toString())).isEqualTo(Files.readAllBytes(f));
                assertThat(archive.push(f)).isEqualTo(WalArchive.Pushed.ALREADY_ARCHIVED);
                assertThat(memory.availableBytes()).as("the comparison's reservation given back").isEqualTo(4 << 20);
            }
        }
    }

    @Test
    void aPushWhoseFileShrinksWhileSealedGivesItsBufferAndMemoryBackAndStoresNothing() throws Exception {
        try (Repository repo = init()) {
            PooledArchive pooled = PooledArchive.over(repo);
            WalArchive archive = pooled.archive();
            SealBuffers pool = pooled.pool();
            PushMemory memory = pooled.memory();
            Path file = segment("000000010000000000000001", 256 * 1024, 7, true);
            // A channel that reports the full size but ends halfway: the read fails during sealing.
            Path half = dir.resolve("half");
            Files.write(half, Arrays.copyOf(Files.readAllBytes(file), 100 * 1024));
            try (FileChannel shrunk = FileChannel.open(half, StandardOpenOption.READ)) {
                FileChannel lying = new SizedChannel(shrunk, 256 * 1024);
                assertThatThrownBy(() -> archive.push(WalFileName.parse("000000010000000000000001"), lying))
                        .isInstanceOf(IOException.class).hasMessageContaining("shrank");
            }
            assertThat(pool.lent()).isZero();
            assertThat(memory.availableBytes()).isEqualTo(4 << 20);
            assertThat(archive.list()).isEmpty();
            assertThat(archive.push(file)).isEqualTo(WalArchive.Pushed.STORED);
            assertThat(archive.read("000000010000000000000001")).isEqualTo(Files.readAllBytes(file));
        }
    }
    @Test
    void aRePushIsComparedSliceBySliceAndADifferenceInTheLastByteIsRefused() throws Exception {
        try (Repository repo = init()) {
            WalArchive archive = new WalArchive(repo, "main");   // the real 16 MiB limit: compared in many slices
            Path file = segment("000000010000000000000001", 1 << 20, 8, true);
            assertThat(archive.push(file)).isEqualTo(WalArchive.Pushed.STORED);
            assertThat(archive.push(file)).isEqualTo(WalArchive.Pushed.ALREADY_ARCHIVED);
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length - 1] ^= 1;
            Files.write(file, bytes);
            assertThatThrownBy(() -> archive.push(file)).isInstanceOf(dr.summit.repository.RepositoryException.class)
                    .hasMessageContaining("different content");
        }
    }

    /** An archive of 256 KiB segments sealing in a pool of one buffer, within a 4 MiB push budget. */
    private record PooledArchive(WalArchive archive, SealBuffers pool, PushMemory memory) {
        static PooledArchive over(Repository repo) {
            WalArchive archive = new WalArchive(repo, "main", 256 * 1024, 128 * 1024);
            SealBuffers pool = archive.newSealBuffers(1);
            PushMemory memory = new PushMemory(4 << 20);
            archive.buffers(pool).memory(memory);
            return new PooledArchive(archive, pool, memory);
        }
    }

    /** A file channel that reports a size other than its file's (a file that shrinks while read). */
    private static final class SizedChannel extends FileChannel {
        private final FileChannel file;
        private final long size;

        SizedChannel(FileChannel file, long size) {
            this.file = file;
            this.size = size;
        }

        @Override public long size() { return size; }
        @Override public int read(java.nio.ByteBuffer dst, long position) throws IOException { return file.read(dst, position); }
        @Override public int read(java.nio.ByteBuffer dst) throws IOException { return file.read(dst); }
        @Override public long read(java.nio.ByteBuffer[] dsts, int offset, int length) throws IOException { return file.read(dsts, offset, length); }
        @Override public int write(java.nio.ByteBuffer src) { throw new UnsupportedOperationException(); }
        @Override public long write(java.nio.ByteBuffer[] srcs, int offset, int length) { throw new UnsupportedOperationException(); }
        @Override public int write(java.nio.ByteBuffer src, long position) { throw new UnsupportedOperationException(); }
        @Override public long position() throws IOException { return file.position(); }
        @Override public FileChannel position(long p) throws IOException { file.position(p); return this; }
        @Override public FileChannel truncate(long s) { throw new UnsupportedOperationException(); }
        @Override public void force(boolean metaData) { }
        @Override public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target) { throw new UnsupportedOperationException(); }
        @Override public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count) { throw new UnsupportedOperationException(); }
        @Override public java.nio.MappedByteBuffer map(MapMode mode, long position, long s) { throw new UnsupportedOperationException(); }
        @Override public java.nio.channels.FileLock lock(long position, long s, boolean shared) { throw new UnsupportedOperationException(); }
        @Override public java.nio.channels.FileLock tryLock(long position, long s, boolean shared) { throw new UnsupportedOperationException(); }
        @Override protected void implCloseChannel() { }
    }
}
