package dr.summit.repository.crypto.envelope;

import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.operator.bc.BcPBEKeyEncryptionMethodGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgpEnvelopeTest {
    private static PgpKeys.GeneratedKey alice;
    private static PgpKeys.GeneratedKey bob;
    private static PgpKeys.GeneratedKey protectedKey;

    @BeforeAll
    static void keys() {
        alice = PgpKeys.generate("Alice <alice@example.org>", PgpKeys.Algorithm.ED25519, null, new Date());
        bob = PgpKeys.generate("Bob <bob@example.org>", PgpKeys.Algorithm.ED25519, null, new Date());
        protectedKey = PgpKeys.generate("Carol <carol@example.org>", PgpKeys.Algorithm.ED25519, "key pass".toCharArray(), new Date());
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static List<PGPPublicKey> encryptionKeys(PgpKeys.GeneratedKey... keys) throws IOException {
        return Arrays.stream(keys).flatMap(k -> {
            try {
                return PgpKeys.readEncryptionKeys(new ByteArrayInputStream(k.armoredPublicKey())).stream();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    private static List<PGPSecretKeyRing> secretKeys(PgpKeys.GeneratedKey key) throws IOException {
        return PgpKeys.readSecretKeys(new ByteArrayInputStream(key.armoredSecretKey()));
    }

    private static byte[] encrypt(byte[] plain, List<PGPPublicKey> keys, String passphrase, boolean armor) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PgpEnvelope.encrypt(new ByteArrayInputStream(plain), out, keys, passphrase == null ? null : passphrase.toCharArray(), "f.bin", armor);
        return out.toByteArray();
    }

    private static byte[] decrypt(byte[] sealed, List<PGPSecretKeyRing> keys, String passphrase) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PgpEnvelope.decrypt(new ByteArrayInputStream(sealed), out, keys, passphrase == null ? null : passphrase.toCharArray());
        return out.toByteArray();
    }

    @Test
    void roundTripsForEveryRecipientBinaryAndArmored() throws IOException {
        for (int size : new int[]{0, 1, 65_536, 300_001}) {
            byte[] plain = random(size, size);
            for (boolean armor : new boolean[]{false, true}) {
                byte[] sealed = encrypt(plain, encryptionKeys(alice, bob), null, armor);
                assertThat(new String(sealed, 0, Math.min(sealed.length, 27), StandardCharsets.ISO_8859_1).startsWith("-----BEGIN PGP MESSAGE-----"))
                        .isEqualTo(armor);
                assertThat(decrypt(sealed, secretKeys(alice), null)).isEqualTo(plain);
                assertThat(decrypt(sealed, secretKeys(bob), null)).isEqualTo(plain);
            }
        }
    }

    @Test
    void passphraseAloneOrNextToRecipientsOpensTheMessage() throws IOException {
        byte[] plain = random(5000, 1);
        assertThat(decrypt(encrypt(plain, List.of(), "sym pass", false), List.of(), "sym pass")).isEqualTo(plain);
        byte[] both = encrypt(plain, encryptionKeys(alice), "sym pass", true);
        assertThat(decrypt(both, List.of(), "sym pass")).isEqualTo(plain);
        assertThat(decrypt(both, secretKeys(alice), null)).isEqualTo(plain);
    }

    @Test
    void protectedSecretKeyNeedsItsPassphrase() throws IOException {
        byte[] plain = random(100, 2);
        byte[] sealed = encrypt(plain, encryptionKeys(protectedKey), null, false);
        assertThat(decrypt(sealed, secretKeys(protectedKey), "key pass")).isEqualTo(plain);
        assertThatThrownBy(() -> decrypt(sealed, secretKeys(protectedKey), null))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PASSPHRASE_REQUIRED));
        assertThatThrownBy(() -> decrypt(sealed, secretKeys(protectedKey), "not it"))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PASSPHRASE))
                .hasMessageNotContaining("not it");
        assertThat(new String(protectedKey.armoredSecretKey(), StandardCharsets.US_ASCII)).startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----");
    }

    @Test
    void wrongKeyAndWrongPassphraseAreToldApart() throws IOException {
        byte[] toAlice = encrypt(random(100, 3), encryptionKeys(alice), null, false);
        assertThatThrownBy(() -> decrypt(toAlice, secretKeys(bob), null))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_MATCHING_IDENTITY));
        byte[] symmetric = encrypt(random(100, 3), List.of(), "right", false);
        assertThatThrownBy(() -> decrypt(symmetric, List.of(), "wrong"))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PASSPHRASE));
        assertThatThrownBy(() -> decrypt(symmetric, secretKeys(alice), null))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason())
                        .isIn(Reason.NO_MATCHING_IDENTITY, Reason.PASSPHRASE_REQUIRED));
    }

    @Test
    void messageWithoutIntegrityProtectionIsRefusedBeforeAnyPlaintext() throws Exception {
        PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(
                new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256).setWithIntegrityPacket(false));
        generator.addMethod(new BcPBEKeyEncryptionMethodGenerator("pw".toCharArray()));
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        try (OutputStream encrypted = generator.open(sealed, new byte[4096]);
             OutputStream literal = new PGPLiteralDataGenerator().open(encrypted, PGPLiteralData.BINARY, "x", new Date(), new byte[4096])) {
            literal.write("secret plaintext".getBytes(StandardCharsets.US_ASCII));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> PgpEnvelope.decrypt(new ByteArrayInputStream(sealed.toByteArray()), out, List.of(), "pw".toCharArray()))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED))
                .hasMessageContaining("integrity");
        assertThat(out.size()).isZero();
    }

    @Test
    void flippedBytesAndTruncationAreDetected() throws IOException {
        byte[] plain = random(200_000, 4);
        byte[] sealed = encrypt(plain, encryptionKeys(alice), null, false);
        Random random = new Random(5);
        for (int i = 0; i < 12; i++) {
            int position = i < 2 ? 20 + i * 40 : random.nextInt(sealed.length);
            byte[] damaged = sealed.clone();
            damaged[position] ^= 0x10;
            assertThatThrownBy(() -> decrypt(damaged, secretKeys(alice), null)).as("flip at %d", position)
                    .isInstanceOf(EnvelopeException.class);
        }
        for (int length : new int[]{5, 100, sealed.length / 2, sealed.length - 1}) {
            byte[] truncated = Arrays.copyOf(sealed, length);
            assertThatThrownBy(() -> decrypt(truncated, secretKeys(alice), null)).as("length %d", length)
                    .isInstanceOf(EnvelopeException.class);
        }
    }

    @Test
    void keyFilesOfTheWrongKindAreNamedAsSuch() {
        assertThatThrownBy(() -> PgpKeys.readSecretKeys(new ByteArrayInputStream(alice.armoredPublicKey())))
                .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_KEY))
                .hasMessageContaining("only public keys");
        assertThatThrownBy(() -> PgpKeys.readEncryptionKeys(new ByteArrayInputStream("AGE-SECRET-KEY-1XYZ\n".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(EnvelopeException.class);
    }

    @Test
    void generatedKeyHasACertifyingPrimaryAndAnEncryptionSubkey() throws IOException {
        List<PGPPublicKey> keys = encryptionKeys(alice);
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).isMasterKey()).isFalse();
        assertThat(alice.fingerprint()).matches("[0-9A-F]{40}");
        assertThat(secretKeys(alice).get(0).getPublicKey().getUserIDs()).toIterable().containsExactly("Alice <alice@example.org>");
    }
}
