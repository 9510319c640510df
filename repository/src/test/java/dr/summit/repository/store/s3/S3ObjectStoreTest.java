package dr.summit.repository.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.TestBytes;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** The {@code ObjectStore} contract on S3, against S3Proxy on loopback. */
class S3ObjectStoreTest {
    private static final int MiB = 1024 * 1024;
    static LoopbackS3 s3;
    /**
     * For exact request counts: a proxy with no faults, which opens a fresh connection per request.
     * S3Proxy now and then drops a reused keep-alive connection after storing an object; the store's
     * retry handles that (S3RetryTest) but would make exact counts vary.
     */
    static FaultInjectingProxy freshConnections;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LoopbackS3.start();
        freshConnections = new FaultInjectingProxy(s3.port());
    }

    @AfterAll
    static void stopS3() throws Exception {
        freshConnections.close();
        s3.close();
    }

    private static S3ObjectStore countedStore(String bucket) {
        return new S3ObjectStore(S3Location.parse("s3:" + freshConnections.endpoint() + bucket + "/p"),
                LoopbackS3.credentials(), LoopbackS3.FAST);
    }

    @Test
    void putThenGetReturnsTheBytesUnderTheKeyPrefix() {
        String bucket = s3.newBucket();
        Random random = new Random(700);
        Map<String, byte[]> objects = new HashMap<>();
        try (S3ObjectStore store = s3.store(bucket, "backups/host1")) {
            for (int i = 0; i < 24; i++) {
                String name = switch (i % 4) {
                    case 0 -> "config" + i;
                    case 1 -> "snapshots/" + i;
                    case 2 -> "data/" + String.format("%02x", i) + "/" + "ab".repeat(32) + i;
                    default -> "keys/slots/" + i;
                };
                byte[] data = TestBytes.random(random, i == 0 ? 0 : random.nextInt(100_000));
                store.put(name, data);
                objects.put(name, data);
            }
            objects.forEach((name, data) -> {
                assertThat(store.get(name)).isEqualTo(data);
                assertThat(store.exists(name)).isTrue();
                assertThat(store.size(name)).isEqualTo(data.length);
            });
            assertThat(store.list("")).containsExactlyInAnyOrderElementsOf(objects.keySet());
            assertThat(store.list("snapshots/")).hasSize(6).allMatch(n -> n.startsWith("snapshots/"));
            assertThat(store.location()).isEqualTo("s3:" + s3.endpoint() + bucket + "/backups/host1");
        }
        assertThat(s3.keys(bucket)).allMatch(k -> k.startsWith("backups/host1/")).hasSize(objects.size());
    }

    @Test
    void putOfASliceStoresOnlyTheSlice() {
        try (S3ObjectStore store = s3.store(s3.newBucket(), "")) {
            store.put("x", new byte[]{1, 2, 3, 4, 5}, 1, 3);
            assertThat(store.get("x")).containsExactly(2, 3, 4);
        }
    }

    @Test
    void getRangeReadsAnyRangeAndRefusesToReadPastTheEnd() {
        Random random = new Random(701);
        byte[] data = TestBytes.random(random, 10_000);
        try (S3ObjectStore store = s3.store(s3.newBucket(), "r")) {
            store.put("data/00/pack", data);
            for (int i = 0; i < 40; i++) {
                int offset = random.nextInt(data.length + 1);
                int length = random.nextInt(data.length - offset + 1);
                assertThat(store.getRange("data/00/pack", offset, length))
                        .isEqualTo(Arrays.copyOfRange(data, offset, offset + length));
            }
            assertThatThrownBy(() -> store.getRange("data/00/pack", 9_990, 11))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("data/00/pack")
                    .hasMessageContaining("is truncated: wanted 11 bytes at offset 9990, it has 10000");
            assertThatThrownBy(() -> store.getRange("data/00/pack", 20_000, 1))
                    .isInstanceOf(StoreException.class).hasMessageContaining("it has 10000");
            assertThatThrownBy(() -> store.getRange("data/00/absent", 0, 1)).isInstanceOf(ObjectNotFoundException.class);
        }
    }

    @Test
    void missingObjectsAreReportedAsNotFoundAndDeletesAreIdempotent() {
        try (S3ObjectStore store = s3.store(s3.newBucket(), "p")) {
            assertThatThrownBy(() -> store.get("snapshots/nope"))
                    .isInstanceOf(ObjectNotFoundException.class)
                    .hasMessage("object snapshots/nope not found in " + store.location());
            assertThatThrownBy(() -> store.size("snapshots/nope")).isInstanceOf(ObjectNotFoundException.class);
            assertThat(store.exists("snapshots/nope")).isFalse();
            store.delete("snapshots/nope");

            store.put("snapshots/a", new byte[]{1});
            store.delete("snapshots/a");
            store.delete("snapshots/a");
            assertThat(store.exists("snapshots/a")).isFalse();
            assertThat(store.list("snapshots/")).isEmpty();
        }
    }

    @Test
    void putRefusesToOverwriteAndKeepsTheOldContent() {
        try (S3ObjectStore store = s3.store(s3.newBucket(), "p")) {
            store.put("config", new byte[]{1, 2, 3});
            assertThatThrownBy(() -> store.put("config", new byte[]{9}))
                    .isInstanceOf(ObjectExistsException.class)
                    .hasMessage("object config already exists in " + store.location() + " (objects are write-once)");
            // The same bytes again are refused too: a put never succeeds on a name that exists.
            assertThatThrownBy(() -> store.put("config", new byte[]{1, 2, 3})).isInstanceOf(ObjectExistsException.class);
            byte[] large = new byte[3 * MiB];
            store.put("data/00/large", large);
            assertThatThrownBy(() -> store.put("data/00/large", large)).isInstanceOf(ObjectExistsException.class);
            assertThat(store.get("config")).containsExactly(1, 2, 3);
        }
    }

    @Test
    void largeObjectsGoUpInPartsAndAreWriteOnceToo() {
        assertThat(S3MultipartUpload.partCount(16 * MiB - 1, 8 * MiB)).as("below two parts: one plain PUT").isEqualTo(1);
        assertThat(S3MultipartUpload.partCount(16 * MiB + 100, 8 * MiB)).isEqualTo(2);
        String bucket = s3.newBucket();
        Random random = new Random(702);
        byte[] big = TestBytes.random(random, 20 * MiB);
        try (S3ObjectStore store = countedStore(bucket)) {
            store.put("data/ab/pack", big);
            StoreStats.Snapshot stats = store.stats().snapshot();
            // HEAD (exists?) + create + 2 parts (8, 12 MiB: the last part takes the remainder) + complete
            assertThat(stats.heads()).isEqualTo(1);
            assertThat(stats.puts()).isEqualTo(4);
            assertThat(stats.putBytes()).isEqualTo(20L * MiB);

            assertThat(store.size("data/ab/pack")).isEqualTo(20L * MiB);
            assertThat(store.get("data/ab/pack")).isEqualTo(big);
            assertThat(store.getRange("data/ab/pack", 8L * MiB - 10, 20))
                    .isEqualTo(Arrays.copyOfRange(big, 8 * MiB - 10, 8 * MiB + 10));

            byte[] other = TestBytes.random(random, 16 * MiB);
            assertThatThrownBy(() -> store.put("data/ab/pack", other)).isInstanceOf(ObjectExistsException.class);
            assertThat(store.size("data/ab/pack")).isEqualTo(20L * MiB);
        }
        assertThat(s3.pendingUploads(bucket)).isZero();
    }

    @Test
    void listPaginatesPastAThousandKeysAndTreatsThePrefixAsADirectory() throws Exception {
        String bucket = s3.newBucket();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 1_050; i++) {
            names.add(String.format("data/%02x/%064x", i % 256, i));
        }
        try (S3ObjectStore store = s3.store(bucket, "repo")) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> puts = new ArrayList<>();
                for (String name : names) {
                    puts.add(pool.submit(() -> store.put(name, new byte[]{1})));
                }
                for (Future<?> f : puts) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            store.put("database/x", new byte[]{2});
            // A zero-byte "folder" made by a console is not a repository object.
            s3.admin().putObject(b -> b.bucket(bucket).key("repo/data/"), RequestBody.empty());

            long listsBefore = store.stats().snapshot().lists();
            assertThat(store.list("data/")).containsExactlyInAnyOrderElementsOf(names);
            assertThat(store.stats().snapshot().lists() - listsBefore).isEqualTo(2);
            assertThat(store.list("data")).hasSize(names.size());
            assertThat(store.list("")).hasSize(names.size() + 1);
        }
    }

    @Test
    void everyRequestIsCountedWithItsBytes() {
        try (S3ObjectStore store = countedStore(s3.newBucket())) {
            store.put("a", new byte[100]);
            store.put("b", new byte[50]);
            store.get("a");
            store.getRange("a", 10, 20);
            store.exists("a");
            store.exists("nope");
            store.size("b");
            store.list("");
            store.delete("a");
            assertThat(store.stats().snapshot()).isEqualTo(new StoreStats.Snapshot(2, 150, 2, 120, 3, 1, 1));
        }
    }

    @Test
    void objectNamesThatCouldEscapeThePrefixAreRefused() {
        try (S3ObjectStore store = s3.store(s3.newBucket(), "p")) {
            for (String bad : new String[]{"/abs", "../x", "a/../../b", "a\\b", "", "a//b", "dir/"}) {
                assertThatThrownBy(() -> store.put(bad, new byte[1])).as(bad).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void storesOnTwoPrefixesOfOneBucketDoNotSeeEachOther() {
        String bucket = s3.newBucket();
        try (S3ObjectStore a = s3.store(bucket, "a"); S3ObjectStore ab = s3.store(bucket, "a/b")) {
            a.put("config", new byte[]{1});
            ab.put("config", new byte[]{2});
            assertThat(a.get("config")).containsExactly(1);
            assertThat(ab.get("config")).containsExactly(2);
            assertThat(ab.list("")).containsExactly("config");
            assertThat(a.list("")).containsExactlyInAnyOrder("config", "b/config");
        }
    }
}
