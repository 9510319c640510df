package dr.summit.repository.crypto;

import dr.summit.repository.RepositoryException;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The repository's secret key material (docs/repository-format.md, "Keyring"):
 * <ul>
 *   <li>the id key, which names chunks (HMAC-SHA256); it never changes, so dedup survives rotation;</li>
 *   <li>the chunker key, from which chunk boundaries are derived;</li>
 *   <li>the config MAC key, which authenticates the plaintext config object;</li>
 *   <li>one data key per epoch; data is written under the current epoch, older ones stay readable.</li>
 * </ul>
 * The keyring is stored sealed under a keyring key that each key slot wraps.
 */
public final class Keyring implements AutoCloseable {
    private static final byte[] MAGIC = {'S', 'D', 'R', 'K'};
    private static final int VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] idKey;
    private final byte[] chunkerKey;
    private final byte[] configMacKey;
    private final int currentEpoch;
    private final SortedMap<Integer, Epoch> epochs;

    /** One data-key epoch. */
    public record Epoch(int number, Instant created, byte[] dataKey) {
    }

    private Keyring(byte[] idKey, byte[] chunkerKey, byte[] configMacKey, int currentEpoch, SortedMap<Integer, Epoch> epochs) {
        this.idKey = idKey;
        this.chunkerKey = chunkerKey;
        this.configMacKey = configMacKey;
        this.currentEpoch = currentEpoch;
        this.epochs = epochs;
    }

    /** Fresh random key material with epoch 1 as the current epoch. */
    public static Keyring generate(Instant now) {
        SortedMap<Integer, Epoch> epochs = new TreeMap<>();
        epochs.put(1, new Epoch(1, now, random32()));
        return new Keyring(random32(), random32(), random32(), 1, epochs);
    }

    public byte[] idKey() {
        return idKey;
    }

    public byte[] chunkerKey() {
        return chunkerKey;
    }

    public byte[] configMacKey() {
        return configMacKey;
    }

    public int currentEpoch() {
        return currentEpoch;
    }

    public SortedMap<Integer, Epoch> epochs() {
        return Collections.unmodifiableSortedMap(epochs);
    }

    /** The data key of an epoch; fails clearly for an epoch this keyring does not hold. */
    public byte[] dataKey(int epoch) {
        Epoch e = epochs.get(epoch);
        if (e == null) {
            throw new RepositoryException("data-key epoch " + epoch + " is not in the keyring (destroyed or from another repository)");
        }
        return e.dataKey();
    }

    public byte[] encode() {
        ByteWriter w = new ByteWriter(160 + epochs.size() * 48);
        w.bytes(MAGIC).u8(VERSION).bytes(idKey).bytes(chunkerKey).bytes(configMacKey).u32(currentEpoch).u32(epochs.size());
        for (Epoch e : epochs.values()) {
            w.u32(e.number()).i64(e.created().getEpochSecond()).bytes(e.dataKey());
        }
        return w.toByteArray();
    }

    public static Keyring decode(byte[] bytes, String what) {
        ByteReader r = new ByteReader(bytes, what);
        if (!Arrays.equals(r.bytes(4), MAGIC)) {
            throw r.corrupt("not a keyring (bad magic)");
        }
        int version = r.u8();
        if (version != VERSION) {
            throw r.corrupt("unsupported keyring version " + version);
        }
        byte[] idKey = r.bytes(32);
        byte[] chunkerKey = r.bytes(32);
        byte[] macKey = r.bytes(32);
        int current = (int) r.u32();
        int count = r.count(44);
        SortedMap<Integer, Epoch> epochs = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            int number = (int) r.u32();
            Instant created = Instant.ofEpochSecond(r.i64());
            epochs.put(number, new Epoch(number, created, r.bytes(32)));
        }
        r.expectEnd();
        if (!epochs.containsKey(current)) {
            throw r.corrupt("current epoch " + current + " missing");
        }
        return new Keyring(idKey, chunkerKey, macKey, current, epochs);
    }

    static byte[] random32() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** Overwrites the key bytes held by this object; call when done with the repository. */
    @Override
    public void close() {
        Arrays.fill(idKey, (byte) 0);
        Arrays.fill(chunkerKey, (byte) 0);
        Arrays.fill(configMacKey, (byte) 0);
        epochs.values().forEach(e -> Arrays.fill(e.dataKey(), (byte) 0));
    }
}
