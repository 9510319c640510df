package dr.summit.repository.crypto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dr.summit.repository.CorruptObjectException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A key slot: the keyring key wrapped by one secret (docs/repository-format.md, "Key slots").
 * Stored in plain JSON under {@code keys/slots/<id>} since it holds nothing that helps without the
 * secret. Kinds other than "passphrase" (age, OpenPGP) are reserved for the keys issue; an unknown
 * kind is reported, not guessed at.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeySlot(int version, String id, String kind, Instant created, String label, Kdf kdf, String wrappedKey) {
    public static final String PASSPHRASE = "passphrase";
    private static final ObjectMapper JSON = dr.summit.repository.format.Json.MAPPER;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Argon2id parameters and salt as stored. */
    public record Kdf(String algorithm, int memoryKiB, int iterations, int parallelism, String salt) {
    }

    public static String objectName(String id) {
        return "keys/slots/" + id;
    }

    /** Wraps {@code keyringKey} under a key stretched from {@code passphrase}. */
    public static KeySlot passphrase(char[] passphrase, byte[] keyringKey, Argon2Params params, String label, Instant now) {
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] kek = PassphraseKdf.derive(passphrase, salt, params);
        try {
            // The KEK is unique to this slot (fresh salt), so nonce 0 is used exactly once per key.
            byte[] wrapped = AesGcm.seal(kek, AesGcm.nonce(0), aad(id), keyringKey);
            Kdf kdf = new Kdf("argon2id", params.memoryKiB(), params.iterations(), params.parallelism(),
                    Base64.getEncoder().encodeToString(salt));
            return new KeySlot(1, id, PASSPHRASE, now, label, kdf, Base64.getEncoder().encodeToString(wrapped));
        } finally {
            java.util.Arrays.fill(kek, (byte) 0);
        }
    }

    /** The keyring key if {@code passphrase} opens this slot, else null. */
    public byte[] tryUnwrap(char[] passphrase) {
        if (!PASSPHRASE.equals(kind)) {
            return null;
        }
        Argon2Params params = new Argon2Params(kdf.memoryKiB(), kdf.iterations(), kdf.parallelism());
        byte[] kek = PassphraseKdf.derive(passphrase, Base64.getDecoder().decode(kdf.salt()), params);
        try {
            byte[] sealed = Base64.getDecoder().decode(wrappedKey);
            return AesGcm.open(kek, AesGcm.nonce(0), aad(id), sealed, 0, sealed.length, "key slot " + id);
        } catch (CorruptObjectException wrongPassphrase) {
            return null;
        } finally {
            java.util.Arrays.fill(kek, (byte) 0);
        }
    }

    private static byte[] aad(String id) {
        return ("summit-dr slot v1 " + id).getBytes(StandardCharsets.US_ASCII);
    }

    public byte[] toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeySlot fromJson(byte[] json, String what) {
        try {
            KeySlot slot = JSON.readValue(json, KeySlot.class);
            if (slot == null) {
                throw new CorruptObjectException(what + ": not a key slot (JSON null)");
            }
            if (slot.version() != 1) {
                throw new CorruptObjectException(what + ": unsupported key slot version " + slot.version());
            }
            if (slot.id() == null || slot.kind() == null || slot.wrappedKey() == null
                    || (PASSPHRASE.equals(slot.kind()) && slot.kdf() == null)) {
                throw new CorruptObjectException(what + ": key slot is missing fields");
            }
            if (PASSPHRASE.equals(slot.kind())) {
                try {
                    new Argon2Params(slot.kdf().memoryKiB(), slot.kdf().iterations(), slot.kdf().parallelism());
                    Base64.getDecoder().decode(slot.kdf().salt());
                    Base64.getDecoder().decode(slot.wrappedKey());
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw new CorruptObjectException(what + ": damaged key slot parameters (" + e.getMessage() + ")");
                }
            }
            return slot;
        } catch (IOException e) {
            throw new CorruptObjectException(what + ": not a valid key slot (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
