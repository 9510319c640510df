package dr.summit.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

class DrMetricsTest {
    /** The value of one series in an exposition, or NaN when it is absent. */
    static double sample(String text, String series) {
        for (ExpositionLine l : ExpositionLine.parseAll(text)) {
            if (l.series().equals(series)) {
                return l.value();
            }
        }
        return Double.NaN;
    }

    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void aSuccessfulBackupSetsItsSourceGaugesAndCountsEncryptedFiles() {
        DrMetrics m = new DrMetrics();
        m.recordBackup(Source.POSTGRES, "base", 12.5, 1000, 400, 7, true, NOW);
        String text = m.text();
        assertThat(text).satisfies(t -> assertThat(sample(t, "postgres_base_backup_duration_seconds{type=\"base\"}")).isEqualTo(12.5))
                .satisfies(t -> assertThat(sample(t, "dr_backup_last_success_timestamp_seconds{source=\"postgres\"}")).isEqualTo(NOW.getEpochSecond()))
                .satisfies(t -> assertThat(sample(t, "dr_backup_logical_bytes{source=\"postgres\"}")).isEqualTo(1000))
                .satisfies(t -> assertThat(sample(t, "dr_backup_stored_bytes{source=\"postgres\"}")).isEqualTo(400))
                .satisfies(t -> assertThat(sample(t, "backup_encryption_files_total{source=\"postgres\"}")).isEqualTo(7))
                .satisfies(t -> assertThat(sample(t, "dr_rto_target_seconds")).isEqualTo(14400)).satisfies(t -> assertThat(sample(t, "dr_rpo_target_seconds")).isEqualTo(300))
                .doesNotContain("backup_failure_total{");
    }

    @Test
    void aFailedBackupCountsAFailureAndKeepsTheLastSuccess() {
        DrMetrics m = new DrMetrics();
        m.recordBackup(Source.FILES, "files", 3, 10, 5, 1, true, NOW.minusSeconds(3600));
        m.recordBackup(Source.FILES, "files", 1, 0, 0, 0, false, NOW);
        String text = m.text();
        assertThat(text).satisfies(t -> assertThat(sample(t, "backup_failure_total{source=\"files\"}")).isEqualTo(1))
                .satisfies(t -> assertThat(sample(t, "dr_backup_last_failure_timestamp_seconds{source=\"files\"}")).isEqualTo(NOW.getEpochSecond()))
                .satisfies(t -> assertThat(sample(t, "dr_backup_last_success_timestamp_seconds{source=\"files\"}")).isEqualTo(NOW.getEpochSecond() - 3600));
    }

    @Test
    void drillsAndRecoveriesSetRtoRpoByScenario() {
        DrMetrics m = new DrMetrics();
        m.recordDrill(new DrillResult("backup-validation", NOW, 120, 30, true));
        m.recordDrill(new DrillResult("postgres-pitr", NOW, Double.NaN, Double.NaN, false));
        m.recordRecovery("neo4j-restore", Source.NEO4J, 900, Double.NaN, true);
        String text = m.text();
        assertThat(text).satisfies(t -> assertThat(sample(t, "dr_rto_actual_seconds{scenario=\"backup-validation\"}")).isEqualTo(120))
                .satisfies(t -> assertThat(sample(t, "dr_rpo_actual_seconds{scenario=\"backup-validation\"}")).isEqualTo(30))
                .satisfies(t -> assertThat(sample(t, "dr_drill_success{scenario=\"postgres-pitr\"}")).isEqualTo(0))
                .satisfies(t -> assertThat(sample(t, "dr_drills_total{result=\"failure\",scenario=\"postgres-pitr\"}")).isEqualTo(1))
                .satisfies(t -> assertThat(sample(t, "dr_recovery_attempts_total{result=\"success\",source=\"neo4j\"}")).isEqualTo(1))
                .satisfies(t -> assertThat(sample(t, "dr_rto_actual_seconds{scenario=\"neo4j-restore\"}")).isEqualTo(900))
                .doesNotContain("dr_drill_last_success_timestamp_seconds{scenario=\"postgres-pitr\"}");
    }

    @Test
    void whatWasNeverReadIsAbsentNotZero() {
        String text = new DrMetrics().text();
        assertThat(sample(text, "dr_wal_archive_lag_seconds")).isNaN();
        assertThat(sample(text, "dr_repository_size_bytes")).isNaN();
        assertThat(sample(text, "dr_rto_target_seconds")).isEqualTo(14400);
    }

    @Test
    void labelsRefuseIdsAndPaths() {
        DrMetrics m = new DrMetrics();
        assertThatThrownBy(() -> m.recordBackup(Source.FILES, "/var/lib/data", 1, 1, 1, 1, true, NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type '/var/lib/data'");
        assertThatThrownBy(() -> new DrillResult("3fa2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0", NOW, 1, 1, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refreshRebuildsStateGaugesFromTheRepositoryState() {
        RepositoryState.Backup files = new RepositoryState.Backup(Source.FILES, "files", "abcd1234", NOW.minusSeconds(60), 4, 100, 50, 3);
        RepositoryState state = new RepositoryState(NOW, Map.of(Source.FILES, files), List.of(files), 4096, 2, 42.0,
                new RepositoryState.Keys(NOW.minusSeconds(86400 * 10), 90, NOW.minusSeconds(86400 * 100), 2, 1));
        DrMetrics m = new DrMetrics();
        m.refresh(state);
        String text = m.text();
        assertThat(text).satisfies(t -> assertThat(sample(t, "file_backup_duration_seconds{type=\"files\"}")).isEqualTo(4))
                .satisfies(t -> assertThat(sample(t, "dr_repository_size_bytes")).isEqualTo(4096)).satisfies(t -> assertThat(sample(t, "dr_repository_snapshots")).isEqualTo(2))
                .satisfies(t -> assertThat(sample(t, "dr_wal_archive_lag_seconds")).isEqualTo(42)).satisfies(t -> assertThat(sample(t, "dr_key_age_seconds{type=\"data\"}")).isEqualTo(864000))
                .satisfies(t -> assertThat(sample(t, "dr_key_age_seconds{type=\"slot\"}")).isEqualTo(8640000)).satisfies(t -> assertThat(sample(t, "dr_key_rotation_period_seconds")).isEqualTo(7776000))
                // a refresh is state, not events: it counts nothing
                .doesNotContain("backup_encryption_files_total{");
    }

    @Test
    void carryOverContinuesCountersAndKeepsGaugesThisRunDidNotSet() {
        DrMetrics first = new DrMetrics();
        first.recordBackup(Source.FILES, "files", 1, 1, 1, 5, false, NOW);
        first.recordBackup(Source.POSTGRES, "base", 9, 1, 1, 5, true, NOW);
        DrMetrics second = new DrMetrics();
        second.recordBackup(Source.FILES, "files", 1, 1, 1, 2, false, NOW);
        second.recordBackup(Source.POSTGRES, "base", 11, 1, 1, 0, true, NOW);
        second.carryOver(first.text() + "\nunknown_metric{x=\"y\"} 3\nbackup_failure_total{wrong=\"label\"} 9\n");
        String text = second.text();
        assertThat(text).satisfies(t -> assertThat(sample(t, "backup_failure_total{source=\"files\"}")).isEqualTo(2))
                // this run's gauge wins over the carried one; counters add up
                .satisfies(t -> assertThat(sample(t, "postgres_base_backup_duration_seconds{type=\"base\"}")).isEqualTo(11))
                .satisfies(t -> assertThat(sample(t, "dr_backup_last_failure_timestamp_seconds{source=\"files\"}")).isEqualTo(NOW.getEpochSecond()))
                .satisfies(t -> assertThat(sample(t, "backup_encryption_files_total{source=\"postgres\"}")).isEqualTo(5))
                .doesNotContain("unknown_metric").doesNotContain("wrong=");
    }

    @Test
    void everyFamilyIsExposedUnderItsSeedName() {
        assertThat(new DrMetrics().familyNames()).contains("dr_rto_actual_seconds", "dr_rpo_actual_seconds",
                "postgres_base_backup_duration_seconds", "neo4j_backup_duration_seconds", "file_backup_duration_seconds",
                "backup_encryption_files_total", "dr_recovery_attempts_total", "backup_failure_total");
    }
}
