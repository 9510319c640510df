package dr.summit.repository.crypto;

import dr.summit.repository.crypto.envelope.AgeEnvelope;
import dr.summit.repository.crypto.envelope.AgeIdentities;
import dr.summit.repository.crypto.envelope.EnvelopeException;
import dr.summit.repository.crypto.envelope.PgpEnvelope;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The secrets a caller offers to open a repository: any of a passphrase, age identities and
 * OpenPGP secret keys (with the passphrase that unlocks them). Tries only the slots these can
 * open: age and OpenPGP slots are matched by their public half, so no slot costs a failed
 * decryption; passphrase slots each cost one Argon2id run, done once per process.
 */
public final class Credentials implements AutoCloseable {
    private final char[] passphrase;
    private final AgeIdentities ageIdentities;
    private final List<PGPSecretKeyRing> pgpKeys;
    private final char[] pgpPassphrase;
    private final Map<String, AgeIdentities> openedPassphraseSlots = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    public Credentials(char[] passphrase, AgeIdentities ageIdentities, List<PGPSecretKeyRing> pgpKeys, char[] pgpPassphrase) {
        // Copies: closing these credentials must not wipe arrays the caller still uses.
        this.passphrase = passphrase == null ? null : passphrase.clone();
        this.ageIdentities = ageIdentities;
        this.pgpKeys = pgpKeys == null ? List.of() : List.copyOf(pgpKeys);
        this.pgpPassphrase = pgpPassphrase == null ? null : pgpPassphrase.clone();
    }

    public static Credentials passphrase(char[] passphrase) {
        return new Credentials(passphrase, null, List.of(), null);
    }

    public static Credentials age(AgeIdentities identities) {
        return new Credentials(null, identities, List.of(), null);
    }

    public static Credentials pgp(List<PGPSecretKeyRing> keys, char[] keyPassphrase) {
        return new Credentials(null, null, keys, keyPassphrase);
    }

    /** Whether these credentials could open {@code slot} at all (without trying). */
    public boolean matches(KeySlot slot) {
        return switch (slot.kind()) {
            case KeySlot.PASSPHRASE -> passphrase != null;
            case KeySlot.AGE -> ageIdentities != null && ageIdentities.recipients().contains(slot.recipient());
            case KeySlot.PGP -> pgpHolds(slot);
            default -> false;
        };
    }

    private boolean pgpHolds(KeySlot slot) {
        if (pgpKeys.isEmpty()) {
            return false;
        }
        for (PGPSecretKeyRing ring : pgpKeys) {
            Iterator<PGPPublicKey> keys = ring.getPublicKeys();
            while (keys.hasNext()) {
                if (dr.summit.repository.crypto.envelope.PgpKeys.fingerprint(keys.next()).equalsIgnoreCase(slot.fingerprint())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The keyring key inside {@code wrapped} if these credentials open {@code slot}, else null
     * (a wrong passphrase, a wrap that is damaged: the reason is kept for {@link #problems()}).
     */
    public byte[] unwrap(KeySlot slot, byte[] wrapped) {
        if (!matches(slot)) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        try {
            switch (slot.kind()) {
                case KeySlot.PASSPHRASE -> {
                    AgeIdentities identity = passphraseIdentity(slot);
                    if (identity == null) {
                        return null;
                    }
                    // The password opened the slot's own identity: a wrap that then fails is damaged, not a wrong password.
                    passphraseOpenedSlots.add(slot.id());
                    AgeEnvelope.decrypt(new ByteArrayInputStream(wrapped), out, identity, null);
                }
                case KeySlot.AGE -> AgeEnvelope.decrypt(new ByteArrayInputStream(wrapped), out, ageIdentities, null);
                case KeySlot.PGP -> PgpEnvelope.decrypt(new ByteArrayInputStream(wrapped), out, pgpKeys, pgpPassphrase);
                default -> {
                    return null;
                }
            }
        } catch (EnvelopeException e) {
            if (e.reason() == EnvelopeException.Reason.WRONG_PASSPHRASE || e.reason() == EnvelopeException.Reason.PASSPHRASE_REQUIRED) {
                problems.add("the OpenPGP secret key for slot " + slot.id() + " is protected: "
                        + (pgpPassphrase == null ? "give its passphrase" : "its passphrase is wrong"));
            } else {
                problems.add("key slot " + slot.id() + ": " + e.getMessage());
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] key = out.toByteArray();
        if (key.length != AesGcm.KEY_BYTES) {
            problems.add("key slot " + slot.id() + ": wrapped key has " + key.length + " bytes");
            Arrays.fill(key, (byte) 0);
            return null;
        }
        return key;
    }

    private AgeIdentities passphraseIdentity(KeySlot slot) {
        if (openedPassphraseSlots.containsKey(slot.id())) {
            return openedPassphraseSlots.get(slot.id());
        }
        AgeIdentities identity = slot.openIdentity(passphrase);
        openedPassphraseSlots.put(slot.id(), identity);
        return identity;
    }

    /** What the caller offered, for error messages ("a passphrase and 1 age identity"). */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (passphrase != null) {
            parts.add("the password");
        }
        if (ageIdentities != null) {
            parts.add(ageIdentities.size() == 1 ? "the age identity" : ageIdentities.size() + " age identities");
        }
        if (!pgpKeys.isEmpty()) {
            parts.add(pgpKeys.size() == 1 ? "the OpenPGP secret key" : pgpKeys.size() + " OpenPGP secret keys");
        }
        return parts.isEmpty() ? "no credentials" : String.join(" and ", parts);
    }

    /** Whether a passphrase and nothing else was offered (the error then says "wrong password"). */
    public boolean onlyPassphrase() {
        return passphrase != null && ageIdentities == null && pgpKeys.isEmpty();
    }

    private final java.util.Set<String> passphraseOpenedSlots = new java.util.LinkedHashSet<>();

    /** Ids of passphrase slots whose identity this password opened (so the password is right for them). */
    public java.util.Set<String> passphraseOpenedSlots() {
        return java.util.Set.copyOf(passphraseOpenedSlots);
    }

    /** Reasons why matching slots did not open (protected key without passphrase, damaged wrap). */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        if (passphrase != null) {
            Arrays.fill(passphrase, '\0');
        }
        if (pgpPassphrase != null) {
            Arrays.fill(pgpPassphrase, '\0');
        }
        if (ageIdentities != null) {
            ageIdentities.close();
        }
        openedPassphraseSlots.values().forEach(i -> {
            if (i != null) {
                i.close();
            }
        });
    }
}
