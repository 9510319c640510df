package dr.summit.repository.chunker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkerParamsTest {

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    @Test
    void defaultIsQuarterOneFourMebibytes() {
        assertThat(ChunkerParams.DEFAULT).isEqualTo(new ChunkerParams(256 * KIB, MIB, 4 * MIB));
    }

    @Test
    void acceptsTheExtremes() {
        assertThatCode(() -> new ChunkerParams(64 * KIB, 128 * KIB, 16 * MIB)).doesNotThrowAnyException();
        assertThatCode(() -> new ChunkerParams(64 * KIB, 8 * MIB, 16 * MIB)).doesNotThrowAnyException();
        assertThatCode(() -> new ChunkerParams(100_000, 128 * KIB, 200_000)).doesNotThrowAnyException();
    }

    @Test
    void rejectsMinBelowFloor() {
        assertThatThrownBy(() -> new ChunkerParams(64 * KIB - 1, 128 * KIB, 512 * KIB))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSize");
        assertThatThrownBy(() -> new ChunkerParams(-1, 128 * KIB, 512 * KIB))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSize");
    }

    @Test
    void rejectsMaxAboveCeiling() {
        assertThatThrownBy(() -> new ChunkerParams(MIB, 4 * MIB, 16 * MIB + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSize");
        assertThatThrownBy(() -> new ChunkerParams(MIB, 4 * MIB, Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSize");
    }

    @Test
    void rejectsUnorderedSizes() {
        int[][] bad = {
            {128 * KIB, 128 * KIB, 512 * KIB},
            {256 * KIB, 128 * KIB, 512 * KIB},
            {64 * KIB, 512 * KIB, 512 * KIB},
            {64 * KIB, 1024 * KIB, 512 * KIB},
        };
        for (int[] p : bad) {
            assertThatThrownBy(() -> new ChunkerParams(p[0], p[1], p[2]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("minSize < avgSize < maxSize");
        }
    }

    @Test
    void rejectsAverageThatIsNoPowerOfTwo() {
        for (int avg : new int[] {100_000, 128 * KIB + 1, 3 * 64 * KIB, MIB - 1}) {
            assertThatThrownBy(() -> new ChunkerParams(64 * KIB, avg, 2 * MIB))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("power of two");
        }
    }
}
