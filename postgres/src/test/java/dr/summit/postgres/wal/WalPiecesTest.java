package dr.summit.postgres.wal;

import dr.summit.repository.RepositoryException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalPiecesTest {
    private static final String SEGMENT = "000000010000000000000003";

    private static WalPieces.PieceBytes piece(byte[] segment, int start, int end) {
        return new WalPieces.PieceBytes(new WalPieces.Piece(SEGMENT, start, end), Arrays.copyOfRange(segment, start, end));
    }

    @Test
    void pieceNamesRoundTripAndForeignNamesAreIgnored() {
        String name = WalPieces.pieceName(SEGMENT, 0x2000, 0x12345);
        assertThat(name).isEqualTo("000000010000000000000003.00002000-00012345");
        assertThat(WalPieces.parse(name)).isEqualTo(new WalPieces.Piece(SEGMENT, 0x2000, 0x12345));
        assertThat(WalPieces.parse(SEGMENT)).isNull();
        assertThat(WalPieces.parse(SEGMENT + ".00002000-00002000")).isNull();
        assertThat(WalPieces.parse(SEGMENT + ".00002000-00012345~")).isNull();
    }

    @Test
    void piecesInAnyOrderJoinToTheSegmentPrefix() {
        Random random = new Random(15);
        for (int round = 0; round < 50; round++) {
            byte[] segment = new byte[1 << 16];
            random.nextBytes(segment);
            List<WalPieces.PieceBytes> pieces = new ArrayList<>();
            int at = 0;
            int end = random.nextInt(segment.length) + 1;
            while (at < end) {
                int next = Math.min(end, at + 1 + random.nextInt(5000));
                pieces.add(piece(segment, at, next));
                at = next;
            }
            Collections.shuffle(pieces, random);
            assertThat(WalPieces.join(SEGMENT, pieces)).isEqualTo(Arrays.copyOf(segment, end));
        }
    }

    @Test
    void theDurablePrefixStopsAtTheFirstHole() {
        byte[] segment = new byte[1000];
        new Random(1).nextBytes(segment);
        byte[] joined = WalPieces.join(SEGMENT, List.of(piece(segment, 0, 100), piece(segment, 100, 300), piece(segment, 400, 500)));
        assertThat(joined).isEqualTo(Arrays.copyOf(segment, 300));
        assertThat(WalPieces.join(SEGMENT, List.of(piece(segment, 10, 100)))).isEmpty();
        assertThat(WalPieces.join(SEGMENT, List.of())).isEmpty();
    }

    @Test
    void overlappingPiecesOfAReconnectedReceiverMustAgree() {
        byte[] segment = new byte[1000];
        new Random(2).nextBytes(segment);
        assertThat(WalPieces.join(SEGMENT, List.of(piece(segment, 0, 300), piece(segment, 200, 600)))).isEqualTo(Arrays.copyOf(segment, 600));

        byte[] other = segment.clone();
        other[250] ^= 1;
        assertThatThrownBy(() -> WalPieces.join(SEGMENT, List.of(piece(segment, 0, 300), piece(other, 200, 600))))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("segment " + SEGMENT + " disagree at offset 250");
    }

    @Test
    void aPieceWhoseLengthContradictsItsNameIsRefused() {
        WalPieces.PieceBytes wrong = new WalPieces.PieceBytes(new WalPieces.Piece(SEGMENT, 0, 10), new byte[9]);
        assertThatThrownBy(() -> WalPieces.join(SEGMENT, List.of(wrong))).hasMessageContaining("holds 9 bytes, its name says 10");
    }

    @Test
    void theSegmentSizeIsReadFromTheLongPageHeader() {
        byte[] page = new byte[40];
        page[2] = 0x02;                  // XLP_LONG_HEADER
        page[24] = 7;                    // system identifier 7
        page[34] = 0x00;
        page[33] = 0x00;
        page[32] = 0x00;
        page[35] = 0x01;                 // 16 MiB = 0x01000000, little-endian
        assertThat(WalSegmentHeader.segmentSize(page)).isEqualTo(16 << 20);
        assertThat(WalSegmentHeader.segmentSize(new byte[40])).isEqualTo(-1);
        assertThat(WalSegmentHeader.segmentSize(new byte[10])).isEqualTo(-1);
    }
}
