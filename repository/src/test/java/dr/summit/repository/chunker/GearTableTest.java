package dr.summit.repository.chunker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GearTableTest {

    private static byte[] sequentialKey() {
        byte[] key = new byte[GearTable.KEY_LENGTH];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        return key;
    }

    private static long[] values(GearTable table) {
        long[] values = new long[GearTable.SIZE];
        for (int i = 0; i < values.length; i++) {
            values[i] = table.value(i);
        }
        return values;
    }

    @Test
    void fixedTestVectorPinsTheOnDiskFormat() {
        // Computed independently from the documented derivation (HMAC-SHA256, label, BE32 counter, BE64 words).
        // If this fails, chunk boundaries - and so every chunk id in existing repositories - would change.
        GearTable table = GearTable.derive(sequentialKey());

        assertThat(table.value(0)).isEqualTo(0x2d10080c6a557debL);
        assertThat(table.value(1)).isEqualTo(0x1165805a101eb424L);
        assertThat(table.value(2)).isEqualTo(0xbdd9d659dde84e96L);
        assertThat(table.value(3)).isEqualTo(0x33fb44613673fac2L);
        assertThat(table.value(4)).as("first word of counter 1").isEqualTo(0x547a332b93aff513L);
        assertThat(table.value(255)).as("last word of counter 63").isEqualTo(0x21a38dabc948d880L);
    }

    @Test
    void derivationIsDeterministic() {
        Random random = new Random(1);
        for (int i = 0; i < 20; i++) {
            byte[] key = new byte[GearTable.KEY_LENGTH];
            random.nextBytes(key);
            assertThat(values(GearTable.derive(key))).containsExactly(values(GearTable.derive(key.clone())));
        }
    }

    @Test
    void oneKeyBitChangesTheWholeTable() {
        Random random = new Random(2);
        for (int i = 0; i < 20; i++) {
            byte[] key = new byte[GearTable.KEY_LENGTH];
            random.nextBytes(key);
            byte[] other = key.clone();
            other[random.nextInt(other.length)] ^= (byte) (1 << random.nextInt(8));

            long[] a = values(GearTable.derive(key));
            long[] b = values(GearTable.derive(other));
            int same = 0;
            for (int j = 0; j < a.length; j++) {
                same += a[j] == b[j] ? 1 : 0;
            }
            assertThat(same).isZero();
        }
    }

    @Test
    void valuesLookUniform() {
        long[] values = values(GearTable.derive(sequentialKey()));
        Set<Long> distinct = new HashSet<>();
        long ones = 0;
        for (long v : values) {
            distinct.add(v);
            ones += Long.bitCount(v);
        }
        assertThat(distinct).hasSize(GearTable.SIZE);
        // 16384 fair bits: mean 8192, standard deviation 64; allow 5 sigma.
        assertThat(ones).isBetween(8192L - 320, 8192L + 320);
    }

    @Test
    void keyIsNotRetained() {
        byte[] key = sequentialKey();
        GearTable table = GearTable.derive(key);
        long[] before = values(table);
        Arrays.fill(key, (byte) 0);
        assertThat(values(table)).containsExactly(before);
    }

    @Test
    void rejectsKeysOfWrongLength() {
        for (int length : new int[] {0, 1, 16, 31, 33, 64}) {
            assertThatThrownBy(() -> GearTable.derive(new byte[length]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("32 bytes");
        }
        assertThatThrownBy(() -> GearTable.derive(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void rejectsIndexOutsideTable() {
        GearTable table = GearTable.derive(sequentialKey());
        assertThatThrownBy(() -> table.value(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> table.value(256)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void toStringRevealsNoValues() {
        GearTable table = GearTable.derive(sequentialKey());
        assertThat(table.toString()).doesNotContain(Long.toString(table.value(0)))
                .doesNotContainIgnoringCase(Long.toHexString(table.value(0)));
    }
}
