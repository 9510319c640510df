package dr.summit.postgres.stream;

import dr.summit.repository.RepositoryException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GrowingSegmentTest {
    private static final int SIZE = 4096;
    private static final long START = 3L * SIZE;

    private static byte[] wal(long seed) {
        byte[] b = new byte[SIZE];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void send(GrowingSegment s, byte[] wal, int from, int to) {
        s.accept(from, ByteBuffer.wrap(wal, from, to - from), to - from);
    }

    @Test
    void theFlushPositionNeverRunsAheadOfWhatIsStored() {
        byte[] wal = wal(1);
        GrowingSegment s = new GrowingSegment("seg", START, SIZE, new byte[0]);
        send(s, wal, 0, 1000);
        assertThat(s.flushableLsn()).isEqualTo(START);
        assertThat(s.hasUnsubmitted()).isTrue();
        assertThat(s.unsubmittedBytes()).isEqualTo(1000);
        assertThat(s.submit()).isEqualTo(0);
        assertThat(s.hasUnsubmitted()).isFalse();
        // Submitted is not durable: the writer has not stored it yet.
        assertThat(s.flushableLsn()).isEqualTo(START);
        s.stored(1000);
        assertThat(s.flushableLsn()).isEqualTo(START + 1000);
        send(s, wal, 1000, 2000);
        assertThat(s.submit()).isEqualTo(1000);
        // Received on while the piece [1000, 2000) is being stored.
        send(s, wal, 2000, SIZE);
        assertThat(s.complete()).isTrue();
        assertThat(s.flushableLsn()).isEqualTo(START + 1000);
        s.stored(2000);
        assertThat(s.flushableLsn()).isEqualTo(START + 2000);
        assertThat(s.submit()).isEqualTo(2000);
        s.stored(SIZE);
        assertThat(s.flushableLsn()).isEqualTo(s.endLsn());
        assertThat(s.bytes()).isEqualTo(wal);
    }

    @Test
    void afterAReconnectStoredBytesCountOnlyOnceTheServerSentThemAgain() {
        byte[] wal = wal(2);
        GrowingSegment s = new GrowingSegment("seg", START, SIZE, Arrays.copyOf(wal, 3000));
        assertThat(s.flushableLsn()).isEqualTo(START);
        send(s, wal, 0, 1000);
        assertThat(s.hasUnsubmitted()).isFalse();
        assertThat(s.flushableLsn()).isEqualTo(START + 1000);
        send(s, wal, 1000, 3500);
        assertThat(s.flushableLsn()).isEqualTo(START + 3000);
        assertThat(s.durable()).isEqualTo(3000);
        assertThat(s.unsubmittedBytes()).isEqualTo(500);
        assertThat(s.submit()).isEqualTo(3000);
    }

    @Test
    void bytesDifferingFromTheRepositoryAreRefused() {
        byte[] wal = wal(3);
        GrowingSegment s = new GrowingSegment("000000010000000000000003", START, SIZE, Arrays.copyOf(wal, 3000));
        byte[] other = wal.clone();
        other[2999] ^= 0x40;
        assertThatThrownBy(() -> send(s, other, 0, 3000)).isInstanceOf(RepositoryException.class)
                .hasMessageContaining("WAL segment 000000010000000000000003 streamed from the server differs at offset 2999");
    }

    @Test
    void theStreamMustContinueWhereItStopped() {
        byte[] wal = wal(4);
        GrowingSegment s = new GrowingSegment("seg", START, SIZE, new byte[0]);
        send(s, wal, 0, 100);
        assertThatThrownBy(() -> send(s, wal, 200, 300)).hasMessageContaining("jumped from offset 100 to 200");
        assertThatThrownBy(() -> send(s, new byte[SIZE + 10], 100, SIZE + 10)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void walSegmentSizeIsReadAsShowPrintsIt() {
        assertThat(WalReceiver.parseSize("16MB")).isEqualTo(16 << 20);
        assertThat(WalReceiver.parseSize("1GB")).isEqualTo(1 << 30);
        assertThatThrownBy(() -> WalReceiver.parseSize("16")).hasMessageContaining("wal_segment_size '16'");
    }
}
