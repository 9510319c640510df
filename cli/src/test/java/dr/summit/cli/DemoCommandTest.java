package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command works end to end (small tree), with the PostgreSQL part where PostgreSQL 15 is installed. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void demoRestoresEverythingItBackedUp() {
        CliTestSupport.Run r = CliTestSupport.run("demo", "--dir", tmp.resolve("demo").toString(), "--size-mib", "5");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("6. restore first : ", "compared with the source: identical", "Demo OK");
        Path metrics = tmp.resolve("demo/metrics/summit_dr.prom").toAbsolutePath();
        assertThat(r.out()).contains("Metrics: " + metrics + " (Prometheus text format");
        assertThat(metrics).content().contains("dr_backup_last_success_timestamp_seconds{source=\"files\"}")
                .contains("dr_repository_snapshots 2");
        assertThat(r.out()).containsPattern("(10|13)\\. orchestrator on http://127\\.0\\.0\\.1:\\d+: POST /api/v1/drills/run .* -> 202")
                .containsPattern("drill passed: newest snapshot restored and \\d+ files verified against it, RTO [0-9.]+ s");
        if (DemoPostgres.available()) {
            assertThat(r.out()).contains("PostgreSQL 15 cluster on socket ", "orders 1–200 (200 rows)", "exactly the orders committed before the target");
        } else {
            assertThat(r.out()).contains("PostgreSQL point-in-time recovery: skipped");
        }
        assertThat(r.out()).contains("Neo4j round trip: skipped (give --neo4j-uri");
    }
}
