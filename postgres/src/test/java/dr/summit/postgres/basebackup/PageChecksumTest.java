package dr.summit.postgres.basebackup;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of the page checksum; agreement with a real server is tested by PgChecksumTest (cli). */
class PageChecksumTest {
    @Test
    void theStoredChecksumFieldDoesNotAffectTheChecksumButEveryOtherBitAndTheBlockNumberDo() {
        Random random = new Random(21);
        int unchanged = 0;
        for (int round = 0; round < 300; round++) {
            byte[] page = new byte[PageChecksum.PAGE_SIZE];
            random.nextBytes(page);
            long block = random.nextInt(1 << 20);
            int sum = PageChecksum.compute(page, 0, block);
            assertThat(sum).isBetween(1, 65535);
            page[8] ^= (byte) random.nextInt(256);
            page[9] ^= (byte) random.nextInt(256);
            assertThat(PageChecksum.compute(page, 0, block)).as("pd_checksum counts as zero").isEqualTo(sum);
            int bit = random.nextInt(PageChecksum.PAGE_SIZE * 8);
            if (bit / 8 == 8 || bit / 8 == 9) {
                continue;
            }
            page[bit / 8] ^= (byte) (1 << (bit % 8));
            unchanged += PageChecksum.compute(page, 0, block) == sum ? 1 : 0;
            page[bit / 8] ^= (byte) (1 << (bit % 8));
            unchanged += PageChecksum.compute(page, 0, block + 1) == sum ? 1 : 0;
        }
        // 16-bit checksums collide with probability 1/65535 per change; 600 changes here.
        assertThat(unchanged).isLessThanOrEqualTo(1);
    }

    @Test
    void verifierExcusesPagesWrittenAfterTheBackupStartedAndSkipsNewPages() {
        byte[] chunk = new byte[3 * PageChecksum.PAGE_SIZE];
        new Random(5).nextBytes(chunk);
        java.util.Arrays.fill(chunk, 2 * PageChecksum.PAGE_SIZE, 3 * PageChecksum.PAGE_SIZE, (byte) 0);   // page 2: new
        // page 0: LSN 0/100 (old) with a wrong checksum; page 1: LSN 1/0 (newer than the start) with a wrong checksum
        writeLsn(chunk, 0, 0, 0x100);
        writeLsn(chunk, PageChecksum.PAGE_SIZE, 1, 0);
        chunk[8] = (byte) ~PageChecksum.compute(chunk, 0, 0);
        chunk[PageChecksum.PAGE_SIZE + 8] = (byte) ~PageChecksum.compute(chunk, PageChecksum.PAGE_SIZE, 1);
        java.nio.file.Path data = java.nio.file.Path.of("/data");
        PageVerifier verifier = new PageVerifier(data, dr.summit.postgres.wal.Lsn.parse("0/9000000"));
        verifier.inspect(data.resolve("base/5/16384"), 0, chunk);
        assertThat(verifier.pagesChecked()).isEqualTo(2);
        assertThat(verifier.failures()).isEqualTo(1);
        assertThat(verifier.reported()).containsExactly("base/5/16384 block 0");
    }

    private static void writeLsn(byte[] b, int at, int hi, int lo) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (hi >>> (8 * i));
            b[at + 4 + i] = (byte) (lo >>> (8 * i));
        }
    }
}
