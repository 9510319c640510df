package dr.summit.neo4j.offline;

import org.junit.jupiter.api.Test;
import org.neo4j.driver.Values;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The CSV text of each value type, and which values go to the fix-up property (the round trip is OfflineRestoreTest's). */
class ImportValuesTest {
    private static final String D = String.valueOf(ImportValues.ARRAY_DELIMITER);

    @Test
    void scalarsHaveTheirImportTypeAndIsoText() {
        assertThat(ImportValues.field(42L)).isEqualTo(new ImportValues.Field("long", "42", false));
        assertThat(ImportValues.field(0.1)).isEqualTo(new ImportValues.Field("double", "0.1", false));
        assertThat(ImportValues.field(true)).isEqualTo(new ImportValues.Field("boolean", "true", false));
        assertThat(ImportValues.field("say \"hi\", ok")).isEqualTo(new ImportValues.Field("string", "\"say \"\"hi\"\", ok\"", false));
        assertThat(ImportValues.field("")).isEqualTo(new ImportValues.Field("string", "\"\"", false));
        assertThat(ImportValues.field("a\nb").multiline()).isTrue();
        assertThat(ImportValues.field(LocalDate.of(2024, 2, 29)).text()).isEqualTo("\"2024-02-29\"");
        assertThat(ImportValues.field(LocalTime.of(13, 14)).text()).isEqualTo("\"13:14:00\"");
        assertThat(ImportValues.field(OffsetTime.of(1, 2, 3, 4, ZoneOffset.ofHours(5))).text()).isEqualTo("\"01:02:03.000000004+05:00\"");
        assertThat(ImportValues.field(LocalDateTime.of(2020, 1, 1, 0, 0, 1)).text()).isEqualTo("\"2020-01-01T00:00:01\"");
        assertThat(ImportValues.field(ZonedDateTime.of(2021, 3, 28, 1, 30, 0, 0, ZoneId.of("Europe/Paris"))).text())
                .isEqualTo("\"2021-03-28T01:30:00+01:00[Europe/Paris]\"");
        assertThat(ImportValues.field(ZonedDateTime.of(2021, 3, 28, 1, 30, 0, 0, ZoneOffset.ofHours(-3))).text()).isEqualTo("\"2021-03-28T01:30:00-03:00\"");
        assertThat(ImportValues.field(Values.isoDuration(14, 3, 3600, 5).asIsoDuration()).text()).isEqualTo("\"P14M3DT3600.000000005S\"");
        assertThat(ImportValues.field(Values.isoDuration(0, 0, -1, 500_000_000).asIsoDuration()).text()).isEqualTo("\"P0M0DT-0.5S\"");
        assertThat(ImportValues.field(Values.point(7203, 1.5, 2).asPoint()).text()).isEqualTo("\"{srid:7203, x:1.5, y:2.0}\"");
        assertThat(ImportValues.field(Values.point(4979, 1, 2, 3).asPoint()).text()).isEqualTo("\"{srid:4979, x:1.0, y:2.0, z:3.0}\"");
    }

    @Test
    void arraysAreJoinedByTheUnitSeparator() {
        assertThat(ImportValues.field(List.of(1L, 2L))).isEqualTo(new ImportValues.Field("long[]", "\"1" + D + "2\"", false));
        assertThat(ImportValues.field(List.of("a", "a"))).isEqualTo(new ImportValues.Field("string[]", "\"a" + D + "a\"", false));
        assertThat(ImportValues.field(List.of("", ""))).isEqualTo(new ImportValues.Field("string[]", "\"" + D + "\"", false));
        assertThat(ImportValues.field(new byte[] {1, -3})).isEqualTo(new ImportValues.Field("byte[]", "1" + D + "-3", false));
        assertThat(ImportValues.field(List.of(LocalDate.of(2000, 1, 1))).type()).isEqualTo("date[]");
    }

    @Test
    void whatTheCsvCannotSayGoesToTheFixUp() {
        assertThat(ImportValues.field(List.of())).isNull();
        assertThat(ImportValues.field(List.of(""))).isNull();
        assertThat(ImportValues.field(new byte[0])).isNull();
        assertThat(ImportValues.field(List.of("a" + D + "b"))).isNull();
        assertThat(ImportValues.field("a\r\nb")).isNull();
        assertThat(ImportValues.field("nul\0")).isNull();
        assertThat(ImportValues.field(LocalDate.of(10000, 1, 1))).isNull();
        assertThat(ImportValues.field(LocalDateTime.of(-1, 1, 1, 0, 0))).isNull();
        assertThat(ImportValues.field(Values.isoDuration(-1, 0, 0, 0).asIsoDuration())).isNull();
        assertThat(ImportValues.field(Values.isoDuration(0, -2, 0, 0).asIsoDuration())).isNull();
        assertThat(ImportValues.plainKey("name")).isTrue();
        assertThat(ImportValues.plainKey("ünï_code-1")).isTrue();
        for (String bad : List.of("", "a:b", "a,b", "a\"b", "a b", "a\tb", "a" + D)) {
            assertThat(ImportValues.plainKey(bad)).as(bad).isFalse();
        }
    }
}
