package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** With data checksums on, a base backup verifies every page it reads and names the damaged ones. */
class PgChecksumTest {

    @Test
    void aDamagedPageIsReportedWithItsFileAndBlock() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("sum")) {
            Path data = ws.work.resolve("pgdata");
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(data, true));
            String relation;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE c AS SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g");
                st.execute("CHECKPOINT");
                try (ResultSet rs = st.executeQuery("SELECT pg_relation_filepath('c')")) {
                    rs.next();
                    relation = rs.getString(1);
                }
            }
            var attributes = ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary), "--json")
                    .json().get("attributes");
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

            CliTestSupport.Run damaged = ws.run("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary));
            assertThat(damaged.exit()).as(damaged.toString()).isEqualTo(ExitCodes.PARTIAL);
            assertThat(damaged.err()).contains("1 pages failed checksum verification").contains(relation + " block 3");
        }
    }
}
