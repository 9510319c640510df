package dr.summit.neo4j.plugin;

import org.neo4j.internal.kernel.api.NodeCursor;
import org.neo4j.internal.kernel.api.PartitionedScan;
import org.neo4j.internal.kernel.api.PropertyCursor;
import org.neo4j.internal.kernel.api.Read;
import org.neo4j.internal.kernel.api.RelationshipScanCursor;
import org.neo4j.kernel.api.ExecutionContext;
import org.neo4j.kernel.api.KernelTransaction;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;

/**
 * One read of the store for a full backup, on several threads: every node, then every
 * relationship, encoded in the agent's stream format and cut into rows of about {@code rowBytes},
 * so Bolt carries a few large byte arrays instead of one map per entity. With {@code digest}, the
 * graph digest ({@link GraphHash}) is computed in the same pass; an incremental backup asks for
 * the digest alone (the same pass without the encoding, one row).
 *
 * <p>Why threads: the pass was the full backup's critical path (73 % of the JFR samples on one
 * thread, the agent's write path beside it on the other core; docs/benchmarks.md). The store is
 * read through the kernel's partitioned scans, the parallel runtime's API: the procedure's
 * transaction gives each thread an {@link ExecutionContext} (its own cursors and page-cache
 * context over the same transaction), and each thread reserves the next id range of nodes (then of
 * relationships) until none is left. Partitions are numbered in the order their ranges were
 * reserved (under one lock: the range and its number together), which is id order, and
 * {@link OrderedRows} gives the rows to the procedure's stream in that order: the stream is the
 * same bytes as a one-thread read (an unchanged graph deduplicates), every node before any
 * relationship (the restore creates nodes first). With a digest, relationships wait until every
 * node is read: a relationship hashes its ends' node keys. Each thread keeps a partial digest;
 * the partial sums add up (mod 2^128) to the graph's.
 *
 * <p>Measured on 2 cores at 1M nodes / 2M relationships (docs/benchmarks.md, "parallel export"):
 * the warm pass (an unchanged full) −25 %, the incremental's digest pass −43 %; the first full of
 * a fresh server JVM, which runs this code cold, did not move on average.
 *
 * <p>The export is fuzzy either way (it reads while writers commit; the backup's replay of
 * (H0, H1] makes it consistent), so the threads' reads need no common snapshot.
 */
final class ExportPass implements Iterator<ExportPass.Chunk>, AutoCloseable {
    /** A row: records, and the counts (per row inside the pass; running totals in the stream). */
    record Chunk(byte[] data, long nodes, long relationships, String digest) {
    }

    /** Entities per partition when not told: a partition is a few rows, so threads stay near each other. */
    static final int PARTITION_ENTITIES = 32_768;
    /** Threads when not told: the cores, at most 4 (the server has queries to answer too). */
    static final int MAX_THREADS = 4;

    private final boolean records;
    private final boolean digest;
    private final int rowBytes;
    private final PartitionedScan<NodeCursor> nodeScan;
    private final PartitionedScan<RelationshipScanCursor> relationshipScan;
    private final OrderedRows<Chunk> rows;
    private final CountDownLatch nodesRead;
    private final GraphHash.LongLongMap nodeKeys;
    private final List<ExecutionContext> contexts = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final GraphHash[] partials;
    private final Object reserveLock = new Object();
    private boolean nodesExhausted;
    private Chunk pending;
    private boolean started;
    private boolean done;
    private long nodeTotal;
    private long relationshipTotal;

    /**
     * {@code records} false: the digest alone (one row), nothing encoded. {@code threadCount} and
     * {@code partitionEntities} 0: the defaults. Starts the threads; {@link #close} stops them.
     */
    ExportPass(KernelTransaction ktx, boolean records, boolean digest, int rowBytes, int threadCount, int partitionEntities) {
        this.records = records;
        this.digest = digest;
        this.rowBytes = rowBytes;
        int n = threadCount > 0 ? threadCount : Math.max(1, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
        int per = partitionEntities > 0 ? partitionEntities : PARTITION_ENTITIES;
        Read read = ktx.dataRead();
        this.nodeScan = read.allNodesScan(partitions(read.nodesGetCount(), per), ktx.cursorContext());
        this.relationshipScan = read.allRelationshipsScan(partitions(read.relationshipsGetCount(), per), ktx.cursorContext());
        // ~8 rows per thread ahead of the one the stream is at: a few MiB, whatever the graph's size
        this.rows = new OrderedRows<>(n, 8 * n);
        this.nodesRead = new CountDownLatch(n);
        this.nodeKeys = digest ? new GraphHash.LongLongMap() : null;
        this.partials = new GraphHash[n];
        try {
            for (int i = 0; i < n; i++) {
                // created here, on the transaction's thread while the procedure's statement is open
                ExecutionContext ctx = ktx.createExecutionContext();
                contexts.add(ctx);
                GraphHash partial = digest ? new GraphHash() : null;
                partials[i] = partial;
                Thread t = new Thread(() -> work(ctx, partial), "summit-dr-export-" + i);
                t.setDaemon(true);
                threads.add(t);
            }
        } catch (RuntimeException e) {
            contexts.forEach(ExecutionContext::complete);
            contexts.forEach(ExecutionContext::close);
            throw e;
        }
        threads.forEach(Thread::start);
    }

    private static int partitions(long entities, int per) {
        return (int) Math.max(1, Math.min(1 << 16, (entities + per - 1) / per));
    }

    /** One thread: node partitions until none is left, then relationship partitions. */
    private void work(ExecutionContext ctx, GraphHash partial) {
        boolean counted = false;
        try (NodeCursor node = ctx.cursors().allocateNodeCursor(ctx.cursorContext(), ctx.memoryTracker());
             RelationshipScanCursor rel = ctx.cursors().allocateRelationshipScanCursor(ctx.cursorContext(), ctx.memoryTracker());
             PropertyCursor props = ctx.cursors().allocatePropertyCursor(ctx.cursorContext(), ctx.memoryTracker())) {
            EntityEncoder enc = new EntityEncoder(ctx.tokenRead(), records, partial, nodeKeys, rowBytes);
            for (int p = reserveNodes(node, ctx); p >= 0; p = reserveNodes(node, ctx)) {
                while (node.next()) {
                    enc.node(node, props);
                    flushIfFull(enc, p);
                }
                finish(enc, p);
            }
            nodesRead.countDown();
            counted = true;
            if (digest) {
                nodesRead.await();
            }
            for (int p = reserveRelationships(rel, ctx); p >= 0; p = reserveRelationships(rel, ctx)) {
                while (rel.next()) {
                    enc.relationship(rel, props);
                    flushIfFull(enc, p);
                }
                finish(enc, p);
            }
        } catch (CancellationException | InterruptedException e) {
            // the reader went away or another thread failed: that one reports
        } catch (Throwable t) {
            rows.fail(t);
        } finally {
            if (!counted) {
                nodesRead.countDown();
            }
            try {
                ctx.complete();
            } finally {
                rows.producerDone();
            }
        }
    }

    /** The next node range into the cursor and its partition number, or -1 when none is left. */
    private int reserveNodes(NodeCursor cursor, ExecutionContext ctx) {
        synchronized (reserveLock) {
            if (nodesExhausted || rows.cancelled() || !nodeScan.reservePartition(cursor, ctx)) {
                // from now on every partition number is a relationship's: nodes come first
                nodesExhausted = true;
                return -1;
            }
            return rows.reserve();
        }
    }

    private int reserveRelationships(RelationshipScanCursor cursor, ExecutionContext ctx) {
        synchronized (reserveLock) {
            if (rows.cancelled() || !relationshipScan.reservePartition(cursor, ctx)) {
                return -1;
            }
            return rows.reserve();
        }
    }

    private void flushIfFull(EntityEncoder enc, int partition) throws InterruptedException {
        if (records && enc.rowSize() >= rowBytes) {
            rows.put(partition, enc.takeRow());
        }
    }

    private void finish(EntityEncoder enc, int partition) throws InterruptedException {
        if (enc.hasEntities()) {
            rows.put(partition, enc.takeRow());
        }
        rows.finish(partition);
    }

    @Override
    public boolean hasNext() {
        return !done;
    }

    /**
     * The next row in partition order, with the running counts; the last one (possibly empty)
     * carries the digest. Digest only: one row.
     */
    @Override
    public Chunk next() {
        if (done) {
            throw new NoSuchElementException();
        }
        try {
            if (!started) {
                started = true;
                pending = nextNonEmpty();
            }
            Chunk current = pending;
            pending = current == null ? null : nextNonEmpty();
            if (current != null) {
                nodeTotal += current.nodes();
                relationshipTotal += current.relationships();
            }
            byte[] data = current == null ? new byte[0] : current.data();
            if (pending != null) {
                return new Chunk(data, nodeTotal, relationshipTotal, null);
            }
            done = true;
            return new Chunk(data, nodeTotal, relationshipTotal, digest ? digest() : null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("summit-dr export: interrupted", e);
        }
    }

    /** Without records, the threads' rows only carry counts: add them up into one row. */
    private Chunk nextNonEmpty() throws InterruptedException {
        if (records) {
            return rows.take();
        }
        long n = 0, r = 0;
        boolean any = false;
        for (Chunk c = rows.take(); c != null; c = rows.take()) {
            n += c.nodes();
            r += c.relationships();
            any = true;
        }
        return any ? new Chunk(new byte[0], n, r, null) : null;
    }

    /** The partial digests' sum, once every thread has ended. */
    private String digest() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
        GraphHash sum = new GraphHash();
        for (GraphHash p : partials) {
            sum.add(p);
        }
        return sum.toString();
    }

    /** Stops the threads (when the reader went away early) and closes their contexts. */
    @Override
    public void close() {
        rows.cancel();
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        contexts.forEach(ExecutionContext::close);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
