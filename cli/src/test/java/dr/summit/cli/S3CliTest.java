package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.regularFiles;
import static dr.summit.cli.CliTestSupport.sampleTree;
import static dr.summit.cli.CliTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.cli.CliTestSupport.Run;
import dr.summit.files.fs.TreeFingerprint;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The README's CLI tour against an S3 repository ({@code --repo s3:http://127.0.0.1:PORT/bucket/prefix}) on
 * S3Proxy with authentication, in-process; credentials reach the SDK's default chain through the
 * {@code aws.accessKeyId}/{@code aws.secretAccessKey} system properties, as AWS_* variables would.
 */
class S3CliTest {
    private static final String ACCESS_KEY = "cli-access";
    private static final String SECRET_KEY = "cli-secret";
    private static final String BUCKET = "cli-backups";
    /** init with cheap Argon2 and default pack sizes (so no pack-size warning joins the error line). */
    private static final String[] QUICK_INIT = {"--kdf-memory-kib", "64", "--kdf-iterations", "1"};
    /** Properties this test sets, restored afterwards. */
    private static final List<String> PROPERTIES = List.of("aws.accessKeyId", "aws.secretAccessKey",
            "summit.s3.maxAttempts", "summit.s3.connectTimeoutMs", "summit.s3.socketTimeoutMs");

    static LoopbackS3Proxy server;
    static S3Client admin;
    static final Map<String, String> savedProperties = new java.util.HashMap<>();

    @TempDir
    Path tmp;
    Path pw;

    @BeforeAll
    static void startS3() throws Exception {
        server = LoopbackS3Proxy.startOrSkip(ACCESS_KEY, SECRET_KEY);
        admin = server.adminClient(ACCESS_KEY, SECRET_KEY);
        admin.createBucket(b -> b.bucket(BUCKET));
        for (String p : PROPERTIES) {
            savedProperties.put(p, System.getProperty(p));
        }
    }

    @AfterAll
    static void stopS3() throws Exception {
        savedProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        RepositoryOptions.env = name -> null;   // no SUMMIT_* from the machine running the tests
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        // Fast timeouts, but the production number of attempts: S3Proxy now and then closes a
        // keep-alive connection the client is about to reuse, and three attempts in a row met such
        // connections in a CI run. The unreachable-endpoint test sets 3 for itself.
        System.setProperty("summit.s3.maxAttempts", "8");
        System.setProperty("summit.s3.connectTimeoutMs", "2000");
        System.setProperty("summit.s3.socketTimeoutMs", "10000");
        pw = passwordFile(tmp.resolve("password"), "s3 cli test password");
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    private void putObject(String bucket, String key, byte[] content, String contentType, Map<String, String> metadata) {
        admin.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).metadata(metadata),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(content));
    }

    /** Every object of a bucket under a prefix: key (prefix removed) → content, content type and metadata. */
    private Map<String, String> describe(String bucket, String prefix) {
        Map<String, String> all = new java.util.TreeMap<>();
        for (S3Object o : admin.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            var response = admin.getObjectAsBytes(b -> b.bucket(bucket).key(o.key()));
            all.put(o.key().substring(prefix.length()), java.util.HexFormat.of().formatHex(sha256(response.asByteArray()))
                    + " " + response.response().contentType() + " " + new java.util.TreeMap<>(response.response().metadata()));
        }
        return all;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A bucket as a backup source: keys (nested, with '%', a folder marker), content types and user metadata survive a round trip to another bucket;
     * unchanged objects are not downloaded again; diff names the changed objects; the snapshot also
     * restores to a directory.
     */
    @Test
    void bucketSnapshotsRoundTripObjectsWithTheirMetadata() throws Exception {
        String source = "photos-" + System.nanoTime();
        String copy = "photos-copy-" + System.nanoTime();
        admin.createBucket(b -> b.bucket(source));
        admin.createBucket(b -> b.bucket(copy));
        Random random = new Random(11);
        byte[] big = new byte[3 * 1024 * 1024];
        random.nextBytes(big);
        // (A key that is also a prefix, "a" beside "a/b.jpg", cannot be stored by this test server's
        // file-system-backed store; BucketNamesTest covers the name mapping.)
        putObject(source, "site/a.txt", "object a".getBytes(), "text/plain", Map.of("owner", "alice"));
        putObject(source, "site/a/b.jpg", big, "image/jpeg", Map.of("camera", "x100", "iso", "200"));
        putObject(source, "site/x/y", "nested".getBytes(), "text/plain", Map.of());
        putObject(source, "site/folder/", new byte[0], "application/x-directory", Map.of());
        putObject(source, "site/docs/100%.txt", "percent".getBytes(), "text/plain; charset=utf-8", Map.of());
        putObject(source, "other/not-in-prefix", "x".getBytes(), "text/plain", Map.of());
        String location = "s3:" + server.endpoint() + source + "/site";

        String local = tmp.resolve("repo").toString();
        ok(local, pw, "init", FAST_INIT);
        JsonNode first = ok(local, pw, "backup", location, "--json").json();
        assertThat(first.get("summary").get("files").asInt()).isEqualTo(5);

        // A day later: one object changed, one removed, one added; the rest must not be downloaded.
        putObject(source, "site/docs/100%.txt", "percent, edited".getBytes(), "text/plain", Map.of("rev", "2"));
        admin.deleteObject(b -> b.bucket(source).key("site/x/y"));
        putObject(source, "site/new.bin", new byte[]{1, 2, 3}, "application/octet-stream", Map.of());
        JsonNode second = ok(local, pw, "backup", location, "--json").json();
        assertThat(second.get("parent").asText()).isEqualTo(first.get("snapshot").asText());
        assertThat(second.get("summary").get("unchangedFiles").asInt()).isEqualTo(3);
        assertThat(second.get("sourceRequests").get("gets").asInt()).as("only the new and the changed object are read").isEqualTo(2);

        JsonNode diff = ok(local, pw, "diff", first.get("snapshot").asText(), second.get("snapshot").asText(), "--json").json();
        List<String> changes = new ArrayList<>();
        diff.get("changes").forEach(c -> changes.add(c.get("change").asText() + " " + c.get("path").asText()));
        assertThat(changes).contains("added /" + source + "/new.bin", "removed /" + source + "/x/y",
                "modified /" + source + "/docs/100%25.txt");

        ok(local, pw, "restore", second.get("snapshot").asText(), "--target", "s3:" + server.endpoint() + copy + "/restored");
        assertThat(describe(copy, "restored/")).isEqualTo(describe(source, "site/"));

        Path dir = tmp.resolve("as-files");
        ok(local, pw, "restore", first.get("snapshot").asText(), "--target", dir.toString());
        assertThat(Files.readAllBytes(dir.resolve(source).resolve("a").resolve("b.jpg"))).isEqualTo(big);
        assertThat(Files.readString(dir.resolve(source).resolve("a.txt"))).isEqualTo("object a");
        assertThat(Files.readString(dir.resolve(source).resolve("x").resolve("y"))).isEqualTo("nested");
        assertThat(Files.readString(dir.resolve(source).resolve("docs").resolve("100%25.txt"))).isEqualTo("percent");

        assertOneLineError(run(local, pw, "backup", "s3:" + server.endpoint() + "no-such-bucket-" + System.nanoTime()),
                ExitCodes.ERROR, "no-such-bucket");
        assertThat(ok(local, pw, "verify", "--read-data", "--json").json().get("errors")).isEmpty();
    }

    private String repo(String prefix) {
        return "s3:" + server.endpoint() + BUCKET + "/" + prefix;
    }

    private static Run run(String repo, Path passwordFile, String command, String... rest) {
        List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")));
        args.addAll(List.of("--repo", repo, "--password-file", passwordFile.toString()));
        args.addAll(Arrays.asList(rest));
        return CliTestSupport.run(args.toArray(String[]::new));
    }

    private static Run ok(String repo, Path passwordFile, String command, String... rest) {
        Run r = run(repo, passwordFile, command, rest);
        assertThat(r.exit()).as("%s %s\n%s", command, String.join(" ", rest), r).isZero();
        return r;
    }

    private List<String> keys(String prefix) {
        return admin.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream().map(S3Object::key).toList();
    }

    /** Issue 21 on S3: backups racing a prune commit only snapshots that restore at once (IntegrityTest's race). */
    @Test
    void backupsRacingAPruneOnS3CommitOnlyRestorableSnapshots() throws Exception {
        String repo = repo("race");
        ok(repo, pw, "init", FAST_INIT);
        IntegrityTest.raceBackupsAgainstPrune(repo, pw, tmp, 2);
    }

    @Test
    void theReadmeTourWorksAgainstAnS3Repository() throws Exception {
        String repo = repo("hosts/web1");
        Path src = sampleTree(tmp.resolve("src"), 7);

        assertThat(ok(repo, pw, "init", FAST_INIT).out()).matches("created repository [0-9a-f]{8} at " + java.util.regex.Pattern.quote(repo) + "\n");
        assertThat(keys("hosts/web1/")).contains("hosts/web1/config");

        assertThat(ok(repo, pw, "backup", src.toString()).out()).contains("files: 6 new, 0 changed, 0 unchanged");
        writeRandom(src.resolve("media/new.raw"), new Random(8), 300_000);
        Files.writeString(src.resolve("notes.txt"), "notes, changed\n");
        ok(repo, pw, "backup", src.toString());

        JsonNode snapshots = ok(repo, pw, "snapshots", "--json").json();
        assertThat(snapshots).hasSize(2);
        String first = snapshots.get(0).get("id").asText();
        assertThat(ok(repo, pw, "ls", "latest", "src/media").out()).contains("/src/media/new.raw");
        assertThat(ok(repo, pw, "diff", first.substring(0, 8), "latest").out()).contains("+  /src/media/new.raw", "M  /src/notes.txt");

        Path target = tmp.resolve("restore");
        assertThat(ok(repo, pw, "restore", "latest", "--target", target.toString(), "--verify").out()).contains("7 files verified");
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(src), TreeFingerprint.of(target.resolve("src")))).isEmpty();
        assertThat(regularFiles(target.resolve("src"))).containsOnlyKeys(regularFiles(src).keySet());

        JsonNode verify = ok(repo, pw, "verify", "--read-data", "--json").json();
        assertThat(verify.get("errors")).isEmpty();
        assertThat(verify.get("packsRead").asInt()).isPositive().isEqualTo(verify.get("packsIndexed").asInt());

        JsonNode stats = ok(repo, pw, "stats", "--json").json();
        assertThat(stats.get("stats").get("snapshots").asInt()).isEqualTo(2);
        JsonNode requests = stats.get("requests");
        assertThat(requests.get("gets").asLong()).isPositive();
        assertThat(requests.get("lists").asLong()).isPositive();
        assertThat(requests.get("puts").asLong()).as("stats writes only its lease (and the slot's last-used marker once a day)").isLessThanOrEqualTo(2);

        ok(repo, pw, "forget", "--keep-last", "1", "--prune");
        assertThat(ok(repo, pw, "snapshots", "--json").json()).hasSize(1);
        assertThat(ok(repo, pw, "verify", "--read-data").out()).endsWith("no errors\n");
        Path again = tmp.resolve("restore-again");
        ok(repo, pw, "restore", "latest", "--target", again.toString(), "--verify");
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(src), TreeFingerprint.of(again.resolve("src")))).isEmpty();
        assertThat(keys("")).allMatch(k -> k.startsWith("hosts/web1/"));
    }

    @Test
    void malformedLocationsAreUsageErrors() {
        assertOneLineError(run("s3:https://minio.internal:9000", pw, "snapshots"), ExitCodes.USAGE,
                "invalid S3 location 's3:https://minio.internal:9000': no bucket after the endpoint");
        assertOneLineError(run("s3:ftp://host/bucket", pw, "snapshots"), ExitCodes.USAGE, "must start with https:// or http://");
    }

    @Test
    void anUnreachableEndpointIsNamedInOneLine() throws Exception {
        System.setProperty("summit.s3.maxAttempts", "3");   // a failure in seconds, not after eight tries
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Run r = run("s3:http://127.0.0.1:" + port + "/backups/repo", pw, "init", QUICK_INIT);
        assertOneLineError(r, ExitCodes.ERROR, "cannot reach s3 endpoint http://127.0.0.1:" + port + "/ (bucket backups");
    }

    @Test
    void wrongCredentialsAreReportedAsSuchAndNothingIsWritten() {
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        String repo = repo("wrong-secret");
        assertOneLineError(run(repo, pw, "snapshots"), ExitCodes.ERROR,
                "access denied to bucket " + BUCKET + " at " + server.endpoint() + ": check credentials (SignatureDoesNotMatch");
        assertOneLineError(run(repo, pw, "init", QUICK_INIT), ExitCodes.ERROR,
                "access denied to bucket " + BUCKET + " at " + server.endpoint() + ": check credentials (SignatureDoesNotMatch");
        assertThat(keys("wrong-secret/")).isEmpty();
    }

    @Test
    void aMissingBucketIsNamed() {
        String repo = "s3:" + server.endpoint() + "no-such-bucket/repo";
        assertOneLineError(run(repo, pw, "init", QUICK_INIT), ExitCodes.ERROR,
                "bucket no-such-bucket does not exist at " + server.endpoint());
        assertOneLineError(run(repo, pw, "backup", tmp.toString()), ExitCodes.ERROR, "bucket no-such-bucket does not exist");
    }

    @Test
    void aPrefixThatIsNotARepositoryIsReportedAndInitRefusesAPrefixInUse() {
        String repo = repo("photos");
        assertOneLineError(run(repo, pw, "snapshots"), ExitCodes.NO_REPOSITORY, "no repository at " + repo);
        admin.putObject(b -> b.bucket(BUCKET).key("photos/2024/img1.jpg"),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[]{1}));
        assertOneLineError(run(repo, pw, "init", QUICK_INIT), ExitCodes.ERROR, repo + " is not empty");
        assertThat(keys("photos/")).containsExactly("photos/2024/img1.jpg");
    }

    /**
     * S3Proxy, started through reflection: the cli module's test classpath has the AWS SDK but not
     * S3Proxy (a test dependency of the repository module). With {@code org.gaul:s3proxy} added to
     * cli/pom.xml in test scope this class runs; without it the tests are skipped, saying so.
     */
    static final class LoopbackS3Proxy implements AutoCloseable {
        private final Object proxy;

        private LoopbackS3Proxy(Object proxy) {
            this.proxy = proxy;
        }

        /** A client for the tests' own set-up and checks, with the production number of attempts (see setUp). */
        S3Client adminClient(String accessKey, String secretKey) {
            return S3Client.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                    .httpClient(UrlConnectionHttpClient.create())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                    .overrideConfiguration(o -> o.retryStrategy(
                            software.amazon.awssdk.awscore.retry.AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(8).build()))
                    .build();
        }

        static LoopbackS3Proxy startOrSkip(String accessKey, String secretKey) throws Exception {
            Class<?> s3Proxy;
            try {
                s3Proxy = Class.forName("org.gaul.s3proxy.S3Proxy");
            } catch (ClassNotFoundException e) {
                Assumptions.abort("S3Proxy is not on the cli test classpath: add org.gaul:s3proxy (test scope) to cli/pom.xml");
                throw e;
            }
            quietLogging();
            Object builder = s3Proxy.getMethod("builder").invoke(null);
            Class<?> builderClass = builder.getClass();
            Class<?> blobStore = Class.forName("org.gaul.s3proxy.blobstore.BlobStore");
            Object transientStore = Class.forName("org.gaul.s3proxy.nio2blob.TransientNio2BlobStore").getConstructor().newInstance();
            builderClass.getMethod("blobStore", blobStore).invoke(builder, transientStore);
            builderClass.getMethod("endpoint", URI.class).invoke(builder, URI.create("http://127.0.0.1:0"));
            Class<?> authType = Class.forName("org.gaul.s3proxy.auth.AuthenticationType");
            Object v2OrV4 = authType.getField("AWS_V2_OR_V4").get(null);
            builderClass.getMethod("awsAuthentication", authType, String.class, String.class)
                    .invoke(builder, v2OrV4, accessKey, secretKey);
            Object proxy = builderClass.getMethod("build").invoke(builder);
            s3Proxy.getMethod("start").invoke(proxy);
            Method state = s3Proxy.getMethod("getState");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!"STARTED".equals(state.invoke(proxy))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start");
                }
                Thread.sleep(10);
            }
            return new LoopbackS3Proxy(proxy);
        }

        /** S3Proxy brings logback, which logs at DEBUG unless told otherwise (no logback-test.xml in cli). */
        private static void quietLogging() throws Exception {
            Object root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            if (root.getClass().getName().equals("ch.qos.logback.classic.Logger")) {
                Class<?> level = Class.forName("ch.qos.logback.classic.Level");
                root.getClass().getMethod("setLevel", level).invoke(root, level.getField("WARN").get(null));
            }
        }

        URI endpoint() throws RuntimeException {
            try {
                return URI.create("http://127.0.0.1:" + proxy.getClass().getMethod("getPort").invoke(proxy) + "/");
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws Exception {
            proxy.getClass().getMethod("stop").invoke(proxy);
        }
    }
}
