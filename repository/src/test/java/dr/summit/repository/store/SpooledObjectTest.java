package dr.summit.repository.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.TestBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpooledObjectTest {

    @TempDir
    Path dir;

    @Test
    void piecesInAnyOrderArePutWholeAtTheCommitAndTheSpoolFileGoes() throws Exception {
        LocalDirectoryStore target = new LocalDirectoryStore(dir);
        Random random = new Random(160);
        for (int round = 0; round < 15; round++) {
            byte[] expected = TestBytes.random(random, 1 + random.nextInt(900_000));
            List<int[]> pieces = new ArrayList<>();
            for (int at = 0; at < expected.length; ) {
                int length = Math.min(expected.length - at, 1 + random.nextInt(400_000));
                pieces.add(new int[]{at, length});
                at += length;
            }
            Collections.shuffle(pieces, random);
            SpooledObject spooled = new SpooledObject(target, "data/aa/p" + round);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spooled.file()))).isEqualTo("rw-------");
            for (int[] piece : pieces) {
                spooled.write(piece[0], expected, piece[0], piece[1]);
            }
            assertThat(target.exists("data/aa/p" + round)).isFalse();
            spooled.commit(expected.length);
            assertThat(target.get("data/aa/p" + round)).isEqualTo(expected);
            assertThat(spooled.file()).doesNotExist();
        }
    }

    @Test
    void aDiscardedOrFailedSpoolPutsNothingAndLeavesNoFile() {
        StoreFaults failPuts = (call, name) -> {
            if (call == StoreFaults.Call.PUT) {
                throw new StoreException("injected: bucket unreachable for " + name);
            }
        };
        LocalDirectoryStore failing = new LocalDirectoryStore(dir, failPuts);
        SpooledObject failed = new SpooledObject(failing, "data/bb/x");
        failed.write(0, new byte[100], 0, 100);
        assertThatThrownBy(() -> failed.commit(100)).hasMessageContaining("bucket unreachable for data/bb/x");
        failed.close();
        assertThat(failed.file()).doesNotExist();

        SpooledObject discarded = new SpooledObject(new LocalDirectoryStore(dir), "data/bb/y");
        discarded.write(0, new byte[100], 0, 100);
        discarded.close();
        assertThat(discarded.file()).doesNotExist();
        assertThatThrownBy(() -> discarded.commit(100)).isInstanceOf(IllegalStateException.class);

        SpooledObject wrongLength = new SpooledObject(new LocalDirectoryStore(dir), "data/bb/z");
        wrongLength.write(0, new byte[100], 0, 100);
        assertThatThrownBy(() -> wrongLength.commit(101)).hasMessageContaining("holds 100 bytes, not the 101");
        wrongLength.close();
        assertThat(new LocalDirectoryStore(dir).list("data/")).isEmpty();
    }
}
