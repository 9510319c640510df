package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The receiver as the synchronous standby of a real PostgreSQL 15, storing its pieces in an S3
 * repository (S3Proxy on loopback, authenticated): a commit returns only once the WAL it needs is
 * acknowledged by the store, so after every commit the repository serves the primary's own bytes
 * up to the flush position the primary heard from the receiver.
 */
class PgStreamS3Test {
    private static final String ACCESS_KEY = "stream-access";
    private static final String SECRET_KEY = "stream-secret";
    private static final List<String> PROPERTIES = List.of("aws.accessKeyId", "aws.secretAccessKey");

    @Test
    void everyCommitWaitsForItsPieceInTheBucket() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("s3stream");
             S3CliTest.LoopbackS3Proxy s3 = S3CliTest.LoopbackS3Proxy.startOrSkip(ACCESS_KEY, SECRET_KEY)) {
            java.util.Map<String, String> saved = new java.util.HashMap<>();
            PROPERTIES.forEach(p -> saved.put(p, System.getProperty(p)));
            System.setProperty("aws.accessKeyId", ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", SECRET_KEY);
            try {
                streamInto(ws, s3);
            } finally {
                saved.forEach((k, v) -> {
                    if (v == null) {
                        System.clearProperty(k);
                    } else {
                        System.setProperty(k, v);
                    }
                });
            }
        }
    }

    private static void streamInto(PgWorkspace ws, S3CliTest.LoopbackS3Proxy s3) throws Exception {
        String repo = "s3:" + s3.endpoint() + "wal-bucket/pg";
        String pw = ws.password.toString();
        try (var admin = s3.adminClient(ACCESS_KEY, SECRET_KEY)) {
            admin.createBucket(b -> b.bucket("wal-bucket"));
        }
        CliTestSupport.Run init = CliTestSupport.run("init", "--repo", repo, "--password-file", pw, "--kdf-memory-kib", "64", "--kdf-iterations", "1");
        assertThat(init.exit()).as("%s", init).isZero();
        // Nothing archives here: every byte the repository holds came through the receiver.
        PgTestCluster primary = ws.startCluster("pgdata", "/bin/true");
        CountDownLatch stop = new CountDownLatch(1);
        PgStreamCommand.stop = stop;
        CliTestSupport.Run[] receiverRun = new CliTestSupport.Run[1];
        Thread receiver = new Thread(() -> receiverRun[0] = CliTestSupport.run("pg", "stream", "--cluster", ws.cluster, "--dsn",
                ws.dsn(primary), "--repo", repo, "--password-file", pw));
        receiver.start();
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND state = 'streaming'", receiverRun);
            st.execute("ALTER SYSTEM SET synchronous_standby_names = 'summit_dr'");
            st.execute("SELECT pg_reload_conf()");
            waitFor(st, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'summit_dr' AND sync_state = 'sync'", receiverRun);
            st.execute("CREATE TABLE orders (n int PRIMARY KEY, note text)");
            int compared = 0;
            for (int n = 1; n <= 40; n++) {
                st.execute("INSERT INTO orders VALUES (" + n + ", repeat('x', 3000))");
                // The commit returned: the receiver reported a flush position past it, so the bucket holds it.
                String segment = text(st, "SELECT pg_walfile_name(flush_lsn) FROM pg_stat_replication WHERE application_name = 'summit_dr'");
                long flushed = lsn(text(st, "SELECT flush_lsn::text FROM pg_stat_replication WHERE application_name = 'summit_dr'"));
                if (n % 10 == 0 && assertServedPrefix(ws, primary, repo, pw, segment, flushed)) {
                    compared++;
                }
            }
            assertThat(compared).as("prefixes compared").isGreaterThanOrEqualTo(3);
        }
        PgStreamCommand.stop.countDown();
        receiver.join(30_000);
        assertThat(receiverRun[0]).as("pg stream still running").isNotNull();
        assertThat(receiverRun[0].exit()).as("pg stream: %s", receiverRun[0]).isZero();
    }

    /** wal-fetch from the bucket serves the primary's bytes of {@code segment} up to {@code flushed}. */
    private static boolean assertServedPrefix(PgWorkspace ws, PgTestCluster primary, String repo, String pw, String segment, long flushed)
            throws Exception {
        long segmentSize = 16L << 20;
        int durable = (int) (flushed % segmentSize);
        if (durable == 0) {
            return false;   // the flush position is a segment boundary: nothing of this segment to compare yet
        }
        Path fetched = ws.work.resolve("fetched-" + segment + "-" + flushed);
        CliTestSupport.Run fetch = CliTestSupport.run("pg", "wal-fetch", segment, fetched.toString(), "--cluster", ws.cluster,
                "--repo", repo, "--password-file", pw);
        assertThat(fetch.exit()).as("%s", fetch).isZero();
        byte[] served = Files.readAllBytes(fetched);
        byte[] onPrimary = Files.readAllBytes(primary.data.resolve("pg_wal").resolve(segment));
        assertThat(Arrays.copyOf(served, durable)).as("segment %s up to offset %d", segment, durable)
                .isEqualTo(Arrays.copyOf(onPrimary, durable));
        return true;
    }

    private static String text(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    private static long lsn(String text) {
        return dr.summit.postgres.wal.Lsn.parse(text);
    }

    private static void waitFor(Statement st, String countQuery, CliTestSupport.Run[] receiverRun) throws Exception {
        for (int i = 0; i < 300; i++) {
            if (PgTestCluster.scalar(st, countQuery) > 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not within 30 s: " + countQuery + "; receiver: " + receiverRun[0]);
    }
}
