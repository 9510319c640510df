package dr.summit.repository.crypto.envelope;

import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgeEnvelopeTest {
    private static final int CHUNK = 64 * 1024;
    private static final int FAST_WORK_FACTOR = 10;

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] encrypt(byte[] plain, List<String> recipients, boolean armor) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AgeEnvelope.encrypt(new ByteArrayInputStream(plain), out, recipients, armor);
        return out.toByteArray();
    }

    private static byte[] encryptWithPassphrase(byte[] plain, String passphrase) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AgeEnvelope.encryptWithPassphrase(new ByteArrayInputStream(plain), out, passphrase.toCharArray(), FAST_WORK_FACTOR, false);
        return out.toByteArray();
    }

    private static byte[] decrypt(byte[] sealed, AgeKeys.KeyPair identity) throws IOException {
        try (AgeIdentities identities = AgeIdentities.parse(identity.identityFile(OffsetDateTime.now()))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            AgeEnvelope.decrypt(new ByteArrayInputStream(sealed), out, identities, null);
            return out.toByteArray();
        }
    }

    private static byte[] decryptWithPassphrase(byte[] sealed, String passphrase) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AgeEnvelope.decrypt(new ByteArrayInputStream(sealed), out, null, passphrase.toCharArray());
        return out.toByteArray();
    }

    @Test
    void roundTripsAtChunkBoundariesForEveryRecipient() throws IOException {
        AgeKeys.KeyPair alice = AgeKeys.generate();
        AgeKeys.KeyPair bob = AgeKeys.generate();
        for (int size : new int[]{0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17}) {
            byte[] plain = random(size, size);
            for (boolean armor : new boolean[]{false, true}) {
                byte[] sealed = encrypt(plain, List.of(alice.recipient(), bob.recipient()), armor);
                assertThat(decrypt(sealed, alice)).as("size %d armor %s", size, armor).isEqualTo(plain);
                assertThat(decrypt(sealed, bob)).as("size %d armor %s", size, armor).isEqualTo(plain);
            }
        }
    }

    @Test
    void armoredOutputIsPemWithAgeLabel() throws IOException {
        String armored = new String(encrypt(random(1000, 1), List.of(AgeKeys.generate().recipient()), true), StandardCharsets.US_ASCII);
        assertThat(armored).startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n").endsWith("-----END AGE ENCRYPTED FILE-----\n");
        assertThat(armored.lines().filter(l -> !l.startsWith("-----"))).allMatch(l -> l.length() <= 64);
    }

    @Test
    void identityThatIsNotARecipientIsReportedAsNoMatch() throws IOException {
        byte[] sealed = encrypt(random(100, 2), List.of(AgeKeys.generate().recipient()), false);
        assertThatThrownBy(() -> decrypt(sealed, AgeKeys.generate()))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_MATCHING_IDENTITY));
    }

    @Test
    void passphraseRoundTripsAndTheStanzaFollowsTheSpec() throws IOException {
        byte[] plain = random(200_000, 3);
        byte[] sealed = encryptWithPassphrase(plain, "correct horse");
        String header = new String(sealed, 0, 120, StandardCharsets.ISO_8859_1);
        assertThat(header).startsWith("age-encryption.org/v1\n-> scrypt ");
        assertThat(header.lines().skip(1).findFirst().orElseThrow()).matches("-> scrypt [A-Za-z0-9+/]{22} 10");
        assertThat(decryptWithPassphrase(sealed, "correct horse")).isEqualTo(plain);
    }

    @Test
    void wrongPassphraseIsReportedAsSuch() throws IOException {
        byte[] sealed = encryptWithPassphrase(random(10, 4), "correct horse");
        assertThatThrownBy(() -> decryptWithPassphrase(sealed, "battery staple"))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PASSPHRASE));
    }

    @Test
    void passphraseFileAskedWithIdentityOnlySaysAPassphraseIsNeeded() throws IOException {
        byte[] sealed = encryptWithPassphrase(random(10, 5), "correct horse");
        assertThatThrownBy(() -> decrypt(sealed, AgeKeys.generate()))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PASSPHRASE_REQUIRED));
    }

    @Test
    void scryptStanzaNextToAnotherRecipientIsRefused() throws IOException {
        // Splice an X25519 stanza into a passphrase file's header: age forbids mixing (an attacker
        // could otherwise add themselves as a recipient of a passphrase file).
        byte[] scrypt = encryptWithPassphrase(random(10, 6), "pw");
        byte[] x25519 = encrypt(random(10, 6), List.of(AgeKeys.generate().recipient()), false);
        String scryptText = new String(scrypt, StandardCharsets.ISO_8859_1);
        String x25519Stanza = new String(x25519, StandardCharsets.ISO_8859_1).split("\n", 4)[1] + "\n"
                + new String(x25519, StandardCharsets.ISO_8859_1).split("\n", 4)[2] + "\n";
        int afterVersion = scryptText.indexOf('\n') + 1;
        byte[] spliced = (scryptText.substring(0, afterVersion) + x25519Stanza + scryptText.substring(afterVersion))
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> decryptWithPassphrase(spliced, "pw"))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
    }

    @Test
    void everyFlippedByteIsDetected() throws IOException {
        AgeKeys.KeyPair alice = AgeKeys.generate();
        byte[] plain = random(3 * CHUNK, 7);
        byte[] sealed = encrypt(plain, List.of(alice.recipient()), false);
        Random random = new Random(8);
        int header = new String(sealed, StandardCharsets.ISO_8859_1).indexOf("\n---") + 1;
        int[] positions = {0, 5, header / 2, header + 3, header + 50, header + 60, sealed.length / 2, sealed.length - 1,
                random.nextInt(sealed.length), random.nextInt(sealed.length)};
        for (int position : positions) {
            byte[] damaged = sealed.clone();
            damaged[position] ^= 0x04;
            assertThatThrownBy(() -> decrypt(damaged, alice)).as("flip at %d", position).isInstanceOf(EnvelopeException.class);
        }
    }

    @Test
    void truncationIsDetectedAlsoAtAChunkBoundary() throws IOException {
        AgeKeys.KeyPair alice = AgeKeys.generate();
        byte[] sealed = encrypt(random(3 * CHUNK, 9), List.of(alice.recipient()), false);
        int payloadStart = new String(sealed, StandardCharsets.ISO_8859_1).indexOf("\n---") + 1;
        payloadStart = new String(sealed, StandardCharsets.ISO_8859_1).indexOf('\n', payloadStart) + 1 + 16;
        int chunkBoundary = payloadStart + 2 * (CHUNK + 16);
        for (int length : new int[]{10, payloadStart - 1, payloadStart, payloadStart + 100, chunkBoundary, sealed.length - 1}) {
            byte[] truncated = Arrays.copyOf(sealed, length);
            assertThatThrownBy(() -> decrypt(truncated, alice)).as("length %d", length)
                    .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason())
                            .isIn(Reason.TRUNCATED, Reason.AUTHENTICATION_FAILED, Reason.MALFORMED));
        }
    }

    @Test
    void decryptWritesOnlyAuthenticatedChunksBeforeFailing() throws IOException {
        AgeKeys.KeyPair alice = AgeKeys.generate();
        byte[] plain = random(3 * CHUNK, 10);
        byte[] sealed = encrypt(plain, List.of(alice.recipient()), false);
        byte[] damaged = sealed.clone();
        damaged[damaged.length - 100] ^= 1; // inside the last chunk
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AgeIdentities identities = AgeIdentities.parse(alice.identityFile(OffsetDateTime.now()))) {
            assertThatThrownBy(() -> AgeEnvelope.decrypt(new ByteArrayInputStream(damaged), out, identities, null))
                    .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.AUTHENTICATION_FAILED));
        }
        assertThat(out.size() % CHUNK).isZero();
        assertThat(out.toByteArray()).isEqualTo(Arrays.copyOf(plain, out.size()));
    }

    @Test
    void identityFileHasAgeKeygenLayoutAndItsRecipient() {
        AgeKeys.KeyPair pair = AgeKeys.generate();
        String file = new String(pair.identityFile(OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 0, ZoneOffset.UTC)));
        assertThat(file).matches("# created: 2024-05-06T07:08:09Z\n# public key: age1[a-z0-9]{58}\nAGE-SECRET-KEY-1[A-Z0-9]{58}\n");
        assertThat(AgeKeys.recipientOf(pair.identity())).isEqualTo(pair.recipient());
        try (AgeIdentities identities = AgeIdentities.parse(file.toCharArray())) {
            assertThat(identities.recipients()).containsExactly(pair.recipient());
        }
    }

    @Test
    void badIdentityLinesAreNamedByNumberWithoutTheirContent() {
        String secretLooking = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
        assertThatThrownBy(() -> AgeIdentities.parse(("# comment\n\n" + secretLooking + "\n").toCharArray()))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining("line 3").hasMessageNotContaining("QQQQ");
        assertThatThrownBy(() -> AgeIdentities.parse("# only a comment\n".toCharArray()))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining("no age identity");
        assertThatThrownBy(() -> AgeIdentities.parse("AGE-PLUGIN-YUBIKEY-1XYZ\n".toCharArray()))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining("plugin");
    }

    @Test
    void invalidRecipientIsRefusedBeforeAnyOutput() {
        assertThatThrownBy(() -> AgeEnvelope.checkRecipient("age1notarecipient"))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_KEY));
        assertThatThrownBy(() -> AgeEnvelope.checkRecipient("ssh-ed25519 AAAA"))
                .isInstanceOf(EnvelopeException.class).hasMessageContaining("SSH");
    }
}
