package dr.summit.repository.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HumanSizesTest {
    @Test
    void parsesBinaryUnits() {
        assertThat(HumanSizes.parse("2GiB")).isEqualTo(2L << 30);
        assertThat(HumanSizes.parse("512 MiB")).isEqualTo(512L << 20);
        assertThat(HumanSizes.parse("64k")).isEqualTo(64L << 10);
        assertThat(HumanSizes.parse("1G")).isEqualTo(1L << 30);
        assertThat(HumanSizes.parse("3MB")).isEqualTo(3L << 20);
        assertThat(HumanSizes.parse("4096")).isEqualTo(4096);
        assertThat(HumanSizes.parse("10B")).isEqualTo(10);
    }

    @Test
    void refusesWhatIsNotASize() {
        assertThatThrownBy(() -> HumanSizes.parse("2 parsecs")).hasMessageContaining("'2 parsecs'");
        assertThatThrownBy(() -> HumanSizes.parse("-1G")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> HumanSizes.parse("99999999999T")).hasMessageContaining("too large");
    }
}
