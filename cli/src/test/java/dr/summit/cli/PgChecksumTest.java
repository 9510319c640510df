package dr.summit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** With data checksums on, a base backup verifies every page it reads and names the damaged ones. */
class PgChecksumTest {
    private Path work;
    private PgTestCluster primary;
    private Thread agentThread;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(PgTestCluster.available(), "PostgreSQL 15 server binaries and root are needed");
        work = Files.createTempDirectory("summit-pgsum");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (primary != null) {
            primary.close();
        }
        AgentCommand.stop.countDown();
        if (agentThread != null) {
            agentThread.join(10_000);
        }
        AgentCommand.stop = new CountDownLatch(1);
        if (work != null) {
            PgTestCluster.sh("rm", "-rf", work.toString());
        }
    }

    @Test
    void aDamagedPageIsReportedWithItsFileAndBlock() throws Exception {
        Path repo = work.resolve("repo");
        Path password = CliTestSupport.passwordFile(work.resolve("password"), "sum-secret");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
        Path socket = work.resolve("agent.sock");
        Path data = work.resolve("pgdata");
        Path launcher = work.resolve("summit-dr");
        Files.copy(Path.of("..", "summit-dr").toAbsolutePath().normalize(), launcher);
        PgTestCluster.sh("chmod", "755", launcher.toString(), work.toString());
        agentThread = PgTestCluster.startAgent(repo, password, socket, "sum", data);
        primary = PgTestCluster.create(data, launcher + " pg wal-push %p --agent " + socket + " --cluster sum --repo " + repo
                + " --password-file /nonexistent");
        primary.start();
        String dsn = "postgresql://postgres@127.0.0.1:" + primary.port + "/postgres";
        String relation;
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE c AS SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g");
            st.execute("CHECKPOINT");
            try (ResultSet rs = st.executeQuery("SELECT pg_relation_filepath('c')")) {
                rs.next();
                relation = rs.getString(1);
            }
        }
        var clean = CliTestSupport.ok(repo, password, "pg backup", "--cluster", "sum", "--pgdata", data.toString(), "--dsn", dsn, "--json");
        var attributes = clean.json().get("attributes");
        assertThat(attributes.get("pg.pagesChecked").asLong()).isGreaterThan(100);
        assertThat(attributes.get("pg.checksumFailures").asText()).isEqualTo("0");

        primary.stop();
        try (RandomAccessFile f = new RandomAccessFile(data.resolve(relation).toFile(), "rw")) {
            f.seek(3 * 8192 + 4000);
            int b = f.read();
            f.seek(3 * 8192 + 4000);
            f.write(b ^ 0x5A);
        }
        primary.start();

        CliTestSupport.Run damaged = CliTestSupport.run(repo, password, "pg backup", "--cluster", "sum", "--pgdata", data.toString(),
                "--dsn", dsn);
        assertThat(damaged.exit()).as(damaged.toString()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(damaged.err()).contains("1 pages failed checksum verification").contains(relation + " block 3");
    }
}
