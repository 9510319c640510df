package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WAL-derived incremental (a second base backup that takes the 256 KiB chunks no WAL record
 * touched from its parent, unread) taken while pgbench writes restores to exactly the database that
 * a backup reading every changed file whole restores to, at the same LSN: every table dumped alike,
 * and every page's checksum right.
 */
class PgWalDeltaTest {

    @Test
    void walDerivedIncrementalUnderPgbenchRestoresLikeAFullRead() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("waldelta")) {
            Path data = ws.work.resolve("pgdata");
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(data));
            String port = Integer.toString(primary.port);
            PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", port, "-i", "-s", "4",
                    "-F", "50", "-q", "postgres");
            // Fill factor 50: updates stay on their page (HOT), pgbench_accounts keeps its size and the
            // map, not the size check, decides which of its chunks are read.
            String coldFile;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE grows (id int, pad text)");
                st.execute("INSERT INTO grows SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g");
                st.execute("CREATE UNLOGGED TABLE scratch AS SELECT g AS id FROM generate_series(1, 1000) g");
                // 8 MB that pgbench never touches: its few changed rows are updated in place (HOT,
                // fill factor 50), so the file keeps its size and only the map can say what to read.
                st.execute("CREATE TABLE cold (id int PRIMARY KEY, v int, pad text) WITH (fillfactor = 50)");
                st.execute("INSERT INTO cold SELECT g, 0, repeat('c', 60) FROM generate_series(1, 40000) g");
                st.execute("VACUUM cold");
                coldFile = PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("psql").toString(), "-h", "127.0.0.1", "-p", port,
                        "-U", "postgres", "-At", "-c", "SELECT pg_relation_filepath('cold')", "postgres").trim();
            }

            JsonNode first = backup(ws, data, primary);
            assertThat(first.get("walDelta").get("used").asBoolean()).isFalse();
            assertThat(first.get("walDelta").get("off").asText()).isEqualTo("no parent backup");

            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                // Changes on a few pages only, which no later pgbench transaction needs to touch:
                // if the map missed them, the restore would show the old balances.
                st.execute("UPDATE pgbench_accounts SET abalance = abalance + 7 WHERE aid <= 2000 OR aid BETWEEN 300000 AND 300300");
                st.execute("INSERT INTO grows SELECT g, repeat('y', 100) FROM generate_series(1001, 20000) g");
                st.execute("UPDATE scratch SET id = id + 1");
                st.execute("CREATE TABLE created_between AS SELECT g FROM generate_series(1, 5000) g");
                // One row in the first, one in a middle and one in the last chunk of cold's file.
                st.execute("UPDATE cold SET v = 1 WHERE id IN (3, 20000, 39990)");
                // Read everything once now: setting hint bits on a page is WAL-logged as a full-page
                // image (data checksums), and if the first reads came after the next backup's start,
                // replaying those images would repair the very pages a wrong map took stale.
                st.execute("SELECT sum(v) FROM cold");
                st.execute("SELECT count(*) FROM grows");
                st.execute("SELECT count(*) FROM created_between");
            }
            Path log = ws.work.resolve("pgbench.log");
            // pgbench's own script would touch every chunk of this small pgbench_accounts within a
            // second (and the map then gives up, as it should); this one writes to the first tenth.
            Path script = ws.work.resolve("hot-tenth.sql");
            Files.writeString(script, """
                    \\set aid random(1, 40000)
                    \\set delta random(-5000, 5000)
                    UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
                    INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :aid, :delta, CURRENT_TIMESTAMP);
                    """);
            PgTestCluster.sh("chmod", "644", script.toString());
            Process load = new ProcessBuilder("runuser", "-u", "postgres", "--", PgTestCluster.BIN.resolve("pgbench").toString(),
                    "-h", "127.0.0.1", "-p", port, "-c", "2", "-T", "6", "-f", script.toString(), "postgres")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Thread.sleep(1000);
            JsonNode delta = backup(ws, data, primary);
            assertThat(load.waitFor()).as(Files.readString(log)).isZero();
            JsonNode report = delta.get("walDelta");
            System.out.println("WAL-derived incremental under load (cold is " + coldFile + "): " + report);
            assertThat(report.get("used").asBoolean()).as(report.toString()).isTrue();
            assertThat(report.get("files").asLong()).as(report.toString()).isPositive();
            assertThat(report.get("reusedBytes").asLong()).as("chunks taken from the parent unread: " + report).isPositive();
            assertThat(report.get("fallbacks").asLong()).as(report.toString()).isPositive();
            assertThat(report.get("fallbackFiles").toString()).as(report.toString()).contains("size changed")
                    .doesNotContain(coldFile + ":");
            assertThat(delta.get("summary").get("bytesRead").asLong())
                    .as("the delta reads less than the full backup").isLessThan(first.get("summary").get("bytesRead").asLong());

            String expected;
            String fullId;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                System.setProperty("summit.pg.walDeltaMaxRatio", "0");
                try {
                    JsonNode full = backup(ws, data, primary);
                    assertThat(full.get("walDelta").get("used").asBoolean()).isFalse();
                    assertThat(full.get("walDelta").get("off").asText()).contains("reading the files is cheaper");
                    fullId = full.get("id").asText();
                } finally {
                    System.clearProperty("summit.pg.walDeltaMaxRatio");
                }
                expected = dump(primary);
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();
            ws.useJvmLauncher();

            // The newest backup (read whole) and then, once it is forgotten, the WAL-derived one, both
            // recovered to the end of the same archived WAL.
            String fullDump = restoreAndDump(ws, ws.work.resolve("restored-full"), fullId);
            ws.ok("forget", fullId);
            String deltaDump = restoreAndDump(ws, ws.work.resolve("restored-delta"), delta.get("id").asText());
            assertThat(firstDifference(fullDump, expected)).as("the full-read backup restores the primary's tables").isNull();
            assertThat(firstDifference(deltaDump, fullDump)).as("the WAL-derived incremental restores the same tables").isNull();
        }
    }

    /** The first line where two dumps differ (they are tens of MB: no diff of the whole), or null. */
    private static String firstDifference(String actual, String expected) {
        String[] a = actual.split("\n", -1);
        String[] e = expected.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, e.length); i++) {
            String x = i < a.length ? a[i] : "<end>";
            String y = i < e.length ? e[i] : "<end>";
            if (!x.equals(y)) {
                return "line " + (i + 1) + ": '" + x + "', expected '" + y + "'";
            }
        }
        return null;
    }

    private static JsonNode backup(PgWorkspace ws, Path data, PgTestCluster primary) {
        return ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary), "--json").json();
    }

    /** Restores the newest backup to the end of the archive, dumps every table, stops and checks every page's checksum. */
    private static String restoreAndDump(PgWorkspace ws, Path target, String backupId) throws Exception {
        JsonNode plan = ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", target.toString(), "--json").json();
        assertThat(plan.get("backup").asText()).isEqualTo(backupId);
        PgTestCluster restored = ws.startRestored(target, false);
        String dump = dump(restored);
        restored.stop();
        String checked = PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pg_checksums").toString(), "--check", "-D", target.toString());
        assertThat(checked).contains("Bad checksums:  0");
        return dump;
    }

    /**
     * Every table's rows (unlogged tables are empty after any crash or restore, so their data is
     * left out), without the random \restrict key that newer pg_dump releases put in each dump.
     */
    private static String dump(PgTestCluster server) throws Exception {
        return PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pg_dump").toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(server.port), "-U", "postgres", "--no-unlogged-table-data", "postgres")
                .lines().filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict ")).collect(java.util.stream.Collectors.joining("\n"));
    }
}
