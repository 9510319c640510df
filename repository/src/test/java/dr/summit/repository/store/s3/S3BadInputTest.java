package dr.summit.repository.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.NotARepositoryException;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.store.StoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Wrong endpoints, credentials and buckets fail at once, in one line that names them, and write nothing. */
class S3BadInputTest {
    static final Repository.InitOptions FAST_INIT = new Repository.InitOptions(ChunkerParams.DEFAULT, 1024 * 1024,
            Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    static final char[] PASSWORD = "correct horse".toCharArray();
    static LoopbackS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LoopbackS3.start();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    private static AwsCredentialsProvider credentials(String accessKey, String secretKey) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anUnreachableEndpointFailsFastNamingTheEndpoint() throws IOException {
        int port = closedPort();
        S3Location location = S3Location.parse("s3:http://127.0.0.1:" + port + "/backups/repo");
        long start = System.nanoTime();
        try (S3ObjectStore store = new S3ObjectStore(location, LoopbackS3.credentials(), LoopbackS3.FAST)) {
            assertThatThrownBy(() -> Repository.init(store, PASSWORD, FAST_INIT))
                    .isInstanceOf(EndpointUnreachableException.class)
                    .hasMessageStartingWith("cannot reach s3 endpoint http://127.0.0.1:" + port + "/ (bucket backups, stat repo/config): ")
                    .hasMessageContaining("after 3 attempts")
                    .hasMessageNotContaining("\n");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aWrongSecretKeyIsReportedAsACredentialsProblemAndNothingIsWritten() {
        String bucket = s3.newBucket();
        S3Location location = s3.location(bucket, "repo");
        try (S3ObjectStore store = new S3ObjectStore(location, credentials(LoopbackS3.ACCESS_KEY, "wrong-secret"), LoopbackS3.FAST)) {
            assertThatThrownBy(() -> store.get("config"))
                    .isInstanceOf(S3AccessDeniedException.class)
                    .hasMessage("access denied to bucket " + bucket + " at " + s3.endpoint()
                            + ": check credentials (SignatureDoesNotMatch on read of repo/config)");
            assertThatThrownBy(() -> Repository.init(store, PASSWORD, FAST_INIT))
                    .isInstanceOf(S3AccessDeniedException.class)
                    .hasMessageContaining("access denied").hasMessageContaining(bucket).hasMessageContaining(s3.endpoint().toString());
            assertThatThrownBy(() -> store.put("config", new byte[]{1})).isInstanceOf(S3AccessDeniedException.class);
        }
        assertThat(s3.keys(bucket)).isEmpty();
    }

    @Test
    void anUnknownAccessKeyIsReportedAsACredentialsProblem() {
        String bucket = s3.newBucket();
        try (S3ObjectStore store = new S3ObjectStore(s3.location(bucket, ""), credentials("nobody", "x"), LoopbackS3.FAST)) {
            assertThatThrownBy(() -> store.list(""))
                    .isInstanceOf(S3AccessDeniedException.class)
                    .hasMessage("access denied to bucket " + bucket + " at " + s3.endpoint()
                            + ": check credentials (InvalidAccessKeyId on list of the bucket root)");
        }
    }

    @Test
    void missingCredentialsSayWhereCredentialsComeFrom() {
        AwsCredentialsProvider none = () -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        };
        try (S3ObjectStore store = new S3ObjectStore(s3.location(s3.newBucket(), ""), none, LoopbackS3.FAST)) {
            assertThatThrownBy(() -> store.get("config"))
                    .isInstanceOf(S3AccessDeniedException.class)
                    .hasMessageContaining("no S3 credentials for bucket")
                    .hasMessageContaining("AWS_ACCESS_KEY_ID");
        }
    }

    @Test
    void aMissingBucketIsNamedAndNothingIsCreated() {
        S3Location location = s3.location("no-such-bucket", "repo");
        try (S3ObjectStore store = new S3ObjectStore(location, LoopbackS3.credentials(), LoopbackS3.FAST)) {
            String expected = "bucket no-such-bucket does not exist at " + s3.endpoint();
            assertThatThrownBy(() -> Repository.init(store, PASSWORD, FAST_INIT))
                    .isInstanceOf(BucketNotFoundException.class).hasMessage(expected);
            assertThatThrownBy(() -> Repository.open(store, PASSWORD))
                    .isInstanceOf(BucketNotFoundException.class).hasMessage(expected);
            assertThatThrownBy(() -> store.put("config", new byte[]{1})).isInstanceOf(BucketNotFoundException.class);
        }
        assertThat(s3.admin().listBuckets().buckets()).noneMatch(b -> b.name().equals("no-such-bucket"));
    }

    @Test
    void aPrefixThatIsNotARepositoryIsReportedAsSuchAndInitRefusesIt() {
        String bucket = s3.newBucket();
        try (S3ObjectStore store = s3.store(bucket, "photos")) {
            assertThatThrownBy(() -> Repository.open(store, PASSWORD))
                    .isInstanceOf(NotARepositoryException.class)
                    .hasMessage("no repository at " + store.location() + " (no config object); create one with 'summit-dr init'");
            store.put("2024/img1.jpg", new byte[]{1});
            assertThatThrownBy(() -> Repository.open(store, PASSWORD)).isInstanceOf(NotARepositoryException.class);
            assertThatThrownBy(() -> Repository.init(store, PASSWORD, FAST_INIT))
                    .isInstanceOf(RepositoryException.class)
                    .hasMessage(store.location() + " is not empty; a repository needs an empty location");
        }
        assertThat(s3.keys(bucket)).containsExactly("photos/2024/img1.jpg");
    }

    @Test
    void storeErrorsAreStoreExceptions() {
        assertThat(StoreException.class).isAssignableFrom(BucketNotFoundException.class)
                .isAssignableFrom(S3AccessDeniedException.class).isAssignableFrom(EndpointUnreachableException.class);
    }
}
