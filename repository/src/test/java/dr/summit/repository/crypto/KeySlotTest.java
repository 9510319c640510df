package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import dr.summit.repository.format.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
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
        slot = KeySlot.passphrase(PASSWORD, keyringKey, FAST, "initial", NOW);
    }

    private static byte[] edited(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(slot.toJson());
        edit.accept(json);
        return Json.MAPPER.writeValueAsBytes(json);
    }

    @Test
    void opensWithTheRightPassphrase() {
        assertThat(slot.tryUnwrap(PASSWORD)).isEqualTo(keyringKey);
        assertThat(slot.tryUnwrap("correct horse battery staple".toCharArray())).isEqualTo(keyringKey);
    }

    @Test
    void returnsNullForAWrongPassphrase() {
        for (String wrong : new String[]{"", "correct horse battery stapl", "correct horse battery staple ",
                "Correct horse battery staple", "correct horse battery staplf"}) {
            assertThat(slot.tryUnwrap(wrong.toCharArray())).as("'%s'", wrong).isNull();
        }
    }

    @Test
    void nonAsciiPassphrasesWork() {
        char[] pw = "pässwört 🔑 中文".toCharArray();
        KeySlot s = KeySlot.passphrase(pw, keyringKey, FAST, "x", NOW);
        assertThat(s.tryUnwrap(pw)).isEqualTo(keyringKey);
        assertThat(s.tryUnwrap("passwort 🔑 中文".toCharArray())).isNull();
    }

    @Test
    void slotsRecordTheirParametersAndUseFreshSaltAndId() {
        KeySlot other = KeySlot.passphrase(PASSWORD, keyringKey, FAST, "initial", NOW);
        assertThat(slot.version()).isEqualTo(1);
        assertThat(slot.kind()).isEqualTo(KeySlot.PASSPHRASE);
        assertThat(slot.label()).isEqualTo("initial");
        assertThat(slot.kdf()).extracting(KeySlot.Kdf::algorithm, KeySlot.Kdf::memoryKiB, KeySlot.Kdf::iterations,
                KeySlot.Kdf::parallelism).containsExactly("argon2id", 64, 1, 1);
        assertThat(Base64.getDecoder().decode(slot.kdf().salt())).hasSize(16);
        assertThat(slot.id()).matches("[0-9a-f]{16}");
        assertThat(other.id()).isNotEqualTo(slot.id());
        assertThat(other.kdf().salt()).isNotEqualTo(slot.kdf().salt());
        assertThat(other.wrappedKey()).isNotEqualTo(slot.wrappedKey());
        assertThat(KeySlot.objectName(slot.id())).isEqualTo("keys/slots/" + slot.id());
    }

    @Test
    void jsonRoundTrips() {
        byte[] json = slot.toJson();
        KeySlot back = KeySlot.fromJson(json, "keys/slots/" + slot.id());
        assertThat(back).isEqualTo(slot);
        assertThat(back.tryUnwrap(PASSWORD)).isEqualTo(keyringKey);
        assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain(Base64.getEncoder().encodeToString(keyringKey));
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        byte[] json = edited(j -> j.put("comment", "added by a newer version"));
        assertThat(KeySlot.fromJson(json, "s").tryUnwrap(PASSWORD)).isEqualTo(keyringKey);
    }

    @Test
    void changedIdOrSaltOrWrappedKeyNoLongerOpens() throws Exception {
        byte[] otherId = edited(j -> j.put("id", "0000000000000000"));
        assertThat(KeySlot.fromJson(otherId, "s").tryUnwrap(PASSWORD)).isNull();
        byte[] otherSalt = edited(j -> ((ObjectNode) j.get("kdf")).put("salt", Base64.getEncoder().encodeToString(new byte[16])));
        assertThat(KeySlot.fromJson(otherSalt, "s").tryUnwrap(PASSWORD)).isNull();
        byte[] wrapped = Base64.getDecoder().decode(slot.wrappedKey());
        wrapped[0] ^= 1;
        byte[] otherWrapped = edited(j -> j.put("wrappedKey", Base64.getEncoder().encodeToString(wrapped)));
        assertThat(KeySlot.fromJson(otherWrapped, "s").tryUnwrap(PASSWORD)).isNull();
    }

    @Test
    void otherKindsAreNotTriedWithAPassphrase() throws Exception {
        KeySlot age = KeySlot.fromJson(edited(j -> {
            j.put("kind", "age");
            j.remove("kdf");
        }), "s");
        assertThat(age.tryUnwrap(PASSWORD)).isNull();
    }

    @Test
    void unsupportedVersionIsRejected() throws Exception {
        byte[] v2 = edited(j -> j.put("version", 2));
        assertThatThrownBy(() -> KeySlot.fromJson(v2, "keys/slots/x"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("keys/slots/x: unsupported key slot version 2");
    }

    @Test
    void missingFieldsAreRejected() throws Exception {
        for (String field : new String[]{"id", "kind", "wrappedKey", "kdf"}) {
            byte[] json = edited(j -> j.remove(field));
            assertThatThrownBy(() -> KeySlot.fromJson(json, "s"))
                    .as(field).isInstanceOf(CorruptObjectException.class).hasMessageContaining("missing fields");
        }
    }

    @Test
    void garbageIsNotAKeySlot() {
        for (String garbage : new String[]{"", "{", "[1,2]", "\u0000\u0001binary", "{\"version\":\"one\"}"}) {
            assertThatThrownBy(() -> KeySlot.fromJson(garbage.getBytes(StandardCharsets.UTF_8), "s"))
                    .as("'%s'", garbage).isInstanceOf(CorruptObjectException.class);
        }
    }

    /** Key slots are plaintext files; whatever their bytes, a damaged one is reported as corrupt. */
    @Test
    void jsonNullIsNotAKeySlot() {
        assertThatThrownBy(() -> KeySlot.fromJson("null".getBytes(StandardCharsets.UTF_8), "keys/slots/x"))
                .isInstanceOf(CorruptObjectException.class);
    }

    /**
     * A slot with impossible Argon2 parameters or a salt that is not Base64 is damaged; it must be
     * reported as CorruptObjectException (naming the slot) rather than escape as IllegalArgumentException.
     */
    @Test
    void damagedKdfParametersAreReportedAsCorrupt() throws Exception {
        byte[][] damaged = {
                edited(j -> ((ObjectNode) j.get("kdf")).put("memoryKiB", 0)),
                edited(j -> ((ObjectNode) j.get("kdf")).put("iterations", 0)),
                edited(j -> ((ObjectNode) j.get("kdf")).put("salt", "not base64!")),
                edited(j -> j.put("wrappedKey", "%%%")),
        };
        for (byte[] json : damaged) {
            assertThatThrownBy(() -> KeySlot.fromJson(json, "keys/slots/x").tryUnwrap(PASSWORD))
                    .as(new String(json, StandardCharsets.UTF_8))
                    .isInstanceOf(CorruptObjectException.class);
        }
    }
}
