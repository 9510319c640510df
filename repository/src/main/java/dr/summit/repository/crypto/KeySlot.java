package dr.summit.repository.crypto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.crypto.envelope.AgeEnvelope;
import dr.summit.repository.crypto.envelope.AgeIdentities;
import dr.summit.repository.crypto.envelope.AgeKeys;
import dr.summit.repository.crypto.envelope.EnvelopeException;
import dr.summit.repository.crypto.envelope.PgpEnvelope;
import dr.summit.repository.crypto.envelope.PgpKeys;
import org.bouncycastle.openpgp.PGPPublicKey;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A key slot (docs/repository-format.md, "Key slots"): one holder's way into the repository.
 * Stored as plain JSON under {@code keys/slots/<id>}; it holds nothing that helps without the
 * holder's secret.
 *
 * <p>Every slot has a <em>public</em> half, so the keyring key can be wrapped for it without its
 * secret — that is what lets {@code key rotate} give every remaining slot a new keyring key while
 * only one holder is present:
 * <ul>
 *   <li>{@code age}: the holder's X25519 recipient ({@code age1…}); wraps are age files;</li>
 *   <li>{@code pgp}: the holder's OpenPGP public key (armored); wraps are OpenPGP messages;</li>
 *   <li>{@code passphrase}: an age identity generated for the slot, sealed under
 *       Argon2id(passphrase) (AES-256-GCM); its recipient is public and wraps are age files.</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeySlot(int version, String id, String kind, Instant created, String label, String recipient,
                      String fingerprint, String pgpPublicKey, Kdf kdf, String sealedIdentity) {
    public static final String PASSPHRASE = "passphrase";
    public static final String AGE = "age";
    public static final String PGP = "pgp";
    public static final int VERSION = 2;
    private static final ObjectMapper JSON = dr.summit.repository.format.Json.MAPPER;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Argon2id parameters and salt as stored. */
    public record Kdf(String algorithm, int memoryKiB, int iterations, int parallelism, String salt) {
        Argon2Params params() {
            return new Argon2Params(memoryKiB, iterations, parallelism);
        }
    }

    public static String objectName(String id) {
        return "keys/slots/" + id;
    }

    /** A passphrase slot with a fresh slot identity sealed under a key stretched from {@code passphrase}. */
    /** Whether a password is empty or only whitespace. */
    public static boolean isBlank(char[] passphrase) {
        if (passphrase == null) {
            return true;
        }
        for (char c : passphrase) {
            if (!Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }

    public static KeySlot passphrase(char[] passphrase, Argon2Params params, String label, Instant now) {
        if (isBlank(passphrase)) {
            // restic refuses these too: an empty password protects nothing and is never meant.
            throw new IllegalArgumentException("an empty or whitespace-only password is refused");
        }
        String id = newId();
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        AgeKeys.KeyPair pair = AgeKeys.generate();
        byte[] identity = toUtf8(pair.identity());
        byte[] kek = PassphraseKdf.derive(passphrase, salt, params);
        try {
            // The KEK is unique to this slot (fresh salt), so nonce 0 is used exactly once per key.
            byte[] sealed = AesGcm.seal(kek, AesGcm.nonce(0), aad(id), identity);
            Kdf kdf = new Kdf("argon2id", params.memoryKiB(), params.iterations(), params.parallelism(),
                    Base64.getEncoder().encodeToString(salt));
            return new KeySlot(VERSION, id, PASSPHRASE, now, label, pair.recipient(), null, null, kdf,
                    Base64.getEncoder().encodeToString(sealed));
        } finally {
            Arrays.fill(kek, (byte) 0);
            Arrays.fill(identity, (byte) 0);
            Arrays.fill(pair.identity(), '\0');
        }
    }

    /** A slot for an age X25519 recipient. */
    public static KeySlot age(String recipient, String label, Instant now) {
        try {
            AgeEnvelope.checkRecipient(recipient);
        } catch (EnvelopeException e) {
            throw new IllegalArgumentException("invalid age recipient: " + e.getMessage(), e);
        }
        return new KeySlot(VERSION, newId(), AGE, now, label, recipient, null, null, null, null);
    }

    /** A slot for an OpenPGP certificate (armored or binary, public or secret key file); its encryption subkey is used. */
    public static KeySlot pgp(byte[] publicKeyFile, String label, Instant now) {
        PgpKeys.Certificate certificate;
        try {
            certificate = PgpKeys.readCertificate(publicKeyFile);
        } catch (EnvelopeException e) {
            throw new IllegalArgumentException("OpenPGP key file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("OpenPGP key file: " + e.getMessage(), e);
        }
        return new KeySlot(VERSION, newId(), PGP, now, label, null, certificate.fingerprint(), certificate.armoredPublicKey(),
                null, null);
    }

    private static PGPPublicKey pgpKey(byte[] file, String what) {
        try {
            List<PGPPublicKey> keys = PgpKeys.readEncryptionKeys(new ByteArrayInputStream(file));
            if (keys.size() != 1) {
                throw new IllegalArgumentException(what + " holds " + keys.size() + " encryption keys; a slot takes exactly one certificate");
            }
            return keys.get(0);
        } catch (EnvelopeException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    /** Encrypts the keyring key for this slot's public half; needs no secret. */
    public byte[] wrap(byte[] keyringKey) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try {
            switch (kind) {
                case PASSPHRASE, AGE -> AgeEnvelope.encrypt(new ByteArrayInputStream(keyringKey), out, List.of(recipient), false);
                case PGP -> PgpEnvelope.encrypt(new ByteArrayInputStream(keyringKey), out,
                        List.of(pgpKey(pgpPublicKey.getBytes(StandardCharsets.US_ASCII), "key slot " + id)), null, "", false);
                default -> throw new CorruptObjectException("key slot " + id + " has unknown kind '" + kind + "'");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * The slot's age identity, if {@code passphrase} opens it; null for a wrong passphrase. The
     * caller closes the result.
     */
    public AgeIdentities openIdentity(char[] passphrase) {
        byte[] kek = PassphraseKdf.derive(passphrase, Base64.getDecoder().decode(kdf.salt()), kdf.params());
        byte[] plain = null;
        try {
            byte[] sealed = Base64.getDecoder().decode(sealedIdentity);
            plain = AesGcm.open(kek, AesGcm.nonce(0), aad(id), sealed, 0, sealed.length, "key slot " + id);
            char[] chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(plain)).array();
            try {
                return AgeIdentities.parse(Arrays.copyOf(chars, indexOfNul(chars)));
            } finally {
                Arrays.fill(chars, '\0');
            }
        } catch (CorruptObjectException wrongPassphrase) {
            return null;
        } finally {
            Arrays.fill(kek, (byte) 0);
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    private static int indexOfNul(char[] chars) {
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == '\0') {
                return i;
            }
        }
        return chars.length;
    }

    /** What to show for the holder: the age recipient, or the OpenPGP fingerprint. */
    public String publicName() {
        return PGP.equals(kind) ? fingerprint : recipient;
    }

    private static String newId() {
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        return HexFormat.of().formatHex(idBytes);
    }

    private static byte[] toUtf8(char[] chars) {
        var buffer = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] bytes = Arrays.copyOf(buffer.array(), buffer.limit());
        Arrays.fill(buffer.array(), (byte) 0);
        return bytes;
    }

    static byte[] aad(String id) {
        return ("summit-dr slot v2 " + id).getBytes(StandardCharsets.US_ASCII);
    }

    public byte[] toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeySlot fromJson(byte[] json, String what) {
        KeySlot slot;
        try {
            slot = JSON.readValue(json, KeySlot.class);
        } catch (IOException e) {
            throw new CorruptObjectException(what + ": not a valid key slot (" + e.getClass().getSimpleName() + ")", e);
        }
        if (slot == null) {
            throw new CorruptObjectException(what + ": not a key slot (JSON null)");
        }
        if (slot.version() != VERSION) {
            throw new CorruptObjectException(what + ": unsupported key slot version " + slot.version());
        }
        if (slot.id() == null || slot.kind() == null) {
            throw new CorruptObjectException(what + ": key slot is missing fields");
        }
        try {
            switch (slot.kind()) {
                case PASSPHRASE -> {
                    slot.kdf().params();
                    Base64.getDecoder().decode(slot.kdf().salt());
                    Base64.getDecoder().decode(slot.sealedIdentity());
                    AgeEnvelope.checkRecipient(slot.recipient());
                }
                case AGE -> AgeEnvelope.checkRecipient(slot.recipient());
                case PGP -> pgpKey(slot.pgpPublicKey().getBytes(StandardCharsets.US_ASCII), what);
                default -> throw new CorruptObjectException(what + ": unknown key slot kind '" + slot.kind()
                        + "' (written by a newer Summit DR?)");
            }
        } catch (IllegalArgumentException | NullPointerException | EnvelopeException e) {
            throw new CorruptObjectException(what + ": damaged " + slot.kind() + " key slot (" + e.getMessage() + ")");
        }
        return slot;
    }
}
