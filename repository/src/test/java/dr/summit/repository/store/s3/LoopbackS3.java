package dr.summit.repository.store.s3;

import dr.summit.repository.store.StoreFaults;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An S3 server (S3Proxy, in memory) on a random loopback port, with SigV4 authentication, for tests
 * that speak the real S3 protocol. One per test class; each test takes a fresh bucket.
 */
final class LoopbackS3 implements AutoCloseable {
    static final String ACCESS_KEY = "summit-test-access";
    static final String SECRET_KEY = "summit-test-secret";
    /** Short timeouts and few attempts, so failure tests take milliseconds, not minutes. */
    static final S3StoreOptions FAST = S3StoreOptions.DEFAULT.withMaxAttempts(3)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofSeconds(60));
    /**
     * Fast timeouts but the production number of attempts, for tests that expect to succeed. S3Proxy now
     * and then closes a keep-alive connection the client is about to reuse; with a thousand requests from
     * several threads, three attempts in a row can meet such connections (a CI run failed that way).
     */
    static final S3StoreOptions STEADY = FAST.withMaxAttempts(S3StoreOptions.DEFAULT.maxAttempts());

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private final S3Proxy proxy;
    private final S3Client admin;

    private LoopbackS3(S3Proxy proxy) {
        this.proxy = proxy;
        this.admin = S3Client.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(credentials())
                // The tests' own set-up and checks: as many attempts as STEADY, for the same reason.
                .overrideConfiguration(o -> o.retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.standardRetryStrategy()
                        .toBuilder().maxAttempts(S3StoreOptions.DEFAULT.maxAttempts()).build()))
                .build();
    }

    static LoopbackS3 start() throws Exception {
        S3Proxy proxy = S3Proxy.builder().blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return new LoopbackS3(proxy);
    }

    int port() {
        return proxy.getPort();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    static AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    /** A new, empty bucket. */
    String newBucket() {
        String bucket = "bucket-" + BUCKETS.incrementAndGet();
        admin.createBucket(b -> b.bucket(bucket));
        return bucket;
    }

    S3Location location(String bucket, String prefix) {
        return S3Location.parse("s3:" + endpoint() + bucket + (prefix.isEmpty() ? "" : "/" + prefix));
    }

    S3ObjectStore store(String bucket, String prefix) {
        return new S3ObjectStore(location(bucket, prefix), credentials(), STEADY);
    }

    S3ObjectStore store(String bucket, String prefix, StoreFaults faults) {
        return new S3ObjectStore(location(bucket, prefix), credentials(), FAST, faults);
    }

    /** Every key in a bucket, as S3 itself lists them. */
    List<String> keys(String bucket) {
        return admin.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    /** Multipart uploads started and neither completed nor aborted. */
    int pendingUploads(String bucket) {
        return admin.listMultipartUploads(b -> b.bucket(bucket)).uploads().size();
    }

    S3Client admin() {
        return admin;
    }

    @Override
    public void close() throws Exception {
        admin.close();
        proxy.stop();
    }
}
