package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import dr.summit.repository.crypto.envelope.AgeIdentities;
import dr.summit.repository.crypto.envelope.AgeKeys;
import dr.summit.repository.crypto.envelope.PgpKeys;
import dr.summit.repository.format.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KeySlotTest {

    private static final Argon2Params FAST = new Argon2Params(64, 1, 1);
    private static final Instant NOW = Instant.parse("2025-11-25T12:00:00.123456789Z");
    private static final char[] PASSWORD = "correct horse battery staple".toCharArray();
    private static byte[] keyringKey;
    private static KeySlot slot;

    @BeforeAll
    static void createSlot() {
        keyringKey = TestBytes.random(new Random(110), 32);
        slot = KeySlot.passphrase(PASSWORD, FAST, "initial", NOW);
    }

    private static byte[] edited(KeySlot base, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(base.toJson());
        edit.accept(json);
        return Json.MAPPER.writeValueAsBytes(json);
    }

    private static byte[] unwrap(Credentials credentials, KeySlot s, byte[] wrapped) {
        try (credentials) {
            return credentials.unwrap(s, wrapped);
        }
    }

    @Test
    void passphraseSlotOpensWithTheRightPassphraseOnly() {
        byte[] wrapped = slot.wrap(keyringKey);
        assertThat(unwrap(Credentials.passphrase(PASSWORD), slot, wrapped)).isEqualTo(keyringKey);
        for (String wrong : new String[]{"", "correct horse battery stapl", "correct horse battery staple ",
                "Correct horse battery staple"}) {
            assertThat(unwrap(Credentials.passphrase(wrong.toCharArray()), slot, wrapped)).as("'%s'", wrong).isNull();
        }
    }

    /** The point of the public half: anybody can wrap a new keyring key for the slot, only its holder can open it. */
    @Test
    void wrapsAreFreshEachTimeAndNeedNoSecret() {
        byte[] a = slot.wrap(keyringKey);
        byte[] b = slot.wrap(keyringKey);
        assertThat(a).isNotEqualTo(b);
        assertThat(unwrap(Credentials.passphrase(PASSWORD), slot, b)).isEqualTo(keyringKey);
        byte[] tampered = a.clone();
        tampered[tampered.length - 3] ^= 1;
        assertThat(unwrap(Credentials.passphrase(PASSWORD), slot, tampered)).isNull();
    }

    @Test
    void nonAsciiPassphrasesWork() {
        char[] pw = "pässwört 🔑 中文".toCharArray();
        KeySlot s = KeySlot.passphrase(pw, FAST, "x", NOW);
        byte[] wrapped = s.wrap(keyringKey);
        assertThat(unwrap(Credentials.passphrase(pw), s, wrapped)).isEqualTo(keyringKey);
        assertThat(unwrap(Credentials.passphrase("passwort 🔑 中文".toCharArray()), s, wrapped)).isNull();
    }

    @Test
    void ageSlotOpensWithItsIdentityAndIsMatchedByRecipient() {
        AgeKeys.KeyPair pair = AgeKeys.generate();
        AgeKeys.KeyPair other = AgeKeys.generate();
        KeySlot age = KeySlot.age(pair.recipient(), "ops", NOW);
        byte[] wrapped = age.wrap(keyringKey);
        assertThat(age.publicName()).isEqualTo(pair.recipient());
        assertThat(unwrap(Credentials.age(AgeIdentities.parse(pair.identity().clone())), age, wrapped)).isEqualTo(keyringKey);
        Credentials wrong = Credentials.age(AgeIdentities.parse(other.identity().clone()));
        assertThat(wrong.matches(age)).isFalse();
        assertThat(unwrap(wrong, age, wrapped)).isNull();
        assertThat(Credentials.passphrase(PASSWORD).matches(age)).isFalse();
        assertThatThrownBy(() -> KeySlot.age("age1notarecipient", "x", NOW)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pgpSlotOpensWithTheProtectedSecretKeyAndItsPassphrase() throws Exception {
        char[] keyPass = "pgp secret".toCharArray();
        PgpKeys.GeneratedKey key = PgpKeys.generate("Ops <ops@example.org>", PgpKeys.Algorithm.ED25519, keyPass, new Date());
        KeySlot pgp = KeySlot.pgp(key.armoredPublicKey(), "ops", NOW);
        assertThat(pgp.fingerprint()).isEqualTo(key.fingerprint());
        byte[] wrapped = pgp.wrap(keyringKey);
        var secret = PgpKeys.readSecretKeys(new ByteArrayInputStream(key.armoredSecretKey()));
        assertThat(unwrap(Credentials.pgp(secret, keyPass), pgp, wrapped)).isEqualTo(keyringKey);
        Credentials noPass = Credentials.pgp(secret, null);
        assertThat(noPass.unwrap(pgp, wrapped)).isNull();
        assertThat(noPass.problems()).singleElement().asString().contains("protected");
        // A slot from the secret key file stores only the public part.
        KeySlot fromSecret = KeySlot.pgp(key.armoredSecretKey(), "ops", NOW);
        assertThat(fromSecret.pgpPublicKey()).doesNotContain("PRIVATE");
        assertThat(fromSecret.fingerprint()).isEqualTo(key.fingerprint());
    }

    @Test
    void slotsUseFreshIdsSaltsAndIdentities() {
        KeySlot other = KeySlot.passphrase(PASSWORD, FAST, "initial", NOW);
        assertThat(slot.version()).isEqualTo(2);
        assertThat(slot.kind()).isEqualTo(KeySlot.PASSPHRASE);
        assertThat(slot.kdf()).extracting(KeySlot.Kdf::algorithm, KeySlot.Kdf::memoryKiB, KeySlot.Kdf::iterations,
                KeySlot.Kdf::parallelism).containsExactly("argon2id", 64, 1, 1);
        assertThat(Base64.getDecoder().decode(slot.kdf().salt())).hasSize(16);
        assertThat(slot.id()).matches("[0-9a-f]{16}");
        assertThat(slot.recipient()).startsWith("age1");
        assertThat(other.id()).isNotEqualTo(slot.id());
        assertThat(other.kdf().salt()).isNotEqualTo(slot.kdf().salt());
        assertThat(other.recipient()).isNotEqualTo(slot.recipient());
    }

    @Test
    void jsonRoundTripsAndHoldsNoSecret() {
        byte[] json = slot.toJson();
        KeySlot back = KeySlot.fromJson(json, "keys/slots/" + slot.id());
        assertThat(back).isEqualTo(slot);
        String text = new String(json, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("AGE-SECRET-KEY").doesNotContain(Base64.getEncoder().encodeToString(keyringKey));
        assertThat(unwrap(Credentials.passphrase(PASSWORD), back, slot.wrap(keyringKey))).isEqualTo(keyringKey);
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        KeySlot back = KeySlot.fromJson(edited(slot, j -> j.put("comment", "added by a newer version")), "s");
        assertThat(unwrap(Credentials.passphrase(PASSWORD), back, slot.wrap(keyringKey))).isEqualTo(keyringKey);
    }

    @Test
    void changedIdOrSaltOrSealedIdentityNoLongerOpens() throws Exception {
        byte[] wrapped = slot.wrap(keyringKey);
        KeySlot otherId = KeySlot.fromJson(edited(slot, j -> j.put("id", "0000000000000000")), "s");
        assertThat(otherId.openIdentity(PASSWORD)).isNull();
        KeySlot otherSalt = KeySlot.fromJson(edited(slot, j -> ((ObjectNode) j.get("kdf"))
                .put("salt", Base64.getEncoder().encodeToString(new byte[16]))), "s");
        assertThat(unwrap(Credentials.passphrase(PASSWORD), otherSalt, wrapped)).isNull();
        byte[] sealed = Base64.getDecoder().decode(slot.sealedIdentity());
        sealed[0] ^= 1;
        KeySlot otherSealed = KeySlot.fromJson(edited(slot, j -> j.put("sealedIdentity", Base64.getEncoder().encodeToString(sealed))), "s");
        assertThat(otherSealed.openIdentity(PASSWORD)).isNull();
    }

    @Test
    void unknownKindAndVersionAreRejectedByName() throws Exception {
        assertThatThrownBy(() -> KeySlot.fromJson(edited(slot, j -> j.put("kind", "yubikey")), "keys/slots/x"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("unknown key slot kind 'yubikey'");
        assertThatThrownBy(() -> KeySlot.fromJson(edited(slot, j -> j.put("version", 1)), "keys/slots/x"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("keys/slots/x: unsupported key slot version 1");
    }

    @Test
    void missingFieldsAreRejected() throws Exception {
        for (String field : new String[]{"id", "kind", "recipient", "kdf", "sealedIdentity"}) {
            byte[] json = edited(slot, j -> j.remove(field));
            assertThatThrownBy(() -> KeySlot.fromJson(json, "s")).as(field).isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void garbageIsNotAKeySlot() {
        for (String garbage : new String[]{"", "{", "[1,2]", "\u0000\u0001binary", "{\"version\":\"one\"}", "null"}) {
            assertThatThrownBy(() -> KeySlot.fromJson(garbage.getBytes(StandardCharsets.UTF_8), "s"))
                    .as("'%s'", garbage).isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void damagedParametersAreReportedAsCorrupt() throws Exception {
        byte[][] damaged = {
                edited(slot, j -> ((ObjectNode) j.get("kdf")).put("memoryKiB", 0)),
                edited(slot, j -> ((ObjectNode) j.get("kdf")).put("iterations", 0)),
                edited(slot, j -> ((ObjectNode) j.get("kdf")).put("salt", "not base64!")),
                edited(slot, j -> j.put("sealedIdentity", "%%%")),
                edited(slot, j -> j.put("recipient", "age1xyz")),
        };
        for (byte[] json : damaged) {
            assertThatThrownBy(() -> KeySlot.fromJson(json, "keys/slots/x"))
                    .as(new String(json, StandardCharsets.UTF_8))
                    .isInstanceOf(CorruptObjectException.class).hasMessageStartingWith("keys/slots/x: ");
        }
    }
}
