package dr.summit.repository.crypto.envelope;

import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EnvelopeFormatTest {
    private static Optional<EnvelopeFormat.Detected> detect(byte[] head) throws IOException {
        BufferedInputStream in = new BufferedInputStream(new ByteArrayInputStream(head));
        Optional<EnvelopeFormat.Detected> detected = EnvelopeFormat.detect(in);
        assertThat(in.readAllBytes()).as("detection consumes nothing").isEqualTo(head);
        return detected;
    }

    private static Optional<EnvelopeFormat.Detected> detect(String head) throws IOException {
        return detect(head.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void tellsAgeFromOpenPgpBinaryAndArmored() throws IOException {
        assertThat(detect("age-encryption.org/v1\n-> X25519 abc\n")).contains(new EnvelopeFormat.Detected(EnvelopeFormat.AGE, false));
        assertThat(detect("\n  -----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n")).contains(new EnvelopeFormat.Detected(EnvelopeFormat.AGE, true));
        assertThat(detect("-----BEGIN PGP MESSAGE-----\n\nhQEM\n")).contains(new EnvelopeFormat.Detected(EnvelopeFormat.PGP, true));
        // old-format PKESK (tag 1), new-format SKESK (tag 3), old-format marker (tag 10)
        assertThat(detect(new byte[]{(byte) 0x84, 0x5e, 3})).contains(new EnvelopeFormat.Detected(EnvelopeFormat.PGP, false));
        assertThat(detect(new byte[]{(byte) 0xc3, 0x0d, 4})).contains(new EnvelopeFormat.Detected(EnvelopeFormat.PGP, false));
        assertThat(detect(new byte[]{(byte) 0xa8, 0x03, 'P', 'G', 'P'})).contains(new EnvelopeFormat.Detected(EnvelopeFormat.PGP, false));
    }

    @Test
    void refusesPlaintextAndUnencryptedOpenPgp() throws IOException {
        assertThat(detect("hello world\n")).isEmpty();
        assertThat(detect(new byte[0])).isEmpty();
        assertThat(detect("-----BEGIN PGP PUBLIC KEY BLOCK-----\n")).isEmpty();
        // a literal data packet (tag 11) is OpenPGP, but not encrypted
        assertThat(detect(new byte[]{(byte) 0xcb, 0x05, 'b', 0, 0, 0, 0})).isEmpty();
    }
}
