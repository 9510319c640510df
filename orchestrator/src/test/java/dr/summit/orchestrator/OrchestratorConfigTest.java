package dr.summit.orchestrator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The TOML config: sources and webhooks read, mistakes named in one line. */
class OrchestratorConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsSourcesAndWebhooksAndNamesAnUnknownKeyOrABadValue() throws Exception {
        Path file = dir.resolve("o.toml");
        Files.writeString(file, "scratchDir = \"/var/tmp/d\"\n[[files]]\nname = \"docs\"\npath = \"/srv/docs\"\n"
                + "[[postgres]]\nname = \"main\"\ncluster = \"main\"\n"
                + "[[webhooks]]\nurl = \"https://example.invalid/x\"\nformat = \"pagerduty\"\nroutingKey = \"k\"\non = [\"failure\", \"success\"]\n");
        OrchestratorConfig c = OrchestratorConfig.read(file);
        assertThat(c.files()).containsExactly(new OrchestratorConfig.FilesEntry("docs", "/srv/docs"));
        assertThat(c.postgres().get(0).cluster()).isEqualTo("main");
        assertThat(c.webhooks().get(0).on()).containsExactly("failure", "success");

        Files.writeString(file, "scratchdir = \"/tmp\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageStartingWith(file + ": unknown key 'scratchdir'");
        Files.writeString(file, "[[webhooks]]\nurl = \"ftp://x\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("url must be an http(s) URL");
        Files.writeString(file, "[[files]]\nname = \"docs\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("every [[files]] needs name and path");
        assertThatThrownBy(() -> OrchestratorConfig.read(dir.resolve("none.toml"))).hasMessageContaining("does not exist");
    }

    @Test
    void readsNeo4jSourcesBesideTheCliNeo4jCommandsTable() throws Exception {
        Path file = dir.resolve("o.toml");
        // 'neo4j' is also a CLI command whose options may sit in a [neo4j] table: the CLI passes it as another reader's key
        Files.writeString(file, "[[neo4j]]\nname = \"graph\"\nuri = \"bolt://db1:7687\"\npassword-file = \"/etc/pw\"\n"
                + "drill-uri = \"bolt://scratch:7687\"\n");
        OrchestratorConfig c = OrchestratorConfig.read(file, java.util.Set.of("neo4j", "repository"));
        assertThat(c.neo4j()).containsExactly(new OrchestratorConfig.Neo4jEntry("graph", "bolt://db1:7687", "neo4j", "/etc/pw", "neo4j",
                "bolt://scratch:7687"));

        Files.writeString(file, "[neo4j]\nuri = \"bolt://db1:7687\"\n");
        assertThat(OrchestratorConfig.read(file, java.util.Set.of("neo4j")).neo4j()).isEmpty();
        Files.writeString(file, "[[neo4j]]\nname = \"graph\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("every [[neo4j]] needs name and uri");
        Files.writeString(file, "[[neo4j]]\nname = \"graph\"\nuri = \"bolt://x\"\npassword_file = \"/etc/pw\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("unknown key 'password_file'");
    }

    @Test
    void neo4jFullEveryTakesNeo4jBackupsDurationsAndDefaultsToAWeek() throws Exception {
        Path file = dir.resolve("o.toml");
        String entry = "[[neo4j]]\nname = \"graph\"\nuri = \"bolt://db1:7687\"\n";
        Files.writeString(file, entry);
        assertThat(OrchestratorConfig.read(file).neo4j().get(0).fullEveryDuration()).isEqualTo(java.time.Duration.ofDays(7));
        Files.writeString(file, entry + "fullEvery = \"36h\"\n");
        assertThat(OrchestratorConfig.read(file).neo4j().get(0).fullEveryDuration()).isEqualTo(java.time.Duration.ofHours(36));
        Files.writeString(file, entry + "fullEvery = \"2w\"\n");
        assertThat(OrchestratorConfig.read(file).neo4j().get(0).fullEveryDuration()).isEqualTo(java.time.Duration.ofDays(14));

        Files.writeString(file, entry + "fullEvery = \"weekly\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessage(file + ": [[neo4j]] 'graph' fullEvery 'weekly': "
                + "give a number and a unit s, m, h, d or w (e.g. 60s, 7d)");
        Files.writeString(file, entry + "fullEvery = \"99999999999w\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).as("too large to add to a time").hasMessageContaining("fullEvery '99999999999w'");
        // Both spellings of a multi-word key, as summit-dr's options in the same file are kebab-case; not both at once.
        Files.writeString(file, entry + "full-every = \"1d\"\n");
        assertThat(OrchestratorConfig.read(file).neo4j().get(0).fullEveryDuration()).isEqualTo(java.time.Duration.ofDays(1));
        Files.writeString(file, entry + "full-every = \"1d\"\nfullEvery = \"2d\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("both 'full-every' and 'fullEvery' are set");
        Files.writeString(file, entry + "passwordFile = \"/etc/pw\"\ndrillUri = \"bolt://scratch:7687\"\n");
        assertThat(OrchestratorConfig.read(file).neo4j().get(0).drillUri()).isEqualTo("bolt://scratch:7687");
        Files.writeString(file, entry + "ful-every = \"1d\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("unknown key 'ful-every'").hasMessageContaining("fullEvery");
    }

    @Test
    void readsSchedulesWithTheSeedsDefaultTimesAndNamesABadOne() throws Exception {
        Path file = dir.resolve("s.toml");
        String files = "[[files]]\nname = \"docs\"\npath = \"/srv/docs\"\n";
        Files.writeString(file, files + "[[schedules]]\nkind = \"backup\"\nsource = \"files:docs\"\ncron = \"30 1 * * *\"\n"
                + "[[schedules]]\nkind = \"drill\"\nscenario = \"backup-validation\"\n"
                + "[[schedules]]\nkind = \"verify\"\nslice = \"10%\"\ntimezone = \"Europe/Berlin\"\n");
        var schedules = OrchestratorConfig.read(file).checkedSchedules();
        assertThat(schedules).extracting(s -> s.id()).containsExactly("backup-files-docs", "drill-backup-validation", "verify-rolling");
        assertThat(schedules).extracting(s -> s.cron()).containsExactly("30 1 * * *", "0 3 * * 0", "0 4 * * *");
        assertThat(schedules.get(2).slicePercent()).isEqualTo(10);

        Files.writeString(file, files + "[[schedules]]\nkind = \"backup\"\nsource = \"files:other\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessage(file + ": [[schedules]] source 'files:other' names no [[files]] source");
        Files.writeString(file, "[[schedules]]\nkind = \"drill\"\nscenario = \"pitr-random\"\ncron = \"every day\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageStartingWith(file + ": [[schedules]] cron 'every day' is not a UNIX cron expression");
        Files.writeString(file, "[[schedules]]\nkind = \"verify\"\nslise = \"10%\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("unknown key 'slise'");
    }

    @Test
    void schedulesBackUpPostgresAndNeo4jSourcesWithTheSeedsTimesAndCatchUpByDefault() throws Exception {
        Path file = dir.resolve("s.toml");
        String sources = "[[postgres]]\nname = \"main\"\ncluster = \"main\"\npgdata = \"/var/lib/postgresql/15/main\"\n"
                + "dsn = \"host=/var/run/postgresql user=postgres dbname=postgres\"\n"
                + "[[neo4j]]\nname = \"graph\"\nuri = \"bolt://db1:7687\"\n";
        Files.writeString(file, sources + "[[schedules]]\nkind = \"backup\"\nsource = \"postgres:main\"\n"
                + "[[schedules]]\nkind = \"backup\"\nsource = \"neo4j:graph\"\n"
                + "[[schedules]]\nkind = \"drill\"\nscenario = \"backup-validation\"\n"
                + "[[schedules]]\nkind = \"drill\"\nname = \"eager\"\nscenario = \"pitr-random\"\ncatchUp = true\n");
        OrchestratorConfig c = OrchestratorConfig.read(file);
        assertThat(c.postgres().get(0).dsn()).isEqualTo("host=/var/run/postgresql user=postgres dbname=postgres");
        assertThat(c.postgres().get(0).pgdata()).isEqualTo("/var/lib/postgresql/15/main");
        var schedules = c.checkedSchedules();
        assertThat(schedules).extracting(s -> s.id()).containsExactly("backup-postgres-main", "backup-neo4j-graph", "drill-backup-validation", "eager");
        assertThat(schedules).extracting(s -> s.cron()).containsExactly("0 2 * * *", "0 * * * *", "0 3 * * 0", "0 3 * * 0");
        assertThat(schedules).extracting(s -> s.catchUp()).containsExactly(true, true, false, true);

        Files.writeString(file, "[[postgres]]\nname = \"main\"\ncluster = \"main\"\n[[schedules]]\nkind = \"backup\"\nsource = \"postgres:main\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("[[schedules]] source 'postgres:main': its [[postgres]] entry needs pgdata");
        Files.writeString(file, "[[schedules]]\nkind = \"backup\"\nsource = \"neo4j:graph\"\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessage(file + ": [[schedules]] source 'neo4j:graph' names no [[neo4j]] source");
        Files.writeString(file, sources + "[[schedules]]\nkind = \"backup\"\nsource = \"postgres:main\"\ncatchup = true\n");
        assertThatThrownBy(() -> OrchestratorConfig.read(file)).hasMessageContaining("unknown key 'catchup'");
    }
}
