package dr.summit.repository.crypto;

import dr.summit.repository.RepositoryException;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The repository's secret key material (docs/repository-format.md, "Keyring"):
 * <ul>
 *   <li>the id key, which names chunks (HMAC-SHA256); it never changes, so dedup survives rotation;</li>
 *   <li>the chunker key, from which chunk boundaries are derived;</li>
 *   <li>the config MAC key, which authenticates the plaintext config object;</li>
 *   <li>one data key per epoch; data is written under the current epoch, older ones stay readable
 *       until re-encryption destroys them (their ids stay listed as destroyed, so a reader can say
 *       why an object cannot be opened).</li>
 * </ul>
 * Epoch ids are random 32-bit numbers, not counters: two processes that rotate at the same moment
 * (the 90-day policy is checked by every write) create two epochs that never collide, and the
 * keyrings they write are merged by {@link #merge}. A keyring is immutable; every change returns a
 * new one with a higher generation.
 */
public final class Keyring implements AutoCloseable {
    private static final byte[] MAGIC = {'S', 'D', 'R', 'K'};
    private static final int VERSION = 2;
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final int DEFAULT_ROTATION_DAYS = 90;

    private final long generation;
    private final byte[] idKey;
    private final byte[] chunkerKey;
    private final byte[] configMacKey;
    private final int rotationDays;
    private final int currentEpoch;
    private final Map<Integer, Epoch> epochs;
    private final Map<Integer, Destroyed> destroyed;

    /** One data-key epoch. */
    public record Epoch(int id, Instant created, byte[] dataKey) {
        public String hex() {
            return epochHex(id);
        }
    }

    /** An epoch whose key was destroyed after re-encryption. */
    public record Destroyed(int id, Instant created, Instant destroyedAt) {
    }

    private Keyring(long generation, byte[] idKey, byte[] chunkerKey, byte[] configMacKey, int rotationDays,
                    int currentEpoch, Map<Integer, Epoch> epochs, Map<Integer, Destroyed> destroyed) {
        if (rotationDays < 1 || rotationDays > 65535) {
            throw new IllegalArgumentException("rotation period must be 1..65535 days, got " + rotationDays);
        }
        this.generation = generation;
        this.idKey = idKey;
        this.chunkerKey = chunkerKey;
        this.configMacKey = configMacKey;
        this.rotationDays = rotationDays;
        this.currentEpoch = currentEpoch;
        this.epochs = epochs;
        this.destroyed = destroyed;
    }

    /** Fresh random key material with one epoch, generation 1. */
    public static Keyring generate(Instant now) {
        Map<Integer, Epoch> epochs = new TreeMap<>();
        int id = newEpochId(Set.of());
        epochs.put(id, new Epoch(id, truncate(now), random32()));
        return new Keyring(1, random32(), random32(), random32(), DEFAULT_ROTATION_DAYS, id, epochs, new TreeMap<>());
    }

    /** A new keyring whose current epoch is a fresh one; all epochs so far stay readable. */
    public Keyring rotate(Instant now) {
        Map<Integer, Epoch> next = copyEpochs();
        int id = newEpochId(union(next.keySet(), destroyed.keySet()));
        next.put(id, new Epoch(id, truncate(now), random32()));
        return new Keyring(generation + 1, idKey.clone(), chunkerKey.clone(), configMacKey.clone(), rotationDays, id, next,
                new TreeMap<>(destroyed));
    }

    /** A new keyring with another rotation period. */
    public Keyring withRotationDays(int days) {
        return new Keyring(generation + 1, idKey.clone(), chunkerKey.clone(), configMacKey.clone(), days, currentEpoch,
                copyEpochs(), new TreeMap<>(destroyed));
    }

    /** A new keyring without the keys of {@code retired} (never the current epoch). */
    public Keyring destroy(Collection<Integer> retired, Instant now) {
        if (retired.contains(currentEpoch)) {
            throw new IllegalArgumentException("the current epoch cannot be destroyed");
        }
        Map<Integer, Epoch> next = copyEpochs();
        Map<Integer, Destroyed> gone = new TreeMap<>(destroyed);
        for (int id : retired) {
            Epoch e = next.remove(id);
            if (e != null) {
                Arrays.fill(e.dataKey(), (byte) 0);
                gone.put(id, new Destroyed(id, e.created(), truncate(now)));
            }
        }
        return new Keyring(generation + 1, idKey.clone(), chunkerKey.clone(), configMacKey.clone(), rotationDays, currentEpoch,
                next, gone);
    }

    /**
     * Unites keyrings written concurrently (two rotations from the same parent): every epoch of
     * any of them, minus those any of them destroyed; the current epoch is the current one of the
     * highest generation (several there: the newest, then the larger id, so every process picks
     * the same). The generation is the highest.
     */
    public static Keyring merge(List<Keyring> keyrings) {
        if (keyrings.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        Keyring first = keyrings.get(0);
        if (keyrings.size() == 1) {
            return first.copy();
        }
        Map<Integer, Destroyed> gone = new TreeMap<>();
        Map<Integer, Epoch> all = new TreeMap<>();
        long generation = 0;
        int rotationDays = first.rotationDays;
        for (Keyring k : keyrings) {
            if (!Arrays.equals(k.idKey, first.idKey)) {
                throw new RepositoryException("keyrings of different repositories cannot be merged");
            }
            gone.putAll(k.destroyed);
            k.epochs.values().forEach(e -> all.putIfAbsent(e.id(), new Epoch(e.id(), e.created(), e.dataKey().clone())));
            if (k.generation > generation) {
                generation = k.generation;
                rotationDays = k.rotationDays;
            }
        }
        gone.keySet().forEach(all::remove);
        long top = generation;
        Epoch current = keyrings.stream().filter(k -> k.generation == top && all.containsKey(k.currentEpoch))
                .map(k -> all.get(k.currentEpoch))
                .max(Comparator.comparing(Epoch::created).thenComparing(Epoch::id))
                .orElseGet(() -> all.values().stream().max(Comparator.comparing(Epoch::created).thenComparing(Epoch::id)).orElseThrow());
        return new Keyring(generation, first.idKey.clone(), first.chunkerKey.clone(), first.configMacKey.clone(), rotationDays,
                current.id(), all, gone);
    }

    private Keyring copy() {
        return new Keyring(generation, idKey.clone(), chunkerKey.clone(), configMacKey.clone(), rotationDays, currentEpoch,
                copyEpochs(), new TreeMap<>(destroyed));
    }

    private Map<Integer, Epoch> copyEpochs() {
        Map<Integer, Epoch> copy = new TreeMap<>();
        epochs.values().forEach(e -> copy.put(e.id(), new Epoch(e.id(), e.created(), e.dataKey().clone())));
        return copy;
    }

    public long generation() {
        return generation;
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

    public int rotationDays() {
        return rotationDays;
    }

    public int currentEpoch() {
        return currentEpoch;
    }

    public Epoch current() {
        return epochs.get(currentEpoch);
    }

    /** Whether the current epoch is older than the rotation period at {@code now}. */
    public boolean rotationDue(Instant now) {
        return Duration.between(current().created(), now).compareTo(Duration.ofDays(rotationDays)) >= 0;
    }

    /** Readable epochs by id. */
    public Map<Integer, Epoch> epochs() {
        return Collections.unmodifiableMap(epochs);
    }

    /** Epochs whose keys were destroyed, by id. */
    public Map<Integer, Destroyed> destroyed() {
        return Collections.unmodifiableMap(destroyed);
    }

    /** Ids of the epochs that are readable but no longer written to. */
    public List<Integer> retiredEpochs() {
        List<Integer> retired = new ArrayList<>(epochs.keySet());
        retired.remove((Integer) currentEpoch);
        return retired;
    }

    /** The data key of an epoch; fails clearly for an epoch this keyring does not hold. */
    public byte[] dataKey(int epoch) {
        Epoch e = epochs.get(epoch);
        if (e == null) {
            Destroyed d = destroyed.get(epoch);
            throw new RepositoryException("data-key epoch " + epochHex(epoch) + (d != null
                    ? " was destroyed on " + d.destroyedAt() + " after re-encryption; this object should not exist any more"
                    : " is not in the keyring (from another repository, or written after this process read the keyring)"));
        }
        return e.dataKey();
    }

    public boolean hasEpoch(int epoch) {
        return epochs.containsKey(epoch);
    }

    /** Whether the epoch existed here once and its key was destroyed after re-encryption. */
    public boolean wasDestroyed(int epoch) {
        return destroyed.containsKey(epoch);
    }

    public byte[] encode() {
        ByteWriter w = new ByteWriter(160 + epochs.size() * 44 + destroyed.size() * 20);
        w.bytes(MAGIC).u8(VERSION).i64(generation).bytes(idKey).bytes(chunkerKey).bytes(configMacKey)
                .u16(rotationDays).u32(currentEpoch & 0xffffffffL).u32(epochs.size());
        for (Epoch e : epochs.values()) {
            w.u32(e.id() & 0xffffffffL).i64(e.created().getEpochSecond()).bytes(e.dataKey());
        }
        w.u32(destroyed.size());
        for (Destroyed d : destroyed.values()) {
            w.u32(d.id() & 0xffffffffL).i64(d.created().getEpochSecond()).i64(d.destroyedAt().getEpochSecond());
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
        long generation = r.i64();
        byte[] idKey = r.bytes(32);
        byte[] chunkerKey = r.bytes(32);
        byte[] macKey = r.bytes(32);
        int rotationDays = r.u16();
        int current = (int) r.u32();
        int count = r.count(44);
        Map<Integer, Epoch> epochs = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            int id = (int) r.u32();
            Instant created = Instant.ofEpochSecond(r.i64());
            epochs.put(id, new Epoch(id, created, r.bytes(32)));
        }
        int destroyedCount = r.count(20);
        Map<Integer, Destroyed> destroyed = new TreeMap<>();
        for (int i = 0; i < destroyedCount; i++) {
            int id = (int) r.u32();
            destroyed.put(id, new Destroyed(id, Instant.ofEpochSecond(r.i64()), Instant.ofEpochSecond(r.i64())));
        }
        r.expectEnd();
        if (!epochs.containsKey(current)) {
            throw r.corrupt("current epoch " + epochHex(current) + " missing");
        }
        if (rotationDays < 1) {
            throw r.corrupt("rotation period of 0 days");
        }
        return new Keyring(generation, idKey, chunkerKey, macKey, rotationDays, current, epochs, destroyed);
    }

    public static String epochHex(int epoch) {
        return HexFormat.of().toHexDigits(epoch);
    }

    private static int newEpochId(Set<Integer> taken) {
        while (true) {
            int id = RANDOM.nextInt();
            if (id != 0 && !taken.contains(id)) {
                return id;
            }
        }
    }

    private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
        Set<Integer> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static Instant truncate(Instant t) {
        return Instant.ofEpochSecond(t.getEpochSecond());
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
