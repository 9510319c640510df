package dr.summit.postgres.restore;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PgRestoreSettingsTest {
    @Test
    void staleRecoverySettingsOfAnEarlierRestoreAreCommentedOutAndOthersKept() {
        String conf = "# Do not edit\nwork_mem = '64MB'\nrestore_command = 'old %f %p'\nrecovery_target = 'immediate'\n"
                + "  recovery_target_action = 'promote'\nrecovery_target_timeline='latest'\narchive_command = 'x'\n";
        String cleaned = PgRestore.withoutRecoverySettings(conf);
        assertThat(cleaned).contains("work_mem = '64MB'").contains("archive_command = 'x'")
                .doesNotContainPattern("(?m)^\\s*(restore_command|recovery_target\\w*)\\s*=")
                .contains("# (superseded by summit-dr pg restore) recovery_target = 'immediate'");
    }

    @Test
    void targetSettingsQuoteValues() {
        RecoveryTarget t = new RecoveryTarget(null, null, null, "it's here", false, false, "latest", "pause");
        assertThat(t.settings()).containsExactly("recovery_target_name = 'it''s here'", "recovery_target_inclusive = off",
                "recovery_target_timeline = 'latest'", "recovery_target_action = 'pause'");
    }
}
