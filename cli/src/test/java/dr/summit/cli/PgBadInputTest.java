package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What operators get wrong with PostgreSQL backups, each answered with one line naming what and
 * where, a non-zero exit, and nothing written or overwritten: an unreachable server, a wrong
 * password, WAL of another cluster pushed into this cluster's archive, a backup into a cluster the
 * server does not archive into, a target before the first backup, a data directory that is not
 * empty, a pack lost after the backup.
 */
class PgBadInputTest {

    @Test
    void badInputIsRefusedInOneLineAndNothingIsTouched() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("bad")) {
            PgTestCluster primary = ws.startCluster("pgdata", ws.jvmArchiveCommand());
            String pgdata = primary.data.toString();

            CliTestSupport.assertOneLineError(ws.run("pg backup", "--cluster", ws.cluster, "--pgdata", pgdata,
                    "--dsn", "postgresql://postgres@127.0.0.1:1/postgres"), ExitCodes.ERROR, "host 127.0.0.1 port 1 as user postgres, database postgres: connection refused");

            // A role that must log in with a password over TCP.
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE ROLE operator LOGIN SUPERUSER PASSWORD 'right-one'");
            }
            Path hba = primary.data.resolve("pg_hba.conf");
            Files.writeString(hba, "host all operator 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_reload_conf()");
            }
            CliTestSupport.assertOneLineError(ws.run("pg backup", "--cluster", ws.cluster, "--pgdata", pgdata,
                    "--dsn", "postgresql://operator:wrong@127.0.0.1:" + primary.port + "/postgres"), ExitCodes.ERROR,
                    "password authentication failed", "operator");
            assertThat(ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("backups")).isEmpty();
            ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", pgdata,
                    "--dsn", "postgresql://operator:right-one@127.0.0.1:" + primary.port + "/postgres");

            // WAL of another cluster (initdb writes a first segment with its own system identifier).
            PgTestCluster other = PgTestCluster.create(ws.work.resolve("other"), "true");
            Path segment = Path.of(other.data.toString(), "pg_wal", "000000010000000000000001");
            Path renamed = Files.createDirectories(ws.work.resolve("foreign")).resolve("000000010000000000000099");
            Files.copy(segment, renamed);
            CliTestSupport.assertOneLineError(ws.run("pg wal-push", renamed.toString(), "--cluster", ws.cluster),
                    ExitCodes.ERROR, "belongs to database system", "cluster 'bad'");
            assertThat(ws.repo.resolve("pg/bad/wal/000000010000000000000099")).doesNotExist();

            // A backup into a cluster name the server does not archive into: refused, not left unrecoverable.
            CliTestSupport.assertOneLineError(ws.run("pg backup", "--cluster", "elsewhere", "--pgdata", pgdata, "--dsn", ws.dsn(primary)),
                    ExitCodes.ERROR, "archive_command archives somewhere else", "cluster 'elsewhere'");
            assertThat(ws.ok("pg list", "--cluster", "elsewhere", "--json").json().get("backups")).isEmpty();

            // A target before the first backup ended.
            Path early = ws.work.resolve("early");
            CliTestSupport.assertOneLineError(ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", early.toString(),
                    "--target-time", "2001-01-01T00:00:00Z"), ExitCodes.ERROR, "no base backup of cluster 'bad' ended before");
            assertThat(early).doesNotExist();

            // LSN targets: before the first backup's end, or past the archived WAL.
            CliTestSupport.assertOneLineError(ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", early.toString(),
                    "--target-lsn", "0/1"), ExitCodes.ERROR, "no base backup of cluster 'bad' ended before LSN 0/1");
            CliTestSupport.assertOneLineError(ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", early.toString(),
                    "--target-lsn", "7F/0"), ExitCodes.ERROR, "target LSN 7F/0 is beyond the archived WAL");
            assertThat(early).doesNotExist();

            // A data directory that is not empty: refused, its file untouched.
            Path occupied = Files.createDirectories(ws.work.resolve("occupied"));
            Files.writeString(occupied.resolve("PG_VERSION"), "keep me");
            CliTestSupport.assertOneLineError(ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", occupied.toString()),
                    ExitCodes.ERROR, occupied.toString(), "not empty");
            try (var listing = Files.list(occupied)) {
                assertThat(listing.toList()).containsExactly(occupied.resolve("PG_VERSION"));
            }
            assertThat(Files.readString(occupied.resolve("PG_VERSION"))).isEqualTo("keep me");

            // pg verify reads every block of the backup's files; a lost pack is named as damage.
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            var verified = ws.ok("pg verify", "--cluster", ws.cluster, "--read-data", "--json").json();
            assertThat(verified.get("ok").asBoolean()).isTrue();
            assertThat(verified.get("backups").get(0).get("bytesRead").asLong()).isGreaterThan(1_000_000L);
            Path largestPack;
            try (var packs = Files.walk(ws.repo.resolve("data"))) {
                largestPack = packs.filter(Files::isRegularFile).max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
            }
            Files.delete(largestPack);
            CliTestSupport.Run damaged = ws.run("pg verify", "--cluster", ws.cluster, "--read-data");
            assertThat(damaged.exit()).as(damaged.toString()).isEqualTo(ExitCodes.ERROR);
            assertThat(damaged.out()).contains("files DAMAGED").contains(largestPack.getFileName().toString().substring(0, 8));
        }
    }
}
