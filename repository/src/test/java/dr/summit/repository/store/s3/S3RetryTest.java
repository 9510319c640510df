package dr.summit.repository.store.s3;

import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.ACCESS_DENIED;
import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.CORRUPT_REQUEST;
import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.CORRUPT_RESPONSE;
import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.HANG;
import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.INTERNAL_ERROR;
import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.LOSE_RESPONSE;
import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.RESET;
import static dr.summit.repository.store.s3.FaultInjectingProxy.Fault.SLOW_DOWN;
import static dr.summit.repository.store.s3.FaultInjectingProxy.lineContains;
import static dr.summit.repository.store.s3.FaultInjectingProxy.method;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.TestBytes;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreFaults;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** Transient S3 failures are retried with backoff; persistent ones fail with a clear message and leave nothing. */
class S3RetryTest {
    private static final int MiB = 1024 * 1024;
    /** Four attempts, short timeouts. */
    private static final S3StoreOptions OPTIONS = S3StoreOptions.DEFAULT.withMaxAttempts(4)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(60));
    static LoopbackS3 s3;

    FaultInjectingProxy proxy;
    String bucket;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LoopbackS3.start();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    @BeforeEach
    void startProxy() throws Exception {
        proxy = new FaultInjectingProxy(s3.port());
        bucket = s3.newBucket();
    }

    @AfterEach
    void stopProxy() throws Exception {
        proxy.close();
    }

    private S3ObjectStore store(StoreFaults faults) {
        return new S3ObjectStore(S3Location.parse("s3:" + proxy.endpoint() + bucket + "/repo"), LoopbackS3.credentials(),
                OPTIONS, faults);
    }

    /** A store that takes one second of silence for a hung connection. */
    private S3ObjectStore impatientStore() {
        return new S3ObjectStore(S3Location.parse("s3:" + proxy.endpoint() + bucket + "/repo"), LoopbackS3.credentials(),
                OPTIONS.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)));
    }

    private S3ObjectStore store() {
        return store(StoreFaults.NONE);
    }

    private List<FaultInjectingProxy.Request> faulted() {
        return proxy.requests().stream().filter(r -> r.fault() != null).toList();
    }

    @Test
    void slowDownServerErrorsResetsAndHangsAreRetriedUntilTheRequestSucceeds() {
        byte[] data = TestBytes.random(new Random(710), 100_000);
        proxy.fail(method("PUT"), 1, RESET)
                .fail(method("GET"), 1, SLOW_DOWN)
                .fail(method("GET"), 1, INTERNAL_ERROR)
                .fail(method("HEAD"), 1, HANG);
        try (S3ObjectStore store = impatientStore()) {
            store.put("data/00/pack", data);
            assertThat(store.get("data/00/pack")).isEqualTo(data);
            assertThat(store.exists("data/00/pack")).isTrue();
            // The failed GETs got answers and are billed; the reset PUT and the hung HEAD got none.
            assertThat(store.stats().snapshot().gets()).isEqualTo(3);
            assertThat(store.stats().snapshot().getBytes()).isEqualTo(data.length);
        }
        assertThat(faulted()).extracting(FaultInjectingProxy.Request::fault).containsExactlyInAnyOrder(RESET, SLOW_DOWN, INTERNAL_ERROR, HANG);
    }

    @Test
    void uploadsCarryAChecksumAndTheWriteOnceCondition() {
        try (S3ObjectStore store = store()) {
            store.put("keys/slots/1", new byte[]{1, 2, 3});
        }
        FaultInjectingProxy.Request put = proxy.requests().stream().filter(method("PUT")).findFirst().orElseThrow();
        assertThat(put.headers()).containsEntry("if-none-match", "*")
                .containsEntry("x-amz-meta-summit-crc32c", S3ObjectMetadata.crc32c(new byte[]{1, 2, 3}, 0, 3))
                .containsKey("x-amz-meta-summit-write-id");
        assertThat(put.headers().getOrDefault("x-amz-trailer", put.headers().getOrDefault("x-amz-sdk-checksum-algorithm", "")))
                .containsIgnoringCase("crc32c");
    }

    @Test
    void aFailedPartIsRetriedAloneAndTheUploadCompletes() {
        byte[] big = TestBytes.random(new Random(711), 24 * MiB);
        proxy.fail(lineContains("PUT", "partNumber=2"), 1, RESET)
                .fail(lineContains("PUT", "partNumber=3"), 1, SLOW_DOWN);
        try (S3ObjectStore store = store()) {
            store.put("data/aa/pack", big);
            assertThat(store.get("data/aa/pack")).isEqualTo(big);
        }
        List<String> lines = proxy.requests().stream().map(FaultInjectingProxy.Request::line).toList();
        int firstPart2 = indexOf(lines, "partNumber=2");
        assertThat(lines.subList(firstPart2, lines.size())).as("part 1 is not sent again").noneMatch(l -> l.contains("partNumber=1"));
        assertThat(lines).filteredOn(l -> l.startsWith("POST") && l.contains("uploadId=")).hasSize(1);
        assertThat(s3.pendingUploads(bucket)).isZero();
    }

    private static int indexOf(List<String> lines, String fragment) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(fragment)) {
                return i;
            }
        }
        throw new AssertionError("no request with " + fragment + " in " + lines);
    }

    @Test
    void persistentFailuresGiveUpAfterTheLastAttemptWithAClearMessage() {
        proxy.fail(method("GET"), 100, INTERNAL_ERROR);
        try (S3ObjectStore store = store()) {
            assertThatThrownBy(() -> store.get("snapshots/abc"))
                    .isInstanceOf(StoreException.class)
                    .hasMessage("cannot read repo/snapshots/abc in bucket " + bucket + " at " + proxy.endpoint()
                            + ": HTTP 500 InternalError (We encountered an internal error. Please try again.) after 4 attempts");
        }
        assertThat(faulted()).hasSize(4);
    }

    @Test
    void aMultipartUploadThatCannotFinishIsAbortedAndLeavesNothing() {
        byte[] big = TestBytes.random(new Random(712), 17 * MiB);
        proxy.fail(lineContains("PUT", "partNumber=2"), 100, INTERNAL_ERROR);
        try (S3ObjectStore store = store()) {
            assertThatThrownBy(() -> store.put("data/bb/pack", big))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("cannot write repo/data/bb/pack in bucket " + bucket)
                    .hasMessageContaining("after 4 attempts");
            assertThat(store.exists("data/bb/pack")).isFalse();
        }
        assertThat(proxy.requests().stream().filter(lineContains("DELETE", "uploadId=")).count()).isEqualTo(1);
        assertThat(s3.pendingUploads(bucket)).isZero();
    }

    @Test
    void aPutWhoseResponseWasLostIsRecognisedAsOursOnRetry() {
        byte[] small = TestBytes.random(new Random(713), 1000);
        byte[] big = TestBytes.random(new Random(714), 16 * MiB);
        proxy.fail(lineContains("PUT", "/small"), 1, LOSE_RESPONSE)
                .fail(lineContains("POST", "uploadId="), 1, LOSE_RESPONSE);
        try (S3ObjectStore store = store()) {
            store.put("small", small);
            store.put("big", big);
            assertThat(store.get("small")).isEqualTo(small);
            assertThat(store.get("big")).isEqualTo(big);
        }
        assertThat(faulted()).hasSize(2);
        assertThat(s3.pendingUploads(bucket)).isZero();
    }

    @Test
    void anotherWriterCompletingTheSameKeyDuringAMultipartUploadWins() {
        byte[] big = TestBytes.random(new Random(715), 16 * MiB);
        // The key appears after the store's HEAD, just before the completion: the conditional completion refuses.
        proxy.before(lineContains("POST", "uploadId="),
                () -> s3.admin().putObject(b -> b.bucket(bucket).key("repo/data/cc/pack"), RequestBody.fromBytes(new byte[]{7})));
        try (S3ObjectStore store = store()) {
            assertThatThrownBy(() -> store.put("data/cc/pack", big)).isInstanceOf(ObjectExistsException.class);
            assertThat(store.get("data/cc/pack")).containsExactly(7);
        }
        assertThat(s3.pendingUploads(bucket)).isZero();
    }

    @Test
    void aDownloadDamagedInTransitIsDetectedAndReadAgain() {
        byte[] data = TestBytes.random(new Random(716), 200_000);
        byte[] big = TestBytes.random(new Random(717), 17 * MiB);
        try (S3ObjectStore store = store()) {
            store.put("index/00", data);
            store.put("data/dd/pack", big);
            proxy.fail(method("GET"), 2, CORRUPT_RESPONSE);
            assertThat(Arrays.equals(store.get("index/00"), data)).as("single-part object read intact").isTrue();
            assertThat(Arrays.equals(store.get("data/dd/pack"), big)).as("multipart object read intact").isTrue();
        }
        assertThat(faulted()).hasSize(2);
        assertThat(proxy.requests().stream().filter(method("GET")).count()).isEqualTo(4);
    }

    @Test
    void anObjectThatReadsBackDifferentlyEveryTimeIsReportedNotReturned() {
        byte[] data = TestBytes.random(new Random(718), 1000);
        try (S3ObjectStore store = store()) {
            store.put("snapshots/ab", data);
            proxy.fail(method("GET"), 100, CORRUPT_RESPONSE);
            assertThatThrownBy(() -> store.get("snapshots/ab"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("checksum mismatch reading repo/snapshots/ab in bucket " + bucket + " at " + proxy.endpoint())
                    .hasMessageEndingWith("stored with the object, in 4 reads");
        }
    }

    @Test
    void anUploadDamagedInTransitIsRefusedByTheServerAndSentAgain() {
        byte[] data = TestBytes.random(new Random(719), 300_000);
        byte[] big = TestBytes.random(new Random(720), 16 * MiB);
        proxy.fail(method("PUT"), 1, CORRUPT_REQUEST)
                .fail(lineContains("PUT", "partNumber=2"), 1, CORRUPT_REQUEST);
        try (S3ObjectStore store = store()) {
            store.put("index/01", data);
            store.put("data/ee/pack", big);
            assertThat(Arrays.equals(store.get("index/01"), data)).isTrue();
            assertThat(Arrays.equals(store.get("data/ee/pack"), big)).isTrue();
        }
        // Over plain HTTP a damaged chunk fails its SigV4 chunk signature (403); a bodiless LIST shows
        // the credentials are fine, so the upload is sent again rather than reported as "access denied".
        assertThat(faulted()).hasSize(2);
        assertThat(proxy.requests().stream().filter(lineContains("PUT", "/index/01")).count()).isEqualTo(2);
        assertThat(proxy.requests().stream().filter(lineContains("PUT", "partNumber=2")).count()).isEqualTo(2);
    }

    @Test
    void accessDeniedIsNotRetried() {
        proxy.fail(method("GET"), 100, ACCESS_DENIED);
        try (S3ObjectStore store = store()) {
            assertThatThrownBy(() -> store.get("config"))
                    .isInstanceOf(S3AccessDeniedException.class)
                    .hasMessage("access denied to repo/config in bucket " + bucket + " at " + proxy.endpoint()
                            + " (AccessDenied on read): check credentials and the bucket policy");
        }
        assertThat(faulted()).hasSize(1);
    }

    @Test
    void storeFaultsAreConsultedBeforeEachCallAndStopItBeforeAnyRequest() {
        AtomicInteger puts = new AtomicInteger();
        StoreFaults failSecondPut = (call, name) -> {
            if (call == StoreFaults.Call.PUT && puts.incrementAndGet() == 2) {
                throw new StoreException("injected failure at put of " + name);
            }
        };
        try (S3ObjectStore store = store(failSecondPut)) {
            store.put("a", new byte[]{1});
            assertThatThrownBy(() -> store.put("b", new byte[]{2})).hasMessage("injected failure at put of b");
            store.put("c", new byte[]{3});
            assertThat(store.list("")).containsExactlyInAnyOrder("a", "c");
            assertThat(store.stats().snapshot().puts()).isEqualTo(2);
        }
    }
}
