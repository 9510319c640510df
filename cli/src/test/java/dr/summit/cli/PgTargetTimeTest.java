package dr.summit.cli;

import dr.summit.postgres.restore.RecoveryTarget;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --target-time needs an explicit zone and is converted to one unambiguous instant, DST included. */
class PgTargetTimeTest {
    @Test
    void offsetsAndZoneIdsGiveTheSameInstant() {
        Instant utc = Instant.parse("2026-07-01T12:00:00Z");
        assertThat(PgCommand.parseTime("2026-07-01T12:00:00Z")).isEqualTo(utc);
        assertThat(PgCommand.parseTime("2026-07-01 14:00:00+02:00")).isEqualTo(utc);
        assertThat(PgCommand.parseTime("2026-07-01T14:00:00+02:00[Europe/Berlin]")).isEqualTo(utc);
        assertThat(PgCommand.parseTime("2026-07-01T08:00:00-04:00")).isEqualTo(utc);
    }

    @Test
    void daylightSavingTransitionsInAZoneIdAreResolvedTheWayJavaTimeDoes() {
        // 02:30 does not exist on 2026-03-29 in Berlin (clocks jump 02:00 -> 03:00): it means 03:30 CEST.
        assertThat(PgCommand.parseTime("2026-03-29T02:30:00[Europe/Berlin]")).isEqualTo(Instant.parse("2026-03-29T01:30:00Z"));
        // 02:30 happens twice on 2026-10-25: without an offset the earlier (CEST) one is meant;
        // an explicit offset picks either.
        assertThat(PgCommand.parseTime("2026-10-25T02:30:00[Europe/Berlin]")).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
        assertThat(PgCommand.parseTime("2026-10-25T02:30:00+01:00[Europe/Berlin]")).isEqualTo(Instant.parse("2026-10-25T01:30:00Z"));
    }

    @Test
    void aTimeWithoutZoneIsRefusedAsAUsageError() {
        assertThatThrownBy(() -> PgCommand.parseTime("2026-07-01 12:00:00"))
                .isInstanceOf(CommandFailure.class)
                .hasMessageContaining("explicit zone")
                .satisfies(e -> assertThat(((CommandFailure) e).exitCode()).isEqualTo(ExitCodes.USAGE));
    }

    @Test
    void recoverySettingsCarryTheInstantInUtc() {
        RecoveryTarget t = new RecoveryTarget(PgCommand.parseTime("2026-10-25T02:30:00+01:00"), null, null, null, false,
                true, null, "promote");
        assertThat(t.settings()).containsExactly("recovery_target_time = '2026-10-25 01:30:00+00'",
                "recovery_target_inclusive = on", "recovery_target_action = 'promote'");
    }
}
