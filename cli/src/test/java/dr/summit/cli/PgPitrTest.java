package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Point-in-time recovery against a real PostgreSQL 15: the server archives WAL through
 * 'summit-dr pg wal-push' (a real process per segment, run by the server as the postgres user), a
 * base backup is taken while rows are committed, and a restore to a time between two commits
 * recovers exactly the rows committed before it.
 */
class PgPitrTest {

    @Test
    void restoreToATimeBetweenTwoCommitsRecoversExactlyTheEarlierRows() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("test")) {
            PgTestCluster primary = ws.startCluster("pgdata", ws.jvmArchiveCommand());
            List<Instant> commits = new ArrayList<>();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE events (n int PRIMARY KEY, at timestamptz)");
                for (int n = 1; n <= 3; n++) {
                    commits.add(insert(st, n));
                }
                st.execute("CREATE TABLE filler AS SELECT g, md5(g::text) AS h FROM generate_series(1, 50000) g");
                assertThat(ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary))
                        .out()).contains("base backup");
                for (int n = 4; n <= 8; n++) {
                    Thread.sleep(1100);
                    commits.add(insert(st, n));
                }
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();

            // The catalogue reads the last commit from the archived WAL: row 8's, after row 7 returned.
            var list = ws.ok("pg list", "--cluster", ws.cluster, "--json").json();
            assertThat(list.get("backups")).hasSize(1);
            var recoverable = list.get("backups").get(0).get("recoverable");
            Instant lastCommit = Instant.parse(recoverable.get("to").asText());
            assertThat(lastCommit).isAfter(commits.get(6)).isBeforeOrEqualTo(commits.get(7));
            assertThat(recoverable.get("from").asText()).isEqualTo(list.get("backups").get(0).get("attributes").get("pg.stopTime").asText());
            assertThat(recoverable.get("walMissing").isNull()).isTrue();
            assertThat(list.get("recoverable")).hasSize(1);
            assertThat(list.get("timelines")).hasSize(1);
            assertThat(list.get("timelines").get(0).get("missing")).isEmpty();
            assertThat(list.get("timelines").get(0).get("archived").get(0).get("last").asText())
                    .isEqualTo(recoverable.get("lastSegment").asText());

            // A target after it cannot be reached: refused before anything is written.
            Path tooLate = ws.work.resolve("too-late");
            CliTestSupport.assertOneLineError(ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", tooLate.toString(),
                    "--target-time", lastCommit.plusSeconds(30).toString()), 1, "is after the last archived transaction");
            assertThat(tooLate).doesNotExist();

            // --dry-run: the plan (backup, WAL range, bytes, an estimate) and nothing written.
            Path planned = ws.work.resolve("planned");
            var plan = ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", planned.toString(), "--dry-run", "--json").json();
            assertThat(plan.get("backup").asText()).isEqualTo(list.get("backups").get(0).get("id").asText());
            assertThat(plan.get("walTo").asText()).isEqualTo(recoverable.get("lastSegment").asText());
            assertThat(plan.get("walBytesAtMost").asLong()).isPositive();
            assertThat(plan.get("bytes").asLong()).isPositive();
            assertThat(plan.get("estimatedSeconds").asLong()).isGreaterThanOrEqualTo(5);
            assertThat(planned).doesNotExist();

            // Halfway between the commits of rows 6 and 7.
            Instant target = commits.get(5).plusMillis((commits.get(6).toEpochMilli() - commits.get(5).toEpochMilli()) / 2);
            Path restoredData = ws.work.resolve("restored");
            // --start: the restored server (same port as the stopped primary) replays WAL and promotes.
            CliTestSupport.Run restore = ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restoredData.toString(),
                    "--target-time", target.toString(), "--target-action", "promote", "--start");
            assertThat(restore.out()).contains("recovery_target_time").contains("recovery promoted");
            PgTestCluster restored = ws.track(PgTestCluster.alreadyRunning(restoredData, primary.port));
            try (Connection c = restored.connect(); Statement st = c.createStatement()) {
                PgTestCluster.waitUntilPromoted(st);
                assertThat(PgTestCluster.ints(st, "SELECT n FROM events ORDER BY n"))
                        .as("rows committed before %s; server log:\n%s", target, restored.log()).containsExactly(1, 2, 3, 4, 5, 6);
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM filler")).isEqualTo(50000);
            }
            assertThat(ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("walFiles").asInt()).isGreaterThan(1);
        }
    }

    @Test
    void restoreToANamedRestorePointOrAnLsnStopsExactlyThere() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("lsn")) {
            PgTestCluster primary = ws.startCluster("pgdata", ws.jvmArchiveCommand());
            String lsnAfterRow2;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE events (n int PRIMARY KEY, at timestamptz)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
                insert(st, 1);
                insert(st, 2);
                try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
                    rs.next();
                    lsnAfterRow2 = rs.getString(1);
                }
                insert(st, 3);
                st.execute("SELECT pg_create_restore_point('before_row_4')");
                insert(st, 4);
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();

            assertThat(restoreAndCount(ws, "--target-name", "before_row_4")).containsExactly(1, 2, 3);
            assertThat(restoreAndCount(ws, "--target-lsn", lsnAfterRow2)).containsExactly(1, 2);
            assertThat(ws.run("pg verify", "--cluster", ws.cluster).exit()).isZero();

            // A target the archive cannot reach: --start reports the server's reason in one line.
            ws.handToPostgres();
            CliTestSupport.Run unreachable = ws.run("pg restore", "--cluster", ws.cluster, "--pgdata",
                    ws.work.resolve("unreachable").toString(), "--target-xid", "99999999", "--target-action", "promote", "--start",
                    "--timeout", "60");
            CliTestSupport.assertOneLineError(unreachable, 1, "recovery ended before configured recovery target was reached");

            // A hole in the archive is named by pg verify, and a --latest restore refuses to stop there silently.
            Path wal = ws.repo.resolve("pg/lsn/wal");
            List<String> segments = new ArrayList<>();
            try (var s = Files.list(wal)) {
                // Timeline 1 only: the restored servers promoted to timeline 2 and archive there too.
                s.map(p -> p.getFileName().toString()).filter(n -> n.matches("00000001[0-9A-F]{16}")).sorted().forEach(segments::add);
            }
            assertThat(segments.size()).isGreaterThanOrEqualTo(3);
            String hole = segments.get(segments.size() - 2);
            Files.delete(wal.resolve(hole));
            // The restores above promoted onto new timelines whose copies of that segment would let
            // recovery go round the hole (recovery follows the latest timeline): remove them too.
            try (var s = Files.list(wal)) {
                for (Path copy : s.filter(p -> p.getFileName().toString().endsWith(hole.substring(8))).toList()) {
                    Files.delete(copy);
                }
            }
            CliTestSupport.Run verify = ws.run("pg verify", "--cluster", ws.cluster);
            assertThat(verify.exit()).isEqualTo(1);
            assertThat(verify.out()).contains("MISSING " + hole);
            Path never = ws.work.resolve("never");
            CliTestSupport.assertOneLineError(ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", never.toString()), 1,
                    "WAL segment " + hole + " is missing", "last reachable: segment " + segments.get(segments.size() - 3));
            assertThat(never).doesNotExist();
        }
    }

    private static List<Integer> restoreAndCount(PgWorkspace ws, String option, String value) throws Exception {
        Path data = ws.work.resolve("restored-" + option.substring(2));
        ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", data.toString(), option, value, "--target-action", "promote");
        try (PgTestCluster cluster = PgTestCluster.attach(data)) {
            cluster.start();
            try (Connection c = cluster.connect(); Statement st = c.createStatement()) {
                PgTestCluster.waitUntilPromoted(st);
                return PgTestCluster.ints(st, "SELECT n FROM events ORDER BY n");
            }
        }
    }

    private static Instant insert(Statement st, int n) throws Exception {
        st.execute("INSERT INTO events VALUES (" + n + ", clock_timestamp())");
        try (ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }
}
