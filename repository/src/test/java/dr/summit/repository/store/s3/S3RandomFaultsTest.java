package dr.summit.repository.store.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.maintenance.Pruner;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Backups and prunes against an S3 endpoint that answers a random share of requests with 503
 * SlowDown, 500, a reset connection, a lost response or a damaged body: each run either succeeds
 * (after retries) or fails with a clear message, and afterwards the repository verifies with every
 * byte read and every committed snapshot has all its data.
 */
class S3RandomFaultsTest {
    private static final Repository.InitOptions OPTIONS = new Repository.InitOptions(ChunkerParams.DEFAULT, 1024 * 1024,
            Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    private static final char[] PASSWORD = "random faults".toCharArray();
    private static final S3StoreOptions RETRYING = S3StoreOptions.DEFAULT.withMaxAttempts(6)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(60));
    private static final FaultInjectingProxy.Fault[] FAULTS = {FaultInjectingProxy.Fault.SLOW_DOWN,
            FaultInjectingProxy.Fault.INTERNAL_ERROR, FaultInjectingProxy.Fault.RESET, FaultInjectingProxy.Fault.LOSE_RESPONSE,
            FaultInjectingProxy.Fault.CORRUPT_RESPONSE, FaultInjectingProxy.Fault.CORRUPT_REQUEST};
    static LoopbackS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LoopbackS3.start();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    /** A snapshot of one file made of {@code chunks}: what each committed snapshot must still restore. */
    private static Snapshot commit(Repository repo, BlobSaver saver, List<ChunkRef> chunks, long size, int round) {
        Node file = new Node(NodeType.FILE, ("file-" + round).getBytes(StandardCharsets.UTF_8), 0644, 0, 0, "", "",
                0, 0, 0, 0, 0, 0, 1, size, 0, null, List.of(), 0, chunks, List.of());
        BlobId tree = saver.save(BlobType.TREE, TreeCodec.encode(List.of(file))).id();
        saver.flush();
        return repo.saveSnapshot(new Snapshot(null, Snapshot.VERSION, "test", Instant.now(), "h", "u", List.of("/r" + round),
                List.of(), tree.hex(), null, "test", null));
    }

    @Test
    void backupsAndPrunesThroughRandomFaultsLoseNothing() throws Exception {
        String bucket = s3.newBucket();
        Random random = new Random(2026);
        Map<String, List<byte[]>> committed = new HashMap<>();
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(s3.port())) {
            S3Location location = S3Location.parse("s3:" + proxy.endpoint() + bucket + "/repo");
            Repository.init(new S3ObjectStore(location, LoopbackS3.credentials(), RETRYING), PASSWORD, OPTIONS).close();
            Random faults = new Random(7);
            proxy.fail(r -> faults.nextInt(100) < 12, Integer.MAX_VALUE, FAULTS[0]);
            for (FaultInjectingProxy.Fault fault : FAULTS) {
                proxy.fail(r -> faults.nextInt(100) < 3, Integer.MAX_VALUE, fault);
            }
            int succeeded = 0;
            int failedClearly = 0;
            for (int round = 0; round < 8; round++) {
                try (Repository repo = Repository.open(new S3ObjectStore(location, LoopbackS3.credentials(), RETRYING), PASSWORD)) {
                    if (round % 3 == 2) {
                        List<Snapshot> all = repo.listSnapshots();
                        if (!all.isEmpty()) {
                            repo.deleteSnapshot(all.get(0).id());
                            committed.remove(all.get(0).id());
                        }
                        new Pruner(repo).execute(new Pruner(repo).plan(0.0));
                    } else {
                        List<byte[]> contents = new ArrayList<>();
                        List<ChunkRef> refs = new ArrayList<>();
                        long size = 0;
                        try (BlobSaver saver = repo.newBlobSaver(2)) {
                            for (int i = 0; i < 12; i++) {
                                byte[] chunk = new byte[100_000 + random.nextInt(200_000)];
                                random.nextBytes(chunk);
                                contents.add(chunk);
                                refs.add(new ChunkRef(saver.save(BlobType.DATA, chunk).id(), chunk.length));
                                size += chunk.length;
                            }
                            Snapshot s = commit(repo, saver, refs, size, round);
                            committed.put(s.id(), contents);
                        }
                    }
                    succeeded++;
                } catch (RepositoryException e) {
                    // A run may fail when retries run out: with a one-line message naming what and where.
                    assertThat(e.getMessage()).as("round %d", round).doesNotContain("\n").containsAnyOf(bucket, "data/", "index/", "snapshots/");
                    failedClearly++;
                    System.out.println("random S3 faults: round " + round + " failed: " + e.getMessage());
                }
            }
            assertThat(succeeded).as("most runs get through the faults by retrying").isGreaterThan(4);
            assertThat(proxy.requests().stream().filter(r -> r.fault() != null).count()).as("faults injected").isGreaterThan(20);
            System.out.printf("random S3 faults: %d runs succeeded, %d failed with a clear message%n", succeeded, failedClearly);
        }
        try (S3ObjectStore clean = s3.store(bucket, "repo")) {
            // A run that failed may have left its lease (its delete hit a fault, as after a crash):
            // it would expire; here it is removed instead of waited for.
            for (String lease : clean.list("leases/")) {
                clean.delete(lease);
            }
        }
        try (Repository repo = Repository.open(s3.store(bucket, "repo"), PASSWORD)) {
            new Pruner(repo).execute(new Pruner(repo).plan(0.0));
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
            for (Snapshot s : repo.listSnapshots()) {
                List<byte[]> expected = committed.get(s.id());
                assertThat(expected).as("snapshot %s was committed by a run the test saw succeed", s.id()).isNotNull();
                Node file = repo.loadTree(BlobId.parse(s.tree())).get(0);
                List<ChunkRef> chunks = repo.fileChunks(file);
                assertThat(chunks).hasSameSizeAs(expected);
                for (int i = 0; i < chunks.size(); i++) {
                    assertThat(repo.loadBlob(BlobType.DATA, chunks.get(i).id())).isEqualTo(expected.get(i));
                }
            }
        }
    }
}
