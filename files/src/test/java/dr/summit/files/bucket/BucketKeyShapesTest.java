package dr.summit.files.bucket;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.s3.S3Bucket;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key shapes real S3 allows and a file system does not: a key that is also a prefix ("a" and
 * "a/b"), empty segments ("x//y", "trailing/"), "." and "..", '%'. Every object must land under a
 * distinct, file-system-safe name and keep its exact key. The objects come from an in-memory
 * listing here because the loopback S3 server used elsewhere stores objects as files and cannot
 * hold these keys (the end-to-end path is S3CliTest's bucket test).
 */
class BucketKeyShapesTest {
    @TempDir
    Path tmp;

    /** A sorted in-memory bucket, listed and read as S3 would. */
    private static final class MemoryBucket implements BucketSource {
        final TreeMap<String, byte[]> objects = new TreeMap<>();
        final AtomicInteger gets = new AtomicInteger();

        @Override
        public String name() {
            return "mem";
        }

        @Override
        public String keyPrefix() {
            return "p/";
        }

        @Override
        public String location() {
            return "s3://mem/p";
        }

        @Override
        public String endpoint() {
            return "memory";
        }

        @Override
        public void forEach(S3Bucket.Visitor visitor) throws InterruptedException {
            for (Map.Entry<String, byte[]> e : objects.tailMap("p/").entrySet()) {
                if (e.getKey().startsWith("p/")) {
                    visitor.visit(new S3Bucket.ObjectInfo(e.getKey(), e.getValue().length, Instant.ofEpochSecond(1_700_000_000),
                            "\"" + e.getKey().hashCode() + "\""));
                }
            }
        }

        @Override
        public S3Bucket.Download get(String key) {
            gets.incrementAndGet();
            byte[] bytes = objects.get(key);
            return new S3Bucket.Download(new ByteArrayInputStream(bytes), bytes.length, "text/plain", Map.of("k", key),
                    "\"" + key.hashCode() + "\"", Instant.ofEpochSecond(1_700_000_000));
        }
    }

    @Test
    void everyKeyShapeGetsADistinctSafeNameAndKeepsItsKey() throws Exception {
        MemoryBucket bucket = new MemoryBucket();
        String[] keys = {"p/a", "p/a/b", "p/a!b", "p/x//y", "p/trailing/", "p/./dot", "p/../up", "p/100%", "p/100%25",
                "p/a/b/c", "p/%", "p/"};
        Random random = new Random(3);
        for (String key : keys) {
            byte[] content = new byte[random.nextInt(2000)];
            random.nextBytes(content);
            bucket.objects.put(key, content);
        }
        bucket.objects.put("q/outside", new byte[]{1});
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Snapshot snapshot;
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            snapshot = new BucketArchiver(repo, FilesTestSupport.options()).backup(bucket, null);
        }
        Map<String, String> keyByPath = new TreeMap<>();
        Map<String, byte[]> contentByKey = new TreeMap<>();
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            Node top = repo.loadTree(BlobId.parse(snapshot.tree())).get(0);
            assertThat(top.displayName()).isEqualTo("mem");
            collect(repo, top, "", keyByPath, contentByKey);
        }
        assertThat(keyByPath.values()).containsExactlyInAnyOrder(keys);
        assertThat(keyByPath).containsEntry("/a%", "p/a").containsEntry("/a/b%", "p/a/b").containsEntry("/a/b/c", "p/a/b/c")
                .containsEntry("/x/%/y", "p/x//y").containsEntry("/trailing/%", "p/trailing/").containsEntry("/%2E/dot", "p/./dot")
                .containsEntry("/%2E%2E/up", "p/../up").containsEntry("/100%25", "p/100%").containsEntry("/100%2525", "p/100%25")
                .containsEntry("/%25", "p/%").containsEntry("/%", "p/");
        for (String key : keys) {
            assertThat(contentByKey.get(key)).as(key).isEqualTo(bucket.objects.get(key));
        }
        assertThat(keyByPath.keySet()).allSatisfy(path -> assertThat(path).doesNotContain("/./", "/../", "//"));

        // Unchanged objects are not read again.
        int before = bucket.gets.get();
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            Snapshot again = new BucketArchiver(repo, FilesTestSupport.options()).backup(bucket, snapshot);
            assertThat(again.summary().unchangedFiles()).isEqualTo(keys.length);
        }
        assertThat(bucket.gets.get()).isEqualTo(before);
    }

    private static void collect(Repository repo, Node dir, String path, Map<String, String> keyByPath, Map<String, byte[]> contentByKey) {
        for (Node child : repo.loadDirectory(dir.subtrees())) {
            String childPath = path + "/" + child.displayName();
            if (child.type() == NodeType.DIRECTORY) {
                collect(repo, child, childPath, keyByPath, contentByKey);
            } else {
                String key = BucketArchiver.value(child, BucketArchiver.KEY);
                assertThat(keyByPath.put(childPath, key)).as("two objects at " + childPath).isNull();
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                for (ChunkRef ref : repo.fileChunks(child)) {
                    content.writeBytes(repo.loadBlob(BlobType.DATA, ref.id()));
                }
                contentByKey.put(key, content.toByteArray());
                assertThat(new String(child.name(), StandardCharsets.UTF_8)).doesNotContain("/");
            }
        }
    }
}
